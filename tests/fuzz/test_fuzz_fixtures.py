"""Hostile data fixtures (issue 17, item 5): each one either loads, and then dumping the
workspace gives its entities back, or is refused with a `FixtureError` and leaves the
workspace as it was. Never a traceback, never a half-loaded workspace; and a workspace that
loaded one is still queryable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftorm.cli import main
from ftorm.errors import FixtureError
from ftorm.protocol.codec import format_datetime, parse_datetime
from ftorm.schema.types import Kind
from ftorm.server.fixtures import dump, render
from ftorm.server.handlers import Server
from tests.fuzz.strategies import hostile_fixtures
from tests.profiles import scaled


def _base() -> dict[str, Any]:
    server = Server()
    try:
        project = {"__entity_type__": "Project", "id": "p1"}
        sequence = {"__entity_type__": "Sequence", "id": "q1"}
        batch = [
            {"action": "create", "entity_type": "Project",
             "entity_data": {"id": "p1", "name": "p", "full_name": "P"}},
            {"action": "create", "entity_type": "Sequence",
             "entity_data": {"id": "q1", "name": "sq", "parent": project}},
            {"action": "create", "entity_type": "Shot",
             "entity_data": {"id": "s1", "name": "sh", "parent": sequence, "bid": 1.5,
                             "description": "d", "start_date": "2026-01-01T10:00:00"}},
            {"action": "create", "entity_type": "Scope", "entity_data": {"id": "c1", "name": "c"}},
            {"action": "update", "entity_type": "Shot", "entity_key": ["s1"],
             "entity_data": {"scopes": [{"__entity_type__": "Scope", "id": "c1"}]}},
        ]  # fmt: skip
        assert isinstance(server.handle(batch), list)
        whole = dump(server.layout, server.connection)
        return dump(server.layout, server.connection, ['Shot where id is "s1"', "Scope"]) | {
            "schema_hash": whole["schema_hash"]
        }
    finally:
        server.close()


BASE = _base()


def _by_key(server: Server, entities: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    types = server.schema.types
    for entity in entities:
        type_id = entity["__entity_type__"]
        key = tuple(str(entity[k]) for k in types[type_id].primary_key)
        values = {}
        for name, value in entity.items():
            prop = types[type_id].properties.get(name)
            if value is None:
                continue
            if prop is not None and prop.kind is Kind.DATETIME:
                value = format_datetime(parse_datetime(value))
            values[name] = value
        found[(server.layout.table(type_id).root, *key)] = values
    return found


@settings(
    max_examples=scaled(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_fixtures(BASE), st.booleans())
def test_a_hostile_fixture_loads_exactly_or_changes_nothing(
    fixture: dict[str, Any], onto_data: bool
) -> None:
    server = Server()
    try:
        if onto_data:  # a workspace that holds data already: loaded with replace
            server.load_fixture(BASE)
        before = render(dump(server.layout, server.connection))
        try:
            server.load_fixture(fixture, replace=onto_data, name="f.json")
        except FixtureError as error:
            message = str(error)
            assert message.startswith("f")
            assert "\n" not in message
            assert render(dump(server.layout, server.connection)) == before
            return
        after = dump(server.layout, server.connection)
        expected = _by_key(server, fixture["entities"])
        got = _by_key(server, after["entities"])
        for ident, values in expected.items():
            assert got[ident] == values
        if not onto_data:
            assert got.keys() == expected.keys()  # nothing else: the seed is gone
        for text in ("select created_at, start_date, name from Shot", "select name from Scope"):
            server.query(text)  # every value loaded is readable
    finally:
        server.close()


HOSTILE = {
    "a junk date": ("Shot", "start_date", "not a date"),
    "a boolean date": ("Shot", "created_at", True),
    "a year-0 date": ("Shot", "created_at", "0000-01-01T00:00:00"),
    "a dict for a string": ("Shot", "name", {"x": 1}),
    "a list for a number": ("Shot", "bid", [1]),
    "an integer past 64 bits": ("Shot", "sort", 2**63),
    "a lone surrogate": ("Shot", "description", "\ud800"),
    "a missing reference": ("Shot", "parent_id", "nope"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_ftorm_load_refuses_a_bad_fixture_in_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    type_id, attribute, value = HOSTILE[case]
    fixture = json.loads(json.dumps(BASE))
    entity = next(e for e in fixture["entities"] if e["__entity_type__"] == type_id)
    entity[attribute] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    database = tmp_path / "new.db"
    assert main(["load", str(path), "--db", str(database)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert type_id in err
    assert attribute in err
    server = Server(database=str(database), read_only=True)
    try:
        assert server.query("select id from Shot")["data"] == []  # nothing half-loaded
    finally:
        server.close()


@pytest.mark.parametrize("member", [True, 1.0, "1"])
def test_the_format_member_is_the_integer_one(member: Any) -> None:
    server = Server()
    try:
        with pytest.raises(FixtureError, match="not an ftorm data fixture"):
            server.load_fixture(BASE | {"ftorm_fixture": member})
    finally:
        server.close()
