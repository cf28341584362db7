"""Data fixtures: a workspace's rows as a JSON document, and back (``ftorm dump`` / ``load``).

A fixture is ``{"ftorm_fixture": 1, "schema_hash": ..., "complete": bool, "entities": [...],
"links": [...]}``. Each entity is an object with ``__entity_type__`` (its concrete type) and
its stored attributes that have a value, in storage form except that booleans are JSON
booleans and ``variable``/``object`` values are JSON values: strings, numbers, datetimes as
UTC ``YYYY-MM-DDTHH:MM:SS[.ffffff]`` text, key columns as the key they hold (a reference
stored in a hidden column keeps the column's name, ``__ref_<name>``). ``links`` are the pairs
of the many-to-many collections stored in link tables, as ``[type, collection, owner id,
member id]``. Entities are sorted by type and key, attributes by name: the text of a dump
depends only on the data, so fixtures diff well under version control.

Loading checks the whole fixture before anything is kept, with the rules of a create: every
value with `ftorm.server.values.from_wire` (types, dates, 64-bit integers, valid text,
enumerations), every row's references with `ftorm.server.integrity.check_references` (to
rows that exist, in the fixture or the workspace), every link's two ends, and custom
attribute values with `ftorm.server.custom.writes.check_value_write`. The first fault is a
`FixtureError` naming the fixture, the entity, the attribute and the fault, and the
workspace is left as it was (one transaction). Rows are stored as they are
(`ftorm.server.bulk.RowWriter`): nothing is derived, a required value a create would fill
in included.

A pristine workspace (seeded, never changed: `ftorm.server.bulk`) is emptied first, so it
ends up holding exactly the fixture and dumping it again gives the same text. Into any other
workspace, a row whose key the workspace already holds with the same values is left alone,
one with other values is a `FixtureError` unless ``replace``; loading the same fixture twice
is a `FixtureError` unless ``replace`` (the workspace remembers each fixture's digest). A
type or attribute the workspace does not store is a `FixtureError` naming the first one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from typing import Any, Final

from ftorm._typing import JSONObject
from ftorm.errors import FixtureError, ValidationError, excerpt
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.schema.custom.rules import is_custom_attribute_value
from ftorm.schema.types import Kind, Property
from ftorm.server.answers import answer_text
from ftorm.server.bulk import PRISTINE_KEY, RowWriter, get_meta, set_meta, stored_rows
from ftorm.server.custom.writes import check_value_write
from ftorm.server.integrity import check_references
from ftorm.server.rows import StoredRow, find
from ftorm.server.storage import TYPE_COLUMN, Layout, quote
from ftorm.server.values import JSON_TYPES, from_wire

__all__ = ["FORMAT", "dump", "load", "render"]

FORMAT: Final = 1
"""The fixture format's version (the ``ftorm_fixture`` member)."""

ATTACHED_KEYS: Final = ("entity_id", "parent_id")
"""A type whose primary key holds one of these columns is attached to the entity it names
(custom attribute values, metadata): a dump of selected entities brings their attached rows."""


def _prop(layout: Layout, type_id: str, name: str) -> Property | None:
    return layout.schema.types[type_id].properties.get(name)


def _to_fixture(prop: Property | None, value: Any) -> Any:
    if prop is None or value is None:
        return value
    if prop.type == "boolean" and prop.kind is Kind.SCALAR:
        return bool(value)
    if prop.type in JSON_TYPES and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _link_names(layout: Layout) -> dict[str, tuple[str, str]]:
    """Hidden link table -> (owner type, collection) naming it in fixtures."""
    found: dict[str, tuple[str, str]] = {}
    for (owner, name), coll in sorted(layout.collections.items()):
        table = coll.link_table
        if coll.mode == "link" and table in layout.link_tables and table not in found:
            found[table] = (owner, name)
    return found


def _sort_key(layout: Layout, entity: JSONObject) -> tuple[str, tuple[str, ...]]:
    type_id = str(entity[ENTITY_TYPE])
    pk = layout.schema.types[type_id].primary_key
    return type_id, tuple(str(entity.get(k)) for k in pk)


