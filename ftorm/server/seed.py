"""What a fresh database holds: the contents of a new ftrack workspace.

The facts (names, fixed ids, defaults) live in `ftorm.schema.workspace`; this module turns
them into entities in insertion order: the API user, states and statuses, priorities, task
types, object types, asset types, custom attribute types, the built-in locations, and a
default project schema with its workflows, its object types and their schemas (the statuses
and types of each object type other than ``Task``, whose statuses and types are the project
schema's task workflow and task type schema). Only types and attributes the schema has are
written, so any schema can be seeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftorm.protocol.codec import entity_reference
from ftorm.schema.custom.rules import KIND_TYPE
from ftorm.schema.workspace import (
    ASSET_TYPES,
    CUSTOM_ATTRIBUTE_TYPES,
    DEFAULT_TASK_TYPE,
    LOCATIONS,
    OBJECT_TYPES,
    PRIORITIES,
    PROJECT_SCHEMA,
    STATES,
    STATUSES,
    TASK_TYPE_SCHEMA,
    TASK_TYPES,
    TASK_WORKFLOW,
    VERSION_WORKFLOW,
    seed_id,
)

__all__ = ["seed_entities"]


def seed_entities(api_user: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(entity type, attributes) of everything a fresh workspace holds, in insertion order;
    the caller drops types and attributes its schema lacks."""
    yield (
        "User",
        {
            "id": seed_id("User", api_user),
            "username": api_user,
            "first_name": api_user,
            "last_name": "",
            "is_active": True,
            "resource_type": "user",
        },
    )
    for name, short in STATES:
        yield "State", {"id": seed_id("State", name), "name": name, "short": short}
    for sort, status in enumerate(STATUSES):
        yield (
            "Status",
            {
                "id": seed_id("Status", status.name),
                "name": status.name,
                "state": entity_reference("State", {"id": seed_id("State", status.state)}),
                "color": status.color,
                "sort": sort,
                "is_active": True,
            },
        )
    for priority in PRIORITIES:
        yield (
            "Priority",
            {
                "id": priority.fixed_id or seed_id("Priority", priority.name),
                "name": priority.name,
                "value": priority.value,
                "sort": priority.value,
                "color": priority.color,
            },
        )
    for sort, name in enumerate(TASK_TYPES):
        yield "Type", {"id": seed_id("Type", name), "name": name, "sort": sort}
    for sort, object_type in enumerate(OBJECT_TYPES):
        name = object_type.name
        yield (
            "ObjectType",
            {
                "id": object_type.id,
                "name": name,
                "sort": sort,
                "is_leaf": object_type.is_leaf,
                "is_statusable": object_type.is_statusable,
                "is_taskable": not object_type.is_leaf,
                "is_typeable": name == "Task",
                "is_schedulable": name in ("Task", "Milestone"),
                "is_time_reportable": name == "Task",
                "icon": name.lower().replace(" ", "_"),
            },
        )
    for name, short in ASSET_TYPES:
        yield "AssetType", {"id": seed_id("AssetType", name), "name": name, "short": short}
    for name in CUSTOM_ATTRIBUTE_TYPES:
        yield KIND_TYPE, {"id": seed_id(KIND_TYPE, name), "name": name, "core": True}
    for name, location_id in LOCATIONS.items():
        yield "Location", {"id": location_id, "name": name, "label": name}
    task_workflow = seed_id("WorkflowSchema", TASK_WORKFLOW)
    version_workflow = seed_id("WorkflowSchema", VERSION_WORKFLOW)
    type_schema = seed_id("TaskTypeSchema", TASK_TYPE_SCHEMA)
    yield "WorkflowSchema", {"id": task_workflow, "name": TASK_WORKFLOW}
    yield "WorkflowSchema", {"id": version_workflow, "name": VERSION_WORKFLOW}
    for status in STATUSES:
        for workflow in (task_workflow, version_workflow):
            yield (
                "WorkflowSchemaStatus",
                {"workflow_schema_id": workflow, "status_id": seed_id("Status", status.name)},
            )
    yield "TaskTypeSchema", {"id": type_schema, "name": TASK_TYPE_SCHEMA}
    for name in TASK_TYPES:
        yield (
            "TaskTypeSchemaType",
            {"task_type_schema_id": type_schema, "type_id": seed_id("Type", name)},
        )
    schema_id = seed_id("ProjectSchema", PROJECT_SCHEMA)
    yield (
        "ProjectSchema",
        {
            "id": schema_id,
            "name": PROJECT_SCHEMA,
            "task_workflow_schema_id": task_workflow,
            "asset_version_workflow_schema_id": version_workflow,
            "task_type_schema_id": type_schema,
        },
    )
    for object_type in OBJECT_TYPES:
        yield (
            "ProjectSchemaObjectType",
            {"project_schema_id": schema_id, "object_type_id": object_type.id},
        )
    yield from _object_type_schemas(schema_id)


def _object_type_schemas(project_schema_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The project schema's `Schema` of each object type but ``Task``: the default statuses
    for a statusable type, and the default task type (the type a new typed context gets)."""
    for object_type in OBJECT_TYPES:
        if object_type.name == "Task":
            continue
        schema_id = seed_id("Schema", object_type.name)
        yield (
            "Schema",
            {
                "id": schema_id,
                "project_schema_id": project_schema_id,
                "type_id": object_type.id,
                "object_type_id": object_type.id,
            },
        )
        if object_type.is_statusable:
            for sort, status in enumerate(STATUSES):
                yield (
                    "SchemaStatus",
                    {
                        "schema_id": schema_id,
                        "status_id": seed_id("Status", status.name),
                        "sort": sort,
                    },
                )
        yield (
            "SchemaType",
            {"schema_id": schema_id, "type_id": seed_id("Type", DEFAULT_TASK_TYPE), "sort": 0},
        )
