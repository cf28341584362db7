"""Opening a workspace for a `ftorm.server.handlers.Server`: an existing one read-only, or
one made ready to serve (its tables created or completed, the built-in rows seeded once).

Opening changes no row of a workspace that was seeded already, a clone's or a fixture's
included: the API user is added by the first write that needs it (`ensure_user`) when the
workspace holds no user of that name, so a workspace read stays exactly what was loaded.

The tables themselves are `ftorm.server.bulk.create_tables`, shared with the workspaces a
clone or a fixture load writes.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from ftorm.errors import ServerError, StorageError
from ftorm.server.bulk import (
    META_TABLE,
    PRISTINE_KEY,
    SEEDED_KEY,
    create_tables,
    get_meta,
    set_meta,
)
from ftorm.server.seed import seed_entities
from ftorm.server.storage import ID_COLUMN, Layout, connect, quote
from ftorm.server.writes import Writer

__all__ = ["ensure_user", "find_user", "open_read_only", "prepare"]

logger: logging.Logger = logging.getLogger(__name__)


def open_read_only(database: str, layout: Layout) -> sqlite3.Connection:
    """An existing workspace of ``layout``'s schema, opened read-only; `StorageError` for
    anything else."""
    if database == ":memory:" or not Path(database).is_file():
        msg = f"{database} does not exist: a read-only workspace must be an existing file"
        raise StorageError(msg)
    conn = connect(database, read_only=True)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    missing = [t.name for t in layout.tables.values() if t.name not in tables]
    if META_TABLE not in tables:
        conn.close()
        msg = f"{database} is not an ftorm workspace (it has no {META_TABLE} table)"
        raise StorageError(msg)
    if missing:
        conn.close()
        msg = f"{database} holds another schema's workspace (no table {missing[0]!r})"
        raise StorageError(msg)
    return conn


def prepare(conn: sqlite3.Connection, layout: Layout, api_user: str) -> str | None:
    """Make the workspace on ``conn`` ready to serve, in one transaction: its tables and, in a
    workspace never seeded, the built-in rows (the API user among them; the workspace is
    then pristine, see `ftorm.server.bulk`). Returns the API user's id (None when the
    workspace holds no such user, or the schema no ``User``)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        create_tables(conn, layout)
        if get_meta(conn, SEEDED_KEY) is None:
            _seed(conn, layout, api_user)
            set_meta(conn, SEEDED_KEY, "1")
            set_meta(conn, PRISTINE_KEY, "1")
        user_id = find_user(conn, layout, api_user)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return user_id


def find_user(conn: sqlite3.Connection, layout: Layout, api_user: str) -> str | None:
    """The id of the user named ``api_user`` (None when there is none, or no ``User``)."""
    if "User" not in layout.schema.types:
        return None
    table = quote(layout.table("User").name)
    row = conn.execute(
        f"SELECT {quote(ID_COLUMN)} FROM {table} WHERE username = ?", (api_user,)
    ).fetchone()
    return None if row is None else str(row[0])


def _seed(conn: sqlite3.Connection, layout: Layout, api_user: str) -> None:
    writer = Writer(layout, conn, None)
    for type_id, data in seed_entities(api_user):
        entity = layout.schema.types.get(type_id)
        if entity is None:
            continue
        if type_id == "User":
            writer.rules.user_id = str(data["id"])
        payload = {k: v for k, v in data.items() if k in entity.properties}
        try:
            writer.create(type_id, payload, None)
        except ServerError as error:  # a schema that cannot hold this seed row
            logger.warning("not seeding %s: %s", type_id, error.content)


def ensure_user(conn: sqlite3.Connection, layout: Layout, api_user: str) -> str | None:
    """The id of the user named ``api_user``, created (inside the caller's transaction) when
    the workspace holds none; None when the schema has no ``User``."""
    if "User" not in layout.schema.types:
        return None
    found = find_user(conn, layout, api_user)
    if found is not None:
        return found
    writer = Writer(layout, conn, None)
    _, key = writer.create(
        "User", {"username": api_user, "is_active": True, "resource_type": "user"}, None
    )
    return key[0]
