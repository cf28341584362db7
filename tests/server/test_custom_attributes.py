"""Custom attributes served as ftrack serves them, through ftorm's in-process transport, on
the standard schema and on the recorded one: one item per configuration that applies (key
filled, default when no value is stored), criteria that see the same items, upserted and
checked writes, and the built-in custom attribute types of a fresh workspace."""

from __future__ import annotations

from typing import Any

import pytest

from ftorm.errors import InvalidValueError, ValidationError
from ftorm.schema.custom.rules import (
    applies,
    check_value,
    configuration_entity_type,
    is_custom_attribute_value,
)
from ftorm.schema.workspace import CUSTOM_ATTRIBUTE_TYPES, OBJECT_TYPE_IDS
from ftorm.server.handlers import Server
from ftorm.transport.inprocess import InProcessTransport
from tests.server.server_helpers import configure

VALUE = "ContextCustomAttributeValue"


class Workspace:
    """A server with a small tree and helpers, all calls through the in-process transport."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.transport = InProcessTransport(server)
        self.project = self.create("Project", name="p", full_name="P")
        self.other = self.create("Project", name="q", full_name="Q")
        self.sequence = self.create("Sequence", name="sq", parent=self.ref(self.project))
        self.shot = self.create("Shot", name="sh", parent=self.ref(self.sequence))
        self.shot2 = self.create("Shot", name="sh2", parent=self.ref(self.sequence))
        self.task = self.create("Task", name="comp", parent=self.ref(self.shot))

    def call(self, *operations: dict[str, Any]) -> list[Any]:
        return self.transport.call(list(operations))

    def create(self, entity_type: str, **data: Any) -> dict[str, Any]:
        operation = {"action": "create", "entity_type": entity_type, "entity_data": data}
        created: dict[str, Any] = self.call(operation)[0]["data"]
        return created

    @staticmethod
    def ref(entity: dict[str, Any]) -> dict[str, Any]:
        return {"__entity_type__": entity["__entity_type__"], "id": entity["id"]}

    def query(self, expression: str) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.call({"action": "query", "expression": expression})[0][
            "data"
        ]
        return data

    def configure(self, key: str, kind: str, type_name: str = "number", **data: Any) -> str:
        configuration = configure(self.call, key, kind, type_name, **data)
        return str(configuration["id"])

    def set(self, config: str, entity: dict[str, Any], value: Any, value_type: str = VALUE) -> Any:
        operation = {
            "action": "update",
            "entity_type": value_type,
            "entity_key": [config, entity["id"]],
            "entity_data": {"value": value},
        }
        return self.call(operation)[0]["data"]

    def attributes(self, entity: dict[str, Any]) -> dict[str, Any]:
        """key -> value of ``entity``'s ``custom_attributes`` as served."""
        kind, ident = entity["__entity_type__"], entity["id"]
        found = self.query(f'select custom_attributes from {kind} where id is "{ident}"')
        items = found[0]["custom_attributes"]
        assert all(item["entity_id"] == entity["id"] for item in items)
        return {item["key"]: item["value"] for item in items}

    def names(self, expression: str) -> set[str]:
        return {row["name"] for row in self.query(expression)}


@pytest.fixture
def ws(either: Server) -> Workspace:
    return Workspace(either)


def test_fresh_workspace_has_the_builtin_custom_attribute_types(ws: Workspace) -> None:
    found = ws.query("select name, core from CustomAttributeType")
    assert sorted(row["name"] for row in found) == sorted(CUSTOM_ATTRIBUTE_TYPES)
    assert all(row["core"] for row in found)


def test_one_item_per_configuration_that_applies_with_defaults(ws: Workspace) -> None:
    ws.configure("fstart", "task", object_type_id=OBJECT_TYPE_IDS["Shot"], default=1001)
    ws.configure("fps", "show", is_hierarchical=True, default=24)
    ws.configure("budget", "show", default=10)
    ws.configure("notes", "task", "text", object_type_id=OBJECT_TYPE_IDS["Task"], default="")
    assert ws.attributes(ws.shot) == {"fstart": 1001, "fps": 24}
    assert ws.attributes(ws.sequence) == {"fps": 24}
    assert ws.attributes(ws.task) == {"fps": 24, "notes": ""}
    assert ws.attributes(ws.project) == {"fps": 24, "budget": 10}


