"""Every type of the standard schema is served: each is created with a value for every
required (and every plain) attribute and read back exactly, abstract types refuse creation
and answer for their concrete types, and the types beyond the project tree keep what is
written to them and follow their relations."""

from __future__ import annotations

from typing import Any

import pytest

from ftorm.server.handlers import Server
from tests.server.server_helpers import Call, create, query
from tests.server.standard_rows import SCHEMA, STAND_INS, Maker, key_of

CONCRETE = sorted(t for t in SCHEMA.types if t not in STAND_INS)


@pytest.mark.parametrize("type_id", CONCRETE)
def test_each_type_is_created_and_read_back(call: Call, type_id: str) -> None:
    sent, echoed = Maker(call).make(type_id)
    entity = SCHEMA[type_id]
    assert echoed["__entity_type__"] == type_id
    assert set(entity.required) <= set(sent) | {"id"}
    key = {name: echoed[name] for name in entity.primary_key}
    assert {name: sent[name] for name in entity.primary_key if name in sent}.items() <= key.items()
    rows = query(call, f"select {', '.join(sent)} from {type_id} where {key_of(entity, key)}")
    assert len(rows) == 1
    [row] = rows
    assert row["__entity_type__"] == type_id
    assert {name: row[name] for name in sent} == sent


@pytest.mark.parametrize(("abstract", "concrete"), sorted(STAND_INS.items()))
def test_abstract_types_answer_for_their_concrete_types(
    server: Server, call: Call, abstract: str, concrete: str
) -> None:
    # ``Context`` and ``TypedContext`` cannot be created (ftrack refuses it too): a row of a
    # concrete type reads back through them, with the abstract type's required attributes.
    refused = server.handle([{"action": "create", "entity_type": abstract, "entity_data": {}}])
    assert isinstance(refused, dict)
    assert refused["exception"] == "ValidationError"
    assert f"{abstract} is abstract and cannot be created" in refused["content"]
    assert concrete in refused["content"]  # it names the types to create instead
    sent, echoed = Maker(call).make(concrete)
    entity = SCHEMA[abstract]
    names = [n for n in entity.required if n in sent]
    assert names
    [row] = query(call, f'select {", ".join(names)} from {abstract} where id is "{echoed["id"]}"')
    assert row["__entity_type__"] == concrete
    assert {name: row[name] for name in names} == {name: sent[name] for name in names}


def _user(call: Call) -> dict[str, Any]:
    return query(call, "select id, username from User")[0]


def _project(call: Call) -> dict[str, Any]:
    return create(call, "Project", name="p", full_name="P")


def test_calendar_event_with_resources(call: Call) -> None:
    project = _project(call)
    user = _user(call)
    event = create(
        call,
        "CalendarEvent",
        name="Leave",
        start={"__type__": "datetime", "value": "2024-01-02T09:00:00"},
        end={"__type__": "datetime", "value": "2024-01-03T18:00:00"},
        leave=True,
        project_id=project["id"],
    )
    create(call, "CalendarEventResource", calendar_event_id=event["id"], resource_id=user["id"])
    [found] = query(
        call,
        "select name, leave, project.name, calendar_event_resources.resource_id "
        f'from CalendarEvent where project.id is "{project["id"]}"',
    )
    assert (found["name"], found["leave"], found["project"]["name"]) == ("Leave", True, "p")
    assert [r["resource_id"] for r in found["calendar_event_resources"]] == [user["id"]]
    events = query(call, 'select id from Project where calendar_events any (name is "Leave")')
    assert [e["id"] for e in events] == [project["id"]]


def test_review_session_objects_and_statuses(call: Call) -> None:
    project = _project(call)
    asset = create(call, "Asset", name="a", context_id=project["id"])
    version = create(call, "AssetVersion", asset_id=asset["id"])
    session = create(
        call,
        "ReviewSession",
        name="Dailies",
        start_date={"__type__": "datetime", "value": "2024-01-02T09:00:00"},
        end_date={"__type__": "datetime", "value": "2024-01-02T10:00:00"},
        project_id=project["id"],
    )
    item = create(
        call,
        "ReviewSessionObject",
        review_session_id=session["id"],
        version_id=version["id"],
        sort_order=1,
    )
    invitee = create(
        call, "ReviewSessionInvitee", review_session_id=session["id"], name="Ann", email="a@b.c"
    )
    create(
        call,
        "ReviewSessionObjectStatus",
        review_session_object_id=item["id"],
        review_session_invitee_id=invitee["id"],
        status="approved",
    )
    [found] = query(
        call,
        "select review_session_objects.statuses.status, review_session_invitees.email "
        f'from ReviewSession where id is "{session["id"]}"',
    )
    [obj] = found["review_session_objects"]
    assert [s["status"] for s in obj["statuses"]] == ["approved"]
    assert [i["email"] for i in found["review_session_invitees"]] == ["a@b.c"]
    versions = query(call, "select id from AssetVersion where review_session_objects any ()")
    assert [v["id"] for v in versions] == [version["id"]]
    # The review session goes with its project, and its objects with it.
    call({"action": "delete", "entity_type": "Project", "entity_key": [project["id"]]})
    assert query(call, "select id from ReviewSessionObject") == []


