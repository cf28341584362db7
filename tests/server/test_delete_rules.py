"""ftrack's delete rules on the embedded server: what cascades, what refuses, what clears.

The table these tests hold is in ``docs/explanation/embedded-server.md``.
"""

from __future__ import annotations

from typing import Any

import pytest

from ftorm.schema.workspace import LOCATIONS
from ftorm.server.handlers import Server
from tests.server.server_helpers import Call, configure, create, make_call, query, ref


def _delete(call: Call, entity_type: str, key: str) -> list[Any]:
    return call({"action": "delete", "entity_type": entity_type, "entity_key": [key]})


def _refused(server: Server, entity_type: str, key: str) -> str:
    result = server.handle([{"action": "delete", "entity_type": entity_type, "entity_key": [key]}])
    assert isinstance(result, dict), result
    assert result["exception"] == "ValidationError"
    return str(result["content"])


def _tree(call: Call) -> dict[str, dict[str, Any]]:
    project = create(call, "Project", name="p")
    shot = create(call, "Shot", name="sh", parent=ref(project))
    asset = create(call, "Asset", name="plate", parent=ref(shot))
    version = create(call, "AssetVersion", asset=ref(asset))
    component = create(call, "FileComponent", name="main", version=ref(version))
    placed = create(
        call,
        "ComponentLocation",
        component_id=component["id"],
        location_id=LOCATIONS["ftrack.unmanaged"],
        resource_identifier="/x",
    )
    return {
        "project": project,
        "shot": shot,
        "asset": asset,
        "version": version,
        "component": component,
        "placed": placed,
    }


def test_deleting_an_asset_deletes_its_versions_and_their_components(either: Server) -> None:
    call = make_call(either)
    tree = _tree(call)
    create(call, "AssetVersion", asset=ref(tree["asset"]))
    assert _delete(call, "Asset", tree["asset"]["id"]) == [{"action": "delete", "data": True}]
    assert query(call, "select id from AssetVersion") == []
    assert query(call, "select id from Component") == []
    assert query(call, "select id from ComponentLocation") == []
    assert [row["id"] for row in query(call, "select id from Shot")] == [tree["shot"]["id"]]


def test_deleting_a_version_deletes_its_components(either: Server) -> None:
    call = make_call(either)
    tree = _tree(call)
    _delete(call, "AssetVersion", tree["version"]["id"])
    assert query(call, "select id from Component") == []
    assert [row["id"] for row in query(call, "select id from Asset")] == [tree["asset"]["id"]]


def test_the_official_clients_teardown_order_works(either: Server) -> None:
    """Component, version and asset deleted in one batch, in that order."""
    call = make_call(either)
    tree = _tree(call)
    call(
        *(
            {"action": "delete", "entity_type": kind, "entity_key": [tree[name]["id"]]}
            for kind, name in (
                ("FileComponent", "component"),
                ("AssetVersion", "version"),
                ("Asset", "asset"),
            )
        )
    )
    assert query(call, "select id from Asset") == []


def test_a_location_holding_components_is_refused_until_emptied(either: Server) -> None:
    call = make_call(either)
    tree = _tree(call)
    location = create(call, "Location", name="disk")
    create(
        call,
        "ComponentLocation",
        component_id=tree["component"]["id"],
        location_id=location["id"],
        resource_identifier="a/b",
    )
    assert "location_components" in _refused(either, "Location", location["id"])
    assert len(query(call, "select id from ComponentLocation")) == 2
    (placed,) = query(
        call, f'select id from ComponentLocation where location_id is "{location["id"]}"'
    )
    _delete(call, "ComponentLocation", placed["id"])
    _delete(call, "Location", location["id"])
    assert query(call, f'select id from Location where id is "{location["id"]}"') == []


@pytest.mark.parametrize(
    ("kind", "attribute"), [("Status", "status"), ("Type", "type"), ("Priority", "priority")]
)
def test_a_status_type_or_priority_in_use_is_refused(
    either: Server, kind: str, attribute: str
) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    task = create(call, "Task", name="t", parent=ref(project))
    (row,) = query(call, f'select {attribute}_id from Task where id is "{task["id"]}"')
    used = row[f"{attribute}_id"]
    assert "tasks" in _refused(either, kind, used)
    _delete(call, "Task", task["id"])
    assert _delete(call, kind, used) == [{"action": "delete", "data": True}]


def test_an_asset_type_in_use_is_refused(either: Server) -> None:
    call = make_call(either)
    tree = _tree(call)
    (row,) = query(call, f'select type_id from Asset where id is "{tree["asset"]["id"]}"')
    if row["type_id"] is None:
        kind = create(call, "AssetType", name="Plate", short="plate")
        call(
            {
                "action": "update",
                "entity_type": "Asset",
                "entity_key": [tree["asset"]["id"]],
                "entity_data": {"type_id": kind["id"]},
            }
        )
        row = {"type_id": kind["id"]}
    assert "assets" in _refused(either, "AssetType", row["type_id"])
    assert len(query(call, "select id from Asset")) == 1


def test_deleting_a_configuration_deletes_its_values(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    configuration = configure(call, "fps", "show", config='{"isdecimal": true}', default=24)
    create(
        call,
        "ContextCustomAttributeValue",
        configuration_id=configuration["id"],
        entity_id=project["id"],
        value=25,
    )
    values = "select value from ContextCustomAttributeValue"
    assert [row["value"] for row in query(call, values)] == [25]
    assert "custom_attribute_configurations" in _refused(
        either, "CustomAttributeType", configuration["type_id"]
    )
    _delete(call, "CustomAttributeConfiguration", configuration["id"])
    assert query(call, values) == []
