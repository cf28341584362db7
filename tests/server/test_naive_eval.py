"""The naive evaluator on hand-built data: one test per semantic choice of its docstring,
plus laws that must hold on random worlds and criteria (no server needed)."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftorm.errors import InvalidValueError, UnknownAttributeError, UnknownTypeError
from ftorm.query import ast
from ftorm.schema.load import load_schema_file
from ftorm.schema.standard import standard_schema
from ftorm.schema.types import Schema
from tests.paths import RECORDED_SCHEMA
from tests.server import naive_eval as ne
from tests.server.strategies import (
    STANDARD_LOOKUPS,
    ProjectSpec,
    build,
    criteria,
    query_cases,
    vocabulary,
    world_specs,
)

STATUS_NEW, STATUS_DONE = STANDARD_LOOKUPS.ids("Status")
TYPE_ANIM, TYPE_COMP = STANDARD_LOOKUPS.ids("Type")
PRIORITY = STANDARD_LOOKUPS.ids("Priority")[0]


def _world() -> ne.World:
    """proj ─ sq1 ─ sh1 ─ anim (Task)
                     └ sh2 (no description, no dates)
           └ sh3 (shot directly under the project)
    other (project without children)"""
    world = ne.World()
    for type_id, values in STANDARD_LOOKUPS.entities:
        world.add(type_id, values)

    def context(kind: str, entity_id: str, name: str, parent: str, **values: object) -> None:
        world.add(
            kind,
            {
                "id": entity_id,
                "name": name,
                "parent_id": parent,
                "status_id": STATUS_NEW,
                "type_id": TYPE_ANIM,
                "priority_id": PRIORITY,
                "bid": 0,
                "sort": 0,
                **values,
            },
        )

    world.add("Project", {"id": "proj", "name": "proj", "status": "active", "parent_id": None})
    world.add("Project", {"id": "other", "name": "Other", "status": "hidden", "parent_id": None})
    context("Sequence", "sq1", "sq%1", "proj", description="First")
    context(
        "Shot",
        "sh1",
        "sh_1",
        "sq1",
        description="a\\b",
        bid=2.5,
        start_date=dt.datetime(2024, 1, 2),
        status_id=STATUS_DONE,
    )
    context("Shot", "sh2", "SH2", "sq1")
    context("Shot", "sh3", "sh3", "proj", description="x", start_date=dt.datetime(2024, 1, 1, 12))
    context("Task", "anim", "anim", "sh1", type_id=TYPE_COMP, bid=1)
    world.derive_context_fields()
    return world


WORLD = _world()


def ids(type_id: str, text: str) -> set[str]:
    """Ids selected by criteria written as text (parsed by ftorm's parser)."""
    query = ast.Select(type_id, where=_criteria(text))
    return {entity.id for entity in ne.select(WORLD, query)}


def _criteria(text: str) -> ast.Criterion:
    from ftorm.query.parser import parse

    where = parse(f"Context where {text}").where
    assert where is not None
    return where


def test_derived_fields() -> None:
    shot = WORLD.by_id["sh1"].values
    assert shot["context_type"] == "task"
    assert shot["project_id"] == "proj"
    assert shot["object_type_id"] == ne.OBJECT_TYPE_IDS["Shot"]
    assert WORLD.by_id["proj"].values["context_type"] == "show"


def test_polymorphic_types() -> None:
    assert ids("Context", 'name like "%"') == {"proj", "other", "sq1", "sh1", "sh2", "sh3", "anim"}
    assert ids("TypedContext", 'name like "%"') == {"sq1", "sh1", "sh2", "sh3", "anim"}
    assert ids("Shot", 'name like "%"') == {"sh1", "sh2", "sh3"}


def test_missing_values() -> None:
    assert ids("Shot", 'description is_not "x"') == {"sh1", "sh2"}
    assert ids("Shot", 'not description is "x"') == {"sh1", "sh2"}
    assert ids("Shot", "description is none") == {"sh2"}
    assert ids("Shot", "description is_not none") == {"sh1", "sh3"}
    assert ids("Shot", 'description < "z"') == {"sh1", "sh3"}
    assert ids("Shot", 'not description < "z"') == {"sh2"}
    assert ids("Shot", 'description not_like "%"') == {"sh2"}


def test_none_operand_with_other_operators_is_false() -> None:
    assert ids("Shot", "bid > none") == set()
    assert ids("Shot", "not bid > none") == {"sh1", "sh2", "sh3"}


def test_paths_through_references_are_existential() -> None:
    assert ids("Shot", 'parent.name is "sq%1"') == {"sh1", "sh2"}
    assert ids("Shot", 'parent.name is_not "sq%1"') == {"sh3"}
    # A project has no parent: nothing about its parent holds, negated operators included.
    assert ids("Context", "parent.name is none") == set()
    assert ids("Context", "parent.id is_not none") == {"sq1", "sh1", "sh2", "sh3", "anim"}
    assert ids("Context", 'parent.name not_like "x%"') == {"sq1", "sh1", "sh2", "sh3", "anim"}
    assert ids("Context", 'not parent.name is "proj"') == {"proj", "other", "sh1", "sh2", "anim"}
    assert ids("Shot", "parent[TypedContext].description is none") == set()
    assert ids("Shot", "parent.parent.name is proj") == {"sh1", "sh2"}
    assert ids("Shot", 'status.state.short is "DONE"') == {"sh1"}


def test_paths_through_collections_are_existential_per_condition() -> None:
    assert ids("Sequence", 'children.name is "SH2"') == {"sq1"}
    assert ids("Sequence", 'children.name is "SH2" and children[Shot].bid is 2.5') == {"sq1"}
    assert ids("Sequence", 'children[Shot] any (name is "SH2" and bid is 2.5)') == set()
    assert ids("Project", 'children.name is_not "sq%1"') == {"proj"}  # sh3
    assert ids("Sequence", 'children.name is_not "SH2"') == {"sq1"}  # sh1
    assert ids("Sequence", 'not children.name is "SH2"') == set()
    assert ids("Project", "not children any ()") == {"other"}
    assert ids("Project", "children any ()") == {"proj"}


def test_ancestors_and_descendants_are_typed_contexts() -> None:
    assert ids("Task", 'ancestors.name is "sq%1"') == {"anim"}
    assert ids("Task", 'ancestors.name is "proj"') == set()
    assert ids("Project", 'descendants.name is "anim"') == {"proj"}
    assert ids("Sequence", "descendants any (bid is 1)") == {"sq1"}


def test_has_and_any() -> None:
    assert ids("Shot", 'parent has (name like "SQ%")') == {"sh1", "sh2"}
    assert ids("Shot", "parent has ()") == {"sh1", "sh2", "sh3"}
    assert ids("Context", "not parent has ()") == {"proj", "other"}
    assert ids("Task", 'not parent[TypedContext] has (description is_not "zzz")') == set()
    assert ids("Sequence", 'not children[Shot] any (description is_not "a\\\\b")') == set()
    # has needs a reference, any a collection.
    with pytest.raises(InvalidValueError):
        ids("Sequence", 'children has (name is "SH2")')
    with pytest.raises(InvalidValueError):
        ids("Shot", 'parent any (name is "proj")')


def test_references_compare_by_key() -> None:
    assert ids("Context", "parent is none") == {"proj", "other"}
    assert ids("Shot", f'status is "{STATUS_DONE}"') == {"sh1"}
    assert ids("Shot", f"status_id is {STATUS_DONE}") == {"sh1"}


def test_casts_narrow_and_open_attributes() -> None:
    assert ids("Shot", "parent[Sequence] has ()") == {"sh1", "sh2"}
    assert ids("Shot", 'parent[Project].name is "proj"') == {"sh3"}
    assert ids("Task", 'parent[TypedContext].status.name is "Approved"') == {"anim"}
    assert ids("Project", "children[Shot] any ()") == {"proj"}
    with pytest.raises(UnknownAttributeError):
        ids("Task", 'parent.status.name is "Approved"')
    with pytest.raises(UnknownTypeError):
        ids("Shot", "parent[Status] has ()")
    with pytest.raises(UnknownTypeError):
        ids("Shot", "parent[Nope] has ()")


def test_like() -> None:
    assert ids("Shot", 'name like "SH%"') == {"sh1", "sh2", "sh3"}  # case-insensitive
    assert ids("Shot", 'name like "sh_"') == {"sh2", "sh3"}
    assert ids("Shot", 'name like "sh\\\\_%"') == {"sh1"}  # escaped underscore
    assert ids("Sequence", 'name like "sq\\\\%_"') == {"sq1"}
    assert ids("Shot", 'description like "a\\\\\\\\b"') == {"sh1"}  # escaped backslash
    assert ids("Shot", 'description not_like "a%"') == {"sh2", "sh3"}
    assert ne.like_match("ÄB", "äb") is False  # ASCII-only case folding, as SQLite
    assert ne.like_match("a\nb", "a_b")


def test_in_lists_and_subqueries() -> None:
    assert ids("Shot", 'name in ("sh3", "SH2")') == {"sh2", "sh3"}
    assert ids("Shot", 'name not_in ("sh3", "SH2")') == {"sh1"}
    assert ids("Shot", 'description not_in ("x")') == {"sh1", "sh2"}
    assert ids("Shot", 'description in ("x", none)') == {"sh2", "sh3"}
    assert ids("Shot", 'description not_in ("x", none)') == {"sh1"}
    sub = 'parent_id in (select id from Sequence where name like "sq%")'
    assert ids("Shot", sub) == {"sh1", "sh2"}
    assert ids("Context", "id in (select parent_id from Shot)") == {"sq1", "proj"}
    # The missing description the subquery yields matches nothing, not even sh2's.
    assert ids("Shot", "description in (select description from Shot)") == {"sh1", "sh3"}
    assert ids("Shot", "description not_in (select description from Shot)") == {"sh2"}
    with pytest.raises(InvalidValueError):
        ids("Shot", "id in (select parent.id from Shot)")


def test_datetimes() -> None:
    assert ids("Shot", 'start_date before "2024-01-02"') == {"sh3"}
    assert ids("Shot", 'start_date after "2024-01-01"') == {"sh1", "sh3"}
    assert ids("Shot", 'start_date is "2024-01-02"') == {"sh1"}
    assert ids("Shot", 'start_date is "2024-01-02T02:00:00+02:00"') == {"sh1"}
    assert ids("Shot", 'start_date is "2024-01-01T12:00:00Z"') == {"sh3"}
    assert ids("Shot", 'start_date >= "2024-01-01T12:00:00"') == {"sh1", "sh3"}
    assert ne.parse_datetime("2024-01-01T23:00:00-02:00") == dt.datetime(2024, 1, 2, 1)
    with pytest.raises(InvalidValueError):
        ids("Shot", 'start_date before "soon"')


def test_value_coercion() -> None:
    assert ids("Shot", "bid is 2.5") == {"sh1"}
    assert ids("Shot", 'bid is "2.5"') == {"sh1"}
    assert ids("Task", "bid is 1.0") == {"anim"}
    assert ids("Task", "bid is 1") == {"anim"}
    assert ids("Shot", 'status.is_active is "false"') == {"sh1"}
    assert ids("Shot", "status.is_active is false") == {"sh1"}
    assert ids("Project", "status is active") == {"proj"}
    with pytest.raises(InvalidValueError):
        ids("Shot", "bid is abc")
    with pytest.raises(InvalidValueError):
        ids("Shot", "name is true")


def test_strings_are_exact_and_ordered_by_code_point() -> None:
    assert ids("Shot", 'name is "sh2"') == set()
    assert ids("Shot", 'name < "sh"') == {"sh2"}  # "SH2" < "sh"


def test_unknown_paths_raise() -> None:
    with pytest.raises(UnknownAttributeError):
        ids("Context", 'status.name is "x"')
    with pytest.raises(UnknownAttributeError):
        ids("Shot", 'name.first is "x"')
    with pytest.raises(InvalidValueError):
        ids("Shot", 'children is "x"')
    with pytest.raises(UnknownTypeError):
        ne.select_ids(WORLD, "Nope", None)


# --- laws on random worlds ---------------------------------------------------------------


@given(world_specs(), st.data())
def test_laws(projects: tuple[ProjectSpec, ...], data: st.DataObject) -> None:
    _, world = build(projects, STANDARD_LOOKUPS)
    vocab = vocabulary(world)
    type_id, crit = data.draw(query_cases(vocab))
    other = data.draw(criteria(type_id, vocab, depth=1))
    everything = ne.select_ids(world, type_id, None)
    yes = ne.select_ids(world, type_id, crit)
    no = ne.select_ids(world, type_id, ast.Not(crit))
    assert yes <= everything
    assert yes | no == everything
    assert not yes & no
    assert ne.select_ids(world, type_id, ast.Not(ast.Not(crit))) == yes
    both = ne.select_ids(world, type_id, ast.And((crit, other)))
    either = ne.select_ids(world, type_id, ast.Or((crit, other)))
    assert both == yes & ne.select_ids(world, type_id, other)
    assert either == yes | ne.select_ids(world, type_id, other)
    # De Morgan holds in three-valued logic too.
    assert ne.select_ids(world, type_id, ast.Not(ast.Or((crit, other)))) == ne.select_ids(
        world, type_id, ast.And((ast.Not(crit), ast.Not(other)))
    )


@given(world_specs(), st.data())
def test_dotted_reference_path_equals_has(
    projects: tuple[ProjectSpec, ...], data: st.DataObject
) -> None:
    _, world = build(projects, STANDARD_LOOKUPS)
    vocab = vocabulary(world)
    inner = data.draw(criteria("Context", vocab, depth=0))
    if not isinstance(inner, ast.Comparison):
        return
    dotted = ast.Comparison(
        ast.Path((ast.Segment("parent"), *inner.path.segments)), inner.operator, inner.operand
    )
    grouped = ast.Relation(ast.Path.of("parent"), ast.RelationKind.HAS, inner)
    assert ne.select_ids(world, "Context", dotted) == ne.select_ids(world, "Context", grouped)


@given(world_specs(), st.data())
def test_in_one_value_equals_is(projects: tuple[ProjectSpec, ...], data: st.DataObject) -> None:
    _, world = build(projects, STANDARD_LOOKUPS)
    contexts = world.of_type("Context")
    name = data.draw(st.sampled_from(sorted({entity.values["name"] for entity in contexts})))
    single = ast.Comparison(
        ast.Path.of("name"), ast.Operator.IN, ast.ValueList((ast.String(name),))
    )
    equal = ast.Comparison(ast.Path.of("name"), ast.Operator.EQ, ast.String(name))
    assert ne.select_ids(world, "Context", single) == ne.select_ids(world, "Context", equal)
    assert name in {world.by_id[i].values["name"] for i in ne.select_ids(world, "Context", equal)}


def test_decimal_operands() -> None:
    crit = ast.Comparison(ast.Path.of("bid"), ast.Operator.GT, ast.Decimal(decimal.Decimal("2.4")))
    assert ne.select_ids(WORLD, "Shot", crit) == {"sh1"}


# --- the model matches the schemas -------------------------------------------------------

_KINDS = {
    "string": ("scalar", ("string",)),
    "id": ("scalar", ("string",)),
    "number": ("scalar", ("number", "integer")),
    "boolean": ("scalar", ("boolean",)),
    "datetime": ("datetime", ("string",)),
    "ref": ("reference", (None,)),
    "collection": ("collection", ("array",)),
    "variable": ("scalar", ("variable",)),
}
_MAPPED = ("mapped", ("mapped_array",))
"""A collection the model computes by rule (``custom_attributes``) is a keyed one."""


def _check_model_against(schema: Schema) -> None:
    for type_id, attributes in ne.MODEL.items():
        entity = schema[type_id]
        for name, attr in attributes.items():
            prop = entity.properties[name]
            kind, json_types = _MAPPED if attr.rule == "custom" else _KINDS[attr.kind]
            assert (prop.kind.value, prop.type in json_types) == (kind, True), (type_id, name)
            if attr.kind in ("ref", "collection"):
                assert prop.target == attr.target, (type_id, name)
            if attr.kind == "ref" and attr.key != "state_id":
                assert attr.key in entity.properties, (type_id, name)


def test_model_matches_the_standard_schema() -> None:
    _check_model_against(standard_schema())


def test_model_matches_the_recorded_schema() -> None:
    _check_model_against(load_schema_file(RECORDED_SCHEMA))
