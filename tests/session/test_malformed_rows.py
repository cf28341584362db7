"""Rows a server answers with values of the wrong JSON type are refused with a `ServerError`
naming the entity and the attribute, never stored silently and never a traceback
(`ftorm.session.loading`)."""

from __future__ import annotations

from typing import Any

import pytest

from ftorm.errors import ServerError
from ftorm.models import Priority, Project
from ftorm.session import Session
from tests.fuzz.answers import PRIORITY_ROW, PROJECT_ROW, Answering


def _load(*rows: dict[str, Any], entity: str = "Priority") -> list[Any]:
    return Session(transport=Answering(list(rows))).query(entity).all()


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"name": {"x": 1}}, r"Priority 'p-1' has name = \{'x': 1\}, expected a string"),
        ({"sort": "abc"}, r"Priority 'p-1' has sort = 'abc', expected an integer"),
        ({"sort": True}, r"has sort = True"),
        ({"sort": 1.5}, r"has sort = 1\.5"),
        ({"value": "1.5"}, r"has value = '1\.5'"),
        ({"id": None}, r"a Priority row has id = None, expected a string"),
        ({"id": 7}, r"has id = 7, expected a string"),
        ({"id": {"a": 1}}, r"a Priority row has id = \{'a': 1\}"),
        ({"__entity_type__": 5}, r"unknown type 5"),
        ({"__entity_type__": "Nope"}, r"unknown type 'Nope'"),
    ],
)
def test_a_scalar_of_the_wrong_type_is_a_server_error(change: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ServerError, match=pattern):
        _load({**PRIORITY_ROW, **change})


def test_a_missing_primary_key_is_a_server_error() -> None:
    row = {k: v for k, v in PRIORITY_ROW.items() if k != "id"}
    with pytest.raises(ServerError, match="a Priority row has id = None"):
        _load(row)


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"children": {"a": 1}}, r"Project 'show-1' has children = \{'a': 1\}, expected a list"),
        ({"children": [1, 2]}, r"has children = \[1, 2\], expected a list of entity objects"),
        ({"children": "sq01"}, r"has children = 'sq01'"),
        ({"project_schema": "schema-1"}, r"has project_schema = 'schema-1', expected an entity"),
        ({"project_schema": [1]}, r"has project_schema = \[1\]"),
        ({"end_date": "2026-05-01"}, r"has end_date = '2026-05-01', expected a typed object"),
        ({"end_date": {"__type__": "datetime", "value": "junk"}}, r"has end_date = .*junk"),
        ({"end_date": {"__type__": "datetime", "value": 5}}, r"has end_date = "),
        ({"is_global": "yes"}, r"has is_global = 'yes', expected a boolean"),
        ({"name": ["a"]}, r"has name = \['a'\]"),
    ],
)
def test_relations_and_typed_values_of_the_wrong_shape_are_server_errors(
    change: dict[str, Any], pattern: str
) -> None:
    with pytest.raises(ServerError, match=pattern):
        _load({**PROJECT_ROW, **change}, entity="Project")


def test_a_nested_entity_is_checked_too() -> None:
    child = {"__entity_type__": "Sequence", "id": "sq-1", "name": {"x": 1}}
    with pytest.raises(ServerError, match=r"Sequence 'sq-1' has name"):
        _load({**PROJECT_ROW, "children": [child]}, entity="Project")


def test_well_formed_rows_hydrate_with_nulls() -> None:
    (priority,) = _load({**PRIORITY_ROW, "name": None, "value": 2, "color": None})
    assert isinstance(priority, Priority)
    assert (priority.id, priority.name, priority.value, priority.sort) == ("p-1", None, 2, 3)
    (project,) = _load(PROJECT_ROW, entity="Project")
    assert isinstance(project, Project)
    assert project.end_date is not None
    assert project.end_date.year == 2026
    assert [child.name for child in project.children] == ["sq01"]


def test_the_session_carries_on_after_a_refused_page() -> None:
    transport = Answering([PRIORITY_ROW, {**PRIORITY_ROW, "id": "p-2", "sort": "x"}])
    session = Session(transport=transport)
    with pytest.raises(ServerError, match="p-2"):
        session.query(Priority).all()
    transport.rows = [{**PRIORITY_ROW, "id": "p-2"}]
    (again,) = session.query(Priority).all()
    assert (again.id, again.sort) == ("p-2", 3)
