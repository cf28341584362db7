"""A fresh database holds a new workspace: the built-in project schema with the statuses and
types of each object type, on the standard and the recorded schema, and through the session."""

from __future__ import annotations

from typing import Any

from ftorm.models import ObjectType, ProjectSchema, Schema, SchemaStatus, Status
from ftorm.schema.workspace import (
    DEFAULT_TASK_TYPE,
    OBJECT_TYPE_IDS,
    OBJECT_TYPES,
    PROJECT_SCHEMA,
    STATUSES,
    TASK_TYPES,
)
from ftorm.server.handlers import Server
from ftorm.testing import local_session
from tests.server.server_helpers import create, make_call, query, ref

ALL_STATUSES = [status.name for status in STATUSES]


def _project_schema(either: Server) -> dict[str, Any]:
    (found,) = query(
        make_call(either),
        "select _schemas.type_id, _schemas.statuses.status_id, _schemas.types.type_id,"
        " task_workflow_schema_id, asset_version_workflow_schema_id, task_type_schema_id"
        f' from ProjectSchema where name is "{PROJECT_SCHEMA}"',
    )
    return found


def _schema_of(project_schema: dict[str, Any], entity: str) -> dict[str, Any]:
    schemas: list[dict[str, Any]] = project_schema["_schemas"]
    (found,) = [s for s in schemas if s["type_id"] == OBJECT_TYPE_IDS[entity]]
    return found


def _names(server: Server, expression: str, relation: str) -> list[str]:
    return [row[relation]["name"] for row in query(make_call(server), expression)]


def test_every_object_type_but_task_has_a_schema(either: Server) -> None:
    project_schema = _project_schema(either)
    expected = {t.id for t in OBJECT_TYPES if t.entity != "Task"}
    assert {s["type_id"] for s in project_schema["_schemas"]} == expected


def test_statusable_object_types_have_the_default_statuses_in_order(either: Server) -> None:
    project_schema = _project_schema(either)
    for object_type in OBJECT_TYPES:
        if object_type.entity == "Task":
            continue
        schema = _schema_of(project_schema, object_type.entity)
        # The client's get_statuses asks exactly this.
        names = _names(
            either,
            f"select task_status.name from SchemaStatus"
            f' where schema_id is "{schema["id"]}" order by sort',
            "task_status",
        )
        assert names == (ALL_STATUSES if object_type.is_statusable else [])


def test_each_schema_has_the_default_task_type(either: Server) -> None:
    for schema in _project_schema(either)["_schemas"]:
        rows = query(
            make_call(either),
            f'select task_type.name from SchemaType where schema_id is "{schema["id"]}"',
        )
        assert [row["task_type"]["name"] for row in rows] == [DEFAULT_TASK_TYPE]


def test_task_and_version_statuses_come_from_the_workflows(either: Server) -> None:
    call = make_call(either)
    project_schema = _project_schema(either)
    for key in ("task_workflow_schema_id", "asset_version_workflow_schema_id"):
        (workflow,) = query(
            call, f'select statuses.name from WorkflowSchema where id is "{project_schema[key]}"'
        )
        assert sorted(s["name"] for s in workflow["statuses"]) == sorted(ALL_STATUSES)
    (types,) = query(
        call,
        "select types.name from TaskTypeSchema"
        f' where id is "{project_schema["task_type_schema_id"]}"',
    )
    assert {t["name"] for t in types["types"]} == set(TASK_TYPES)


def test_a_new_shot_gets_a_status_and_type_of_its_schema(either: Server) -> None:
    call = make_call(either)
    project = create(call, "Project", name="p", full_name="P")
    shot = create(call, "Shot", name="sh010", parent=ref(project))
    schema = _schema_of(_project_schema(either), "Shot")
    (found,) = query(call, f'select status_id, type_id from Shot where id is "{shot["id"]}"')
    assert found["status_id"] in {s["status_id"] for s in schema["statuses"]}
    assert found["type_id"] in {t["type_id"] for t in schema["types"]}


def test_project_schema_statuses_through_the_session() -> None:
    with local_session() as session:
        project_schema = session.query(
            ProjectSchema.where(ProjectSchema.name == PROJECT_SCHEMA)
        ).one()
        shot_type = session.query(ObjectType.where(ObjectType.name == "Shot")).one()
        (shot_schema,) = [
            schema
            for schema in project_schema.object_type_schemas
            if schema.type_id == shot_type.id
        ]
        rows = session.query(
            SchemaStatus.where(SchemaStatus.schema_id == shot_schema.id).order_by(SchemaStatus.sort)
        ).all()
        names = [row.task_status.name for row in rows if row.task_status is not None]
        assert names == ALL_STATUSES
        sequence = session.query(
            Schema.where(
                Schema.project_schema_id == project_schema.id,
                Schema.type_id == OBJECT_TYPE_IDS["Sequence"],
            )
        ).one()
        assert list(sequence.statuses) == []
        assert [t.task_type.name for t in sequence.types if t.task_type is not None] == [
            DEFAULT_TASK_TYPE
        ]
        assert isinstance(rows[0].task_status, Status)