def test_job_with_components_and_defaults(call: Call) -> None:
    job = create(call, "Job", data='{"description": "export"}')
    component = create(call, "FileComponent", name="out")
    create(call, "JobComponent", job_id=job["id"], component_id=component["id"])
    [found] = query(
        call,
        "select status, type, data, job_components.component_id "
        f'from Job where id is "{job["id"]}"',
    )
    assert (found["status"], found["type"]) == ("queued", "api_job")
    assert found["data"] == '{"description": "export"}'
    assert [c["component_id"] for c in found["job_components"]] == [component["id"]]


def test_conversation_messages_and_participants(call: Call) -> None:
    user = _user(call)
    conversation = create(call, "Conversation")
    create(call, "Message", conversation_id=conversation["id"], text="hello")
    create(call, "Participant", conversation_id=conversation["id"], resource_id=user["id"])
    [found] = query(
        call,
        "select messages.text, participants.resource_id, created_by_id "
        f'from Conversation where id is "{conversation["id"]}"',
    )
    assert [m["text"] for m in found["messages"]] == ["hello"]
    assert [p["resource_id"] for p in found["participants"]] == [user["id"]]
    assert found["created_by_id"] == user["id"]


def test_security_roles_of_a_user(call: Call) -> None:
    user = _user(call)
    project = _project(call)
    role = create(call, "SecurityRole", name="Supervisor")
    grant = create(
        call,
        "UserSecurityRole",
        user_id=user["id"],
        security_role_id=role["id"],
        is_all_open_projects=False,
    )
    create(
        call, "UserSecurityRoleProject", user_security_role_id=grant["id"], project_id=project["id"]
    )
    [found] = query(
        call,
        "select user_security_roles.security_role.name, "
        "user_security_roles.user_security_role_projects.project_id "
        f'from User where id is "{user["id"]}"',
    )
    [granted] = found["user_security_roles"]
    assert granted["security_role"]["name"] == "Supervisor"
    assert [p["project_id"] for p in granted["user_security_role_projects"]] == [project["id"]]


def test_dashboards_and_settings(call: Call) -> None:
    user = _user(call)
    dashboard = create(call, "Dashboard", name="Mine", created_by_id=user["id"])
    create(call, "DashboardWidget", dashboard_id=dashboard["id"], type="notes", sort=1)
    call(
        {
            "action": "create",
            "entity_type": "DashboardResource",
            "entity_data": {"dashboard_id": dashboard["id"], "resource_id": user["id"]},
        }
    )
    [found] = query(
        call,
        "select is_shared_with_everyone, widgets.type, dashboard_resources.resource_id "
        f'from Dashboard where id is "{dashboard["id"]}"',
    )
    assert found["is_shared_with_everyone"] is False
    assert [w["type"] for w in found["widgets"]] == ["notes"]
    assert [r["resource_id"] for r in found["dashboard_resources"]] == [user["id"]]
    users = query(call, "select id from User where dashboard_resources any ()")
    assert [u["id"] for u in users] == [user["id"]]
    call(
        {
            "action": "create",
            "entity_type": "UserApplicationState",
            "entity_data": {"user_id": user["id"], "key": "layout", "value": "{}"},
        }
    )
    states = query(call, "select key, value from UserApplicationState")
    assert [(s["key"], s["value"]) for s in states] == [("layout", "{}")]


def test_custom_attribute_links_in_criteria(call: Call) -> None:
    user = _user(call)
    project = _project(call)
    sequence = create(call, "Sequence", name="sq", parent_id=project["id"])
    # Its own ``entity_type`` attribute: created through a plain operation.
    [created] = call(
        {
            "action": "create",
            "entity_type": "CustomAttributeLinkConfiguration",
            "entity_data": {
                "key": "supervisor",
                "label": "Supervisor",
                "entity_type": "task",
                "entity_type_to": "user",
                "config": "{}",
            },
        }
    )
    configuration = created["data"]
    link = {"configuration_id": configuration["id"], "from_id": sequence["id"], "to_id": user["id"]}
    create(call, "CustomAttributeLink", **link)
    create(call, "CustomAttributeLinkFrom", **link, from_entity_type="task", to_entity_type="user")
    found = query(
        call,
        "select id from Sequence where custom_attribute_links any "
        f'(configuration.key is "supervisor" and to_id is "{user["id"]}")',
    )
    assert [f["id"] for f in found] == [sequence["id"]]
    users = query(
        call,
        "select id from User where custom_attribute_links_from any "
        '(configuration.key is "supervisor")',
    )
    assert [u["id"] for u in users] == [user["id"]]


def test_an_integer_keyed_event_is_created_updated_and_deleted(call: Call) -> None:
    # ``Event`` (ftrack's ``SocialEvent``) is the one type keyed by an integer.
    [created] = call({"action": "create", "entity_type": "Event", "entity_data": {"id": 3}})
    assert created["data"]["id"] == 3
    update = {"action": "update", "entity_type": "Event", "entity_key": [3]}
    call({**update, "entity_data": {"action": "change.status"}})
    [found] = query(call, "select action from Event where id is 3")
    assert (found["id"], found["action"]) == (3, "change.status")
    call({"action": "delete", "entity_type": "Event", "entity_key": ["3"]})  # keys travel as text
    assert query(call, "select id from Event") == []
