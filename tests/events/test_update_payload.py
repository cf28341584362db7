"""``ftrack.update`` as the server publishes it after each commit (`ftorm.server.changes`)."""

from __future__ import annotations

from typing import Any

from ftorm.server.handlers import Server
from tests.events.helpers import Raw
from tests.server.server_helpers import create, make_call, ref


def _updates(listener: Raw) -> list[dict[str, Any]]:
    return [e for e in listener.events() if e["topic"] == "ftrack.update"]


def test_add_update_remove_payloads(server: Server) -> None:
    call = make_call(server)
    listener = Raw(server.events)
    listener.subscribe("topic=ftrack.update", "l")
    project = create(call, "Project", name="alpha", full_name="Alpha")
    shot = create(call, "Shot", name="sh010", parent=ref(project))
    task = create(call, "Task", name="comp", parent=ref(shot))
    _updates(listener)
    statuses = call({"action": "query", "expression": "select id from Status"})[0]["data"]
    other = next(s["id"] for s in statuses if s["id"] != task["status_id"])
    call(
        {
            "action": "update",
            "entity_type": "Task",
            "entity_key": [task["id"]],
            "entity_data": {"status_id": other},
        }
    )
    (event,) = _updates(listener)
    (entity,) = event["data"]["entities"]
    assert entity["entityType"] == "task"
    assert entity["entity_type"] == "Task"
    assert entity["entityId"] == task["id"]
    assert entity["action"] == "update"
    assert entity["keys"] == ["statusid"]
    assert entity["changes"] == {"statusid": {"old": task["status_id"], "new": other}}
    assert entity["parentId"] == shot["id"]
    assert [p["entityId"] for p in entity["parents"]] == [task["id"], shot["id"], project["id"]]
    assert [p["entityType"] for p in entity["parents"]] == ["task", "task", "show"]
    assert event["data"]["user"]["name"] == server.api_user

    call({"action": "delete", "entity_type": "Task", "entity_key": [task["id"]]})
    (event,) = _updates(listener)
    (entity,) = event["data"]["entities"]
    assert (entity["action"], entity["entityId"]) == ("remove", task["id"])
    assert [p["entityId"] for p in entity["parents"]] == [task["id"], shot["id"], project["id"]]


def test_one_entity_appears_once_per_batch(server: Server) -> None:
    call = make_call(server)
    listener = Raw(server.events)
    listener.subscribe("topic=ftrack.update", "l")
    project = create(call, "Project", name="alpha", full_name="Alpha")
    _updates(listener)
    key = [project["id"]]
    call(
        {"action": "update", "entity_type": "Project", "entity_key": key,
         "entity_data": {"full_name": "B"}},
        {"action": "update", "entity_type": "Project", "entity_key": key,
         "entity_data": {"full_name": "C"}},
    )  # fmt: skip
    (event,) = _updates(listener)
    (entity,) = event["data"]["entities"]
    assert entity["changes"] == {"full_name": {"old": "Alpha", "new": "C"}}

    call(
        {"action": "update", "entity_type": "Project", "entity_key": key,
         "entity_data": {"full_name": "C"}},
    )  # fmt: skip
    assert _updates(listener) == []  # nothing changed: nothing published


def test_created_then_deleted_in_one_batch_is_not_published(server: Server) -> None:
    call = make_call(server)
    project = create(call, "Project", name="alpha", full_name="Alpha")
    listener = Raw(server.events)
    listener.subscribe("topic=ftrack.update", "l")
    call(
        {"action": "create", "entity_type": "Shot", "entity_key": ["s1"],
         "entity_data": {"id": "s1", "name": "x", "parent": ref(project)}},
        {"action": "delete", "entity_type": "Shot", "entity_key": ["s1"]},
    )  # fmt: skip
    assert _updates(listener) == []


def test_add_lists_the_values_set(server: Server) -> None:
    call = make_call(server)
    listener = Raw(server.events)
    listener.subscribe("topic=ftrack.update and data.entities.0.action=add", "l")
    project = create(call, "Project", name="alpha", full_name="Alpha")
    (event,) = _updates(listener)
    (entity,) = event["data"]["entities"]
    assert entity["changes"]["name"] == {"old": None, "new": "alpha"}
    assert "name" in entity["keys"]
    assert entity["parents"] == [
        {"entityId": project["id"], "entityType": "show", "entity_type": "Project",
         "parentId": None}
    ]  # fmt: skip
