"""The facts about a fresh ftrack workspace: built-in ids, names and defaults.

A new ftrack workspace holds object types with fixed ids (the ids ftrack's typed-context
subtypes default to), task types, states and statuses, priorities (the default priority with
its fixed id), asset types, the types of custom attributes, a default project schema with its
workflows, and the four built-in locations with the ids the official client registers them
under. The standard schema (`ftorm.schema._standard_spec`) and the embedded server's seed
(`ftorm.server.seed`) both read them from here. Other ids are derived from names
(`seed_id`), so every fresh workspace agrees.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = [
    "ASSET_TYPES",
    "CUSTOM_ATTRIBUTE_TYPES",
    "DEFAULT_PRIORITY",
    "DEFAULT_PRIORITY_ID",
    "DEFAULT_STATUS",
    "DEFAULT_TASK_TYPE",
    "LOCATIONS",
    "OBJECT_TYPES",
    "OBJECT_TYPE_IDS",
    "PRIORITIES",
    "PROJECT_SCHEMA",
    "STATES",
    "STATUSES",
    "TASK_TYPES",
    "TASK_TYPE_SCHEMA",
    "TASK_WORKFLOW",
    "VERSION_WORKFLOW",
    "BuiltinObjectType",
    "Priority",
    "Status",
    "seed_id",
]


@attrs.frozen(slots=True)
class BuiltinObjectType:
    """One of ftrack's built-in object types."""

    entity: str
    """The schema id of the typed-context subtype it classifies (``AssetBuild``)."""
    name: str
    """Its display name (``Asset Build``)."""
    id: str
    """The fixed id every workspace gives it."""
    is_leaf: bool
    """Whether entities of this type have no children."""
    is_statusable: bool
    """Whether entities of this type have a status."""


@attrs.frozen(slots=True)
class Status:
    """A default status: its name, the name of its state, and its colour."""

    name: str
    """The status name (``In progress``)."""
    state: str
    """The name of the state it belongs to (one of `STATES`)."""
    color: str
    """Its colour as ``#RRGGBB``."""


@attrs.frozen(slots=True)
class Priority:
    """A default priority."""

    name: str
    """The priority name (``High``)."""
    value: int
    """Its rank, also its sort order (0 for ``None``)."""
    color: str
    """Its colour as ``#RRGGBB``."""
    fixed_id: str | None = None
    """The id every workspace gives it, when ftrack fixes one."""


OBJECT_TYPES: Final[tuple[BuiltinObjectType, ...]] = (
    BuiltinObjectType("Task", "Task", "11c137c0-ee7e-4f9c-91c5-8c77cec22b2c", True, True),
    BuiltinObjectType("Shot", "Shot", "bad911de-3bd6-47b9-8b46-3476e237cb36", False, True),
    BuiltinObjectType("Sequence", "Sequence", "e5139355-61da-4c8f-9db4-3abc870166bc", False, False),
    BuiltinObjectType("Episode", "Episode", "22139355-61da-4c8f-9db4-3abc870166bc", False, False),
    BuiltinObjectType("Folder", "Folder", "3c133785-51cb-11e3-980a-20c9d0831e59", False, False),
    BuiltinObjectType("Milestone", "Milestone", "01decdd1-51cb-11e3-9d5b-20c9d0831e59", True, True),
    BuiltinObjectType(
        "AssetBuild", "Asset Build", "4be63b64-5010-42fb-bf1f-428af9d638f0", False, True
    ),
)
"""ftrack's built-in object types, in their sort order."""

OBJECT_TYPE_IDS: Final[Mapping[str, str]] = {t.entity: t.id for t in OBJECT_TYPES}
"""Typed-context subtype (schema id) -> the fixed id of its object type."""

STATES: Final[tuple[tuple[str, str], ...]] = (
    ("Not started", "NOT_STARTED"),
    ("In progress", "IN_PROGRESS"),
    ("Blocked", "BLOCKED"),
    ("Done", "DONE"),
)
"""The states statuses belong to: (name, short)."""

STATUSES: Final[tuple[Status, ...]] = (
    Status("Not started", "Not started", "#CCCCCC"),
    Status("Ready to start", "Not started", "#FFFFFF"),
    Status("In progress", "In progress", "#3498DB"),
    Status("Pending review", "In progress", "#E67E22"),
    Status("On hold", "Blocked", "#D35400"),
    Status("Omitted", "Blocked", "#7F8C8D"),
    Status("Approved", "Done", "#1CBC90"),
    Status("Completed", "Done", "#1CBC90"),
)
"""The default statuses, in their sort order."""

DEFAULT_STATUS: Final = "Not started"
"""The status a new typed context or version gets unless told otherwise."""

DEFAULT_PRIORITY_ID: Final = "9661b320-3a0c-11e2-81c1-0800200c9a66"
"""The fixed id of the priority every new typed context gets unless told otherwise."""

DEFAULT_PRIORITY: Final = "None"
"""The name of the default priority."""

PRIORITIES: Final[tuple[Priority, ...]] = (
    Priority(DEFAULT_PRIORITY, 0, "#E9E9E9", DEFAULT_PRIORITY_ID),
    Priority("Low", 1, "#1CBC90"),
    Priority("Medium", 2, "#FFCC33"),
    Priority("High", 3, "#FF6633"),
    Priority("Urgent", 4, "#E74C3C"),
)
"""The default priorities."""

DEFAULT_TASK_TYPE: Final = "Generic"
"""The task type a new typed context gets unless told otherwise."""

TASK_TYPES: Final[tuple[str, ...]] = (
    DEFAULT_TASK_TYPE,
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
"""The default task types, in their sort order."""

ASSET_TYPES: Final[tuple[tuple[str, str], ...]] = (
    ("Upload", "upload"),
    ("Geometry", "geo"),
    ("Image", "img"),
    ("Compositing", "comp"),
    ("Render", "render"),
    ("Animation", "anim"),
)
"""The default asset types: (name, short)."""

CUSTOM_ATTRIBUTE_TYPES: Final[tuple[str, ...]] = (
    "text",
    "number",
    "boolean",
    "date",
    "enumerator",
    "dynamic enumerator",
    "expression",
    "notificationtype",
    "url",
)
"""The names of the built-in custom attribute types (``CustomAttributeType``), every one a
``core`` type; the values each accepts are checked by `ftorm.schema.custom.rules.check_value`."""

LOCATIONS: Final[Mapping[str, str]] = {
    "ftrack.origin": "ce9b348f-8809-11e3-821c-20c9d081909b",
    "ftrack.unmanaged": "cb268ecc-8809-11e3-a7e2-20c9d081909b",
    "ftrack.review": "cd41be70-8809-11e3-b98a-20c9d081909b",
    "ftrack.server": "3a372bde-05bc-11e4-8908-20c9d081909b",
}
"""The built-in locations, with the ids the official client registers them under."""

PROJECT_SCHEMA: Final = "VFX Scheme"
"""The name of the default project schema."""

TASK_WORKFLOW: Final = "VFX tasks"
"""The name of the default project schema's task workflow."""

VERSION_WORKFLOW: Final = "VFX versions"
"""The name of the default project schema's asset version workflow."""

TASK_TYPE_SCHEMA: Final = "VFX"
"""The name of the default project schema's task type schema."""

_NAMESPACE: Final = uuid.UUID("5d3a6c1e-9f0b-4d4e-8a51-0f7a0c1f7e11")


def seed_id(kind: str, name: str) -> str:
    """The stable id of the built-in entity of type ``kind`` called ``name``."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))
