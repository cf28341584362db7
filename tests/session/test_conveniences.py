"""ftrack_api's conveniences: ensure, reset, refresh, reset_remote, get_widget_url, notes and
timers, in-process and over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from ftorm.errors import (
    InvalidValueError,
    MultipleResultsError,
    NotFoundError,
    ServerError,
    TimerRunningError,
    UnknownAttributeError,
    ValidationError,
)
from ftorm.models import Note, Project, Task, User
from ftorm.session.session import Session


@pytest.fixture
def session(either_session: Session) -> Session:
    return either_session


def _project(session: Session, name: str = "show") -> Project:
    project = session.create(Project, name=name, full_name=name.title())
    session.commit()
    return project


def _user(session: Session) -> User:
    user = session.query(User).first()
    assert user is not None
    return user


def _update(session: Session, entity: Any, **data: Any) -> None:
    """Change a row on the server behind the session's back."""
    kind = type(entity).__ftorm_entity__
    session.call(
        [{"action": "update", "entity_type": kind, "entity_key": [entity.id], "entity_data": data}]
    )


# --- ensure -------------------------------------------------------------------------------


def test_ensure_creates_then_finds_the_same_entity(session: Session) -> None:
    first = session.ensure(Project, name="show", full_name="Show")
    assert not session.dirty  # committed
    requests = session.stats.requests
    again = session.ensure(Project, name="show", full_name="Show")
    assert again is first
    assert session.stats.requests == requests + 1  # one query, nothing to commit
    assert session.query(Project).count() == 1


def test_ensure_updates_the_values_that_do_not_identify(session: Session) -> None:
    project = session.ensure(Project, ["name"], name="show", full_name="Show")
    same = session.ensure(Project, ["name"], name="show", full_name="The Show")
    assert same is project
    assert project.full_name == "The Show"
    assert not session.dirty
    other = Session(transport=session.transport)  # what the server holds
    stored = other.query(Project).where(name="show").one()
    assert stored.full_name == "The Show"


def test_ensure_identifies_by_entities(session: Session) -> None:
    project = _project(session)
    other = _project(session, "other")
    task = session.ensure(Task, ["name", "parent"], name="comp", parent=project, bid=1.0)
    elsewhere = session.ensure(Task, ["name", "parent"], name="comp", parent=other, bid=2.0)
    assert task is not elsewhere
    again = session.ensure(Task, ["name", "parent"], name="comp", parent=project, bid=4.0)
    assert again is task
    assert task.bid == 4.0


def test_ensure_takes_identifying_keys_by_keyword(session: Session) -> None:
    project = session.ensure("Project", identifying_keys=["name"], name="show", full_name="A")
    same = session.ensure("Project", identifying_keys=["name"], name="show", full_name="B")
    assert same is project
    assert project.full_name == "B"


def test_ensure_refuses_what_ftrack_api_refuses(session: Session) -> None:
    project = _project(session)
    with pytest.raises(InvalidValueError, match="no identifying data"):
        session.ensure(Project)
    with pytest.raises(InvalidValueError, match="without a value"):
        session.ensure(Project, ["full_name"], name="x")
    with pytest.raises(UnknownAttributeError):
        session.ensure("Project", ["nmae"], nmae="x")
    session.create(Task, name="twin", parent=project)
    session.create(Task, name="twin", parent=project)
    session.commit()
    with pytest.raises(MultipleResultsError):
        session.ensure(Task, ["name"], name="twin", bid=9.0)
    assert not session.dirty
    assert {task.bid for task in session.query(Task).where(name="twin")} == {0.0}


# --- session state ------------------------------------------------------------------------


def test_reset_forgets_objects_and_pending_changes(session: Session) -> None:
    project = _project(session)
    project.full_name = "changed"
    session.create(Project, name="pending", full_name="P")
    assert session.dirty
    session.reset()
    assert not session.dirty
    session.commit()  # nothing is sent
    fresh = session.query(Project).where(name="show").one()
    assert fresh is not project
    assert fresh.full_name == "Show"
    assert session.query(Project).where(name="pending").first() is None


def test_refresh_reads_again_and_keeps_pending_changes(session: Session) -> None:
    project = _project(session)
    task = session.create(Task, name="comp", parent=project, bid=1.0)
    session.commit()
    _update(session, task, name="paint", bid=7.0)
    assert task.name == "comp"  # the session holds the old values
    task.bid = 3.0  # pending
    session.refresh(task)
    assert task.name == "paint"
    assert task.bid == 3.0
    assert session.dirty
    session.commit()
    session.refresh(task)
    assert task.bid == 3.0


