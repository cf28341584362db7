"""ftrack's write rules, on the standard and the recorded schema: referential integrity,
required values checked when the batch ends, server-side defaults and derived values,
the component hierarchy and datetimes with microseconds."""

from __future__ import annotations

from typing import Any

from ftorm.server.handlers import Server
from tests.server.server_helpers import create, make_call, query, ref


def _error(server: Server, *operations: dict[str, Any]) -> dict[str, Any]:
    result = server.handle(list(operations))
    assert isinstance(result, dict), result
    return result


def _create(entity_type: str, **data: Any) -> dict[str, Any]:
    return {"action": "create", "entity_type": entity_type, "entity_data": data}


def _update(entity_type: str, key: str, **data: Any) -> dict[str, Any]:
    return {
        "action": "update",
        "entity_type": entity_type,
        "entity_key": [key],
        "entity_data": data,
    }


# --- referential integrity ---------------------------------------------------------------


def test_scalar_key_to_a_missing_row_is_refused(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    shot = create(call, "Shot", name="sh", parent=ref(project))
    for column in ("parent_id", "status_id", "priority_id"):
        error = _error(either, _update("Shot", shot["id"], **{column: "no-such-id"}))
        assert error["exception"] == "ValidationError"
        assert "no-such-id" in error["content"]
        assert "does not exist" in error["content"]
    (row,) = query(call, f'select parent_id from Shot where id is "{shot["id"]}"')
    assert row["parent_id"] == project["id"]


def test_create_with_a_missing_key_is_refused_and_rolled_back(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    error = _error(
        either,
        _create("Sequence", name="fine", parent=ref(project)),
        _create("Asset", name="a", context_id="no-such-context"),
    )
    assert error["exception"] == "ValidationError"
    assert query(call, "select id from Sequence") == []


def test_reference_to_a_row_created_later_in_the_batch_is_fine(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    call(
        _create("Shot", id="sh", name="sh", parent_id="sq"),
        _create("Sequence", id="sq", name="sq", parent=ref(project)),
    )
    (row,) = query(call, 'select parent.name from Shot where id is "sh"')
    assert row["parent"]["name"] == "sq"


def test_context_without_a_parent_is_refused(either: Server) -> None:
    call = make_call(either)
    error = _error(either, _create("Shot", name="orphan"))
    assert error["exception"] == "ValidationError"
    assert "parent" in error["content"]
    project = create(call, "Project", name="p")
    shot = create(call, "Shot", name="sh", parent=ref(project))
    error = _error(either, _update("Shot", shot["id"], parent=None))
    assert "parent" in error["content"]
    assert create(call, "Project", name="top")["name"] == "top"  # projects have none


def test_delete_that_would_orphan_restricted_rows_is_refused(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    task = create(call, "Task", name="t", parent=ref(project))
    (row,) = query(call, f'select status_id from Task where id is "{task["id"]}"')
    error = _error(
        either, {"action": "delete", "entity_type": "Status", "entity_key": [row["status_id"]]}
    )
    assert error["exception"] == "ValidationError"
    assert len(query(call, "select id from Task")) == 1


# --- required values when the batch ends ------------------------------------------------


def test_required_value_may_arrive_later_in_the_batch(either: Server) -> None:
    call = make_call(either)
    result = call(_create("Scope", id="s1"), _update("Scope", "s1", name="later"))
    assert result[1]["data"]["name"] == "later"
    assert query(call, "select name from Scope")[0]["name"] == "later"


def test_batch_ending_without_a_required_value_is_refused(either: Server) -> None:
    call = make_call(either)
    error = _error(either, _create("Scope", id="s1"))
    assert error["exception"] == "ValidationError"
    assert "Scope.name" in error["content"]
    assert query(call, "select id from Scope") == []
    create(call, "Scope", id="s2", name="x")
    error = _error(either, _update("Scope", "s2", name=None))
    assert "Scope.name" in error["content"]


# --- defaults and derived values --------------------------------------------------------


def test_username_is_derived_from_the_names(either: Server) -> None:
    call = make_call(either)
    first = create(call, "User", first_name="Jane", last_name="Doe Smith")
    assert first["username"] == "jane.doe.smith"
    second = create(call, "User", first_name="Jane", last_name="Doe Smith")
    assert second["username"] == "jane.doe.smith2"
    assert first["is_active"] is False
    error = _error(either, _create("User"))
    assert "User.username" in error["content"]


def test_one_running_timer_per_user(either: Server) -> None:
    call = make_call(either)
    timer = create(call, "Timer")
    assert timer["user_id"] == either.user_id
    assert timer["start"]["__type__"] == "datetime"
    error = _error(either, _create("Timer"))
    assert error["exception"] == "DuplicateEntryError"
    call({"action": "delete", "entity_type": "Timer", "entity_key": [timer["id"]]})
    create(call, "Timer")


def test_system_type_of_components(either: Server) -> None:
    call = make_call(either)
    kinds = {
        name: create(call, name, name="c")["system_type"]
        for name in ("Component", "FileComponent", "ContainerComponent", "SequenceComponent")
    }
    assert kinds == {
        "Component": "file",
        "FileComponent": "file",
        "ContainerComponent": "container",
        "SequenceComponent": "sequence",
    }


def test_note_author_is_a_recipient(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    note = create(call, "Note", content="hi", parent_id=project["id"], parent_type="Project")
    rows = query(call, f'select resource_id from Recipient where note_id is "{note["id"]}"')
    assert [r["resource_id"] for r in rows] == [either.user_id]


def test_sequence_component_is_a_container(either: Server) -> None:
    call = make_call(either)
    container = create(call, "SequenceComponent", name="frames")
    member = create(call, "FileComponent", name="f.1001.exr", container=ref(container))
    (row,) = query(
        call, f'select members.name from SequenceComponent where id is "{container["id"]}"'
    )
    assert [m["id"] for m in row["members"]] == [member["id"]]
    assert query(call, "select id from ContainerComponent") == [
        {"__entity_type__": "SequenceComponent", "id": container["id"], **_sp(row)}
    ]


def _sp(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("__entity_type__", "id", "members")}


def test_datetimes_keep_their_microseconds_in_storage(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    early = "2026-01-01T10:00:00.250000"
    late = "2026-01-01T10:00:00.750000"
    for name, start in (("early", early), ("late", late)):
        create(
            call,
            "Shot",
            name=name,
            parent=ref(project),
            start_date={"__type__": "datetime", "value": start},
        )
    after = query(call, 'select name from Shot where start_date after "2026-01-01T10:00:00.5"')
    assert [r["name"] for r in after] == ["late"]
    ordered = query(call, "select name from Shot order by start_date descending")
    assert [r["name"] for r in ordered] == ["late", "early"]


# --- references to types with composite keys --------------------------------------------


def _recipient(note: str, resource: str) -> dict[str, Any]:
    return {"__entity_type__": "Recipient", "note_id": note, "resource_id": resource}


def test_note_recipients_in_create_update_and_queries(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    other = create(call, "User", username="bob")
    me = str(either.user_id)
    note = {"id": "n1", "content": "hi", "parent_id": project["id"], "parent_type": "Project"}
    call(
        _create("Note", **note, recipients=[_recipient("n1", other["id"])]),
        _create("Recipient", note_id="n1", resource_id=other["id"]),
    )
    (row,) = query(call, 'select recipients.resource_id from Note where id is "n1"')
    assert sorted(r["resource_id"] for r in row["recipients"]) == sorted([me, other["id"]])
    result = call(_update("Note", "n1", recipients=[_recipient("n1", other["id"])]))
    assert {r["resource_id"] for r in result[0]["data"]["recipients"]} >= {other["id"]}
    error = _error(either, _update("Note", "n1", recipients=[_recipient("n1", "ghost")]))
    assert "does not exist" in error["content"]
    create(call, "Note", id="n2", content="x", parent_id=project["id"], parent_type="Project")
    error = _error(either, _update("Note", "n2", recipients=[_recipient("n1", other["id"])]))
    assert "another Note" in error["content"]


def test_note_category_is_a_label_with_the_same_id(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p")
    category = create(call, "NoteCategory", name="Internal", color="#ff0000")
    note = create(
        call,
        "Note",
        content="x",
        parent_id=project["id"],
        parent_type="Project",
        category=ref(category),
    )
    (row,) = query(call, f'select note_label_links.label.name from Note where id is "{note["id"]}"')
    assert [link["label"]["id"] for link in row["note_label_links"]] == [category["id"]]
    assert row["note_label_links"][0]["label"]["name"] == "Internal"


def test_a_version_without_an_asset_is_refused(either: Server) -> None:
    """ftrack refuses it, and ftrack_api's standard structure test expects the refusal."""
    call = make_call(either)
    error = _error(either, _create("AssetVersion", id="v1"))
    assert error["exception"] == "ValidationError"
    assert "asset" in error["content"]
    assert query(call, "select id from AssetVersion") == []
