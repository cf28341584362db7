"""What a fresh database holds: the contents of a new ftrack workspace.

Object types (with the fixed ids ftrack's typed-context subtypes default to), task types,
states and statuses, priorities (the default priority id included), a default project schema
with its workflows and links, the four built-in locations with the ids the official client
registers, and the API user. Only types and attributes the schema has are written, so any
schema can be seeded. Ids are derived from names (uuid5), so every fresh database agrees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, Final

__all__ = ["LOCATIONS", "OBJECT_TYPES", "seed_entities", "seed_id"]

_NAMESPACE: Final = uuid.UUID("5d3a6c1e-9f0b-4d4e-8a51-0f7a0c1f7e11")

OBJECT_TYPES: Final = {
    "Task": ("11c137c0-ee7e-4f9c-91c5-8c77cec22b2c", True, True),
    "Shot": ("bad911de-3bd6-47b9-8b46-3476e237cb36", False, True),
    "Sequence": ("e5139355-61da-4c8f-9db4-3abc870166bc", False, False),
    "Episode": ("22139355-61da-4c8f-9db4-3abc870166bc", False, False),
    "Folder": ("3c133785-51cb-11e3-980a-20c9d0831e59", False, False),
    "Milestone": ("01decdd1-51cb-11e3-9d5b-20c9d0831e59", True, True),
    "Asset Build": ("4be63b64-5010-42fb-bf1f-428af9d638f0", False, True),
}
"""Object type name -> (id, is_leaf, is_statusable)."""

DEFAULT_PRIORITY: Final = "9661b320-3a0c-11e2-81c1-0800200c9a66"

LOCATIONS: Final = {
    "ftrack.origin": "ce9b348f-8809-11e3-821c-20c9d081909b",
    "ftrack.unmanaged": "cb268ecc-8809-11e3-a7e2-20c9d081909b",
    "ftrack.review": "cd41be70-8809-11e3-b98a-20c9d081909b",
    "ftrack.server": "3a372bde-05bc-11e4-8908-20c9d081909b",
}
"""The built-in locations, with the ids the official client registers them under."""

_STATES: Final = (
    ("Not started", "NOT_STARTED"),
    ("In progress", "IN_PROGRESS"),
    ("Blocked", "BLOCKED"),
    ("Done", "DONE"),
)
_STATUSES: Final = (
    ("Not started", "Not started", "#CCCCCC"),
    ("Ready to start", "Not started", "#FFFFFF"),
    ("In progress", "In progress", "#3498DB"),
    ("Pending review", "In progress", "#E67E22"),
    ("On hold", "Blocked", "#D35400"),
    ("Omitted", "Blocked", "#7F8C8D"),
    ("Approved", "Done", "#1CBC90"),
    ("Completed", "Done", "#1CBC90"),
)
_PRIORITIES: Final = (
    ("None", DEFAULT_PRIORITY, 0, "#E9E9E9"),
    ("Low", None, 1, "#1CBC90"),
    ("Medium", None, 2, "#FFCC33"),
    ("High", None, 3, "#FF6633"),
    ("Urgent", None, 4, "#E74C3C"),
)
_TASK_TYPES: Final = (
    "Generic",
    "Animation",
    "Modeling",
    "Rigging",
    "Layout",
    "Lighting",
    "Compositing",
    "FX",
    "Tracking",
    "Rotoscoping",
    "Texture",
    "Editing",
)
_ASSET_TYPES: Final = (
    ("Upload", "upload"),
    ("Geometry", "geo"),
    ("Image", "img"),
    ("Compositing", "comp"),
    ("Render", "render"),
    ("Animation", "anim"),
)


def seed_id(kind: str, name: str) -> str:
    """The stable id of a seeded entity."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


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
    for name, short in _STATES:
        yield "State", {"id": seed_id("State", name), "name": name, "short": short}
    for sort, (name, state, color) in enumerate(_STATUSES):
        yield (
            "Status",
            {
                "id": seed_id("Status", name),
                "name": name,
                "state": {"__entity_type__": "State", "id": seed_id("State", state)},
                "color": color,
                "sort": sort,
                "is_active": True,
            },
        )
    for name, fixed, value, color in _PRIORITIES:
        yield (
            "Priority",
            {
                "id": fixed or seed_id("Priority", name),
                "name": name,
                "value": value,
                "sort": value,
                "color": color,
            },
        )
    for sort, name in enumerate(_TASK_TYPES):
        yield "Type", {"id": seed_id("Type", name), "name": name, "sort": sort}
    for sort, (name, (type_id, leaf, statusable)) in enumerate(OBJECT_TYPES.items()):
        yield (
            "ObjectType",
            {
                "id": type_id,
                "name": name,
                "sort": sort,
                "is_leaf": leaf,
                "is_statusable": statusable,
                "is_taskable": not leaf,
                "is_typeable": name == "Task",
                "is_schedulable": name in ("Task", "Milestone"),
                "is_time_reportable": name == "Task",
                "icon": name.lower().replace(" ", "_"),
            },
        )
    for name, short in _ASSET_TYPES:
        yield "AssetType", {"id": seed_id("AssetType", name), "name": name, "short": short}
    for name, location_id in LOCATIONS.items():
        yield "Location", {"id": location_id, "name": name, "label": name}
    task_workflow = seed_id("WorkflowSchema", "VFX tasks")
    version_workflow = seed_id("WorkflowSchema", "VFX versions")
    type_schema = seed_id("TaskTypeSchema", "VFX")
    yield "WorkflowSchema", {"id": task_workflow, "name": "VFX tasks"}
    yield "WorkflowSchema", {"id": version_workflow, "name": "VFX versions"}
    for name, _state, _color in _STATUSES:
        for workflow in (task_workflow, version_workflow):
            yield (
                "WorkflowSchemaStatus",
                {
                    "workflow_schema_id": workflow,
                    "status_id": seed_id("Status", name),
                },
            )
    yield "TaskTypeSchema", {"id": type_schema, "name": "VFX"}
    for name in _TASK_TYPES:
        yield (
            "TaskTypeSchemaType",
            {"task_type_schema_id": type_schema, "type_id": seed_id("Type", name)},
        )
    schema_id = seed_id("ProjectSchema", "VFX Scheme")
    yield (
        "ProjectSchema",
        {
            "id": schema_id,
            "name": "VFX Scheme",
            "task_workflow_schema_id": task_workflow,
            "asset_version_workflow_schema_id": version_workflow,
            "task_type_schema_id": type_schema,
        },
    )
    for type_id, _leaf, _statusable in OBJECT_TYPES.values():
        yield "ProjectSchemaObjectType", {"project_schema_id": schema_id, "object_type_id": type_id}
