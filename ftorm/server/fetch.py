"""Entity records of one response, and the batched loading of their projections.

Rows become `Record` values kept in a per-response registry keyed by identity (family and
primary key), so an entity reached twice is one record. Projections through references and
collections are loaded one relation at a time for all records at once (``IN (...)`` chunks),
so the number of statements depends on the projection, not on the number of rows.
`ftorm.server.encode` then writes the records as the response's JSON.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

from ftorm._typing import JSON
from ftorm.errors import ValidationError, excerpt
from ftorm.schema.types import EntityType, Kind
from ftorm.server.custom.reads import members_source
from ftorm.server.fragments import CHUNK, column, placeholders, positional, type_condition
from ftorm.server.storage import LINK, PARENT_COLUMN, Collection, Layout, Reference, quote
from ftorm.server.thumbnails import THUMBNAIL_ID, THUMBNAIL_URL

__all__ = ["CHUNK", "Fetcher", "Record", "RowView", "Tree", "always_fields", "build_tree"]


Tree = dict[str, "Tree"]
"""Projection paths as a tree: ``{"status": {"state": {"short": {}}}, "name": {}}``."""


def build_tree(paths: Iterable[Sequence[str]]) -> Tree:
    """The `Tree` of attribute paths given as sequences of names."""
    tree: Tree = {}
    for path in paths:
        node = tree
        for name in path:
            node = node.setdefault(name, {})
    return tree


def _rowid(row: Sequence[Any]) -> int:
    return int(row[1])


class RowView(Mapping[str, Any]):
    """A stored row read by column name, without building a dict per row."""

    __slots__ = ("_index", "_row")

    def __init__(self, row: Sequence[Any], index: Mapping[str, int]) -> None:
        self._row = row
        self._index = index

    def __getitem__(self, name: str) -> Any:
        return self._row[self._index[name]]

    def get(self, name: str, default: Any = None) -> Any:
        """The value of column ``name``, or ``default`` when the row has no such column."""
        position = self._index.get(name)
        return default if position is None else self._row[position]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class Record:
    """One entity of a response."""

    __slots__ = ("columns", "computed", "fields", "ident", "key", "relations", "type_id")

    def __init__(
        self, type_id: str, key: tuple[str, ...], columns: Mapping[str, Any], *, root: str
    ) -> None:
        self.type_id: str = type_id
        """The entity's concrete type."""
        self.key: tuple[str, ...] = key
        """Its primary key values, as text."""
        self.ident: tuple[str, tuple[str, ...]] = (root, key)
        """Its identity within a response: the root of its type family and its key."""
        self.columns: Mapping[str, Any] = columns
        """Its stored row, by column name."""
        self.fields: dict[str, None] = {}
        """The scalar attributes to answer (an ordered set)."""
        self.relations: dict[str, Record | list[Record] | None] = {}
        """The loaded relations to answer."""
        self.computed: dict[str, JSON] = {}
        """Answered attributes computed rather than stored (``link``)."""


LINK_PARENTS: Final[Mapping[str, str]] = {"AssetVersion": "asset"}
"""The reference a type's ``link`` goes up through, where it is not ``parent``."""


def _link_name(record: Record) -> Any:
    if "name" in record.columns:
        return record.columns.get("name")
    return f"v{record.columns.get('version')}"


_ALWAYS: weakref.WeakKeyDictionary[Layout, dict[str, tuple[str, ...]]] = weakref.WeakKeyDictionary()


def always_fields(layout: Layout, entity: EntityType) -> tuple[str, ...]:
    """Attributes every encoded entity carries: its primary key, its system projections
    (mapped to attribute names through ``alias_for``) and the typed-context discriminator."""
    cache = _ALWAYS.setdefault(layout, {})
    found = cache.get(entity.id)
    if found is not None:
        return found
    names: list[str] = list(entity.primary_key)
    by_alias = {p.alias_for: p.name for p in entity.properties.values() if p.alias_for}
    for internal in entity.system_projections:
        name = internal if internal in entity.properties else by_alias.get(internal)
        if name is None:  # ``_casted_value`` is the ``value`` aliased ``casted_value``
            name = by_alias.get(internal.lstrip("_"))
        if name is not None and layout.stored(entity.id, name) and name not in names:
            names.append(name)
    if entity.classifiers and "object_type_id" in entity.properties:
        names.append("object_type_id")
    found = tuple(dict.fromkeys(names))
    cache[entity.id] = found
    return found


