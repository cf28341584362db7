"""`ftorm.session.project_schema`: statuses and types of a project schema, as ftrack_api's
helpers answer them, in-process and over HTTP."""

from __future__ import annotations

import pytest

from ftorm.errors import InvalidValueError, UnknownTypeError
from ftorm.models import ProjectSchema, Status, Type, WorkflowSchema
from ftorm.session.project_schema import get_statuses, get_types
from ftorm.session.session import Session


@pytest.fixture
def session(either_session: Session) -> Session:
    return either_session


def _schema(session: Session) -> ProjectSchema:
    found = session.query(ProjectSchema).first()
    assert found is not None
    return found


def test_statuses_follow_workflows_and_object_type_schemas(session: Session) -> None:
    schema = _schema(session)
    task_workflow = schema.task_workflow_schema
    assert task_workflow is not None
    expected = {status.id for status in task_workflow.statuses}
    assert {status.id for status in get_statuses(schema, "Task")} == expected
    version = schema.asset_version_workflow_schema
    assert version is not None
    assert {s.id for s in get_statuses(schema, "AssetVersion")} == {s.id for s in version.statuses}
    shots = get_statuses(schema, "Shot")
    assert shots
    assert all(isinstance(status, Status) for status in shots)
    assert get_statuses(schema, "Sequence") == []  # its schema lists no status


def test_a_task_type_override_wins(session: Session) -> None:
    schema = _schema(session)
    status = session.create(Status, name="Only this")
    workflow = session.create(WorkflowSchema, name="Compositing flow")
    workflow.statuses.append(status)
    comp = session.query(Type).where(name="Compositing").one()
    session.create(
        "ProjectSchemaOverride",
        project_schema_id=schema.id,
        type_id=comp.id,
        workflow_schema=workflow,
    )
    session.commit()
    session.refresh(schema)
    assert [s.name for s in get_statuses(schema, "Task", comp.id)] == ["Only this"]
    other = session.query(Type).where(name="Animation").one()
    assert len(get_statuses(schema, "Task", other.id)) > 1  # no override: the task workflow


def test_types(session: Session) -> None:
    schema = _schema(session)
    task_types = schema.task_type_schema
    assert task_types is not None
    assert [t.id for t in get_types(schema, "Task")] == [t.id for t in task_types.types]
    assert all(isinstance(kind, Type) for kind in get_types(schema, "Shot"))


def test_bad_input(session: Session) -> None:
    schema = _schema(session)
    with pytest.raises(UnknownTypeError):
        get_statuses(schema, "Nope")
    with pytest.raises(InvalidValueError):
        get_statuses(schema, "User")  # no object type
    status = session.query(Status).first()
    assert status is not None
    with pytest.raises(InvalidValueError):
        get_types(status, "Task")
