"""Differential test of the embedded server's SQL rendering of criteria.

Random project trees are created on a fresh embedded server in one batch; random criteria
ASTs over the model's real attributes and paths are rendered to canonical text and queried
(``select id from <Type> where <criteria>``); the rows that come back, as (concrete type, id)
pairs, must be exactly those the naive evaluator in `tests.naive_eval` selects from the same
world. The world is built from the same specs, using the server's own seeded statuses, types,
priorities, object types and project schema, and is first checked against what the server
stored (derived fields included), so a disagreement points at the query, not the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftorm.query import ast
from ftorm.query.parser import parse
from ftorm.server.handlers import Server
from ftorm.transport.inprocess import InProcessTransport
from tests import naive_eval
from tests.strategies import (
    ContextSpec,
    Lookups,
    ProjectSpec,
    build,
    query_cases,
    vocabulary,
    world_specs,
)

NEGATED = frozenset({ast.Operator.NE, ast.Operator.NOT_IN, ast.Operator.NOT_LIKE})

KNOWN_BUG_NEGATION = (
    "server bug: a negated operator through a relation (parent.name is_not x, "
    "children.name not_like x) is rendered as NOT EXISTS(... positive ...), negating the "
    "whole path instead of the one value compared, so entities without the relation match"
)

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
    return InProcessTransport(server).call(operations)  # type: ignore[arg-type]


def _entities(value: Any) -> Iterator[dict[str, Any]]:
    """Every entity object in a decoded response, nested ones included."""
    if isinstance(value, dict):
        if "__entity_type__" in value:
            yield value
        for item in value.values():
            yield from _entities(item)
    elif isinstance(value, list):
        for item in value:
            yield from _entities(item)


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and value.get("__type__") == "datetime":
        return naive_eval.parse_datetime(value["value"])
    return value


def _query_rows(server: Server, query: ast.Query) -> list[dict[str, Any]]:
    """All rows of ``query``, following ``metadata.next.offset`` (bounded)."""
    rows: list[dict[str, Any]] = []
    offset: int | None = 0
    for _ in range(100):
        page = query if not offset else ast.Query(**{**_fields(query), "offset": offset})
        (answer,) = _call(server, [{"action": "query", "expression": str(page)}])
        rows.extend(answer["data"])
        offset = answer["metadata"]["next"]["offset"]
        if offset is None:
            return rows
    pytest.fail(f"paging did not end for {query}")


def _fields(query: ast.Query) -> dict[str, Any]:
    return {
        "entity_type": query.entity_type,
        "projections": query.projections,
        "where": query.where,
        "group_by": query.group_by,
        "order_by": query.order_by,
        "offset": query.offset,
        "limit": query.limit,
    }


def _select(type_id: str, *attributes: str) -> ast.Query:
    return ast.Query(type_id, projections=tuple(ast.Path.of(a) for a in attributes))


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


def _server_ids(server: Server, query: ast.Query) -> set[tuple[str, str]]:
    return {(row["__entity_type__"], row["id"]) for row in _query_rows(server, query)}


def negates_through_relation(criterion: ast.Criterion | None) -> bool:
    """Whether ``criterion`` has a negated comparison through a relation (`KNOWN_BUG_NEGATION`)."""
    if isinstance(criterion, ast.Comparison):
        operand = criterion.operand
        nested = isinstance(operand, ast.Subquery) and negates_through_relation(operand.query.where)
        return nested or (criterion.operator in NEGATED and len(criterion.path.segments) > 1)
    if isinstance(criterion, ast.Relation):
        return negates_through_relation(criterion.criteria)
    if isinstance(criterion, (ast.And, ast.Or)):
        return any(negates_through_relation(part) for part in criterion.operands)
    if isinstance(criterion, ast.Not):
        return negates_through_relation(criterion.operand)
    return False


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(projects=world_specs(), data=st.data())
def test_sql_rows_equal_naive_rows(projects: tuple[ProjectSpec, ...], data: st.DataObject) -> None:
    server = Server()
    try:
        operations, world = build(projects, _lookups(server))
        _call(server, operations)
        _assert_stored_as_modelled(server, world)
        vocab = vocabulary(world)
        cases = data.draw(st.lists(query_cases(vocab), min_size=1, max_size=6), label="cases")
        for type_id, criteria in cases:
            if negates_through_relation(criteria):
                continue  # KNOWN_BUG_NEGATION: see test_negated_operator_through_a_relation
            query = ast.Query(type_id, projections=(ast.Path.of("id"),), where=criteria)
            text = str(query)
            assert parse(text) == query, f"renderer/parser round trip lost something: {text}"
            expected = {(e.type, e.id) for e in naive_eval.select(world, query)}
            got = _server_ids(server, query)
            assert got == expected, (
                f"{text}\n  only server: {sorted(got - expected)}"
                f"\n  only naive:  {sorted(expected - got)}"
            )
    finally:
        server.close()


@pytest.fixture
def small_tree() -> Iterator[tuple[Server, naive_eval.World]]:
    """A project with one sequence holding a shot, and a second, empty project."""
    server = Server()
    shot = ContextSpec("Shot", "sh", None, 0.0, 0.0, None, None, 0, 0, 0)
    sequence = ContextSpec("Sequence", "sq", "d", 0.0, 0.0, None, None, 0, 0, 0, (shot,))
    specs = (
        ProjectSpec("p", None, "active", False, None, None, (sequence,)),
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
        ("Sequence", 'parent[TypedContext].description is_not "d"'),
    ],
)
@pytest.mark.xfail(strict=True, reason=KNOWN_BUG_NEGATION)
def test_negated_operator_through_a_relation(
    small_tree: tuple[Server, naive_eval.World], type_id: str, text: str
) -> None:
    """``a.b is_not v`` is ``a has (b is_not v)``: the negation stays at the attribute."""
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
