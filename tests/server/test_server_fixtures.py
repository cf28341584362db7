"""Result shapes match responses recorded from a real ftrack server (``tests/data``): the
same keys on every entity, references where the server sent references, ``next.offset`` as
recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ftorm.server.handlers import Server
from tests.paths import FIXTURES
from tests.server.server_helpers import create, make_call, ref


def shape(value: Any) -> Any:
    """Keys and nesting of entities; scalar values reduced to their JSON kind."""
    if isinstance(value, dict):
        if value.get("__type__") == "datetime":
            return "datetime"
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return "scalar"


def keys_only(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("__type__") == "datetime":
            return "datetime"
        return {key: keys_only(item) for key, item in value.items()}
    if isinstance(value, list):
        return [keys_only(item) for item in value]
    return None


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def populated(recorded_server: Server) -> Server:
    call = make_call(recorded_server)
    project = create(call, "Project", name="p")
    for name in ("a", "b", "c"):
        create(call, "Task", name=name, parent=ref(project))
    asset = create(call, "Asset", name="asset", parent=ref(project))
    for _ in range(3):
        create(call, "AssetVersion", asset=ref(asset))
    return recorded_server


@pytest.mark.parametrize(
    "expression",
    [
        "select name from Task limit 1",
        "select name, created_at from Task limit 1",
        "select status.state.short from Task where status.state.short is NOT_STARTED limit 1",
        "select status.state.short from Task where status.state.short is NOT_STARTED limit 2",
        "select version, asset.versions.version from AssetVersion"
        " where asset_id is_not None limit 1",
    ],
)
def test_query_shapes(populated: Server, expression: str) -> None:
    name = "query_" + expression.lower().replace(" ", "_") + ".json"
    expected = recorded(name)
    result = populated.handle([{"action": "query", "expression": expression}])
    assert isinstance(result, list)
    assert keys_only(result[0]) == keys_only(expected)
    assert result[0]["metadata"] == expected["metadata"]


def test_server_information_shape(recorded_server: Server) -> None:
    expected = recorded("query_server_information.json")
    (info,) = make_call(recorded_server)({"action": "query_server_information"})
    assert set(expected) <= set(info)
    assert info["storage_scenario"] == expected["storage_scenario"]
    assert info["is_timezone_support_enabled"] is True


def test_schema_hash_is_what_clients_compute(recorded_server: Server) -> None:
    import hashlib

    (schemas,) = make_call(recorded_server)({"action": "query_schemas"})
    assert schemas == json.loads((FIXTURES / "query_schemas.json").read_text(encoding="utf-8"))
    digest = hashlib.md5(json.dumps(schemas, sort_keys=True).encode()).hexdigest()
    (info,) = make_call(recorded_server)({"action": "query_server_information"})
    assert info["schema_hash"] == digest


@pytest.mark.parametrize("action", ["create", "update"])
def test_user_write_shapes(recorded_server: Server, action: str) -> None:
    expected = recorded(f"{action}_user.json")
    call = make_call(recorded_server)
    data = {"username": "jane", "first_name": "first", "last_name": "last"}
    created = call({"action": "create", "entity_type": "User", "entity_data": data})[0]
    result = created
    if action == "update":
        result = call(
            {
                "action": "update",
                "entity_type": "User",
                "entity_key": [created["data"]["id"]],
                "entity_data": {"__entity_type__": "User", "username": "new-name"},
            }
        )[0]
    assert result["action"] == expected["action"]
    # ftorm echoes every scalar attribute: a superset of what the real server sent
    assert set(expected["data"]) - {"user_type_id"} <= set(result["data"])
    assert result["data"]["resource_type"] == "user"
