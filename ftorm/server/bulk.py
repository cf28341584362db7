"""Rows straight into a workspace: the bulk writer behind ``ftorm clone`` and ``ftorm load``.

The server's `Writer` checks every write and derives what ftrack derives; a copy must do
neither: its rows already carry every value (ids, dates, derived fields), exactly as the
source holds them. `RowWriter` stores such rows as they are, in large transactions, by
concrete type: columns absent from a row keep their stored value, and a row whose primary key
is already stored is updated in place (so writing a copy again changes nothing).

A workspace also records, in its ``ftorm_meta`` table:

- ``schema``: the schema's documents (ftrack's ``query_schemas`` answer) when the workspace
  was made from a schema other than ftorm's standard one, so that opening it again (``ftorm
  serve --db FILE``, `Session.local`) serves the same types (`recorded_schema`);
- ``incomplete``: set while a clone is under way, removed when it completes; a server
  refuses such a workspace (`incomplete_reason`);
- ``seeded``: a workspace made here is never seeded with a fresh workspace's statuses,
  types and users: it holds its source's;
- ``pristine``: set when a workspace is seeded, removed by its first change: the workspace
  holds the seed and nothing else, so a fixture loaded into it replaces the seed
  (`ftorm.server.fixtures`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from ftorm._typing import JSONObject
from ftorm.errors import StorageError
from ftorm.schema.load import load_schema
from ftorm.schema.types import Schema
from ftorm.server.fragments import insert, insert_row
from ftorm.server.storage import TYPE_COLUMN, Layout, connect, quote

__all__ = [
    "INCOMPLETE_KEY",
    "META_TABLE",
    "PRISTINE_KEY",
    "SCHEMA_KEY",
    "SEEDED_KEY",
    "RowWriter",
    "create_tables",
    "create_workspace",
    "get_meta",
    "incomplete_reason",
    "read_meta",
    "recorded_schema",
    "set_meta",
    "stored_rows",
]

META_TABLE: Final = "ftorm_meta"
"""The table of a workspace's own facts (key, value)."""

SCHEMA_KEY: Final = "schema"
INCOMPLETE_KEY: Final = "incomplete"
SEEDED_KEY: Final = "seeded"
PRISTINE_KEY: Final = "pristine"


def read_meta(database: str, key: str) -> str | None:
    """The value of ``key`` in the ``ftorm_meta`` table of the workspace file ``database``
    (None for a missing file, table or key, and for an in-memory database)."""
    if database == ":memory:" or not Path(database).is_file():
        return None
    try:
        conn = connect(database, read_only=True)
    except sqlite3.Error:
        return None
    try:
        return get_meta(conn, key)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def get_meta(connection: sqlite3.Connection, key: str) -> str | None:
    """The value of ``key`` in ``ftorm_meta`` (None when absent)."""
    row = connection.execute(f"SELECT value FROM {META_TABLE} WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(connection: sqlite3.Connection, key: str, value: str | None) -> None:
    """Set (or, with None, remove) ``key`` in ``ftorm_meta``."""
    if value is None:
        connection.execute(f"DELETE FROM {META_TABLE} WHERE key = ?", (key,))
    else:
        connection.execute(
            f"INSERT OR REPLACE INTO {META_TABLE} (key, value) VALUES (?, ?)", (key, value)
        )


def recorded_schema(database: str) -> Schema | None:
    """The schema recorded in the workspace file ``database``, or None when it records none
    (a workspace of ftorm's standard schema, or no workspace at all)."""
    text = read_meta(database, SCHEMA_KEY)
    if text is None:
        return None
    try:
        return load_schema(json.loads(text))
    except ValueError as error:
        msg = f"{database}: the schema recorded in the workspace cannot be read: {error}"
        raise StorageError(msg) from None


def incomplete_reason(database: str) -> str | None:
    """Why the workspace file ``database`` cannot be served yet (a clone that has not
    completed), or None when it can."""
    note = read_meta(database, INCOMPLETE_KEY)
    if note is None:
        return None
    return (
        f"{database} holds an interrupted clone ({note}); complete it with "
        f"`ftorm clone --resume --db {database}` before serving it"
    )


def create_tables(conn: sqlite3.Connection, layout: Layout) -> None:
    """Create the workspace's tables that are missing (``ftorm_meta`` and the layout's), and
    the columns missing from existing ones (a schema that gained attributes)."""
    conn.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
    for statement in layout.ddl():
        conn.execute(statement)
    for table in layout.tables.values():
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({quote(table.name)})")}
        for column in table.columns:
            if column not in present:
                conn.execute(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column)}")


