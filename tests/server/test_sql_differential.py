"""Differential test of the embedded server's SQL rendering of criteria.

Random project trees, with users, time logs, assets with their versions and file
components, custom attributes (configurations, with values set on some contexts), notes with
their recipients, and lists with their items hanging on them, are created on a fresh
embedded server in one batch; random criteria ASTs over the model's real attributes and
paths are rendered to canonical text and queried (``select id from <Type> where
<criteria>``); the rows that come back, as (concrete type, id) pairs, must be exactly those
the naive evaluator in `tests.naive_eval` selects from the same world. The world is built
from the same specs, using the server's own seeded statuses, types, priorities, object
types, project schema and user, and is first checked against what the server stored
(derived fields included), so a disagreement points at the query, not the data. Each
example runs on ftorm's standard schema or on the recorded 116-type schema of a real server
(``tests/data``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ftorm.errors import ValidationError
from ftorm.query import ast
from ftorm.query.parser import parse
from ftorm.schema.load import load_schema_file
from ftorm.schema.types import Schema
from ftorm.server.handlers import Server
from ftorm.transport.inprocess import InProcessTransport
from tests.paths import RECORDED_SCHEMA
from tests.server import naive_eval
from tests.server.strategies import (
    AssetSpec,
    ComponentSpec,
    ContextSpec,
    Lookups,
    ProjectSpec,
    TimelogSpec,
    UserSpec,
    VersionSpec,
    build,
    like_patterns,
    query_cases,
    vocabulary,
    world_specs,
)

SCHEMAS = ("standard", "recorded")
"""ftorm's standard schema, and the recorded 116-type one of a real server."""


@functools.cache
def _schema(name: str) -> Schema | None:
    return load_schema_file(RECORDED_SCHEMA) if name == "recorded" else None


_CONTEXT_COLUMNS = (
    "name",
    "description",
    "bid",
    "sort",
    "start_date",
    "end_date",
    "parent_id",
    "project_id",
    "status_id",
    "type_id",
    "priority_id",
    "object_type_id",
    "context_type",
)


def _call(server: Server, operations: list[dict[str, Any]]) -> list[Any]:
    """The batch's results through the in-process transport (errors raise `ServerError`)."""
    return InProcessTransport(server).call(operations)


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and value.get("__type__") == "datetime":
        return naive_eval.parse_datetime(value["value"])
    return value


def _query_rows(server: Server, query: ast.Select) -> list[dict[str, Any]]:
    """All rows of ``query``, following ``metadata.next.offset`` (bounded)."""
    rows: list[dict[str, Any]] = []
    offset: int | None = 0
    for _ in range(100):
        page = query if not offset else ast.Select(**{**_fields(query), "offset": offset})
        (answer,) = _call(server, [{"action": "query", "expression": str(page)}])
        rows.extend(answer["data"])
        offset = answer["metadata"]["next"]["offset"]
        if offset is None:
            return rows
    pytest.fail(f"paging did not end for {query}")


def _fields(query: ast.Select) -> dict[str, Any]:
    return {
        "entity_type": query.entity_type,
        "projections": query.projections,
        "where": query.where,
        "group_by": query.group_by,
        "order_by": query.order_by,
        "offset": query.offset,
        "limit": query.limit,
    }


def _select(type_id: str, *attributes: str) -> ast.Select:
    return ast.Select(type_id, projections=tuple(ast.Path.of(a) for a in attributes))


def _lookups(server: Server) -> Lookups:
    """The server's seeded workflow entities, in the shape `build` wants."""
    entities: list[tuple[str, dict[str, Any]]] = []
    for row in _query_rows(server, _select("Status", "id", "name", "is_active", "sort", "state")):
        state = row.pop("state")
        row["state_id"] = state["id"] if state else None
        entities.append(("Status", row))
    for type_id, attributes in (
        ("State", ("id", "name", "short")),
        ("Type", ("id", "name", "sort")),
        ("Priority", ("id", "name", "sort", "value")),
        ("ObjectType", ("id", "name")),
        ("ProjectSchema", ("id", "name")),
        ("User", ("id", "username", "first_name", "last_name")),
    ):
        entities.extend(
            (type_id, row) for row in _query_rows(server, _select(type_id, *attributes))
        )
    for _, values in entities:
        values.pop("__entity_type__", None)
    return Lookups(tuple(entities))


def _assert_stored_as_modelled(server: Server, world: naive_eval.World) -> None:
    """The server holds the world's contexts with the same values, derived ones included."""
    rows = _query_rows(server, _select("TypedContext", "id", *_CONTEXT_COLUMNS))
    rows += _query_rows(
        server,
        _select("Project", "id", "name", "full_name", "status", "is_private", "start_date"),
    )
    assert {row["id"] for row in rows} == {e.id for e in world.of_type("Context")}
    for row in rows:
        entity = world.by_id[row["id"]]
        assert row["__entity_type__"] == entity.type
        for key, value in row.items():
            if key in ("__entity_type__",) or (
                isinstance(value, dict) and "__entity_type__" in value
            ):
                continue
            assert _decode(value) == entity.values.get(key), (entity.type, key, row)
    for type_id in _EXTRA_TYPES:
        _assert_rows_as_modelled(server, world, type_id)
    _assert_custom_attributes_as_modelled(server, world)


