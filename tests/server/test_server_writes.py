"""Create, update and delete on the embedded server: defaults, derived values, rules."""

from __future__ import annotations

from typing import Any

from ftorm.schema.workspace import LOCATIONS
from ftorm.server.handlers import Server
from tests.server.server_helpers import Call, configure, create, make_call, query, ref


def error_of(server: Server, *operations: dict[str, Any]) -> dict[str, Any]:
    result = server.handle(list(operations))
    assert isinstance(result, dict), result
    return result


def test_seeded_workspace(call: Call) -> None:
    locations = {row["name"]: row["id"] for row in query(call, "select name from Location")}
    assert locations == LOCATIONS
    object_types = {row["name"] for row in query(call, "select name from ObjectType")}
    assert {"Folder", "Episode", "Sequence", "Shot", "Task", "Asset Build", "Milestone"} <= (
        object_types
    )
    assert query(call, "select name from Priority where id is 9661b320-3a0c-11e2-81c1-0800200c9a66")
    assert query(call, 'select username from User where username is "ftorm"')
    schema = query(call, "select name, object_types.name from ProjectSchema")
    assert len(schema[0]["object_types"]) == 7


def test_create_fills_server_defaults(call: Call) -> None:
    project = create(call, "Project", name="p")
    assert project["status"] == "active"
    assert project["context_type"] == "show"
    assert project["project_schema_id"]
    assert project["created_at"]["__type__"] == "datetime"
    shot = create(call, "Shot", name="sh", parent=ref(project))
    assert shot["context_type"] == "task"
    assert shot["object_type_id"] == "bad911de-3bd6-47b9-8b46-3476e237cb36"
    assert shot["project_id"] == project["id"]
    assert shot["status_id"]
    assert shot["type_id"]
    assert shot["priority_id"]
    task = create(call, "Task", name="t", parent=ref(shot))
    assert task["project_id"] == project["id"]


def test_create_with_given_key_and_echo(call: Call) -> None:
    result = call(
        {
            "action": "create",
            "entity_type": "User",
            "entity_key": ["5c6060d1-2dc7-11ec-b3b6-1e00da110726"],
            "entity_data": {
                "__entity_type__": "User",
                "id": "5c6060d1-2dc7-11ec-b3b6-1e00da110726",
                "username": "jane",
            },
        }
    )[0]
    assert result["action"] == "create"
    user = result["data"]
    assert user["id"] == "5c6060d1-2dc7-11ec-b3b6-1e00da110726"
    assert user["resource_type"] == "user"
    assert user["is_active"] is False


def test_batch_sees_earlier_operations_and_rolls_back_on_error(server: Server, call: Call) -> None:
    project = create(call, "Project", name="p")
    ok = call(
        {"action": "create", "entity_type": "Sequence", "entity_data": {"id": "s1", "name": "a"}},
        {
            "action": "create",
            "entity_type": "Shot",
            "entity_data": {"name": "b", "parent": {"__entity_type__": "Sequence", "id": "s1"}},
        },
        {
            "action": "update",
            "entity_type": "Sequence",
            "entity_key": ["s1"],
            "entity_data": {"parent": ref(project)},
        },
    )
    assert [r["action"] for r in ok] == ["create", "create", "update"]
    before = query(call, "select name from Context")
    error = error_of(
        server,
        {"action": "create", "entity_type": "Sequence", "entity_data": {"name": "gone"}},
        {
            "action": "update",
            "entity_type": "Project",
            "entity_key": [project["id"]],
            "entity_data": {"name": "renamed"},
        },
        {"action": "create", "entity_type": "Shot", "entity_data": {"bid": "lots"}},
    )
    assert error["exception"] == "ValidationError"
    assert query(call, "select name from Context") == before


def test_update_and_reference_by_key(call: Call) -> None:
    project = create(call, "Project", name="p")
    other = create(call, "Project", name="q")
    shot = create(call, "Shot", name="sh", parent=ref(project))
    approved = query(call, 'select id from Status where name is "Approved"')[0]
    result = call(
        {
            "action": "update",
            "entity_type": "Shot",
            "entity_key": [shot["id"]],
            "entity_data": {"__entity_type__": "Shot", "status": approved, "parent": ref(other)},
        }
    )[0]
    assert result["action"] == "update"
    assert result["data"]["status_id"] == approved["id"]
    assert result["data"]["project_id"] == other["id"]