def test_refresh_refuses_new_and_gone_objects(session: Session) -> None:
    project = session.create(Project, name="new", full_name="N")
    with pytest.raises(InvalidValueError, match="commit it first"):
        session.refresh(project)
    session.commit()
    session.call([{"action": "delete", "entity_type": "Project", "entity_key": [project.id]}])
    with pytest.raises(NotFoundError):
        session.refresh(project)


def test_reset_remote(session: Session) -> None:
    project = _project(session)
    task = session.create(Task, name="comp", parent=project)
    session.commit()
    value = session.reset_remote("name", task)  # back to the schema's default
    assert value == ""
    assert task.name == ""
    assert Session(transport=session.transport).query(Task).one().name == ""
    user = _user(session)
    key = session.reset_remote("api_key", user)
    assert isinstance(key, str)
    assert len(key) == 36
    with pytest.raises(ServerError):
        session.reset_remote("id", task)
    with pytest.raises(InvalidValueError):
        session.reset_remote("", task)


def test_get_widget_url(session: Session) -> None:
    project = _project(session)
    url = session.get_widget_url("info", project, theme="dark")
    assert "/widget/info?" in url
    assert project.id in url
    assert "theme=dark" in url
    assert "/widget/tasks_browser" in session.get_widget_url("tasks_browser")
    with pytest.raises(InvalidValueError):
        session.get_widget_url("nope")
    with pytest.raises(ValidationError):  # refused by the server too
        session.call([{"action": "get_widget_url", "name": "nope"}])


# --- notes --------------------------------------------------------------------------------


def test_notes_with_recipients_labels_and_replies(session: Session) -> None:
    project = _project(session)
    task = session.create(Task, name="comp", parent=project)
    user = _user(session)
    label = session.create("NoteLabel", name="For client", color="#ff0000")
    session.commit()
    note = session.create_note(task, "Looks good", user, recipients=[user], labels=[label])
    session.commit()
    reply = session.create_reply(note, "Thanks", user)
    session.commit()
    other = Session(transport=session.transport)
    stored = other.query(Note).where(id=note.id).one()
    assert stored.content == "Looks good"
    assert stored.parent_id == task.id
    assert stored.parent_type == "Task"
    assert [r.resource_id for r in stored.recipients] == [user.id]
    assert [link.label_id for link in stored.note_label_links] == [label.id]
    assert [r.id for r in stored.replies] == [reply.id]
    assert note.id in {n.id for n in task.notes}


def test_note_refuses_category_with_labels_and_strangers(session: Session) -> None:
    project = _project(session)
    user = _user(session)
    category = session.create("NoteCategory", name="Internal")
    label = session.create("NoteLabel", name="Client")
    session.commit()
    with pytest.raises(InvalidValueError, match="not both"):
        session.create_note(project, "x", user, category=category, labels=[label])
    with pytest.raises(InvalidValueError):
        session.create_note(project, "x", User(username="stranger"))
    with pytest.raises(InvalidValueError):
        session.create_note(project, 3, user)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        session.create_reply(project, "x", user)
    assert not session.dirty
    note = session.create_note(project, "x", user, category=category)
    session.commit()
    assert note.category_id == category.id  # type: ignore[attr-defined]


# --- timers -------------------------------------------------------------------------------


def test_timers(session: Session) -> None:
    project = _project(session)
    task = session.create(Task, name="comp", parent=project)
    session.commit()
    user = _user(session)
    timer = session.start_timer(user, task, comment="lighting", name="work")
    assert not session.dirty
    assert timer.context_id == task.id  # type: ignore[attr-defined]
    with pytest.raises(TimerRunningError):
        session.start_timer(user, task)
    assert not session.dirty  # the refused timer is gone
    session.start_timer(user, comment="second", force=True)  # stops the first
    logs = session.query("Timelog").all()
    assert [log.comment for log in logs] == ["lighting"]  # type: ignore[attr-defined]
    timelog = session.stop_timer(user)
    assert timelog.comment == "second"  # type: ignore[attr-defined]
    assert timelog.duration is not None
    assert timelog.duration >= 0
    assert session.query("Timer").count() == 0
    with pytest.raises(NotFoundError):
        session.stop_timer(user)


# --- the same helpers as methods of generated classes ---------------------------------------


def test_entity_helper_methods(session: Session) -> None:
    project = _project(session)
    task = session.create(Task, name="comp", parent=project)
    session.commit()
    user = _user(session)
    note = task.create_note("From the entity", user, recipients=[user])
    session.commit()
    reply = note.create_reply("And back", user)
    session.commit()
    assert reply.in_reply_to is note
    assert note.parent_id == task.id
    timer = user.start_timer(task, comment="on it")
    assert timer.context_id == task.id  # type: ignore[attr-defined]
    assert user.stop_timer().comment == "on it"  # type: ignore[attr-defined]
    with pytest.raises(InvalidValueError, match="not attached"):
        Task(name="loose").create_note("x", user)