def _assert_custom_attributes_as_modelled(server: Server, world: naive_eval.World) -> None:
    """Every context's ``custom_attributes`` are the items the model computes, in order."""
    served = {
        row["id"]: [
            (item["configuration_id"], item["key"], item.get("value"))
            for item in row["custom_attributes"]
        ]
        for row in _query_rows(server, _select("Context", "custom_attributes"))
    }
    attr = naive_eval.MODEL["Context"]["custom_attributes"]
    for entity in world.of_type("Context"):
        items = world.related(entity, attr)
        expected = [
            (i.values["configuration_id"], i.values["key"], i.values["value"]) for i in items
        ]
        assert served[entity.id] == expected, (entity.type, entity.values.get("name"))


_EXTRA_TYPES = (
    "User",
    "Timelog",
    "Asset",
    "AssetVersion",
    "Component",
    "CustomAttributeConfiguration",
    "Note",
    "List",
)
"""The modelled types beyond the project tree; `Component` covers file components, `List`
both kinds of list."""


def _assert_rows_as_modelled(server: Server, world: naive_eval.World, type_id: str) -> None:
    """The server holds the world's ``type_id`` entities with the same modelled values."""
    scalars = [n for n, a in naive_eval.MODEL[type_id].items() if a.is_scalar]
    rows = _query_rows(server, _select(type_id, *scalars))
    assert {row["id"] for row in rows} == {e.id for e in world.of_type(type_id)}, type_id
    for row in rows:
        entity = world.by_id[row["id"]]
        assert row["__entity_type__"] == entity.type
        for key in scalars:
            assert _decode(row.get(key)) == entity.values.get(key), (entity.type, key, row)


def _server_ids(server: Server, query: ast.Select) -> set[tuple[str, str]]:
    return {(row["__entity_type__"], row["id"]) for row in _query_rows(server, query)}


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(schema=st.sampled_from(SCHEMAS), projects=world_specs(), data=st.data())
def test_sql_rows_equal_naive_rows(
    schema: str, projects: tuple[ProjectSpec, ...], data: st.DataObject
) -> None:
    server = Server(_schema(schema))
    try:
        operations, world = build(projects, _lookups(server))
        _call(server, operations)
        _assert_stored_as_modelled(server, world)
        vocab = vocabulary(world)
        # Single comparisons show each operator's semantics plainly; nested criteria mix them.
        single = st.lists(query_cases(vocab, depths=(0,)), min_size=6, max_size=12)
        nested = st.lists(query_cases(vocab, depths=(1, 2)), min_size=6, max_size=12)
        cases = data.draw(single, label="single") + data.draw(nested, label="nested")
        # like carries the most rules (case, wildcards, escapes): a few patterns on names too.
        names = st.sampled_from(sorted(vocab.strings.get("Context.name", ("",))))
        patterns = data.draw(st.lists(like_patterns(names), min_size=3, max_size=6), label="like")
        cases += [
            ("Context", ast.Comparison(ast.Path.of("name"), operator, ast.String(pattern)))
            for pattern in patterns
            for operator in (ast.Operator.LIKE, ast.Operator.NOT_LIKE)
        ]
        for type_id, criteria in cases:
            query = ast.Select(type_id, projections=(ast.Path.of("id"),), where=criteria)
            text = str(query)
            assert parse(text) == query, f"renderer/parser round trip lost something: {text}"
            expected = {(e.type, e.id) for e in naive_eval.select(world, query)}
            try:
                got = _server_ids(server, query)
            except ValidationError as error:
                # SQLite's parser has a fixed stack: deep relation nesting (ancestors inside
                # subqueries, several levels down) is refused with this one message.
                if "too complex for the embedded server" not in str(error):
                    raise
                event("refused as too complex for SQLite")
                continue
            assert got == expected, (
                f"{text}\n  only server: {sorted(got - expected)}"
                f"\n  only naive:  {sorted(expected - got)}"
            )
    finally:
        server.close()


@pytest.fixture
def small_tree() -> Iterator[tuple[Server, naive_eval.World]]:
    """A project with one sequence holding a shot (named ``sh`` and a backslash), an asset on
    the sequence with one version and one component, and a user's time log on the shot; and a
    second, empty project."""
    server = Server()
    noon, midnight = dt.datetime(2024, 1, 1, 12), dt.datetime(2024, 1, 2)
    shot = ContextSpec("Shot", "sh\\", None, 2.5, 0.0, midnight, None, 0, 0, 0)
    sequence = ContextSpec("Sequence", "sq", "d", 1.0, 0.0, noon, None, 0, 0, 0, (shot,))
    specs = (
        ProjectSpec(
            "p",
            None,
            "active",
            False,
            None,
            None,
            (sequence,),
            users=(UserSpec("u", None),),
            assets=(
                AssetSpec("a", 1, (VersionSpec(1, "c", True, (ComponentSpec("m", 2, None),)),)),
            ),
            timelogs=(TimelogSpec(2, 1, noon, 1.5, "t"),),
        ),
        ProjectSpec("q", None, "active", False, None, None, ()),
    )
    operations, world = build(specs, _lookups(server))
    _call(server, operations)
    yield server, world
    server.close()


