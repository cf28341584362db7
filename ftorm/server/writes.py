"""Create, update and delete against the storage: the generic part of every write.

Values are checked and converted per the schema, literal schema defaults and generated
``{uid}`` keys filled, computed attributes refused and immutable ones kept once set;
relations are written through their key columns, reverse keys and link tables
(`ftorm.server.storage`). What ftrack derives, cascades and upserts beyond that is decided by
`ftorm.server.rules`. Every entity written is noted, and `Writer.finish` checks them all when
the batch ends (`ftorm.server.integrity`): required values, parents and references.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ftorm.errors import PermissionDeniedError, ValidationError, excerpt
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.schema.custom.rules import VALUE_SUFFIX, is_custom_attribute_value
from ftorm.schema.hierarchy import ABSTRACT, subtypes
from ftorm.schema.types import NO_DEFAULT, EntityType, Kind, Property, Schema
from ftorm.server.custom.writes import value_type_for
from ftorm.server.fragments import CHUNK, insert, insert_row, placeholders, positional
from ftorm.server.integrity import check
from ftorm.server.rows import StoredRow, find, members_of
from ftorm.server.rules import Rules, upserts
from ftorm.server.storage import LINK, Collection, Layout, quote
from ftorm.server.values import from_wire

__all__ = ["StoredRow", "Writer"]


class Writer:
    """Writes inside the caller's transaction."""

    def __init__(self, layout: Layout, connection: sqlite3.Connection, user_id: str | None) -> None:
        self.layout: Layout = layout
        """Where the schema's types live."""
        self.schema: Schema = layout.schema
        """The schema written against."""
        self.connection: sqlite3.Connection = connection
        """The connection written through."""
        self.rules: Rules = Rules(layout, connection, user_id)
        """ftrack's rules applied to these writes."""
        self._written: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        self._expected: list[tuple[str, tuple[str, ...], str]] = []

    def _note(self, type_id: str, key: tuple[str, ...], columns: Iterable[str]) -> None:
        """Remember that ``columns`` of an entity were written (checked by `finish`)."""
        ident = (self.layout.table(type_id).root, key)
        self._written.setdefault(ident, set()).update(columns)

    def finish(self) -> None:
        """Check every entity this batch wrote, as it stands now (`ftorm.server.integrity`):
        `ValidationError` for a missing required value or parent, or a reference to a row
        that does not exist. The rules' end-of-batch work runs first (`Rules.finish`)."""
        written, self._written = self._written, {}
        self._check_expected()
        self.rules.finish(written)
        for (root, key), columns in written.items():
            row = self.find(root, key)
            if row is not None:  # deleted later in the batch
                check(self.layout, self.connection, row, sorted(columns))

    # --- lookups --------------------------------------------------------------------------

    def entity(self, type_id: str) -> EntityType:
        """The schema type ``type_id``; `ValidationError` when the schema has none."""
        entity = self.schema.types.get(type_id)
        if entity is None:
            msg = f"Unknown entity type {excerpt(type_id)}"
            raise ValidationError(msg)
        return entity

    def find(self, type_id: str, key: Sequence[str]) -> StoredRow | None:
        """The stored row of ``type_id`` (or a subtype) with primary key ``key``."""
        return find(self.layout, self.connection, type_id, key)

    def _reference_key(self, prop: Property, value: Any, where: str) -> tuple[str, str]:
        """(concrete type, key) of an entity reference sent for ``prop``; checks existence."""
        named, key = self._referred(prop, value, where, must_exist=True)
        if len(key) != 1:
            msg = f"{where}: references to {prop.target} are not supported"
            raise ValidationError(msg)
        return named, key[0]

    def _referred(
        self, prop: Property, value: Any, where: str, *, must_exist: bool
    ) -> tuple[str, tuple[str, ...]]:
        """(concrete type, primary key) of an entity reference sent for ``prop``, composite
        keys included; with ``must_exist`` `ValidationError` when no such row exists (the
        type is then the one named)."""
        target = prop.target or ""
        if not isinstance(value, dict):
            msg = f"{where}: expected an entity reference, got {excerpt(value)}"
            raise ValidationError(msg)
        named = value.get(ENTITY_TYPE, target)
        if not isinstance(named, str) or named not in self.schema.types:
            msg = f"{where}: unknown entity type {excerpt(named)} in reference"
            raise ValidationError(msg)
        if not (self.layout.is_a(named, target) or self.layout.is_a(target, named)):
            msg = f"{where}: a {named} cannot be a {target}"
            raise ValidationError(msg)
        key: list[str] = []
        for name in self.schema.types[target].primary_key:
            part = value.get(name)
            if isinstance(part, (int, float)) and not isinstance(part, bool):
                part = str(part)
            if not isinstance(part, str) or not part:
                msg = f"{where}: reference {excerpt(value)} has no {excerpt(name)}"
                raise ValidationError(msg)
            key.append(part)
        found = self.find(named if self.layout.is_a(named, target) else target, key)
        if found is None:
            if must_exist:
                msg = f"{where}: {named} {excerpt(key[0] if len(key) == 1 else key)} does not exist"
                raise ValidationError(msg)
            return named, tuple(key)
        return found.type_id, tuple(key)

    # --- create ---------------------------------------------------------------------------

    def create(
        self, type_id: str, data: Mapping[str, Any], key: Sequence[str] | None
    ) -> tuple[str, tuple[str, ...]]:
        """Insert one entity; returns its concrete type and key. A bare
        ``CustomAttributeValue`` is stored as the value type of its entity
        (`ftorm.server.custom.writes.value_type_for`)."""
        if type_id == VALUE_SUFFIX:
            typed = value_type_for(self.layout, self.connection, data.get("entity_id"))
            if typed is not None:
                data = {k: v for k, v in data.items() if k != ENTITY_TYPE}
                type_id = typed
        entity = self.entity(type_id)
        if type_id in ABSTRACT:
            names = [name for name in subtypes(self.schema, type_id) if name not in ABSTRACT]
            msg = (
                f"{type_id} is abstract and cannot be created: create one of its types "
                f"({', '.join(names[:5])} ...)"
            )
            raise ValidationError(msg)
        table = self.layout.table(type_id)
        columns: dict[str, Any] = {}
        collections: list[tuple[Collection, Any, str]] = []
        for name, value in data.items():
            if name == ENTITY_TYPE:
                if value != type_id:
                    msg = f"create {type_id}: entity_data says it is a {excerpt(value)}"
                    raise ValidationError(msg)
                continue
            self._assign(entity, name, value, columns, collections, creating=True)
        for index, name in enumerate(entity.primary_key):
            if key is not None and index < len(key):
                given = str(key[index])
                if columns.get(name) not in (None, given):
                    msg = (
                        f"create {type_id}: entity_key {excerpt(list(key))} does not match "
                        "entity_data"
                    )
                    raise ValidationError(msg)
                columns[name] = given
        self._defaults(entity, columns)
        self.rules.derive(entity, columns)
        entity_key = tuple(str(columns[k]) for k in entity.primary_key)
        if self._family_has(type_id, entity_key):
            msg = f"{type_id} {excerpt(list(entity_key))} already exists"
            raise ValidationError(msg)
        names = [c for c in columns if c in table.columns]
        self.connection.execute(
            insert_row(table.name, names), [type_id, *(columns[c] for c in names)]
        )
        self._note(type_id, entity_key, names)
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
            msg = f"{entity.id} has no attribute {excerpt(name)}"
            raise ValidationError(msg)
        if prop.computed or name in entity.computed or name == LINK:
            msg = f"{where} is computed by the server and cannot be set"
            raise PermissionDeniedError(msg)
        if prop.kind is Kind.REFERENCE:
            ref = self.layout.reference(entity.id, name)
            if ref is None:
                msg = f"{where} cannot be set"
                raise ValidationError(msg)
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
                msg = f"{where} is a keyed collection; write its {prop.target} entities instead"
                raise ValidationError(msg)
            return
        if prop.kind is Kind.COLLECTION:
            coll = self.layout.collection(entity.id, name)
            if coll is None or coll.mode == "closure":
                msg = f"{where} cannot be set"
                raise PermissionDeniedError(msg)
            collections.append((coll, value, where))
            return
        if not self.layout.stored(entity.id, name):
            msg = f"{where} cannot be set"
            raise ValidationError(msg)
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

    # --- update ---------------------------------------------------------------------------

    def update(
        self, type_id: str, key: Sequence[str], data: Mapping[str, Any]
    ) -> tuple[str, tuple[str, ...]]:
        """Change one entity; returns its concrete type and key."""
        entity = self.entity(type_id)
        row = self.find(type_id, key)
        if row is None:
            if upserts(type_id):
                payload = dict(zip(entity.primary_key, key, strict=True))
                payload.update({k: v for k, v in data.items() if k != ENTITY_TYPE})
                return self.create(type_id, payload, key)
            msg = f"{type_id} {excerpt(list(key))} does not exist"
            raise ValidationError(msg)
        concrete = self.schema.types[row.type_id]
        columns: dict[str, Any] = {}
        collections: list[tuple[Collection, Any, str]] = []
        for name, value in data.items():
            if name == ENTITY_TYPE:
                continue
            if name in concrete.primary_key:
                if value is not None and str(value) == str(row.columns.get(name)):
                    continue
                msg = f"{row.type_id}.{name} is immutable"
                raise PermissionDeniedError(msg)
            self._assign(concrete, name, value, columns, collections, creating=False)
            self._check_immutable(concrete, name, row, columns)
        table = self.layout.table(type_id)
        self.rules.changing(
            row.type_id, {k: row.columns.get(k) for k in concrete.primary_key}, columns
        )
        self.rules.follow_parent(row.type_id, columns)
        entity_key = tuple(str(row.columns[k]) for k in concrete.primary_key)
        if columns:
            self._note(row.type_id, entity_key, columns)
            assignments = ", ".join(f"{quote(c)} = ?" for c in columns)
            self.connection.execute(
                f"UPDATE {quote(table.name)} SET {assignments} WHERE rowid = ?",
                [*columns.values(), row.rowid],
            )
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
            msg = f"{entity.id}.{name} is immutable once set"
            raise PermissionDeniedError(msg)

    # --- collections ----------------------------------------------------------------------

    def set_collection(self, coll: Collection, owner_key: str, value: Any, where: str) -> None:
        """Write a collection sent as a list of references.

        Reverse-key collections (``children``, ``notes`` ...) adopt every listed member and
        leave other current members alone: the official client sends the list it knows,
        which may miss members attached through their own reference in the same batch.
        Many-to-many collections become exactly the listed members.
        """
        if not isinstance(value, list):
            msg = f"{where}: expected a list of entity references"
            raise ValidationError(msg)
        target_prop = Property(name=coll.name, kind=Kind.REFERENCE, target=coll.target)
        member_pk = self.schema.types[coll.target].primary_key
        if coll.mode == "reverse" and coll.key in member_pk:
            self._keyed_members(coll, owner_key, value, where)
            return
        keys = [self._reference_key(target_prop, item, where)[1] for item in value]
        member_table = quote(self.layout.table(coll.target).name)
        pk = quote(member_pk[0])
        if coll.mode == "reverse":
            assert coll.key is not None
            for member in keys:
                changes: dict[str, Any] = {coll.key: owner_key}
                if coll.where is not None:
                    changes[coll.where[0]] = coll.where[1]
                self.rules.follow_parent(coll.target, changes)
                sets = ", ".join(f"{quote(c)} = ?" for c in changes)
                self.connection.execute(
                    f"UPDATE {member_table} SET {sets} WHERE {pk} = ?", [*changes.values(), member]
                )
                self._note(coll.target, (member,), changes)
            return
        assert coll.link_table is not None
        assert coll.link_owner
        assert coll.link_member
        link = quote(coll.link_table)
        owner_col = quote(coll.link_owner)
        self.connection.execute(f"DELETE FROM {link} WHERE {owner_col} = ?", [owner_key])
        hidden = coll.link_table in self.layout.link_tables  # no entity type of its own
        for member in dict.fromkeys(keys):
            if hidden:
                self.connection.execute(
                    insert(coll.link_table, (coll.link_owner, coll.link_member)),
                    [owner_key, member],
                )
            else:
                link_type = next(
                    t for t in self.layout.tables.values() if t.name == coll.link_table
                ).root
                self.create(link_type, {coll.link_owner: owner_key, coll.link_member: member}, None)

    def _keyed_members(self, coll: Collection, owner_key: str, value: Any, where: str) -> None:
        """A reverse collection whose members hold the owner in their own primary key
        (``Note.recipients`` -> ``Recipient {note_id, resource_id}``): every listed member
        must name the owner; one not created yet must be by the end of the batch."""
        assert coll.key is not None
        target_prop = Property(name=coll.name, kind=Kind.REFERENCE, target=coll.target)
        position = self.schema.types[coll.target].primary_key.index(coll.key)
        for item in value:
            named, key = self._referred(target_prop, item, where, must_exist=False)
            if key[position] != owner_key:
                msg = f"{where}: {named} {excerpt(list(key))} belongs to another {coll.owner}"
                raise ValidationError(msg)
            if self.find(named, key) is None:
                self._expected.append((named, key, where))

    def _check_expected(self) -> None:
        for type_id, key, where in self._expected:
            if self.find(type_id, key) is None:
                msg = f"{where}: {type_id} {excerpt(list(key))} does not exist"
                raise ValidationError(msg)
        self._expected.clear()

    # --- delete ---------------------------------------------------------------------------

    def delete(self, type_id: str, key: Sequence[str]) -> None:
        """Delete one entity and, level by level in batched statements, what cascades
        from it (`Rules.cascades`); restricted collections of the entity itself must be empty
        (`Rules.restricts`)."""
        row = self.find(type_id, key)
        if row is None:
            msg = f"{type_id} {excerpt(list(key))} does not exist"
            raise ValidationError(msg)
        self.rules.forget()
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
            for start in range(0, len(ordered), CHUNK):
                params: list[Any] = []
                marks = placeholders(ordered[start : start + CHUNK], positional(params))
                self.connection.execute(
                    f"DELETE FROM {quote(table_name)} WHERE rowid IN ({marks})", params
                )
        for name, (owner_col, member_col) in self.layout.link_tables.items():
            for start in range(0, len(keys), CHUNK):
                batch = keys[start : start + CHUNK]
                params = []
                bind = positional(params)
                self.connection.execute(
                    f"DELETE FROM {quote(name)} "
                    f"WHERE {quote(owner_col)} IN ({placeholders(batch, bind)}) "
                    f"OR {quote(member_col)} IN ({placeholders(batch, bind)})",
                    params,
                )

    def _member_types(self, coll: Collection) -> list[str]:
        """The types whose rows can be members of ``coll``: its target, and for the bare
        ``CustomAttributeValue`` (a configuration's ``values``) every ``<X>CustomAttributeValue``
        type holding the same key column."""
        types = [coll.target]
        if coll.target == VALUE_SUFFIX:
            types.extend(
                t
                for t in self.schema.types
                if is_custom_attribute_value(t) and coll.key in self.layout.table(t).columns
            )
        return types

    def _cascade(self, type_id: str, owners: Sequence[str], *, top: bool) -> list[StoredRow]:
        """Members of ``owners``' reverse-key collections that are deleted with them; the
        keys of other members are cleared."""
        doomed: list[StoredRow] = []
        for prop in self.schema.types[type_id].relations():
            coll = self.layout.collection(type_id, prop.name)
            if coll is None or coll.mode != "reverse" or coll.key is None:
                continue
            for start in range(0, len(owners), CHUNK):
                chunk = owners[start : start + CHUNK]
                members = [
                    row
                    for target in self._member_types(coll)
                    for row in members_of(self.layout, self.connection, target, coll.key, chunk)
                ]
                if not members:
                    continue
                if top and self.rules.restricts(type_id, prop.name):
                    msg = (
                        f"cannot delete {type_id} {excerpt(chunk[0])}: delete its {prop.name} first"
                    )
                    raise ValidationError(msg)
                if self.rules.cascades(prop.name):
                    doomed.extend(members)
                    continue
                params: list[Any] = []
                marks = placeholders(chunk, positional(params))
                self.connection.execute(
                    f"UPDATE {quote(self.layout.table(coll.target).name)} "
                    f"SET {quote(coll.key)} = NULL WHERE {quote(coll.key)} IN ({marks})",
                    params,
                )
        return doomed