def create_workspace(
    database: str, schema: Schema, documents: Sequence[JSONObject] | None = None
) -> sqlite3.Connection:
    """Open (creating if needed) a workspace for ``schema`` that is never seeded; records
    ``documents`` (the schema's ``query_schemas`` answer) when given."""
    try:
        conn = connect(database)
        conn.execute("BEGIN IMMEDIATE")
        create_tables(conn, Layout(schema))
        set_meta(conn, SEEDED_KEY, "1")
        if documents is not None:
            set_meta(conn, SCHEMA_KEY, json.dumps(list(documents), sort_keys=True))
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        msg = f"cannot use the database {database!r}: {error}"
        raise StorageError(msg) from None
    return conn


class RowWriter:
    """Stores rows of a layout's types as they are (see the module docstring).

    Use as a context manager for one transaction, or call `begin` / `commit` yourself.
    """

    def __init__(self, layout: Layout, connection: sqlite3.Connection) -> None:
        self.layout: Layout = layout
        """Where the types live."""
        self.connection: sqlite3.Connection = connection
        """The connection written through."""
        self.written: int = 0
        """Rows stored so far."""
        self._statements: dict[tuple[str, str, tuple[str, ...]], str] = {}

    def __enter__(self) -> RowWriter:
        self.begin()
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.connection.execute("ROLLBACK")

    def begin(self) -> None:
        """Start a transaction."""
        self.connection.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit the transaction."""
        self.connection.execute("COMMIT")

    def put(self, type_id: str, columns: Mapping[str, Any]) -> None:
        """Store one row of concrete type ``type_id``: ``columns`` are stored columns (storage
        form) and hold the primary key; a stored row with that key is updated."""
        self.put_many(type_id, [columns])

    def put_many(self, type_id: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """`put` for many rows of one concrete type."""
        table = self.layout.table(type_id)
        allowed = set(table.columns)
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        for row in rows:
            names = tuple(sorted(n for n in row if n in allowed))
            groups.setdefault(names, []).append([type_id, *(row[n] for n in names)])
        for names, values in groups.items():
            self.connection.executemany(self._statement(type_id, "row", names), values)
            self.written += len(values)

    def link(self, table: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Store (owner, member) pairs of a hidden link table (pairs already stored stay)."""
        owner, member = self.layout.link_tables[table]
        self.connection.executemany(insert(table, (owner, member), or_ignore=True), list(pairs))

    def _statement(self, type_id: str, kind: str, names: tuple[str, ...]) -> str:
        table = self.layout.table(type_id)
        found = self._statements.get((table.name, kind, names))
        if found is not None:
            return found
        pk = [c for c in table.primary_key if c in table.columns]
        statement = insert_row(table.name, names)
        if pk and set(pk) <= set(names):
            updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in (TYPE_COLUMN, *names))
            statement += f" ON CONFLICT ({', '.join(quote(c) for c in pk)}) DO UPDATE SET {updates}"
        self._statements[(table.name, kind, names)] = statement
        return statement


def stored_rows(
    layout: Layout, connection: sqlite3.Connection, root: str
) -> Iterable[tuple[str, dict[str, Any]]]:
    """(concrete type, non-null stored columns) of every row of the table of type family
    ``root``, in storage order."""
    table = layout.tables[root]
    names = table.columns
    cursor = connection.execute(
        f"SELECT {quote(TYPE_COLUMN)}, {', '.join(quote(c) for c in names)} "
        f"FROM {quote(table.name)} ORDER BY rowid"
    )
    for row in cursor:
        yield str(row[0]), {n: v for n, v in zip(names, row[1:], strict=True) if v is not None}
