"""Reads as ftrack answers them: the create echo, ``link`` and ``SchemaType.task_type``."""

from __future__ import annotations

import json
from typing import Any

from ftorm.server.handlers import Server
from tests.paths import FIXTURES
from tests.server.server_helpers import create, make_call, query, ref


def test_create_echo_carries_only_values_that_are_set(either: Server) -> None:
    call = make_call(either)
    user = create(call, "User", username="jane", first_name="first", last_name="last")
    assert None not in user.values()
    assert "email" not in user
    assert user["username"] == "jane"
    recorded = FIXTURES / "create_user.json"
    if recorded.is_file():
        expected = json.loads(recorded.read_text(encoding="utf-8"))["data"]
        assert set(user) >= set(expected) - {"user_type_id"}


def _names(link: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(item["type"], item["name"]) for item in link]


def test_link_in_the_echo_and_in_queries(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    sequence = create(call, "Sequence", name="sq", parent=ref(project))
    shot = create(call, "Shot", name="sh", parent=ref(sequence))
    assert _names(shot["link"]) == [("Project", "p"), ("Sequence", "sq"), ("Shot", "sh")]
    assert [item["id"] for item in shot["link"]] == [project["id"], sequence["id"], shot["id"]]
    assert _names(project["link"]) == [("Project", "p")]
    asset = create(call, "Asset", name="plate", parent=ref(shot))
    version = create(call, "AssetVersion", asset=ref(asset))
    expected = [
        ("Project", "p"),
        ("Sequence", "sq"),
        ("Shot", "sh"),
        ("AssetVersion", "plate v1"),
    ]
    assert _names(version["link"]) == expected
    assert [item["id"] for item in version["link"]] == [
        project["id"],
        sequence["id"],
        shot["id"],
        version["id"],
    ]
    (row,) = query(call, "select link from AssetVersion")
    assert _names(row["link"]) == expected
    on_project = create(call, "Asset", name="ref", parent=ref(project))
    direct = create(call, "AssetVersion", asset=ref(on_project))
    assert _names(direct["link"]) == [("Project", "p"), ("AssetVersion", "ref v1")]
    (row,) = query(call, 'select link from Shot where name is "sh"')
    assert _names(row["link"])[-1] == ("Shot", "sh")


def test_schema_type_task_type_is_served(either: Server) -> None:
    call = make_call(either)
    task_type = create(call, "Type", name="Rigging", color="#000000", is_billable=True, sort=1)
    (project_schema,) = query(call, "select id from ProjectSchema")
    schema = create(
        call,
        "Schema",
        project_schema_id=project_schema["id"],
        type_id="Task",
        object_type_id=_object_type(call),
    )
    call(
        {
            "action": "create",
            "entity_type": "SchemaType",
            "entity_data": {"schema_id": schema["id"], "type_id": task_type["id"]},
        }
    )
    (row,) = query(
        call, f'select task_type.name from SchemaType where schema_id is "{schema["id"]}"'
    )
    assert row["task_type"]["name"] == "Rigging"


def _object_type(call: Any) -> str:
    rows = query(call, 'select id from ObjectType where name is "Task"')
    return str(rows[0]["id"])
