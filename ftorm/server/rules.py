"""ftrack's server-side business rules: derived values, delete rules and upserts.

What a generic store would not know, kept apart from the writes that apply it
(`ftorm.server.writes`):

- derived values on create: ``context_type``, ``object_type_id``, ``project_id`` from the
  parent, ``created_at`` / ``created_by_id``, the default status / type / priority of typed
  contexts (`ftorm.schema.workspace`), Project ``status`` "active", its project schema and
  ``full_name``, AssetVersion ``version`` / ``date`` / ``user_id``, Component
  ``system_type`` (``file`` for a plain ``Component``), Note ``date`` / ``user_id``, User
  ``username`` from the names and its flags false, Timer ``start`` / ``user_id``, and ``0``
  for required flags and numbers;
- a user has at most one running ``Timer`` (``DuplicateEntryError`` otherwise);
- when a batch ends, the author of each note written is one of its recipients and its
  category one of its labels;
- a changed parent brings its project along;
- the delete rules, `CASCADE` and `RESTRICT` (from `ftorm.schema.pairings`);
- custom attribute values are upserted: updating one that does not exist creates it; a
  value written must belong to a configuration that applies to its entity, takes the
  configuration's ``key`` and must suit its type (`ftorm.server.custom.writes`); a configuration
  without ``config`` gets ``{}``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from ftorm.errors import ValidationError, excerpt
from ftorm.schema.custom.rules import CONFIGURATION_TYPE, is_custom_attribute_value
from ftorm.schema.pairings import CASCADE, RESTRICT
from ftorm.schema.types import EntityType
from ftorm.schema.workspace import DEFAULT_PRIORITY, DEFAULT_STATUS, DEFAULT_TASK_TYPE
from ftorm.server.custom.writes import check_value_write
from ftorm.server.fragments import insert_row
from ftorm.server.rows import find
from ftorm.server.storage import ID_COLUMN, Layout, quote
from ftorm.server.values import now_text

__all__ = ["CASCADE", "PROJECT_COLUMN", "RESTRICT", "Rules", "upserts"]

PROJECT_COLUMN: Final = "project_id"
"""The column holding the project an entity belongs to."""

_SYSTEM_TYPES: Final = {
    "Component": "file",
    "FileComponent": "file",
    "ContainerComponent": "container",
    "SequenceComponent": "sequence",
}


def upserts(type_id: str) -> bool:
    """Whether updating a missing entity of ``type_id`` creates it (custom attribute values,
    which the official client updates whether or not the value was ever set)."""
    return is_custom_attribute_value(type_id)


class Rules:
    """The rules applied to the writes of one batch (inside its transaction)."""

    def __init__(self, layout: Layout, connection: sqlite3.Connection, user_id: str | None) -> None:
        self.layout: Layout = layout
        """Where the schema's types live."""
        self.connection: sqlite3.Connection = connection
        """The connection written through."""
        self.user_id: str | None = user_id
        """The id of the user writing (``created_by_id``, a version's or note's user)."""
        self._lookups: dict[tuple[str, tuple[str, ...]], str | None] = {}

    def forget(self) -> None:
        """Forget the built-in entities looked up so far (after a delete)."""
        self._lookups.clear()

    def _lookup(self, type_id: str, names: Sequence[str]) -> str | None:
        """The id of a built-in entity of ``type_id`` with one of ``names``, else the first
        (remembered for the rest of the batch; a delete forgets)."""
        cache_key = (type_id, tuple(names))
        if cache_key not in self._lookups:
            self._lookups[cache_key] = self._lookup_uncached(type_id, names)
        return self._lookups[cache_key]

    def _lookup_uncached(self, type_id: str, names: Sequence[str]) -> str | None:
        if type_id not in self.layout.schema.types or not self.layout.stored(type_id, "name"):
            return None
        table = quote(self.layout.table(type_id).name)
        ident = quote(ID_COLUMN)
        for name in names:
            row = self.connection.execute(
                f"SELECT {ident} FROM {table} WHERE name = ? ORDER BY rowid LIMIT 1", (name,)
            ).fetchone()
            if row is not None:
                return str(row[0])
        row = self.connection.execute(
            f"SELECT {ident} FROM {table} ORDER BY rowid LIMIT 1"
        ).fetchone()
        return None if row is None else str(row[0])

    def derive(self, entity: EntityType, columns: dict[str, Any]) -> None:
        """Fill the values ftrack derives for a new ``entity`` and ``columns`` leave unset."""
        props = entity.properties
        type_id = entity.id
        layout = self.layout

        def missing(name: str) -> bool:
            return name in props and columns.get(name) is None and layout.stored(type_id, name)

        if missing("context_type"):
            columns["context_type"] = "show" if layout.is_a(type_id, "Project") else "task"
        if missing("object_type_id") and entity.classifiers.get("object_typeid"):
            columns["object_type_id"] = entity.classifiers["object_typeid"]
        if missing("created_at"):
            columns["created_at"] = now_text()
        if missing("created_by_id") and self.user_id is not None:
            columns["created_by_id"] = self.user_id
        if missing(PROJECT_COLUMN):
            columns[PROJECT_COLUMN] = self.project_of(type_id, columns)
        if layout.is_a(type_id, "Project"):
            if missing("status"):
                columns["status"] = "active"
            if missing("project_schema_id"):
                columns["project_schema_id"] = self._lookup("ProjectSchema", ())
            if missing("full_name"):
                columns["full_name"] = columns.get("name")
        if entity.classifiers or type_id == "AssetVersion":
            if missing("status_id"):
                columns["status_id"] = self._lookup("Status", (DEFAULT_STATUS,))
            if missing("type_id") and type_id != "AssetVersion":
                columns["type_id"] = self._lookup("Type", (DEFAULT_TASK_TYPE,))
            if missing("priority_id"):
                columns["priority_id"] = self._lookup("Priority", (DEFAULT_PRIORITY,))
        if type_id == "AssetVersion":
            if missing("version"):
                columns["version"] = self._next_version(columns.get("asset_id"))
            if missing("date"):
                columns["date"] = now_text()
            if missing("user_id"):
                columns["user_id"] = self.user_id
        if type_id in _SYSTEM_TYPES and missing("system_type"):
            columns["system_type"] = _SYSTEM_TYPES[type_id]
        if type_id == "Note":
            if missing("date"):
                columns["date"] = now_text()
            if missing("user_id"):
                columns["user_id"] = self.user_id
        if type_id == "User":
            if missing("username"):
                columns["username"] = self._username(columns)
            for flag in props.values():  # flags start false, as ftrack's echo shows
                if flag.type == "boolean" and missing(flag.name):
                    columns[flag.name] = 0
        if type_id == CONFIGURATION_TYPE and missing("config"):
            columns["config"] = "{}"
        if is_custom_attribute_value(type_id):
            check_value_write(layout, self.connection, type_id, columns)
        if type_id == "Timer":
            if missing("start"):
                columns["start"] = now_text()
            if missing("user_id"):
                columns["user_id"] = self.user_id
            self._one_timer(columns.get("user_id"))
        for name in entity.required:
            prop = props.get(name)
            if prop is None or not missing(name):
                continue
            if prop.type in ("boolean", "integer", "number"):
                columns[name] = 0

    def _username(self, columns: Mapping[str, Any]) -> str | None:
        """``first.last`` from the names (lower case, spaces as dots), numbered when taken;
        None without names."""
        names = [str(columns[n]) for n in ("first_name", "last_name") if columns.get(n)]
        if not names:
            return None
        base = ".".join(".".join(name.split()) for name in names).lower()
        table = quote(self.layout.table("User").name)
        candidate, number = base, 1
        while self.connection.execute(
            f"SELECT 1 FROM {table} WHERE username = ? LIMIT 1", (candidate,)
        ).fetchone():
            number += 1
            candidate = f"{base}{number}"
        return candidate

    def _one_timer(self, user_id: Any) -> None:
        """`ValidationError` named ``DuplicateEntryError`` when ``user_id`` already has a
        running timer."""
        if user_id is None:
            return
        table = quote(self.layout.table("Timer").name)
        found = self.connection.execute(
            f"SELECT 1 FROM {table} WHERE user_id = ? LIMIT 1", (str(user_id),)
        ).fetchone()
        if found is not None:
            msg = f"user {excerpt(str(user_id))} already has a running timer"
            raise ValidationError(msg, exception="DuplicateEntryError")

    def finish(self, written: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        """What ftrack does when a batch ends, for the entities it wrote (family root, key):
        the author of a note is one of its recipients, and a note's category is one of its
        labels (categories and labels share ids: a category is mirrored as the label with
        its id)."""
        if "Note" not in self.layout.schema.types:
            return
        for root, key in written:
            if root != "Note":
                continue
            note = find(self.layout, self.connection, "Note", key)
            if note is None:
                continue
            author = note.columns.get("user_id")
            if author is not None:
                self._ensure("Recipient", {"note_id": key[0], "resource_id": str(author)})
            category = note.columns.get("category_id")
            if category is not None and self._label_of(str(category)):
                self._ensure("NoteLabelLink", {"note_id": key[0], "label_id": str(category)})

    def _label_of(self, category: str) -> bool:
        """Whether the label with the id of ``category`` exists (mirrored from the category
        when it is missing)."""
        types = self.layout.schema.types
        if "NoteLabel" not in types or "NoteLabelLink" not in types:
            return False
        if find(self.layout, self.connection, "NoteLabel", (category,)) is not None:
            return True
        if "NoteCategory" not in types:
            return False
        found = find(self.layout, self.connection, "NoteCategory", (category,))
        if found is None:
            return False
        names = self.layout.stored_names("NoteLabel")
        self._ensure("NoteLabel", {k: v for k, v in found.columns.items() if k in names})
        return True

    def _ensure(self, type_id: str, values: Mapping[str, Any]) -> None:
        """Insert a row of ``type_id`` with ``values`` unless one with its primary key
        exists (nothing when the schema has no such type)."""
        entity = self.layout.schema.types.get(type_id)
        if entity is None:
            return
        key = tuple(str(values.get(name)) for name in entity.primary_key)
        if find(self.layout, self.connection, type_id, key) is not None:
            return
        table = self.layout.table(type_id)
        names = [name for name in values if name in table.columns]
        self.connection.execute(
            insert_row(table.name, names), [type_id, *(values[name] for name in names)]
        )

    def changing(self, type_id: str, key: Mapping[str, Any], columns: dict[str, Any]) -> None:
        """Check ``columns`` about to be written to the existing entity of ``type_id`` whose
        primary key is ``key`` (a custom attribute value's, see `check_value_write`)."""
        if is_custom_attribute_value(type_id) and columns:
            merged = {**key, **columns}
            check_value_write(self.layout, self.connection, type_id, merged)
            columns.update((k, v) for k, v in merged.items() if k not in key)

    def follow_parent(self, type_id: str, columns: dict[str, Any]) -> None:
        """When ``columns`` move an entity of ``type_id`` to another parent, its project
        follows (unless ``columns`` set it too)."""
        ref = self.layout.reference(type_id, "parent")
        if (
            ref is not None
            and ref.column in columns
            and PROJECT_COLUMN in self.layout.table(type_id).columns
        ):
            columns.setdefault(PROJECT_COLUMN, self.project_of(type_id, columns))

    def project_of(self, type_id: str, columns: Mapping[str, Any]) -> str | None:
        """The project of an entity whose parent key column is set in ``columns``."""
        layout = self.layout
        ref = layout.reference(type_id, "parent")
        if ref is None or columns.get(ref.column) is None:
            return None
        parent_key = (str(columns[ref.column]),)
        parent = find(layout, self.connection, layout.table(type_id).root, parent_key)
        if parent is None and ref.target in layout.schema.types:
            parent = find(layout, self.connection, ref.target, parent_key)
        if parent is None:
            return None
        if layout.is_a(parent.type_id, "Project"):
            return str(columns[ref.column])
        value = parent.columns.get(PROJECT_COLUMN)
        return None if value is None else str(value)

    def _next_version(self, asset_id: Any) -> int:
        if asset_id is None:
            return 1
        table = quote(self.layout.table("AssetVersion").name)
        row = self.connection.execute(
            f"SELECT MAX(version) FROM {table} WHERE asset_id = ?", (asset_id,)
        ).fetchone()
        return int(row[0] or 0) + 1

    @staticmethod
    def cascades(collection: str) -> bool:
        """Whether the members of ``collection`` are deleted with their owner."""
        return collection in CASCADE

    @staticmethod
    def restricts(type_id: str, collection: str) -> bool:
        """Whether ``collection`` of ``type_id`` must be empty before a direct delete."""
        return (type_id, collection) in RESTRICT
