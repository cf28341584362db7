"""Create, update and delete against the storage, with ftrack's server-side rules.

Defaults and derived values on create: generated ``{uid}`` keys, literal schema defaults,
``context_type``, ``object_type_id``, ``project_id`` from the parent, ``created_at`` /
``created_by_id``, default status / type / priority on typed contexts, Project ``status``
"active" and its project schema, AssetVersion ``version`` / ``date`` / ``user_id``,
Component ``system_type``, Note ``date`` / ``user_id``, and ``False`` / ``0`` for required
flags and numbers. Computed attributes are refused on write, immutable ones once set.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ftorm.errors import PermissionDeniedError, ValidationError
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.schema.types import NO_DEFAULT, EntityType, Kind, Property
from ftorm.server.storage import TYPE_COLUMN, Collection, Layout, quote
from ftorm.server.values import from_wire, now_text

__all__ = ["CASCADE", "RESTRICT", "StoredRow", "Writer"]

CASCADE: Final = frozenset(
    {
        "children",
        "notes",
        "metadata",
        "custom_attributes",
        "timelogs",
        "appointments",
        "assignments",
        "allocations",
        "incoming_links",
        "outgoing_links",
        "replies",
        "status_changes",
        "assets",
        "versions",
        "components",
        "note_components",
        "recipients",
        "component_locations",
        "members",
    }
)
"""Collections whose members are deleted with their owner."""

RESTRICT: Final = frozenset({("AssetVersion", "components"), ("Asset", "versions")})
"""Collections that must be empty before their owner is deleted directly."""

_CHUNK: Final = 500

_SYSTEM_TYPES: Final = {
    "FileComponent": "file",
    "ContainerComponent": "container",
    "SequenceComponent": "sequence",
}


class StoredRow:
    """A row as stored: its rowid, concrete type and column values."""

    __slots__ = ("columns", "rowid", "type_id")

    def __init__(self, rowid: int, type_id: str, columns: dict[str, Any]) -> None:
        self.rowid = rowid
        self.type_id = type_id
        self.columns = columns


class Writer:
    """Writes inside the caller's transaction."""

    def __init__(self, layout: Layout, connection: sqlite3.Connection, user_id: str | None):
        self.layout = layout
        self.schema = layout.schema
        self.connection = connection
        self.user_id = user_id
        self._defaults_cache: dict[tuple[str, tuple[str, ...]], str | None] = {}

    # --- lookups --------------------------------------------------------------------------

    def entity(self, type_id: str) -> EntityType:
        entity = self.schema.types.get(type_id)
        if entity is None:
            raise ValidationError(f"Unknown entity type {type_id!r}")
        return entity

    def find(self, type_id: str, key: Sequence[str]) -> StoredRow | None:
        """The stored row of ``type_id`` (or a subtype) with primary key ``key``."""
        entity = self.entity(type_id)
        if len(key) != len(entity.primary_key):
            raise ValidationError(
                f"{type_id} key needs {len(entity.primary_key)} value(s) "
                f"({', '.join(entity.primary_key)}), got {list(key)!r}"
            )
        table = self.layout.table(type_id)
        where = " AND ".join(f"t.{quote(k)} = ?" for k in entity.primary_key)
        params: list[Any] = [str(k) for k in key]
        types = self.layout.type_filter(type_id)
        if types is not None:
            where += f" AND t.{quote(TYPE_COLUMN)} IN ({', '.join('?' for _ in types)})"
            params.extend(types)
        cols = self.layout.column_list(type_id, "t")
        row = self.connection.execute(
            f"SELECT {cols} FROM {quote(table.name)} AS t WHERE {where}", params
        ).fetchone()
        if row is None:
            return None
        return StoredRow(int(row[0]), str(row[1]), dict(zip(table.columns, row[2:], strict=True)))

    def _reference_key(self, prop: Property, value: Any, where: str) -> tuple[str, str]:
        """(concrete type, key) of an entity reference sent for ``prop``; checks existence."""
        target = prop.target or ""
        if not isinstance(value, dict):
            raise ValidationError(f"{where}: expected an entity reference, got {value!r}")
        named = value.get(ENTITY_TYPE, target)
        if not isinstance(named, str) or named not in self.schema.types:
            raise ValidationError(f"{where}: unknown entity type {named!r} in reference")
        if not (self.layout.is_a(named, target) or self.layout.is_a(target, named)):
            raise ValidationError(f"{where}: a {named} cannot be a {target}")
        pk = self.schema.types[target].primary_key
        if len(pk) != 1:
            raise ValidationError(f"{where}: references to {target} are not supported")
        key = value.get(pk[0])
        if not isinstance(key, str) or not key:
            raise ValidationError(f"{where}: reference {value!r} has no {pk[0]!r}")
        found = self.find(named if self.layout.is_a(named, target) else target, (key,))
        if found is None:
            raise ValidationError(f"{where}: {named} {key!r} does not exist")
        return found.type_id, key

    # --- create ---------------------------------------------------------------------------

    def create(
        self, type_id: str, data: Mapping[str, Any], key: Sequence[str] | None
    ) -> tuple[str, tuple[str, ...]]:
        """Insert one entity; returns its concrete type and key."""
        entity = self.entity(type_id)
        table = self.layout.table(type_id)
        columns: dict[str, Any] = {}
        collections: list[tuple[Collection, Any, str]] = []
        for name, value in data.items():
            if name == ENTITY_TYPE:
                if value != type_id:
                    raise ValidationError(f"create {type_id}: entity_data says it is a {value!r}")
                continue
            self._assign(entity, name, value, columns, collections, creating=True)
        for index, name in enumerate(entity.primary_key):
            if key is not None and index < len(key):
                given = str(key[index])
                if columns.get(name) not in (None, given):
                    raise ValidationError(
                        f"create {type_id}: entity_key {list(key)!r} does not match entity_data"
                    )
                columns[name] = given
        self._defaults(entity, columns)
        self._derive(entity, columns)
        self._require(entity, columns)
        entity_key = tuple(str(columns[k]) for k in entity.primary_key)
        if self._family_has(type_id, entity_key):
            raise ValidationError(f"{type_id} {list(entity_key)!r} already exists")
        names = [c for c in columns if c in table.columns]
        cols = ", ".join(quote(c) for c in (TYPE_COLUMN, *names))
        marks = ", ".join("?" for _ in range(len(names) + 1))
        self.connection.execute(
            f"INSERT INTO {quote(table.name)} ({cols}) VALUES ({marks})",
            [type_id, *(columns[c] for c in names)],
        )
        for coll, value, where in collections:
            self.set_collection(coll, entity_key[0], value, where)
        return type_id, entity_key

    def _family_has(self, type_id: str, key: tuple[str, ...]) -> bool:
        """Whether any type of ``type_id``'s family already uses primary key ``key``."""
        return self.find(self.layout.table(type_id).root, key) is not None

    def _assign(
        self,
        entity: EntityType,
        name: str,
        value: Any,
        columns: dict[str, Any],
        collections: list[tuple[Collection, Any, str]],
        *,
        creating: bool,
    ) -> None:
        where = f"{entity.id}.{name}"
        prop = entity.properties.get(name)
        if prop is None:
            raise ValidationError(f"{entity.id} has no attribute {name!r}")
        if prop.computed or name in entity.computed:
            raise PermissionDeniedError(f"{where} is computed by the server and cannot be set")
        if prop.kind is Kind.REFERENCE:
            ref = self.layout.reference(entity.id, name)
            if ref is None:
                raise ValidationError(f"{where} cannot be set")
            if value is None:
                columns[ref.column] = None
            else:
                columns[ref.column] = self._reference_key(prop, value, where)[1]
            return
        if prop.kind is Kind.MAPPED:
            # metadata / custom attributes: the official client creates or updates the
            # member entities themselves (which carry the owner's key) and then sends the
            # collection as references; the members already belong to the owner.
            coll = self.layout.collection(entity.id, name)
            if coll is None or coll.mode != "reverse" or not isinstance(value, list):
                raise ValidationError(
                    f"{where} is a keyed collection; write its {prop.target} entities instead"
                )
            return
        if prop.kind is Kind.COLLECTION:
            coll = self.layout.collection(entity.id, name)
            if coll is None or coll.mode == "closure":
                raise PermissionDeniedError(f"{where} cannot be set")
            collections.append((coll, value, where))
            return
        if not self.layout.stored(entity.id, name):
            raise ValidationError(f"{where} cannot be set")
        columns[name] = from_wire(prop, value, where)

    def _defaults(self, entity: EntityType, columns: dict[str, Any]) -> None:
        for prop in entity.properties.values():
            if prop.name in columns or prop.default is NO_DEFAULT:
                continue
            if not self.layout.stored(entity.id, prop.name):
                continue
            if prop.default == "{uid}":
                columns[prop.name] = str(uuid.uuid4())
            else:
                columns[prop.name] = from_wire(prop, prop.default, f"{entity.id}.{prop.name}")
        for name in entity.primary_key:
            if columns.get(name) is None and entity.properties[name].type == "string":
                columns[name] = str(uuid.uuid4())

    def _lookup(self, type_id: str, names: Sequence[str]) -> str | None:
        """The id of a seeded entity of ``type_id`` with one of ``names``, else the first
        (remembered for the rest of the batch; a delete forgets)."""
        cache_key = (type_id, tuple(names))
        if cache_key not in self._defaults_cache:
            self._defaults_cache[cache_key] = self._lookup_uncached(type_id, names)
        return self._defaults_cache[cache_key]

    def _lookup_uncached(self, type_id: str, names: Sequence[str]) -> str | None:
        if type_id not in self.schema.types or not self.layout.stored(type_id, "name"):
            return None
        table = quote(self.layout.table(type_id).name)
        for name in names:
            row = self.connection.execute(
                f"SELECT id FROM {table} WHERE name = ? ORDER BY rowid LIMIT 1", (name,)
            ).fetchone()
            if row is not None:
                return str(row[0])
        row = self.connection.execute(f"SELECT id FROM {table} ORDER BY rowid LIMIT 1").fetchone()
        return None if row is None else str(row[0])

    def _derive(self, entity: EntityType, columns: dict[str, Any]) -> None:
        props = entity.properties
        type_id = entity.id

        def missing(name: str) -> bool:
            return name in props and columns.get(name) is None and self.layout.stored(type_id, name)

        if missing("context_type"):
            columns["context_type"] = "show" if self.layout.is_a(type_id, "Project") else "task"
        if missing("object_type_id") and entity.classifiers.get("object_typeid"):
            columns["object_type_id"] = entity.classifiers["object_typeid"]
        if missing("created_at"):
            columns["created_at"] = now_text()
        if missing("created_by_id") and self.user_id is not None:
            columns["created_by_id"] = self.user_id
        if missing("project_id"):
            columns["project_id"] = self.project_of(type_id, columns)
        if self.layout.is_a(type_id, "Project"):
            if missing("status"):
                columns["status"] = "active"
            if missing("project_schema_id"):
                columns["project_schema_id"] = self._lookup("ProjectSchema", ())
            if missing("full_name"):
                columns["full_name"] = columns.get("name")
        if entity.classifiers or type_id == "AssetVersion":
            if missing("status_id"):
                columns["status_id"] = self._lookup("Status", ("Not started",))
            if missing("type_id") and type_id != "AssetVersion":
                columns["type_id"] = self._lookup("Type", ("Generic",))
            if missing("priority_id"):
                columns["priority_id"] = self._lookup("Priority", ("None",))
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
        for name in entity.required:
            prop = props.get(name)
            if prop is None or not missing(name):
                continue
            if prop.type in ("boolean", "integer", "number"):
                columns[name] = 0

    def project_of(self, type_id: str, columns: Mapping[str, Any]) -> str | None:
        """The project of an entity whose parent key column is set in ``columns``."""
        ref = self.layout.reference(type_id, "parent")
        if ref is None or columns.get(ref.column) is None:
            return None
        parent = self.find(self.layout.table(type_id).root, (str(columns[ref.column]),))
        if parent is None and ref.target in self.schema.types:
            parent = self.find(ref.target, (str(columns[ref.column]),))
        if parent is None:
            return None
        if self.layout.is_a(parent.type_id, "Project"):
            return str(columns[ref.column])
        value = parent.columns.get("project_id")
        return None if value is None else str(value)

    def _next_version(self, asset_id: Any) -> int:
        if asset_id is None:
            return 1
        table = quote(self.layout.table("AssetVersion").name)
        row = self.connection.execute(
            f"SELECT MAX(version) FROM {table} WHERE asset_id = ?", (asset_id,)
        ).fetchone()
        return int(row[0] or 0) + 1

    def _require(self, entity: EntityType, columns: Mapping[str, Any]) -> None:
        for name in entity.required:
            prop = entity.properties.get(name)
            if prop is None or not self.layout.stored(entity.id, name):
                continue
            if columns.get(name) is None:
                raise ValidationError(f"{entity.id}.{name} is required and has no value")

    # --- update ---------------------------------------------------------------------------

    def update(
        self, type_id: str, key: Sequence[str], data: Mapping[str, Any]
    ) -> tuple[str, tuple[str, ...]]:
        entity = self.entity(type_id)
        row = self.find(type_id, key)
        if row is None:
            if type_id.endswith("CustomAttributeValue"):
                payload = dict(zip(entity.primary_key, key, strict=True))
                payload.update({k: v for k, v in data.items() if k != ENTITY_TYPE})
                return self.create(type_id, payload, key)
            raise ValidationError(f"{type_id} {list(key)!r} does not exist")
        concrete = self.schema.types[row.type_id]
        columns: dict[str, Any] = {}
        collections: list[tuple[Collection, Any, str]] = []
        for name, value in data.items():
            if name == ENTITY_TYPE:
                continue
            if name in concrete.primary_key:
                if value is not None and str(value) == str(row.columns.get(name)):
                    continue
                raise PermissionDeniedError(f"{row.type_id}.{name} is immutable")
            self._assign(concrete, name, value, columns, collections, creating=False)
            self._check_immutable(concrete, name, row, columns)
        table = self.layout.table(type_id)
        parent = self.layout.reference(row.type_id, "parent")
        if parent is not None and parent.column in columns and "project_id" in table.columns:
            columns.setdefault("project_id", self.project_of(row.type_id, columns))
        if columns:
            merged = {**row.columns, **columns}
            self._require(concrete, merged)
            assignments = ", ".join(f"{quote(c)} = ?" for c in columns)
            self.connection.execute(
                f"UPDATE {quote(table.name)} SET {assignments} WHERE rowid = ?",
                [*columns.values(), row.rowid],
            )
        entity_key = tuple(str(row.columns[k]) for k in concrete.primary_key)
        for coll, value, where in collections:
            self.set_collection(coll, entity_key[0], value, where)
        return row.type_id, entity_key

    def _check_immutable(
        self, entity: EntityType, name: str, row: StoredRow, columns: Mapping[str, Any]
    ) -> None:
        if name not in entity.immutable:
            return
        prop = entity.properties[name]
        if prop.kind is Kind.REFERENCE:
            ref = self.layout.reference(entity.id, name)
            column = ref.column if ref is not None else name
        else:
            column = name
        old = row.columns.get(column)
        if old is not None and columns.get(column) != old:
            raise PermissionDeniedError(f"{entity.id}.{name} is immutable once set")

    # --- collections ----------------------------------------------------------------------

    def set_collection(self, coll: Collection, owner_key: str, value: Any, where: str) -> None:
        """Write a collection sent as a list of references.

        Reverse-key collections (``children``, ``notes`` ...) adopt every listed member and
        leave other current members alone: the official client sends the list it knows,
        which may miss members attached through their own reference in the same batch.
        Many-to-many collections become exactly the listed members.
        """
        if not isinstance(value, list):
            raise ValidationError(f"{where}: expected a list of entity references")
        target_prop = Property(name=coll.name, kind=Kind.REFERENCE, target=coll.target)
        keys = [self._reference_key(target_prop, item, where)[1] for item in value]
        member_table = quote(self.layout.table(coll.target).name)
        pk = quote(self.schema.types[coll.target].primary_key[0])
        if coll.mode == "reverse":
            assert coll.key is not None
            for member in keys:
                changes: dict[str, Any] = {coll.key: owner_key}
                if coll.where is not None:
                    changes[coll.where[0]] = coll.where[1]
                if (
                    coll.key == "parent_id"
                    and "project_id" in self.layout.table(coll.target).columns
                ):
                    changes["project_id"] = self.project_of(coll.target, {"parent_id": owner_key})
                sets = ", ".join(f"{quote(c)} = ?" for c in changes)
                self.connection.execute(
                    f"UPDATE {member_table} SET {sets} WHERE {pk} = ?", [*changes.values(), member]
                )
            return
        assert coll.link_table is not None and coll.link_owner and coll.link_member
        link = quote(coll.link_table)
        owner_col, member_col = quote(coll.link_owner), quote(coll.link_member)
        self.connection.execute(f"DELETE FROM {link} WHERE {owner_col} = ?", [owner_key])
        for member in dict.fromkeys(keys):
            if coll.link_table.startswith("l_"):
                self.connection.execute(
                    f"INSERT INTO {link} ({owner_col}, {member_col}) VALUES (?, ?)",
                    [owner_key, member],
                )
            else:
                link_type = next(
                    t for t in self.layout.tables.values() if t.name == coll.link_table
                ).root
                self.create(link_type, {coll.link_owner: owner_key, coll.link_member: member}, None)

    # --- delete ---------------------------------------------------------------------------

    def delete(self, type_id: str, key: Sequence[str]) -> None:
        """Delete one entity and, level by level in batched statements, what cascades
        from it (`CASCADE`); `RESTRICT` collections of the entity itself must be empty."""
        row = self.find(type_id, key)
        if row is None:
            raise ValidationError(f"{type_id} {list(key)!r} does not exist")
        self._defaults_cache.clear()
        doomed: dict[str, set[int]] = {}
        keys: list[str] = []
        level = [row]
        top = True
        while level:
            by_type: dict[str, list[StoredRow]] = {}
            for item in level:
                rowids = doomed.setdefault(self.layout.table(item.type_id).name, set())
                if item.rowid in rowids:
                    continue
                rowids.add(item.rowid)
                by_type.setdefault(item.type_id, []).append(item)
            level = []
            for concrete, rows in by_type.items():
                entity = self.schema.types[concrete]
                if len(entity.primary_key) != 1:
                    continue
                owners = [str(r.columns.get(entity.primary_key[0])) for r in rows]
                keys.extend(owners)
                level.extend(self._cascade(concrete, owners, top=top))
            top = False
        for table_name, rowids in doomed.items():
            ordered = sorted(rowids)
            for start in range(0, len(ordered), _CHUNK):
                chunk = ordered[start : start + _CHUNK]
                marks = ", ".join("?" for _ in chunk)
                self.connection.execute(
                    f"DELETE FROM {quote(table_name)} WHERE rowid IN ({marks})", chunk
                )
        for name, (owner_col, member_col) in self.layout.link_tables.items():
            for start in range(0, len(keys), _CHUNK):
                batch = keys[start : start + _CHUNK]
                marks = ", ".join("?" for _ in batch)
                self.connection.execute(
                    f"DELETE FROM {quote(name)} WHERE {quote(owner_col)} IN ({marks}) "
                    f"OR {quote(member_col)} IN ({marks})",
                    [*batch, *batch],
                )

    def _cascade(self, type_id: str, owners: Sequence[str], *, top: bool) -> list[StoredRow]:
        """Members of ``owners``' reverse-key collections that are deleted with them; the
        keys of other members are cleared."""
        doomed: list[StoredRow] = []
        for prop in self.schema.types[type_id].relations():
            coll = self.layout.collection(type_id, prop.name)
            if coll is None or coll.mode != "reverse" or coll.key is None:
                continue
            for start in range(0, len(owners), _CHUNK):
                chunk = owners[start : start + _CHUNK]
                members = self._members(coll, chunk)
                if not members:
                    continue
                if top and (type_id, prop.name) in RESTRICT:
                    raise ValidationError(
                        f"cannot delete {type_id} {chunk[0]!r}: delete its {prop.name} first"
                    )
                if prop.name in CASCADE:
                    doomed.extend(members)
                    continue
                marks = ", ".join("?" for _ in chunk)
                self.connection.execute(
                    f"UPDATE {quote(self.layout.table(coll.target).name)} "
                    f"SET {quote(coll.key)} = NULL WHERE {quote(coll.key)} IN ({marks})",
                    list(chunk),
                )
        return doomed

    def _members(self, coll: Collection, owners: Sequence[str]) -> list[StoredRow]:
        assert coll.key is not None
        table = self.layout.table(coll.target)
        marks = ", ".join("?" for _ in owners)
        rows = self.connection.execute(
            f"SELECT {self.layout.column_list(coll.target, 't')} FROM {quote(table.name)} AS t "
            f"WHERE t.{quote(coll.key)} IN ({marks})",
            list(owners),
        ).fetchall()
        return [
            StoredRow(int(r[0]), str(r[1]), dict(zip(table.columns, r[2:], strict=True)))
            for r in rows
        ]