def test_immutable_and_computed_attributes_are_refused(server: Server, call: Call) -> None:
    project = create(call, "Project", name="p")
    shot = create(call, "Shot", name="sh", parent=ref(project))
    error = error_of(
        server,
        {
            "action": "update",
            "entity_type": "Shot",
            "entity_key": [shot["id"]],
            "entity_data": {"object_type_id": "11c137c0-ee7e-4f9c-91c5-8c77cec22b2c"},
        },
    )
    assert error["exception"] == "PermissionError"
    assert "immutable" in error["content"]
    error = error_of(
        server,
        {
            "action": "update",
            "entity_type": "Shot",
            "entity_key": [shot["id"]],
            "entity_data": {"id": "another"},
        },
    )
    assert error["exception"] == "PermissionError"
    computed = [
        name for name in server.schema.types["Shot"].computed if server.layout.stored("Shot", name)
    ]
    assert computed
    error = error_of(
        server,
        {
            "action": "update",
            "entity_type": "Shot",
            "entity_key": [shot["id"]],
            "entity_data": {computed[0]: 1},
        },
    )
    assert error["exception"] == "PermissionError"


def test_collections_written_through_the_owner(call: Call) -> None:
    project = create(call, "Project", name="p")
    first = create(call, "Sequence", name="a", parent=ref(project))
    # a sequence needs a parent by the end of the batch: create it loose, then adopt it
    loose = call(
        {
            "action": "create",
            "entity_type": "Sequence",
            "entity_data": {"id": "loose", "name": "b"},
        },
        {
            "action": "update",
            "entity_type": "Project",
            "entity_key": [project["id"]],
            "entity_data": {"children": [{"__entity_type__": "Sequence", "id": "loose"}]},
        },
    )[0]["data"]
    (row,) = query(call, "select children.name from Project")
    assert sorted(c["name"] for c in row["children"]) == ["a", "b"]
    (moved,) = query(call, f'select project_id from Sequence where id is "{loose["id"]}"')
    assert moved["project_id"] == project["id"]
    assert first["parent_id"] == project["id"]


def test_delete_cascades_and_restricts(server: Server, call: Call) -> None:
    project = create(call, "Project", name="p")
    sequence = create(call, "Sequence", name="sq", parent=ref(project))
    shot = create(call, "Shot", name="sh", parent=ref(sequence))
    create(call, "Note", content="hello", parent_id=shot["id"], parent_type="Shot")
    asset = create(call, "Asset", name="a", parent=ref(shot))
    version = create(call, "AssetVersion", asset=ref(asset))
    assert version["version"] == 1
    assert create(call, "AssetVersion", asset=ref(asset))["version"] == 2
    result = call({"action": "delete", "entity_type": "Project", "entity_key": [project["id"]]})
    assert result == [{"action": "delete", "data": True}]
    assert query(call, "select id from Context") == []
    assert query(call, "select id from Note") == []
    assert query(call, "select id from AssetVersion") == []


def test_delete_of_something_created_in_the_same_batch(call: Call) -> None:
    result = call(
        {"action": "create", "entity_type": "Project", "entity_data": {"id": "p1", "name": "x"}},
        {"action": "delete", "entity_type": "Project", "entity_key": ["p1"]},
    )
    assert result[1] == {"action": "delete", "data": True}
    assert query(call, "select id from Project") == []


def test_custom_attribute_values_are_upserted(server: Server, call: Call) -> None:
    value_types = [t for t in server.schema.types if t == "ContextCustomAttributeValue"]
    if not value_types:
        return
    project = create(call, "Project", name="p")
    config = "0b3bd2e9-8d4c-4e4d-b1c6-000000000001"
    configure(call, "fstart", "show", None, id=config)
    result = call(
        {
            "action": "update",
            "entity_type": "ContextCustomAttributeValue",
            "entity_key": [config, project["id"]],
            "entity_data": {"value": 25},
        }
    )[0]
    assert result["data"]["value"] == 25
    result = call(
        {
            "action": "update",
            "entity_type": "ContextCustomAttributeValue",
            "entity_key": [config, project["id"]],
            "entity_data": {"value": "x"},
        }
    )[0]
    assert result["data"]["value"] == "x"