@pytest.mark.parametrize(
    ("type_id", "text"),
    [
        ("Context", "parent.id is_not none"),
        ("Context", 'parent.name is_not "p"'),
        ("Context", 'parent.name not_like "x%"'),
        ("Context", 'parent.name not_in ("p")'),
        ("Project", 'children.name is_not "sq"'),
        ("Sequence", 'children.name not_like "sh%"'),
        ("Sequence", 'parent[TypedContext].description is_not "d"'),
    ],
)
def test_negated_operator_through_a_relation(
    small_tree: tuple[Server, naive_eval.World], type_id: str, text: str
) -> None:
    """``a.b is_not v`` is ``a has (b is_not v)``: the negation stays at the attribute.

    (The server first negated the whole path, ``NOT EXISTS (... is ...)``, so an entity
    without a parent matched ``parent.id is_not none``; this pins the fix.)"""
    server, world = small_tree
    query = parse(f"select id from {type_id} where {text}")
    grouped = parse(f"select id from {type_id} where {_as_has(text)}")
    expected = {(e.type, e.id) for e in naive_eval.select(world, query)}
    assert expected == {(e.type, e.id) for e in naive_eval.select(world, grouped)}
    assert _server_ids(server, grouped) == expected
    assert _server_ids(server, query) == expected


def _as_has(text: str) -> str:
    head, _, rest = text.partition(".")
    relation = head.partition("[")[0]
    kind = "any" if relation == "children" else "has"
    return f"{head} {kind} ({rest})"


def test_negated_operator_on_a_direct_attribute_is_the_complement(
    small_tree: tuple[Server, naive_eval.World],
) -> None:
    server, world = small_tree
    for text in ('description is_not "d"', 'description not_like "d"', "description not_in (d)"):
        query = parse(f"select id from TypedContext where {text}")
        expected = {(e.type, e.id) for e in naive_eval.select(world, query)}
        assert _server_ids(server, query) == expected
        assert len(expected) == 1  # the shot, whose description is missing


@pytest.mark.parametrize(
    ("type_id", "text"),
    [
        # The value `sh\` as a pattern: a trailing lone backslash is literal.
        ("TypedContext", r'name like "sh\\"'),
        ("TypedContext", r'name like "SH\\\\"'),  # an escaped backslash
        ("TypedContext", 'name like "s_"'),
        ("TypedContext", 'name in ("")'),  # how ftrack-query sends an empty list
        ("TypedContext", 'name not_in ("")'),
        ("TypedContext", 'start_date after "2024-01-01"'),
        ("TypedContext", 'start_date after "2024-01-01T12:00:00"'),
        ("TypedContext", 'start_date is "2024-01-02"'),
        ("TypedContext", 'start_date >= "2024-01-02T00:00:00Z"'),
        ("TypedContext", 'start_date before "2024-01-02T01:00:00+02:00"'),
        ("TypedContext", 'start_date before "2024-01-01T13:00:00.500000"'),
        ("TypedContext", "bid > 1"),
        ("TypedContext", 'bid is "2.5"'),
        ("TypedContext", "bid in (1, 2.5)"),
        ("TypedContext", "description in (none)"),
        ("TypedContext", "description not_in (d, none)"),
        ("TypedContext", "not (description is d or bid > 2)"),
        ("Context", "not children any ()"),
        ("Context", "children any ()"),
        ("Context", "parent has ()"),
        ("Project", "descendants[Shot] any (parent.name is sq)"),
        ("Shot", "ancestors any ()"),
        ("Shot", "parent is_not none"),
        ("Context", "id in (select parent_id from Context)"),
        ("Context", "id not_in (select parent_id from Context)"),
        ("Context", "name in (select description from TypedContext)"),
        ("Shot", 'status.state.short in ("NOT_STARTED", "DONE")'),
        ("Asset", "versions.components any (size > 1)"),
        ("Component", "version.asset.parent.name is sq"),
        ("FileComponent", "file_type is none and system_type is file"),
        ("AssetVersion", "not components any ()"),
        ("Context", "assets any ()"),
        ("Context", "timelogs.user.first_name is u"),
        ("User", 'timelogs any (context[Shot].name like "SH%")'),
        ("User", "not timelogs any ()"),
        ("Timelog", 'start after "2024-01-01" and duration >= 1.5'),
    ],
)
def test_edge_cases(small_tree: tuple[Server, naive_eval.World], type_id: str, text: str) -> None:
    """Hand-picked corners: escapes, empty lists, date forms, missing values, empty bodies."""
    server, world = small_tree
    query = parse(f"select id from {type_id} where {text}")
    expected = {(e.type, e.id) for e in naive_eval.select(world, query)}
    assert _server_ids(server, query) == expected
