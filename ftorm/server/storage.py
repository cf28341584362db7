"""Tables derived from a schema, and how relations map onto their columns.

One SQLite table per type family (`ftorm.schema.hierarchy.family_root`): ``Context``,
``Project``, ``TypedContext`` and every typed-context subtype share the table of
``Context``, each row tagged with its concrete type in the ``__type__`` column, so a query on
a base type spans its subtypes and rows always come back as their concrete type.

Columns are the union of the family's scalar attributes. Relations:

- a reference ``x`` is stored in a key column: an explicit map for the relations ftrack does
  not spell out (`REFERENCE_COLUMNS`), else the type's own ``x_id``, else a hidden
  ``__ref_x`` column;
- a collection is read through a reverse key on the member type (listed in
  `ftorm.schema.pairings`, else a reference on the member type pointing back), through a link entity
  (`LINK_ENTITIES`), through the parent closure (``ancestors``/``descendants``), or, when
  nothing fits, through a hidden link table.

Values are stored as: strings as text, booleans as 0/1, numbers as numbers, datetimes as
UTC ``YYYY-MM-DDTHH:MM:SS[.ffffff]`` text (`ftorm.protocol.codec.format_datetime`: text
comparison is time order), ``variable`` and
``object`` values as JSON text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final, Literal

import attrs

from ftorm.schema.hierarchy import ancestors, family_root, subtypes
from ftorm.schema.pairings import reverse_keys
from ftorm.schema.types import EntityType, Kind, Property, Schema

__all__ = [
    "ID_COLUMN",
    "LINK",
    "LINK_ENTITIES",
    "PARENT_COLUMN",
    "REFERENCE_COLUMNS",
    "TYPE_COLUMN",
    "Collection",
    "Layout",
    "Reference",
    "Table",
    "connect",
    "quote",
]

TYPE_COLUMN: Final = "__type__"
"""The column holding each row's concrete schema id."""

ID_COLUMN: Final = "id"
"""The key column of the types in a hierarchy (and of the built-in entities looked up by
name)."""

LINK: Final = "link"
"""The attribute the server derives when it is read (the path from the project down); it is
never stored, so it can never be written."""

PARENT_COLUMN: Final = "parent_id"
"""The column linking an entity to its parent in a hierarchy: ``ancestors``,
``descendants`` and ``link`` walk it."""

REFERENCE_COLUMNS: Final[dict[tuple[str, str], str]] = {
    ("Asset", "parent"): "context_id",
    ("Note", "author"): "user_id",
    ("List", "owner"): "user_id",
    ("TypedContextList", "owner"): "user_id",
    ("AssetVersionList", "owner"): "user_id",
    ("SchemaStatus", "task_status"): "status_id",
    ("SchemaType", "task_type"): "type_id",
    ("ReviewSessionObject", "asset_version"): "version_id",
    ("Feed", "event"): "social_id",
}
"""Reference -> key column where the column is not named ``<reference>_id``."""

APPOINTMENT_KINDS: Final[dict[str, str]] = {
    "assignments": "assignment",
    "allocations": "allocation",
}
"""Collections of ``Appointment`` restricted by its ``type``."""

LINK_ENTITIES: Final[dict[tuple[str, str], tuple[str, str, str]]] = {
    ("WorkflowSchema", "statuses"): ("WorkflowSchemaStatus", "workflow_schema_id", "status_id"),
    ("TaskTypeSchema", "types"): ("TaskTypeSchemaType", "task_type_schema_id", "type_id"),
    ("ProjectSchema", "object_types"): (
        "ProjectSchemaObjectType",
        "project_schema_id",
        "object_type_id",
    ),
    ("List", "items"): ("ListObject", "list_id", "entity_id"),
    ("TypedContext", "lists"): ("ListObject", "entity_id", "list_id"),
    ("AssetVersion", "lists"): ("ListObject", "entity_id", "list_id"),
}
"""Many-to-many collections stored as rows of a link entity: (link type, owner key, member key),
by the type declaring the collection or a base of it (a list's ``items`` and an entity's
``lists`` are both its ``ListObject`` rows)."""

CLOSURES: Final = ("ancestors", "descendants")

TEXT_INDEXES: Final = frozenset({"name", "username", "key"})
"""Text columns indexed twice: as is (for ``is``) and case-folded (so ``like "abc%"`` is an
index range, as SQLite's LIKE optimisation allows)."""

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_]")

_LINK_PREFIX: Final = "l_"
"""Begins the name of a hidden link table (`Layout.link_tables`: a many-to-many collection
the schema gives no link entity); whether a table is one is read from that mapping."""