def test_stored_values_replace_defaults_and_are_not_inherited(ws: Workspace) -> None:
    fstart = ws.configure("fstart", "task", object_type_id=OBJECT_TYPE_IDS["Shot"], default=1001)
    fps = ws.configure("fps", "show", is_hierarchical=True, default=24)
    ws.set(fstart, ws.shot, 1010)
    ws.set(fps, ws.sequence, 25)
    assert ws.attributes(ws.shot) == {"fstart": 1010, "fps": 24}
    assert ws.attributes(ws.shot2) == {"fstart": 1001, "fps": 24}
    assert ws.attributes(ws.sequence) == {"fps": 25}


def test_project_specific_configurations_apply_inside_their_project(ws: Workspace) -> None:
    ws.configure("local", "show", is_hierarchical=True, default=1, project_id=ws.project["id"])
    assert ws.attributes(ws.shot) == {"local": 1}
    assert ws.attributes(ws.project) == {"local": 1}
    assert ws.attributes(ws.other) == {}


def test_other_kinds_of_entities(ws: Workspace) -> None:
    user = ws.query("select username from User")[0]
    ws.configure("desk", "user", "text", default="A1")
    ws.configure("fps", "show", is_hierarchical=True, default=24)
    asset_type = ws.query("select id from AssetType")[0]
    asset = ws.create("Asset", name="a", parent=ws.ref(ws.shot), type=ws.ref(asset_type))
    version = ws.create("AssetVersion", asset=ws.ref(asset))
    ws.configure("review", "assetversion", "boolean", default=False)
    assert ws.attributes(user) == {"desk": "A1"}
    assert ws.attributes(version) == {"review": False, "fps": 24}
    assert ws.attributes(asset) == {"fps": 24}


def test_criteria_see_the_served_items(ws: Workspace) -> None:
    fstart = ws.configure("fstart", "task", object_type_id=OBJECT_TYPE_IDS["Shot"], default=1001)
    ws.configure("fps", "show", is_hierarchical=True, default=24)
    ws.set(fstart, ws.shot, 990)
    any_ = 'select name from Shot where custom_attributes any (key is "fstart" and value >= 1001)'
    assert ws.names(any_) == {"sh2"}
    assert ws.names('select name from Context where custom_attributes.key is "fps"') == {
        "p",
        "q",
        "sq",
        "sh",
        "sh2",
        "comp",
    }
    assert ws.names("select name from Shot where custom_attributes.value is 990") == {"sh"}
    assert ws.names(
        'select name from Context where custom_attributes.configuration.key is "fstart"'
    ) == {"sh", "sh2"}
    assert ws.names("select name from Sequence where not custom_attributes any ()") == set()
    assert ws.names('select name from Sequence where custom_attributes.key is "fstart"') == set()


def test_value_criteria_compare_by_the_value_kind(ws: Workspace) -> None:
    ws.configure("fstart", "show", default=1001)
    ws.configure("label", "show", "text", default="1001")
    ws.configure("done", "show", "boolean", default=True)
    ws.configure("unset", "show", default=None)

    def holds(criterion: str) -> bool:
        pid = ws.project["id"]
        where = f'id is "{pid}" and custom_attributes any ({criterion})'
        return bool(ws.query(f"select name from Project where {where}"))

    assert ws.query(f"select value from {VALUE}") == []  # the items are the defaults
    holding = [
        'key is "fstart" and value > 1000',
        "value > 1000.5",
        'key is "fstart" and value > 2',
        'key is "label" and value is "1001"',
        'key is "label" and value is 1001',
        'key is "fstart" and value is "1001"',
        'key is "done" and value is true',
        'key is "unset" and value is none',
        'key is "label" and value like "10%"',
        'key is "fstart" and value like "10%"',
        'key is "fstart" and value in (1, 1001)',
        'key is "fstart" and value is_not 5',
    ]
    failing = [
        'key is "label" and value > 2',  # text compares as text
        'key is "fstart" and value is true',
        'key is "fstart" and value is none',
        'key is "fstart" and value in (1, 2)',
        'key is "fstart" and value is_not 1001',
    ]
    assert [c for c in holding if not holds(c)] == []
    assert [c for c in failing if holds(c)] == []


