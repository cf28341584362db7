"""One batch, one SQLite transaction: ``BEGIN``, the work, ``COMMIT``; any failure rolled back
and answered as one error object, never raised.

A failed ``COMMIT`` (a full disk) must not leave the connection inside a transaction that
every later batch would trip over: `run` always ends the transaction it began, through the
``end`` it is given (`roll_back`, then whatever the connection's owner does with a
connection that is still stuck).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from ftorm._typing import JSON, JSONObject
from ftorm.errors import DiskFullError, FtormError, ServerError, ValidationError

__all__ = ["MAX_ERROR", "idle", "is_full", "roll_back", "run", "storage_error"]

logger: logging.Logger = logging.getLogger("ftorm.server.handlers")

MAX_ERROR = 4000
"""The longest error message the server answers, in characters: messages quote excerpts of
the input, and this bounds whatever they add up to."""

_FULL = "database or disk is full"
"""SQLite's message for ``SQLITE_FULL`` (Python 3.10's errors carry no code)."""


def is_full(error: sqlite3.Error) -> bool:
    """True when ``error`` is SQLite's ``SQLITE_FULL``: the disk, or ``max_page_count``."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == sqlite3.SQLITE_FULL
    return _FULL in str(error)


def storage_error(error: sqlite3.Error, what: str) -> ServerError:
    """The error answered for a failure of the database: `DiskFullError` when it is full."""
    if is_full(error):
        return DiskFullError(
            "the server's disk is full: nothing of this batch was stored; send it again once "
            f"there is room ({error})"
        )
    return ServerError(f"{what}: {type(error).__name__}: {error}")


def idle(conn: sqlite3.Connection) -> bool:
    """True when ``conn`` is open and in no transaction."""
    try:
        return not conn.in_transaction
    except sqlite3.ProgrammingError:  # closed
        return False


def roll_back(conn: sqlite3.Connection) -> bool:
    """Roll back whatever transaction ``conn`` is in; True when it is idle afterwards (False:
    the connection is stuck, and its owner closes or reopens it)."""
    if idle(conn):
        return True
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error as error:
        logger.warning("rollback failed: %s", error)
    return idle(conn)


def _bounded(payload: JSONObject) -> JSONObject:
    content = payload.get("content")
    if isinstance(content, str) and len(content) > MAX_ERROR:
        payload["content"] = f"{content[:MAX_ERROR]}... ({len(content) - MAX_ERROR:,} more)"
    return payload


def run(
    conn: sqlite3.Connection,
    begin: str,
    work: Callable[[], list[JSON]],
    end: Callable[[sqlite3.Connection], None],
) -> list[JSON] | JSONObject:
    """``begin``, ``work()``, ``COMMIT`` on ``conn``: the work's results, or one error object
    (``end(conn)`` called first, so the transaction is over whatever failed)."""
    try:
        conn.execute(begin)
    except sqlite3.Error as error:
        end(conn)
        return storage_error(error, "the database is not available").to_payload()
    try:
        results = work()
        conn.execute("COMMIT")
    except ServerError as error:
        end(conn)
        return _bounded(error.to_payload())
    except FtormError as error:
        end(conn)
        return _bounded(ValidationError(str(error)).to_payload())
    except sqlite3.Error as error:
        end(conn)
        if not is_full(error):
            logger.exception("database error")
        return storage_error(error, "internal error").to_payload()
    except Exception as error:  # a bug must still answer, not crash the request
        end(conn)
        logger.exception("internal error")
        return ServerError(
            f"internal error: {type(error).__name__}: {error}", exception="ServerError"
        ).to_payload()
    return results