def dump(layout: Layout, connection: sqlite3.Connection, queries: Sequence[str] = ()) -> JSONObject:
    """The fixture of a workspace: every row, or (with ``queries``, ftrack query text) the
    entities the queries answer, what they reference (transitively) and their attached rows
    (custom attribute values, metadata)."""
    rows: dict[tuple[str, tuple[str, ...]], tuple[str, dict[str, Any]]] = {}
    for root in layout.tables:
        for type_id, columns in stored_rows(layout, connection, root):
            pk = layout.schema.types[type_id].primary_key
            rows[(root, tuple(str(columns.get(k)) for k in pk))] = (type_id, columns)
    if queries:
        rows = _selected(layout, connection, rows, queries)
    entities = []
    for type_id, columns in rows.values():
        entity: JSONObject = {ENTITY_TYPE: type_id}
        for name in sorted(columns):
            entity[name] = _to_fixture(_prop(layout, type_id, name), columns[name])
        entities.append(entity)
    entities.sort(key=lambda e: _sort_key(layout, e))
    ids = {key[0] for _, key in rows} if queries else None
    links: list[list[str]] = []
    for table, (owner, name) in _link_names(layout).items():
        owner_col, member_col = layout.link_tables[table]
        for a, b in connection.execute(
            f"SELECT {quote(owner_col)}, {quote(member_col)} FROM {quote(table)}"
        ):
            if ids is None or (a in ids and b in ids):
                links.append([owner, name, str(a), str(b)])
    links.sort()
    return {
        "ftorm_fixture": FORMAT,
        "schema_hash": layout.schema.hash,
        "complete": not queries,
        "entities": entities,
        "links": links,
    }


def _selected(
    layout: Layout,
    connection: sqlite3.Connection,
    rows: dict[tuple[str, tuple[str, ...]], tuple[str, dict[str, Any]]],
    queries: Sequence[str],
) -> dict[tuple[str, tuple[str, ...]], tuple[str, dict[str, Any]]]:
    schema = layout.schema
    todo: list[tuple[str, tuple[str, ...]]] = []
    for text in queries:
        for entity in answer_text(layout, connection, text, True)["data"]:
            type_id = str(entity[ENTITY_TYPE])
            key = tuple(str(entity[k]) for k in schema.types[type_id].primary_key)
            todo.append((layout.table(type_id).root, key))
    chosen: dict[tuple[str, tuple[str, ...]], tuple[str, dict[str, Any]]] = {}
    by_id = {key[0]: root for root, key in rows if len(key) == 1}
    attached: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for root, key in rows:
        table = layout.tables[root]
        for column in ATTACHED_KEYS:
            if column in table.primary_key:
                owner = rows[(root, key)][1].get(column)
                attached.setdefault(str(owner), []).append((root, key))
    while todo:
        found = todo.pop()
        if found in chosen or found not in rows:
            continue
        type_id, columns = rows[found]
        chosen[found] = (type_id, columns)
        for column in layout.foreign_keys(type_id):
            value = columns.get(column)
            if value is not None and str(value) in by_id:
                todo.append((by_id[str(value)], (str(value),)))
        if len(found[1]) == 1:
            todo.extend(attached.get(found[1][0], ()))
    return dict(sorted(chosen.items()))