def test_value_types_queried_directly_serve_stored_rows_with_their_key(ws: Workspace) -> None:
    fstart = ws.configure("fstart", "task", object_type_id=OBJECT_TYPE_IDS["Shot"], default=1001)
    ws.set(fstart, ws.shot, 1010)
    rows = ws.query(f"select key, value, entity_id from {VALUE}")
    assert [(r["key"], r["value"], r["entity_id"]) for r in rows] == [
        ("fstart", 1010, ws.shot["id"])
    ]


def test_updates_upsert_and_fill_the_key(ws: Workspace) -> None:
    fstart = ws.configure("fstart", "task", object_type_id=OBJECT_TYPE_IDS["Shot"], default=1001)
    echoed = ws.set(fstart, ws.shot, 1010)
    assert (echoed["key"], echoed["value"]) == ("fstart", 1010)
    operation = {
        "action": "update",
        "entity_type": VALUE,
        "entity_key": [fstart, ws.shot["id"]],
        "entity_data": {"value": 1020, "key": "other"},
    }
    assert ws.call(operation)[0]["data"]["key"] == "fstart"
    assert ws.attributes(ws.shot) == {"fstart": 1020}


def test_writes_for_configurations_that_do_not_apply_are_refused(ws: Workspace) -> None:
    fstart = ws.configure("fstart", "task", object_type_id=OBJECT_TYPE_IDS["Shot"], default=1001)
    with pytest.raises(ValidationError, match="does not apply"):
        ws.set(fstart, ws.sequence, 1)
    with pytest.raises(ValidationError, match="CustomAttributeConfiguration"):
        ws.set("0b3bd2e9-8d4c-4e4d-b1c6-0000000000ff", ws.shot, 1)
    assert ws.query(f"select value from {VALUE}") == []


@pytest.mark.parametrize(
    ("type_name", "config", "good", "bad"),
    [
        ("number", "{}", [1, 2.5, None], ["1", True]),
        ("text", "{}", ["x", ""], [1, ["x"]]),
        ("boolean", "{}", [True, False], [1, "true"]),
        ("date", "{}", [{"__type__": "datetime", "value": "2026-12-04T10:00:00"}], ["soon", 3]),
        (
            "enumerator",
            '{"multiSelect": false, "data": "[{\\"menu\\": \\"A\\", \\"value\\": \\"a\\"}]"}',
            [["a"], []],
            [["b"], ["a", "a"], "a"],
        ),
    ],
)
def test_values_are_checked_against_the_configuration_type(
    ws: Workspace, type_name: str, config: str, good: list[Any], bad: list[Any]
) -> None:
    key = ws.configure("attr", "show", type_name, config=config)
    for value in good:
        assert ws.set(key, ws.project, value).get("value") == value
    for value in bad:
        with pytest.raises(ValidationError, match="attr"):
            ws.set(key, ws.project, value)


def test_a_configuration_needs_only_what_ftrack_needs(ws: Workspace) -> None:
    key = ws.configure("plain", "show", "text")
    found = ws.query(
        f'select config, default from CustomAttributeConfiguration where id is "{key}"'
    )
    assert found[0]["config"] == "{}"
    assert ws.attributes(ws.project) == {"plain": ""}


def test_schema_helpers() -> None:
    assert is_custom_attribute_value("ContextCustomAttributeValue")
    assert is_custom_attribute_value("ListObjectCustomAttributeValue")
    assert not is_custom_attribute_value("CustomAttributeValue")
    assert not is_custom_attribute_value("Metadata")
    server = Server(api_key="k")
    try:
        kinds = {
            t: configuration_entity_type(server.schema, t)
            for t in ("Shot", "Project", "AssetVersionList", "Note")
        }
    finally:
        server.close()
    assert kinds == {"Shot": "task", "Project": "show", "AssetVersionList": "list", "Note": None}
    shot = OBJECT_TYPE_IDS["Shot"]
    task = {"entity_type": "task", "object_type_id": shot}
    assert applies(task, "task", shot, "p")
    assert not applies(task, "task", OBJECT_TYPE_IDS["Task"], "p")
    assert applies({"entity_type": "show", "is_hierarchical": True}, "assetversion", None, "p")
    assert not applies({"entity_type": "show", "is_hierarchical": True}, "user")
    assert not applies({"entity_type": "show", "project_id": "q"}, "show", None, "p")
    with pytest.raises(InvalidValueError):
        check_value("number", None, "x", "here")
    check_value("url", None, {"anything": 1}, "here")
