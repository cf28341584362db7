"""A generated show to clone: every kind of entity ``ftorm clone`` copies, at any size.

`populate(server, entities=N)` fills an embedded server (any schema with ftrack's standard
types, the recorded 116-type one included) through ordinary create batches, so every derived
value is the server's own: a project "show" with episodes, sequences, shots, tasks, a
milestone and an asset build; assets, versions, file and container components in two
locations each; notes with recipients, labels and replies; time logs, appointments, status
changes, lists, version and context links, metadata; text and number custom attributes set
on about half of the shots and versions. A second project, "elsewhere", must not be cloned.
Used by the clone tests and by ``benchmarks/bench_clone.py``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

from ftorm.schema.workspace import OBJECT_TYPE_IDS
from ftorm.server.handlers import Server

__all__ = ["PER_SHOT", "populate"]

PER_SHOT = 26
"""About how many entities each shot brings (itself included)."""

Op = dict[str, Any]


def _ids(server: Server, type_id: str) -> dict[str, str]:
    data = server.query(f"select id, name from {type_id}")["data"]
    return {str(row.get("name")): str(row["id"]) for row in data}


_KEYED = {
    "Metadata",
    "Recipient",
    "ContextCustomAttributeValue",
    "AssetVersionCustomAttributeValue",
}
"""Types whose primary key is made of references (no ``id``)."""


COPIED_IN_FULL: tuple[str, ...] = (
    "Asset",
    "AssetVersion",
    "FileComponent",
    "ContainerComponent",
    "ComponentLocation",
    "Note",
    "Recipient",
    "Timelog",
    "Appointment",
    "TypedContextList",
    "ListObject",
    "TypedContextStatusChange",
    "AssetVersionLink",
    "TypedContextLink",
    "Metadata",
    "ContextCustomAttributeValue",
    "AssetVersionCustomAttributeValue",
    "CustomAttributeConfiguration",
    "Status",
    "Type",
    "User",
    "Location",
)
"""Kinds (besides the contexts) the generated show has and a clone of its project copies all
of: everything of the kind lies beneath the project, or the show refers to every one of them
(statuses, types, users, locations, configurations)."""


def _create(entity_type: str, /, **data: Any) -> Op:
    if entity_type not in _KEYED:
        data.setdefault("id", str(uuid.uuid4()))
    return {"action": "create", "entity_type": entity_type, "entity_data": data}


def _ref(type_id: str, key: str) -> dict[str, str]:
    return {"__entity_type__": type_id, "id": key}


class _Show:
    def __init__(self, server: Server, seed: int) -> None:
        self.server = server
        self.random = random.Random(seed)
        self.statuses = list(_ids(server, "Status").values())
        self.types = list(_ids(server, "Type").values())
        self.locations = [
            key for name, key in _ids(server, "Location").items() if name != "ftrack.review"
        ][:2]
        self.user = str(server.user_id)
        self.asset_type = next(iter(_ids(server, "AssetType").values()))
        self.ops: list[Op] = []

    def add(self, op: Op) -> str:
        self.ops.append(op)
        return str(op["entity_data"].get("id", ""))

    def flush(self) -> None:
        for start in range(0, len(self.ops), 2000):
            answer = self.server.handle(self.ops[start : start + 2000])
            if isinstance(answer, dict):
                raise AssertionError(answer.get("content"))
        self.ops.clear()

    def status(self) -> str:
        return self.random.choice(self.statuses)

    def users(self, count: int) -> list[str]:
        found = [self.user]
        for index in range(count):
            found.append(
                self.add(
                    _create(
                        "User",
                        username=f"artist{index}",
                        first_name=f"Artist{index}",
                        last_name="Example",
                        email=f"artist{index}@studio.example",
                        is_active=True,
                    )
                )
            )
        return found

    def configurations(self) -> tuple[str, str, str]:
        types = _ids(self.server, "CustomAttributeType")
        text_type = types.get("text") or self.add(_create("CustomAttributeType", name="text"))
        number_type = types.get("number") or self.add(_create("CustomAttributeType", name="number"))
        text = self.add(
            _create(
                "CustomAttributeConfiguration",
                key="brief",
                label="Brief",
                entity_type="task",
                object_type_id=OBJECT_TYPE_IDS["Shot"],
                type_id=text_type,
                config='{"markdown": false}',
                default="",
                is_hierarchical=False,
                sort=0,
            )
        )
        number = self.add(
            _create(
                "CustomAttributeConfiguration",
                key="fstart",
                label="Frame start",
                entity_type="task",
                object_type_id=OBJECT_TYPE_IDS["Shot"],
                type_id=number_type,
                config='{"isdecimal": false}',
                default=1001,
                is_hierarchical=False,
                sort=1,
            )
        )
        review = self.add(
            _create(
                "CustomAttributeConfiguration",
                key="review",
                label="Review note",
                entity_type="assetversion",
                type_id=text_type,
                config='{"markdown": false}',
                default="",
                is_hierarchical=False,
                sort=2,
            )
        )
        return text, number, review


def _shots(total: int) -> Iterator[tuple[int, int, int]]:
    shots = max(1, total // PER_SHOT)
    for index in range(shots):
        yield index // 40, index // 8, index


def populate(server: Server, *, entities: int = 2000, seed: int = 0) -> str:
    """Fill ``server`` with a show of about ``entities`` entities; the project's name."""
    show = _Show(server, seed)
    users = show.users(4)
    text_config, number_config, review_config = show.configurations()
    project = show.add(_create("Project", name="show", full_name="The Show"))
    other = show.add(_create("Project", name="elsewhere", full_name="Elsewhere"))
    show.add(_create("Sequence", name="sq_other", parent=_ref("Project", other)))
    milestone = show.add(_create("Milestone", name="delivery", parent=_ref("Project", project)))
    build = show.add(_create("AssetBuild", name="hero", parent=_ref("Project", project)))
    category = show.add(_create("ListCategory", name="Dailies"))
    the_list = show.add(
        _create(
            "TypedContextList",
            name="dailies",
            project_id=project,
            user_id=show.user,
            category_id=category,
        )
    )
    show.add(_create("Metadata", parent_id=project, parent_type="Project", key="k", value="v"))
    episodes: dict[int, str] = {}
    sequences: dict[int, str] = {}
    previous_version: str | None = None
    for episode, sequence, index in _shots(entities):
        if episode not in episodes:
            episodes[episode] = show.add(
                _create("Episode", name=f"ep{episode:02}", parent=_ref("Project", project))
            )
        if sequence not in sequences:
            sequences[sequence] = show.add(
                _create(
                    "Sequence", name=f"sq{sequence:03}", parent=_ref("Episode", episodes[episode])
                )
            )
        shot = show.add(
            _create(
                "Shot",
                name=f"sh{index:05}",
                parent=_ref("Sequence", sequences[sequence]),
                status_id=show.status(),
                description=f'Shot {index} — «quoted» "text"',
                start_date="2024-01-02T10:00:00",
            )
        )
        tasks = [
            show.add(
                _create(
                    "Task",
                    name=name,
                    parent=_ref("Shot", shot),
                    type_id=show.random.choice(show.types),
                    status_id=show.status(),
                    bid=3600.0 * (index % 7),
                )
            )
            for name in ("layout", "animation")
        ]
        if index % 2 == 0:
            show.add(
                _create(
                    "ContextCustomAttributeValue",
                    configuration_id=text_config,
                    entity_id=shot,
                    value=f"brief for shot {index}",
                )
            )
            show.add(
                _create(
                    "ContextCustomAttributeValue",
                    configuration_id=number_config,
                    entity_id=shot,
                    value=1001 + index,
                )
            )
        show.add(_create("Metadata", parent_id=shot, parent_type="Shot", key="lens", value="35mm"))
        show.add(
            _create(
                "Appointment",
                context_id=tasks[0],
                resource_id=users[1 + index % 4],
                type="assignment",
            )
        )
        show.add(
            _create(
                "Timelog",
                context_id=tasks[1],
                user_id=users[index % 5],
                start="2024-02-03T09:30:00",
                duration=1800.0 + index,
            )
        )
        show.add(
            _create(
                "TypedContextStatusChange",
                parent_id=tasks[1],
                parent_type="Task",
                status_id=show.status(),
                from_status_id=show.status(),
                user_id=show.user,
                date="2024-02-04T12:00:00",
            )
        )
        asset = show.add(
            _create("Asset", name=f"plate{index}", context_id=shot, type_id=show.asset_type)
        )
        for number in (1, 2):
            version = show.add(
                _create(
                    "AssetVersion",
                    asset_id=asset,
                    version=number,
                    task_id=tasks[1],
                    status_id=show.status(),
                    user_id=users[index % 5],
                    comment=f"v{number} of shot {index}",
                    is_published=number == 2,
                )
            )
            kind = "FileComponent" if number == 1 else "ContainerComponent"
            component = show.add(
                _create(kind, name="main", version_id=version, file_type=".exr", size=1024 * index)
            )
            for location in show.locations:
                show.add(
                    _create(
                        "ComponentLocation",
                        component_id=component,
                        location_id=location,
                        resource_identifier=f"/shows/show/sh{index:05}/v{number}.exr",
                    )
                )
            if number == 2 and index % 2 == 1:
                show.add(
                    _create(
                        "AssetVersionCustomAttributeValue",
                        configuration_id=review_config,
                        entity_id=version,
                        value=f"review note {index}",
                    )
                )
            if previous_version is not None and number == 2:
                show.add(_create("AssetVersionLink", from_id=version, to_id=previous_version))
            previous_version = version
        note = show.add(
            _create(
                "Note",
                content=f"Please fix the edges of shot {index}.",
                parent_id=shot,
                parent_type="Shot",
                user_id=users[index % 5],
            )
        )
        show.add(_create("Recipient", note_id=note, resource_id=users[(index + 1) % 5]))
        show.add(
            _create(
                "Note",
                content="Done.",
                parent_id=shot,
                parent_type="Shot",
                user_id=users[(index + 1) % 5],
                in_reply_to_id=note,
            )
        )
        show.add(_create("ListObject", list_id=the_list, entity_id=shot))
        if index % 10 == 0:
            show.add(_create("TypedContextLink", from_id=shot, to_id=build))
            show.add(_create("TypedContextLink", from_id=milestone, to_id=shot))
        if len(show.ops) >= 4000:
            show.flush()
    show.flush()
    return "show"