def test_database_file_persists(tmp_path: Any) -> None:
    path = str(tmp_path / "studio.db")
    first = Server(database=path, api_key="k")
    first.handle([{"action": "create", "entity_type": "Project", "entity_data": {"name": "kept"}}])
    first.close()
    second = Server(database=path, api_key="k")
    result = second.handle([{"action": "query", "expression": "select name from Project"}])
    second.close()
    assert isinstance(result, list)
    assert [row["name"] for row in result[0]["data"]] == ["kept"]
    assert len([1 for row in result[0]["data"]]) == 1


def test_any_schema_works(tmp_path: Any) -> None:
    """A tiny schema with none of ftrack's types: nothing to seed, everything still works."""
    from ftorm.schema.load import load_schema

    documents = [
        {
            "id": "Box",
            "type": "object",
            "primary_key": ["id"],
            "required": ["id", "label"],
            "default_projections": ["id", "label"],
            "properties": {
                "id": {"type": "string", "default": "{uid}"},
                "label": {"type": "string"},
                "size": {"type": "integer", "default": 1},
                "parent": {"$ref": "Box"},
                "parent_id": {"type": "string", "format": "foreign_key"},
                "boxes": {"type": "array", "items": {"$ref": "Box"}},
            },
        }
    ]
    server = Server(load_schema(documents), database=str(tmp_path / "box.db"), api_key="k")
    outer = server.handle(
        [{"action": "create", "entity_type": "Box", "entity_data": {"label": "a"}}]
    )
    assert isinstance(outer, list)
    parent = {"__entity_type__": "Box", "id": outer[0]["data"]["id"]}
    server.handle(
        [
            {
                "action": "create",
                "entity_type": "Box",
                "entity_data": {"label": "b", "parent": parent},
            }
        ]
    )
    result = server.handle(
        [{"action": "query", "expression": "select label, boxes.label from Box"}]
    )
    assert isinstance(result, list)
    rows = result[0]["data"]
    assert rows[0]["label"] == "a"
    assert [b["label"] for b in rows[0]["boxes"]] == ["b"]
    # b was written in full inside a's boxes: the second row is only a reference
    assert rows[1] == {"__entity_type__": "Box", "id": rows[0]["boxes"][0]["id"]}
    missing = server.handle([{"action": "create", "entity_type": "Box", "entity_data": {}}])
    assert isinstance(missing, dict)
    assert "label" in missing["content"]
    server.close()


def test_memberships_pair_with_their_own_end(call: Call) -> None:
    """A group's memberships are those naming the group; a user's, those naming the user."""
    group = create(call, "Group", name="lighting", local=False)
    (user,) = query(call, 'select id from User where username is "ftorm"')
    create(call, "Membership", user=ref(user), group=ref(group))
    (found,) = query(call, f"select memberships.user.username from Group where id is {group['id']}")
    assert [m["user"]["username"] for m in found["memberships"]] == ["ftorm"]
    (mine,) = query(call, f"select memberships.group.name from User where id is {user['id']}")
    assert [m["group"]["name"] for m in mine["memberships"]] == ["lighting"]


def test_list_items_and_lists_are_the_list_object_rows(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p", full_name="P")
    task = create(call, "Task", name="t", parent=ref(project))
    other = create(call, "Task", name="u", parent=ref(project))
    category = create(call, "ListCategory", name="Dailies")
    dailies = create(
        call,
        "TypedContextList",
        name="dailies",
        project=ref(project),
        category=ref(category),
        items=[ref(task)],
    )
    rows = query(call, "select list_id, entity_id from ListObject")
    assert [(r["list_id"], r["entity_id"]) for r in rows] == [(dailies["id"], task["id"])]
    found = query(call, f'select lists.name from Task where id is "{task["id"]}"')
    assert [item["name"] for item in found[0]["lists"]] == ["dailies"]
    # written from the member's side, read from the list's
    call(
        {
            "action": "update",
            "entity_type": "Task",
            "entity_key": [other["id"]],
            "entity_data": {"lists": [ref(dailies)]},
        }
    )
    items = query(call, "select items.name from TypedContextList")[0]["items"]
    assert sorted(item["name"] for item in items) == ["t", "u"]
    assert {
        r["name"] for r in query(call, 'select name from Task where lists any (name is "dailies")')
    } == {"t", "u"}