def quote(name: str) -> str:
    """A SQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


@attrs.frozen(slots=True)
class Table:
    """The table of one type family."""

    name: str
    root: str
    types: tuple[str, ...]
    columns: tuple[str, ...]  # stored columns besides rowid and __type__, sorted
    primary_key: tuple[str, ...]


@attrs.frozen(slots=True)
class Reference:
    """A scalar relation: ``column`` on the owner's table holds the target's primary key."""

    owner: str
    name: str
    target: str
    column: str


@attrs.frozen(slots=True)
class Collection:
    """A collection and how its members are found.

    - ``reverse``: members whose ``key`` column holds the owner's id (``where`` an extra
      ``(column, value)`` filter, e.g. ``Appointment.type``);
    - ``link``: rows of table ``link_table`` pair ``link_owner`` with ``link_member``;
    - ``closure``: ``ancestors`` (walk ``parent_id`` up) / ``descendants`` (down).
    """

    owner: str
    name: str
    target: str
    mode: Literal["reverse", "link", "closure"]
    key: str | None = None
    where: tuple[str, str] | None = None
    link_table: str | None = None
    link_owner: str | None = None
    link_member: str | None = None
    upward: bool = False


def _scalar(prop: Property) -> bool:
    return prop.kind in (Kind.SCALAR, Kind.DATETIME) or (
        prop.kind is not Kind.REFERENCE and prop.type is None and prop.is_foreign_key
    )


class Layout:
    """Where every type, attribute and relation of a schema lives in SQLite."""

    def __init__(self, schema: Schema) -> None:
        self.schema: Schema = schema
        """The schema laid out."""
        families: dict[str, list[str]] = {}
        for type_id in sorted(schema.types):
            families.setdefault(family_root(schema, type_id), []).append(type_id)
        self._table_of: dict[str, Table] = {}
        self.tables: dict[str, Table] = {}
        """Every table, by the root of its type family."""
        self._hidden: dict[str, set[str]] = {root: set() for root in families}
        self.references: dict[tuple[str, str], Reference] = {}
        """Every stored reference, by (type, name)."""
        self._owned: dict[str, list[Reference]] = {}  # type -> its references, in order
        self._by_column: dict[tuple[str, str], Reference] = {}  # (type, column) -> the first
        self.collections: dict[tuple[str, str], Collection] = {}
        """Every readable collection, by (type, name)."""
        self.link_tables: dict[str, tuple[str, str]] = {}
        """Hidden link tables: name -> (owner column, member column)."""
        self._subtypes: dict[str, tuple[str, ...]] = {}
        self._stored: dict[str, frozenset[str]] = {}
        self._ancestors: dict[str, tuple[str, ...]] = {}
        self._reverse: dict[tuple[tuple[str, ...], str], tuple[str, ...]] = {}
        self._column_lists: dict[tuple[str, str], str] = {}
        self._filters: dict[str, tuple[str, ...] | None] = {}
        self._foreign_keys: dict[str, dict[str, str]] = {}
        for type_id in schema.types:
            for prop in schema.types[type_id].properties.values():
                if prop.kind is Kind.REFERENCE and prop.target in schema.types:
                    self._add_reference(type_id, prop, family_root(schema, type_id))
        for root, members in families.items():
            columns: set[str] = set(self._hidden[root])
            for type_id in members:
                columns.update(
                    p.name for p in schema.types[type_id].properties.values() if _scalar(p)
                )
            table = Table(
                name="t_" + _SAFE_NAME.sub("_", root),
                root=root,
                types=tuple(members),
                columns=tuple(sorted(columns)),
                primary_key=schema.types[root].primary_key,
            )
            self.tables[root] = table
            for type_id in members:
                self._table_of[type_id] = table
        for type_id in schema.types:
            for prop in schema.types[type_id].properties.values():
                if prop.kind in (Kind.COLLECTION, Kind.MAPPED) and prop.target in schema.types:
                    self._add_collection(type_id, prop)

    # --- lookups --------------------------------------------------------------------------

    def table(self, type_id: str) -> Table:
        """The table holding the rows of ``type_id``."""
        return self._table_of[type_id]

    def subtypes(self, type_id: str) -> tuple[str, ...]:
        """``type_id`` and every type deriving from it."""
        found = self._subtypes.get(type_id)
        if found is None:
            found = subtypes(self.schema, type_id)
            self._subtypes[type_id] = found
        return found

    def type_filter(self, type_id: str) -> tuple[str, ...] | None:
        """The ``__type__`` values to restrict a table to for ``type_id``, or None when the
        type spans its whole table."""
        if type_id in self._filters:
            return self._filters[type_id]
        types: tuple[str, ...] | None = self.subtypes(type_id)
        if set(types or ()) >= set(self.table(type_id).types):
            types = None
        self._filters[type_id] = types
        return types

    def is_a(self, type_id: str, base: str) -> bool:
        """True when ``type_id`` is ``base`` or derives from it."""
        return type_id == base or base in self.ancestors(type_id)

    def ancestors(self, type_id: str) -> tuple[str, ...]:
        """The bases of ``type_id``, nearest first (`ftorm.schema.hierarchy.ancestors`)."""
        chain = self._ancestors.get(type_id)
        if chain is None:
            chain = self._ancestors[type_id] = ancestors(self.schema, type_id)
        return chain

    def stored(self, type_id: str, name: str) -> bool:
        """True when attribute ``name`` of ``type_id`` is a stored column."""
        return name in self.stored_names(type_id)

    def stored_names(self, type_id: str) -> frozenset[str]:
        """The attributes of ``type_id`` stored as columns."""
        found = self._stored.get(type_id)
        if found is None:
            props = self.schema.types[type_id].properties.values()
            found = frozenset(p.name for p in props if _scalar(p))
            self._stored[type_id] = found
        return found

    def column_list(self, type_id: str, alias: str) -> str:
        """``alias."rowid", alias."__type__", alias."col"...`` for the table of ``type_id``."""
        table = self.table(type_id)
        found = self._column_lists.get((table.name, alias))
        if found is None:
            found = ", ".join(f"{alias}.{quote(c)}" for c in ("rowid", TYPE_COLUMN, *table.columns))
            self._column_lists[(table.name, alias)] = found
        return found

    def reference(self, type_id: str, name: str) -> Reference | None:
        """How reference ``name`` of ``type_id`` is stored, or None when it is not."""
        return self.references.get((type_id, name))

    def foreign_keys(self, type_id: str) -> Mapping[str, str]:
        """The key columns of ``type_id`` that hold another entity's key: column -> the
        type referred to (from the stored references; hidden columns included)."""
        found = self._foreign_keys.get(type_id)
        if found is None:
            owned = sorted(self._owned.get(type_id, ()), key=lambda ref: ref.name)
            found = {ref.column: ref.target for ref in owned}
            self._foreign_keys[type_id] = found
        return found

    def collection(self, type_id: str, name: str) -> Collection | None:
        """How the members of collection ``name`` of ``type_id`` are found, or None."""
        return self.collections.get((type_id, name))

    # --- building -------------------------------------------------------------------------

    def _add_reference(self, type_id: str, prop: Property, root: str) -> None:
        entity = self.schema.types[type_id]
        target = prop.target
        assert target is not None
        if len(self.schema.types[target].primary_key) != 1:
            return  # composite-key targets are not stored as references
        column = REFERENCE_COLUMNS.get((type_id, prop.name))
        if column is None or column not in entity.properties:
            column = self._key_column(entity, prop)
            if column is None:
                column = f"__ref_{prop.alias_for or prop.name}"
                self._hidden[root].add(column)
        found = self.references[(type_id, prop.name)] = Reference(
            type_id, prop.name, target, column
        )
        self._owned.setdefault(type_id, []).append(found)
        self._by_column.setdefault((type_id, column), found)

    @staticmethod
    def _key_column(entity: EntityType, prop: Property) -> str | None:
        """``<name>_id``, or the key column of a sibling reference with the same ``alias_for``
        (``ProjectSchema._task_workflow`` and ``task_workflow_schema``), or the scalar whose
        ``alias_for`` is the reference's plus ``id``."""
        names = [prop.name]
        if prop.alias_for:
            names += [
                other.name
                for other in entity.properties.values()
                if other.kind is Kind.REFERENCE and other.alias_for == prop.alias_for
            ]
        for name in sorted(set(names), key=lambda n: (n.startswith("_"), n)):
            candidate = f"{name}_id"
            if candidate in entity.properties and _scalar(entity.properties[candidate]):
                return candidate
        if prop.alias_for:
            for other in entity.properties.values():
                if _scalar(other) and other.alias_for == prop.alias_for + "id":
                    return other.name
        return None

    def _add_collection(self, type_id: str, prop: Property) -> None:
        target = prop.target
        assert target is not None
        name = prop.name
        found: Collection | None = None
        if name in CLOSURES and PARENT_COLUMN in self.schema.types[target].properties:
            found = Collection(type_id, name, target, "closure", upward=name == "ancestors")
        link = next(
            (
                LINK_ENTITIES[(t, name)]
                for t in (type_id, *self.ancestors(type_id))
                if (t, name) in LINK_ENTITIES
            ),
            None,
        )
        if found is None and link is not None and link[0] in self.schema.types:
            link_type, owner_key, member_key = link
            found = Collection(
                type_id,
                name,
                target,
                "link",
                link_table=self.table(link_type).name,
                link_owner=owner_key,
                link_member=member_key,
            )
        if found is None:
            key = self._reverse_key(type_id, name, target)
            if key is not None:
                where = None
                kind = APPOINTMENT_KINDS.get(name)
                if kind is not None and self.stored(target, "type"):
                    where = ("type", kind)
                found = Collection(type_id, name, target, "reverse", key=key, where=where)
        if found is None and len(self.schema.types[type_id].primary_key) == 1:
            table = _LINK_PREFIX + _SAFE_NAME.sub(
                "_", f"{family_root(self.schema, type_id)}_{name}"
            )
            self.link_tables[table] = ("owner_id", "member_id")
            found = Collection(
                type_id,
                name,
                target,
                "link",
                link_table=table,
                link_owner="owner_id",
                link_member="member_id",
            )
        if found is not None:
            self.collections[(type_id, name)] = found

    def _reverse_keys(self, owners: tuple[str, ...], name: str) -> tuple[str, ...]:
        """`reverse_keys`, once per (owners, collection)."""
        found = self._reverse.get((owners, name))
        if found is None:
            found = self._reverse[(owners, name)] = reverse_keys(owners, name)
        return found

    def _points_at(self, member: str, column: str, owner: str) -> bool:
        """Whether ``member.column`` can hold an ``owner`` id (by reference target or name)."""
        ref = self._by_column.get((member, column))
        if ref is not None:
            return family_root(self.schema, owner) == family_root(self.schema, ref.target)
        return True  # a plain key column with no declared reference: trust the name

    def _reverse_key(self, owner: str, name: str, member: str) -> str | None:
        for column in self._reverse_keys((owner, *self.ancestors(owner)), name):
            if self.stored(member, column) and self._points_at(member, column, owner):
                return column
        matches = [
            ref.column
            for ref in self._owned.get(member, ())
            if not ref.column.startswith("__") and (self.is_a(owner, ref.target))
        ]
        unique = sorted(set(matches))
        if len(unique) == 1:
            return unique[0]
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", owner).lower() + "_id"
        if self.stored(member, snake):
            return snake
        return None

    # --- DDL ------------------------------------------------------------------------------

    def ddl(self) -> Iterator[str]:
        """CREATE statements for every table and index (idempotent)."""
        for table in self.tables.values():
            cols = ", ".join(quote(c) for c in (TYPE_COLUMN, *table.columns))
            yield f"CREATE TABLE IF NOT EXISTS {quote(table.name)} ({cols})"
            yield (
                f"CREATE INDEX IF NOT EXISTS {quote('ix_' + table.name + '__type')} "
                f"ON {quote(table.name)} ({quote(TYPE_COLUMN)})"
            )
            pk = [c for c in table.primary_key if c in table.columns]
            if pk:
                yield (
                    f"CREATE UNIQUE INDEX IF NOT EXISTS {quote('pk_' + table.name)} "
                    f"ON {quote(table.name)} ({', '.join(quote(c) for c in pk)})"
                )
            for column in table.columns:
                if column in TEXT_INDEXES:
                    base = quote("ix_" + table.name + "_" + column)
                    nocase = quote("ix_" + table.name + "_" + column + "_nocase")
                    target = f"{quote(table.name)} ({quote(column)}"
                    yield f"CREATE INDEX IF NOT EXISTS {base} ON {target})"
                    yield f"CREATE INDEX IF NOT EXISTS {nocase} ON {target} COLLATE NOCASE)"
                if column in pk:
                    continue
                if column.endswith("_id") or column.startswith("__ref_"):
                    yield (
                        f"CREATE INDEX IF NOT EXISTS {quote('ix_' + table.name + '_' + column)} "
                        f"ON {quote(table.name)} ({quote(column)})"
                    )
        for name, (owner, member) in self.link_tables.items():
            yield (
                f"CREATE TABLE IF NOT EXISTS {quote(name)} "
                f"({quote(owner)} TEXT NOT NULL, {quote(member)} TEXT NOT NULL, "
                f"PRIMARY KEY ({quote(owner)}, {quote(member)}))"
            )
            yield (
                f"CREATE INDEX IF NOT EXISTS {quote('ix_' + name + '_member')} "
                f"ON {quote(name)} ({quote(member)})"
            )


def connect(database: str, *, read_only: bool = False) -> sqlite3.Connection:
    """Open ``database`` (a path or ``":memory:"``) for the server: WAL, foreign to threads
    (the server serialises access), transactions managed explicitly. ``read_only`` opens an
    existing file that nothing through this connection can change."""
    if read_only:
        uri = Path(database).resolve().as_uri() + "?mode=ro"
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    else:
        connection = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
    if database != ":memory:" and not read_only:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA case_sensitive_like=OFF")
    connection.execute("PRAGMA busy_timeout=10000")
    return connection
