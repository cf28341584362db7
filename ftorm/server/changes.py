"""What a committed batch changed, as ftrack's ``ftrack.update`` event describes it.

`Changes` is filled while a batch runs (`record_add`, `record_update`, `record_remove`, each
with the entity's stored row before or after) and, once the batch commits, `Changes.event`
is the ``ftrack.update`` event::

    {"topic": "ftrack.update", "source": {"user": {"username": ...}, ...},
     "data": {"entities": [{
         "entityId": "<id>", "entityType": "task", "entity_type": "Task",
         "action": "update",              # add, update or remove
         "keys": ["statusid"],
         "changes": {"statusid": {"old": "<id>", "new": "<id>"}},
         "objectTypeId": "<id>",          # context types only
         "parentId": "<id>",              # when the entity has a parent
         "parents": [{"entityId", "entityType", "entity_type", "parentId"}, ...],
     }], "user": {"userid": "<id>", "name": "<username>"}}}

Names follow ftrack's event convention: ``entityType`` is the legacy type name (``task`` for
every context type below a project, ``show`` for a project, otherwise the lower-cased type
name); ``entity_type`` is the API type name. A reference column keeps ftrack's legacy key
(``status_id`` is ``statusid``: `legacy_key`); other keys are attribute names. ``parents``
is the entity itself, then its ancestors up to the project. An entity changed several times
in a batch appears once (an add then an update is an add; an add then a remove, nothing).
"""

from __future__ import annotations

from typing import Any

from ftorm.protocol.events import UPDATE, new_event
from ftorm.schema.hierarchy import ancestors
from ftorm.schema.types import Schema
from ftorm.server.rows import StoredRow

__all__ = ["ADD", "REMOVE", "UPDATE_ACTION", "Changes", "legacy_key", "legacy_type"]

ADD = "add"
UPDATE_ACTION = "update"
REMOVE = "remove"

_PARENT = "parent_id"
_MAX_DEPTH = 64  # parents walked at most (a cycle in stored data ends here)


def legacy_key(name: str) -> str:
    """ftrack's event key for attribute ``name``: ``status_id`` -> ``statusid``."""
    return name[:-3] + "id" if name.endswith("_id") and len(name) > 3 else name


def legacy_type(schema: Schema, type_id: str) -> str:
    """ftrack's legacy ``entityType`` for ``type_id``."""
    if type_id == "Project":
        return "show"
    if "TypedContext" in ancestors(schema, type_id):
        return "task"
    return type_id.lower()


class Changes:
    """The entity changes of one batch, merged per entity, in first-change order."""

    def __init__(self, schema: Schema, find: Any, root: Any) -> None:
        self._schema = schema
        self._find = find  # (type_id, key) -> StoredRow | None, inside the batch
        self._root = root  # type_id -> the type whose table holds its family
        self._entries: dict[tuple[str, str], dict[str, Any]] = {}

    def __bool__(self) -> bool:
        return bool(self._entries)

    def _values(self, row: StoredRow) -> dict[str, Any]:
        entity = self._schema.types[row.type_id]
        values: dict[str, Any] = {}
        for name, value in row.columns.items():
            prop = entity.properties.get(name)
            if prop is None or prop.is_relation or prop.computed or name in entity.computed:
                continue
            if prop.type == "boolean" and value is not None:
                value = bool(value)
            values[name] = value
        return values

    def _parents(self, row: StoredRow) -> list[dict[str, Any]]:
        parents: list[dict[str, Any]] = []
        current: StoredRow | None = row
        seen: set[str] = set()
        while current is not None and len(parents) < _MAX_DEPTH:
            ident = str(current.columns.get("id"))
            if ident in seen:
                break
            seen.add(ident)
            parent_id = current.columns.get(_PARENT)
            parents.append(
                {
                    "entityId": ident,
                    "entityType": legacy_type(self._schema, current.type_id),
                    "entity_type": current.type_id,
                    "parentId": parent_id,
                }
            )
            root = self._root(current.type_id)
            current = None if parent_id is None else self._find(root, (str(parent_id),))
        return parents

    def _entry(self, row: StoredRow, action: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "entityId": str(row.columns.get("id", "")),
            "entityType": legacy_type(self._schema, row.type_id),
            "entity_type": row.type_id,
            "action": action,
            "keys": [],
            "changes": {},
            "parents": self._parents(row) if "id" in row.columns else [],
        }
        if row.columns.get("object_type_id") is not None:
            entry["objectTypeId"] = row.columns["object_type_id"]
        if row.columns.get(_PARENT) is not None:
            entry["parentId"] = row.columns[_PARENT]
        return entry

    def _key(self, row: StoredRow) -> tuple[str, str]:
        primary = self._schema.types[row.type_id].primary_key
        return row.type_id, "/".join(str(row.columns.get(k)) for k in primary)

    def _set(self, entry: dict[str, Any], name: str, old: Any, new: Any) -> None:
        key = legacy_key(name)
        change = entry["changes"].get(key)
        if change is None:
            entry["changes"][key] = {"old": old, "new": new}
        else:
            change["new"] = new
        if entry["changes"][key]["old"] == new and entry["action"] != ADD:
            del entry["changes"][key]
        entry["keys"] = list(entry["changes"])

    def record_add(self, row: StoredRow) -> None:
        """``row`` (as stored after its create) was added."""
        entry = self._entry(row, ADD)
        for name, value in self._values(row).items():
            if value is not None:
                self._set(entry, name, None, value)
        self._entries[self._key(row)] = entry

    def record_update(self, before: StoredRow, after: StoredRow) -> None:
        """An entity changed from ``before`` to ``after``."""
        key = self._key(after)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entry(after, UPDATE_ACTION)
        old, new = self._values(before), self._values(after)
        for name, value in new.items():
            if old.get(name) != value:
                self._set(entry, name, old.get(name), value)
        if entry["action"] == UPDATE_ACTION and not entry["changes"]:
            self._entries.pop(key, None)
            return
        entry["parents"] = self._parents(after)
        entry["parentId"] = after.columns.get(_PARENT)
        if entry["parentId"] is None:
            del entry["parentId"]
        self._entries[key] = entry

    def record_remove(self, row: StoredRow) -> None:
        """``row`` (as stored before its delete) is being removed."""
        key = self._key(row)
        previous = self._entries.pop(key, None)
        if previous is not None and previous["action"] == ADD:
            return
        self._entries[key] = self._entry(row, REMOVE)

    def event(self, user: str, user_id: str | None) -> dict[str, Any]:
        """The ``ftrack.update`` event for the recorded changes."""
        return new_event(
            UPDATE,
            {
                "entities": list(self._entries.values()),
                "user": {"userid": user_id, "name": user},
            },
            source={"id": "ftorm-server", "user": {"id": user_id, "username": user}},
        )
