"""Typed changes, typed handlers, actions and the testing helpers, against `Session.local()`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ftorm import Session
from ftorm.events import Action, ActionResult, Change, Event, Selected, changes_of
from ftorm.models import Project, ProjectSchema, Shot, Status, Task, TypedContext
from ftorm.testing import record_events


@pytest.fixture
def session() -> Iterator[Session]:
    instance = Session.local()
    yield instance
    instance.close()


def _task(session: Session) -> Task:
    schema = session.query(ProjectSchema).first()
    project = session.create(Project, name="p", full_name="P", project_schema=schema)
    shot = session.create(Shot, name="sh010", parent=project)
    task = session.create(Task, name="comp", parent=shot)
    session.commit()
    return task


def test_status_change_reaches_a_typed_handler(session: Session) -> None:
    task = _task(session)
    hub = session.events
    seen: list[Change[Task]] = []

    @hub.on_change(Task, Task.status, load=True)
    def status_changed(change: Change[Task]) -> None:
        seen.append(change)

    renamed: list[Change[Task]] = []
    hub.on_change(Task, Task.name)(renamed.append)
    first, new = session.query(Status).all()[:2]
    task.status = first
    session.commit()
    hub.settle()
    seen.clear()
    old = first.id
    task.status = new
    session.commit()
    hub.settle()
    (change,) = seen
    assert change.model is Task
    assert (change.id, change.action, change.entity_type) == (task.id, "update", "Task")
    assert change.changes["status_id"].old == old
    assert change.changes["status_id"].new == new.id
    assert change.changed(Task.status)
    assert not change.changed(Task.name)
    assert change.entity is task  # loaded through the session: the same object
    assert [p.entity_type for p in change.parents] == ["Task", "Shot", "Project"]
    assert renamed == []


def test_changes_of_filters_by_type_with_subtypes(session: Session) -> None:
    with record_events(session) as recorder:
        _task(session)
    event = recorder.assert_published(topic="ftrack.update")
    assert [c.model for c in changes_of(event, TypedContext)] == [Shot, Task]
    assert [c.model for c in changes_of(event, Task)] == [Task]
    assert all(c.action == "add" for c in changes_of(event, Project))
    assert changes_of({"topic": "other"}, Task) == []
    assert changes_of({"topic": "ftrack.update", "data": {"entities": "junk"}}, Task) == []


class Renamer(Action):
    identifier = "test.rename"
    label = "Rename"

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def discover(self, selection: list[Selected]) -> bool:
        return bool(selection) and all(item.is_a(TypedContext) for item in selection)

    def launch(self, selection: list[Selected], event: Event) -> ActionResult:
        for item in selection:
            entity = self.session.get(TypedContext, item.id)
            assert entity is not None
            entity.name = f"{entity.name}_renamed"
        self.session.commit()
        return {"success": True, "message": f"renamed {len(selection)}"}


def test_an_action_discovers_and_launches(session: Session) -> None:
    task = _task(session)
    hub = session.events
    Renamer(session).register(hub)
    items: list[Event] = []
    selection = [{"entityId": task.id, "entityType": "task"}]
    hub.publish(Event("ftrack.action.discover", {"selection": selection}), on_reply=items.append)
    hub.publish(
        Event("ftrack.action.discover", {"selection": [{"entityId": "x", "entityType": "show"}]}),
        on_reply=items.append,
    )
    hub.settle()
    (reply,) = items
    assert reply["data"] == {"items": [{"label": "Rename", "actionIdentifier": "test.rename"}]}
    results: list[Event] = []
    with record_events(session) as recorder:
        launch = {"actionIdentifier": "test.rename", "selection": selection}
        hub.publish(Event("ftrack.action.launch", launch), on_reply=results.append)
        hub.publish(Event("ftrack.action.launch", {"actionIdentifier": "other"}))
        hub.settle()
    assert [r["data"] for r in results] == [{"success": True, "message": "renamed 1"}]
    update = recorder.assert_published(topic="ftrack.*")
    assert update["topic"] in ("ftrack.action.launch", "ftrack.update")
    recorder.assert_published(topic="ftrack.update")
    recorder.assert_not_published(topic="ftrack.action.launch", actionIdentifier="nope")
    with pytest.raises(AssertionError, match="no event published"):
        recorder.assert_published(topic="never")
    assert session.get(Task, task.id).name == "comp_renamed"  # type: ignore[union-attr]