def render(fixture: JSONObject) -> str:
    """A fixture's text: one attribute a line, keys sorted, a newline at the end."""
    return json.dumps(fixture, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _digest(fixture: JSONObject) -> str:
    body = {"entities": fixture.get("entities"), "links": fixture.get("links")}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


_HIDDEN_KEY: Final = Property(name="key", kind=Kind.SCALAR, type="string", format="foreign_key")
"""How a hidden key column (``__ref_<name>``) is read: the key it holds."""

_Row = tuple[str, dict[str, Any]]
"""A fixture's entity as (concrete type, stored columns in storage form)."""


def _fault(name: str, error: ValidationError) -> FixtureError:
    return FixtureError(f"{name}: {error.content}")


def _is_format(value: Any) -> bool:
    return type(value) is int and value == FORMAT


def _entity(layout: Layout, entity: Any, name: str) -> _Row:
    """One entity of a fixture checked (type, attributes, values) and in storage form."""
    type_id = entity.get(ENTITY_TYPE) if isinstance(entity, dict) else None
    types = layout.schema.types
    if not isinstance(type_id, str) or type_id not in types:
        msg = f"{name}: the workspace's schema has no type {excerpt(type_id)}"
        raise FixtureError(msg)
    assert isinstance(entity, dict)
    table = layout.table(type_id)
    stored = layout.stored_names(type_id)
    props = types[type_id].properties
    primary_key = types[type_id].primary_key
    label = f"{type_id} {', '.join(excerpt(entity.get(k)) for k in primary_key)}"
    columns: dict[str, Any] = {}
    for attribute, value in entity.items():
        if attribute == ENTITY_TYPE:
            continue
        hidden = attribute.startswith("__ref_") and attribute in table.columns
        if attribute not in stored and not hidden:
            msg = (
                f"{name}: the workspace's schema does not store "
                f"{type_id}.{excerpt(attribute)[1:-1]}"
            )
            raise FixtureError(msg)
        prop = _HIDDEN_KEY if hidden else props[attribute]
        try:
            columns[attribute] = from_wire(prop, value, f"{label}, attribute {attribute!r}")
        except ValidationError as error:
            raise _fault(name, error) from None
    if any(columns.get(k) is None for k in primary_key):
        msg = f"{name}: a {type_id} without its key {list(primary_key)}"
        raise FixtureError(msg)
    return type_id, columns


def _check(layout: Layout, fixture: Any, name: str) -> tuple[list[_Row], list[tuple[str, ...]]]:
    """The rows and links of a fixture, each checked on its own (`FixtureError`)."""
    if not isinstance(fixture, dict) or not _is_format(fixture.get("ftorm_fixture")):
        msg = f"{name} is not an ftorm data fixture (format {FORMAT})"
        raise FixtureError(msg)
    entities, links = fixture.get("entities"), fixture.get("links", [])
    if not isinstance(entities, list) or not isinstance(links, list):
        msg = f"{name}: 'entities' and 'links' must be lists"
        raise FixtureError(msg)
    rows: list[_Row] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for entity in entities:
        type_id, columns = _entity(layout, entity, name)
        pk = layout.schema.types[type_id].primary_key
        ident = (layout.table(type_id).root, tuple(str(columns[k]) for k in pk))
        if ident in seen:
            msg = f"{name}: {type_id} {excerpt(list(ident[1]))} is in the fixture twice"
            raise FixtureError(msg)
        seen.add(ident)
        rows.append((type_id, columns))
    known = {(o, n) for o, n in _link_names(layout).values()}
    pairs: list[tuple[str, ...]] = []
    for link in links:
        if not (
            isinstance(link, list)
            and len(link) == 4
            and all(isinstance(part, str) for part in link[:2])  # (a dict cannot be looked up)
            and tuple(link[:2]) in known
        ):
            head = link[:2] if isinstance(link, list) else link
            msg = f"{name}: the workspace's schema has no link collection {excerpt(head)}"
            raise FixtureError(msg)
        if not all(isinstance(part, str) and part for part in link[2:]):
            msg = f"{name}: the link {excerpt(link)} must name its owner and member by id"
            raise FixtureError(msg)
        pairs.append(tuple(link))
    return rows, pairs


def load(
    layout: Layout,
    connection: sqlite3.Connection,
    fixture: Any,
    *,
    replace: bool = False,
    name: str = "fixture",
) -> int:
    """Store a fixture's rows in the workspace in one transaction; the number of rows
    written. `FixtureError` (naming the fixture ``name``) as the module docstring says."""
    rows, links = _check(layout, fixture, name)
    digest_key = f"fixture:{_digest(fixture)}"
    writer = RowWriter(layout, connection)
    link_tables = {v: k for k, v in _link_names(layout).items()}
    with writer:
        if get_meta(connection, PRISTINE_KEY) is not None:
            _empty(layout, connection)
        elif get_meta(connection, digest_key) is not None and not replace:
            msg = f"{name} is loaded in this workspace already (load it with replace to reload)"
            raise FixtureError(msg)
        written: list[_Row] = []
        for type_id, columns in rows:
            if _clashes(layout, connection, type_id, columns, replace, name):
                continue
            writer.put(type_id, columns)
            written.append((type_id, columns))
        for owner, collection, a, b in links:
            table = link_tables[(owner, collection)]
            _check_link(layout, connection, owner, collection, a, b, name)
            writer.link(table, [(a, b)])
        for type_id, columns in written:
            _check_row(layout, connection, type_id, columns, name)
        set_meta(connection, digest_key, name)
    return writer.written


def _empty(layout: Layout, connection: sqlite3.Connection) -> None:
    """Remove every row of a pristine workspace (its seed) and its pristine mark."""
    for table in layout.tables.values():
        connection.execute(f"DELETE FROM {quote(table.name)}")
    for table_name in layout.link_tables:
        connection.execute(f"DELETE FROM {quote(table_name)}")
    set_meta(connection, PRISTINE_KEY, None)


def _check_row(
    layout: Layout, connection: sqlite3.Connection, type_id: str, columns: dict[str, Any], name: str
) -> None:
    """A stored fixture row checked as a created one is when its batch ends: its references
    (not its completeness: a fixture's rows are stored as they are, nothing derived)."""
    row = StoredRow(0, type_id, columns)  # stored as it is: a new row, or one replaced
    try:
        check_references(layout, connection, row, sorted(columns))
        if is_custom_attribute_value(type_id):
            check_value_write(layout, connection, type_id, dict(columns))
    except ValidationError as error:
        raise _fault(name, error) from None


def _check_link(
    layout: Layout,
    connection: sqlite3.Connection,
    owner: str,
    collection: str,
    a: str,
    b: str,
    name: str,
) -> None:
    """`FixtureError` unless both ends of a link exist."""
    coll = layout.collection(owner, collection)
    assert coll is not None
    for named, key in ((owner, a), (coll.target, b)):
        type_id = layout.table(named).root  # a link table serves the whole family
        if find(layout, connection, type_id, (key,)) is None:
            msg = (
                f"{name}: the link {owner}.{collection} {excerpt([a, b])} names "
                f"{type_id} {excerpt(key)}, which does not exist"
            )
            raise FixtureError(msg)


def _clashes(
    layout: Layout,
    connection: sqlite3.Connection,
    type_id: str,
    columns: dict[str, Any],
    replace: bool,
    name: str,
) -> bool:
    """True when the row is stored already with these values (nothing to write); with other
    values, deletes it under ``replace`` (then False), else `FixtureError`."""
    table = layout.table(type_id)
    pk = [c for c in table.primary_key if c in table.columns]
    if not pk:
        return False
    where = " AND ".join(f"{quote(c)} = ?" for c in pk)
    names = (TYPE_COLUMN, *table.columns)
    row = connection.execute(
        f"SELECT rowid, {', '.join(quote(c) for c in names)} FROM {quote(table.name)} "
        f"WHERE {where}",
        [columns[c] for c in pk],
    ).fetchone()
    if row is None:
        return False
    stored = {n: v for n, v in zip(names, row[1:], strict=True) if v is not None}
    if stored == {TYPE_COLUMN: type_id, **{k: v for k, v in columns.items() if v is not None}}:
        return True
    if not replace:
        key = [columns[c] for c in pk]
        msg = f"{name}: the workspace holds {type_id} {key} already, with other values"
        raise FixtureError(msg)
    connection.execute(f"DELETE FROM {quote(table.name)} WHERE rowid = ?", (row[0],))
    return False