class Fetcher:
    """The registry of records for one response, and the statements that fill it."""

    def __init__(
        self,
        layout: Layout,
        connection: sqlite3.Connection,
        thumbnail_url: Callable[[str], str] | None = None,
    ) -> None:
        self.layout: Layout = layout
        """Where the schema's types live."""
        self.connection: sqlite3.Connection = connection
        """The connection read from (inside the caller's transaction)."""
        self.thumbnail_url: Callable[[str], str] | None = thumbnail_url
        """The URL of a thumbnail component (`ftorm.server.thumbnails`), when known."""
        self.records: dict[tuple[str, tuple[str, ...]], Record] = {}
        """Every record of the response by identity (`Record.ident`)."""
        self._indexes: dict[int, dict[str, int]] = {}
        self._always_cache: dict[str, dict[str, None]] = {}

    # --- records --------------------------------------------------------------------------

    def record(self, type_id: str, columns: Mapping[str, Any]) -> Record:
        """The record for a stored row (the existing one when already seen: within one
        response a row reads the same wherever it is reached)."""
        table = self.layout.table(type_id)
        key = tuple(str(columns.get(k)) for k in self.layout.schema.types[type_id].primary_key)
        ident = (table.root, key)
        found = self.records.get(ident)
        if found is None:
            found = Record(type_id, key, columns, root=table.root)
            found.fields.update(self._always(type_id))
            self.records[ident] = found
        return found

    def _always(self, type_id: str) -> dict[str, None]:
        found = self._always_cache.get(type_id)
        if found is None:
            found = dict.fromkeys(always_fields(self.layout, self.layout.schema.types[type_id]))
            self._always_cache[type_id] = found
        return found

    def from_row(self, row: Sequence[Any], columns: Sequence[str]) -> Record:
        """A record from ``rowid, __type__, columns...``."""
        index = self._indexes.get(id(columns))
        if index is None:
            index = {name: position + 2 for position, name in enumerate(columns)}
            self._indexes[id(columns)] = index
        return self.record(str(row[1]), RowView(row, index))

    def _select(self, type_id: str, alias: str = "t") -> tuple[str, tuple[str, ...]]:
        return self.layout.column_list(type_id, alias), self.layout.table(type_id).columns

    def _type_filter(self, type_id: str, alias: str, params: list[Any]) -> str:
        condition = type_condition(self.layout, type_id, alias, positional(params))
        return "" if condition is None else f" AND {condition}"

    def _run(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return self.connection.execute(sql, tuple(params)).fetchall()

    # --- projections ----------------------------------------------------------------------

    def validate(self, type_id: str, tree: Tree, path: str = "") -> None:
        """`ValidationError` for a projection naming an attribute no matching type has."""
        types = self.layout.subtypes(type_id)
        for name, sub in tree.items():
            where = f"{path}{name}"
            props = [
                self.layout.schema.types[t].properties[name]
                for t in types
                if name in self.layout.schema.types[t].properties
            ]
            if not props:
                msg = f"{type_id} has no attribute {excerpt(name)} (in {excerpt(where)})"
                raise ValidationError(msg)
            prop = props[0]
            if prop.restricted_projection:
                msg = f"{type_id}.{name} cannot be projected"
                raise ValidationError(msg)
            if sub:
                if not prop.is_relation or prop.target is None:
                    msg = f"{type_id}.{name} is not a relation (in {excerpt(where)})"
                    raise ValidationError(msg)
                self.validate(prop.target, sub, where + ".")

    def load(self, records: Sequence[Record], tree: Tree) -> None:
        """Load the projection ``tree`` for ``records`` (all of them at once)."""
        if not records:
            return
        for name, sub in tree.items():
            owners = [r for r in records if name in self.layout.schema.types[r.type_id]]
            if not owners:
                continue
            prop = self.layout.schema.types[owners[0].type_id].properties[name]
            if not prop.is_relation:
                for record in owners:
                    if self.layout.stored(record.type_id, name):
                        record.fields[name] = None
                if name == LINK:
                    self._links(owners)
                elif name == THUMBNAIL_URL:
                    self._thumbnails(owners)
                continue
            targets = self._load_relation(owners, name)
            if sub:
                self.load(targets, sub)
            else:
                defaults: Tree = {}
                for target in targets:
                    entity = self.layout.schema.types[target.type_id]
                    for field in entity.default_projections:
                        if self.layout.stored(target.type_id, field):
                            target.fields[field] = None
                self.load(targets, defaults)

    def _load_relation(self, owners: Sequence[Record], name: str) -> list[Record]:
        by_type: dict[str, list[Record]] = {}
        for record in owners:
            by_type.setdefault(record.type_id, []).append(record)
        loaded: list[Record] = []
        for type_id, group in by_type.items():
            prop = self.layout.schema.types[type_id].properties[name]
            if prop.kind is Kind.REFERENCE:
                ref = self.layout.reference(type_id, name)
                if ref is None:
                    for record in group:
                        record.relations[name] = None
                    continue
                loaded.extend(self._load_references(group, ref))
            else:
                coll = self.layout.collection(type_id, name)
                if coll is None:
                    for record in group:
                        record.relations[name] = []
                    continue
                loaded.extend(self._load_collection(group, coll))
        return loaded

    def fetch(self, type_id: str, keys: Sequence[str]) -> dict[str, Record]:
        """Records of ``type_id`` by single primary key value, in chunks."""
        pk = column("t", self.layout.schema.types[type_id].primary_key[0])
        cols, names = self._select(type_id)
        table = quote(self.layout.table(type_id).name)
        found: dict[str, Record] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), CHUNK):
            params: list[Any] = []
            marks = placeholders(unique[start : start + CHUNK], positional(params))
            extra = self._type_filter(type_id, "t", params)
            rows = self._run(
                f"SELECT {cols} FROM {table} AS t WHERE {pk} IN ({marks}){extra}", params
            )
            for row in rows:
                record = self.from_row(row, names)
                found[record.key[0]] = record
        return found

    def _load_references(self, owners: Sequence[Record], ref: Reference) -> list[Record]:
        keys = [str(r.columns[ref.column]) for r in owners if r.columns.get(ref.column) is not None]
        found = self.fetch(ref.target, keys) if keys else {}
        loaded: list[Record] = []
        for record in owners:
            value = record.columns.get(ref.column)
            target = found.get(str(value)) if value is not None else None
            record.relations[ref.name] = target
            if target is not None:
                loaded.append(target)
        return loaded

    def _owner_keys(self, owners: Sequence[Record]) -> list[str]:
        return list(dict.fromkeys(r.key[0] for r in owners))

    def _load_collection(self, owners: Sequence[Record], coll: Collection) -> list[Record]:
        members: dict[str, list[Record]] = {}
        if coll.mode == "closure":
            members = self._closure(owners, coll)
        else:
            cols, names = self._select(coll.target, "m")
            keys = self._owner_keys(owners)
            for start in range(0, len(keys), CHUNK):
                params: list[Any] = []
                table = members_source(self.layout, coll, positional(params))
                marks = placeholders(keys[start : start + CHUNK], positional(params))
                extra = self._type_filter(coll.target, "m", params)
                if coll.mode == "reverse":
                    assert coll.key is not None
                    if coll.where is not None:
                        extra += f" AND {column('m', coll.where[0])} = ?"
                        params.append(coll.where[1])
                    key = column("m", coll.key)
                    sql = f"SELECT {key}, {cols} FROM {table} AS m WHERE {key} IN ({marks}){extra}"
                else:
                    pk = column("m", self.layout.schema.types[coll.target].primary_key[0])
                    owner = column("l", coll.link_owner or "")
                    sql = (
                        f"SELECT {owner}, {cols} "
                        f"FROM {quote(coll.link_table or '')} AS l JOIN {table} AS m "
                        f"ON {pk} = {column('l', coll.link_member or '')} "
                        f"WHERE {owner} IN ({marks}){extra}"
                    )
                # sorted here, by the member's insertion order: an ORDER BY would tempt
                # SQLite into scanning the table in rowid order instead of using the index
                for row in sorted(self._run(sql, params), key=_rowid):
                    record = self.from_row(row[1:], names)
                    members.setdefault(str(row[0]), []).append(record)
        loaded: list[Record] = []
        for record in owners:
            items = members.get(record.key[0], [])
            record.relations[coll.name] = items
            loaded.extend(items)
        return loaded

    def _closure(self, owners: Sequence[Record], coll: Collection) -> dict[str, list[Record]]:
        """``ancestors`` (nearest last, root first) or ``descendants`` (breadth first),
        one batched statement per level."""
        allowed = set(self.layout.subtypes(coll.target))
        result: dict[str, list[Record]] = {}
        family = coll.target
        if coll.upward:
            for owner in owners:
                result[owner.key[0]] = []
            frontier = {o.key[0]: o.columns.get(PARENT_COLUMN) for o in owners}
            chains: dict[str, list[Record]] = {k: [] for k in frontier}
            seen: dict[str, set[str]] = {k: set() for k in frontier}
            while any(v is not None for v in frontier.values()):
                wanted = [str(v) for v in frontier.values() if v is not None]
                found = self._fetch_family(family, wanted)
                next_frontier: dict[str, Any] = {}
                for owner_id, parent in frontier.items():
                    if parent is None or str(parent) in seen[owner_id]:
                        continue
                    seen[owner_id].add(str(parent))
                    record = found.get(str(parent))
                    if record is None:
                        continue
                    chains[owner_id].append(record)
                    next_frontier[owner_id] = record.columns.get(PARENT_COLUMN)
                frontier = next_frontier
            for owner_id, chain in chains.items():
                result[owner_id] = [r for r in reversed(chain) if r.type_id in allowed]
            return result
        table = quote(self.layout.table(family).name)
        cols, names = self._select(family)
        parent = column("t", PARENT_COLUMN)
        for owner in owners:
            level = [owner.key[0]]
            visited: set[str] = set(level)
            collected: list[Record] = []
            while level:
                next_level: list[str] = []
                for start in range(0, len(level), CHUNK):
                    params: list[Any] = []
                    marks = placeholders(level[start : start + CHUNK], positional(params))
                    rows = self._run(
                        f"SELECT {cols} FROM {table} AS t WHERE {parent} IN ({marks})", params
                    )
                    for row in sorted(rows, key=lambda r: int(r[0])):
                        record = self.from_row(row, names)
                        if record.key[0] in visited:
                            continue
                        visited.add(record.key[0])
                        next_level.append(record.key[0])
                        if record.type_id in allowed:
                            collected.append(record)
                level = next_level
            result[owner.key[0]] = collected
        return result

    def _link_parent(self, record: Record) -> tuple[str, str] | None:
        """(type, key) of the entity one step up ``record``'s ``link``, or None at the top."""
        ref = self.layout.reference(record.type_id, LINK_PARENTS.get(record.type_id, "parent"))
        if ref is None:
            if PARENT_COLUMN not in self.layout.table(record.type_id).columns:
                return None
            value = record.columns.get(PARENT_COLUMN)
            target = self.layout.table(record.type_id).root
        else:
            value = record.columns.get(ref.column)
            target = ref.target
        return None if value is None else (target, str(value))

    def _links(self, records: Sequence[Record]) -> None:
        """``link``: ``[{"id", "name", "type"}, ...]`` from the project down to the entity
        itself, one batched statement per level and type: contexts walk their parents, an
        asset its context. A version's chain is its asset's context chain, then the version
        itself (named ``<asset> v<version>``); the asset is not an element, as in ftrack."""
        chains: dict[int, list[Record]] = {id(r): [r] for r in records}
        frontier: dict[int, tuple[str, str] | None] = {id(r): self._link_parent(r) for r in records}
        for _ in range(64):  # deeper than any real hierarchy; also ends cycles
            wanted: dict[str, list[str]] = {}
            for step in frontier.values():
                if step is not None:
                    wanted.setdefault(self.layout.table(step[0]).root, []).append(step[1])
            if not wanted:
                break
            found = {root: self.fetch(root, keys) for root, keys in wanted.items()}
            next_frontier: dict[int, tuple[str, str] | None] = {}
            for ident, step in frontier.items():
                if step is None:
                    continue
                record = found[self.layout.table(step[0]).root].get(step[1])
                if record is not None:
                    chains[ident].append(record)
                    next_frontier[ident] = self._link_parent(record)
            frontier = next_frontier
        for record in records:
            chain = chains[id(record)]
            names = [_link_name(item) for item in chain]
            if len(chain) > 1 and LINK_PARENTS.get(chain[0].type_id) is not None:
                # ftrack leaves the version's asset out of the chain and names the version
                # after it ("plate v3"); the chain goes on from the asset's parent.
                names[0] = f"{names[1]} {names[0]}"
                del chain[1], names[1]
            record.computed[LINK] = [
                {"id": item.key[0], "name": name, "type": item.type_id}
                for item, name in zip(reversed(chain), reversed(names), strict=True)
            ]

    def _thumbnails(self, records: Sequence[Record]) -> None:
        """``thumbnail_url``: ``{"url": ...}`` of the thumbnail component, else null."""
        for record in records:
            component = record.columns.get(THUMBNAIL_ID)
            url = None
            if component is not None and self.thumbnail_url is not None:
                url = {"url": self.thumbnail_url(str(component))}
            record.fields[THUMBNAIL_URL] = None
            record.computed[THUMBNAIL_URL] = url

    def _fetch_family(self, type_id: str, keys: Sequence[str]) -> dict[str, Record]:
        root = self.layout.table(type_id).root
        return self.fetch(root, keys)
