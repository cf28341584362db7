"""A full disk is a clear error, loses nothing acknowledged, and the server writes again by
itself once there is room.

The full disk is simulated deterministically: SQLite's ``max_page_count`` caps the database
file (SQLite answers ``SQLITE_FULL``, as for a full disk), and a connection that fails its
``COMMIT`` with ``SQLITE_FULL`` stands for a disk that fills while the write-ahead log is
written.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ftorm.errors import DiskFullError, server_error_from_payload
from ftorm.server.handlers import Server
from tests.fuzz.test_fuzz_server import snapshot
from tests.server.server_helpers import query


def _notes(prefix: str, count: int, size: int = 2000) -> list[dict[str, Any]]:
    return [
        {
            "action": "create",
            "entity_type": "Note",
            "entity_data": {"content": f"{prefix}-{number}-" + "x" * size},
        }
        for number in range(count)
    ]


def _stored(server: Server) -> set[str]:
    def call(*operations: dict[str, Any]) -> list[Any]:
        result = server.handle(list(operations))
        assert isinstance(result, list), result
        return result

    return {row["content"].split("-x")[0] for row in query(call, "select content from Note")}


def _names(batch: list[dict[str, Any]]) -> set[str]:
    return {op["entity_data"]["content"].split("-x")[0] for op in batch}


def _fill(server: Server) -> None:
    """Cap the database at its current size: the next pages it needs are refused."""
    pages = server.connection.execute("PRAGMA page_count").fetchone()[0]
    server.connection.execute(f"PRAGMA max_page_count = {pages}")


def _make_room(server: Server) -> None:
    server.connection.execute("PRAGMA max_page_count = 1073741823")


def test_a_full_database_answers_disk_full_and_recovers(filed: tuple[Server, Path]) -> None:
    server, path = filed
    first = _notes("before", 5)
    assert isinstance(server.handle(first), list)
    _fill(server)
    before = snapshot(path)
    for attempt in range(3):
        answer = server.handle(_notes(f"full{attempt}", 50))
        assert isinstance(answer, dict)
        assert answer["exception"] == "DiskFullError", answer
        assert "disk is full" in str(answer["content"])
        assert isinstance(server_error_from_payload(answer), DiskFullError)
    assert snapshot(path) == before  # nothing of the refused batches was stored
    _make_room(server)
    acknowledged = _names(first)
    for attempt in range(20):  # every write after the room is made succeeds
        batch = _notes(f"after{attempt}", 3)
        assert isinstance(server.handle(batch), list), attempt
        acknowledged |= _names(batch)
    assert _stored(server) == acknowledged


class _CommitFails:
    """A connection whose next ``failures`` COMMITs fail as on a full disk (SQLite's
    ``SQLITE_FULL``), leaving the transaction open as SQLite does."""

    def __init__(
        self, connection: sqlite3.Connection, failures: int, rollback_fails: bool = False
    ) -> None:
        self._connection = connection
        self.failures = failures
        self.rollback_fails = rollback_fails

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "ROLLBACK" and self.rollback_fails:
            msg = "disk I/O error"
            raise sqlite3.OperationalError(msg)
        if sql == "COMMIT" and self.failures > 0:
            self.failures -= 1
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = sqlite3.SQLITE_FULL
            raise error
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


@pytest.mark.parametrize(("failures", "rollback_fails"), [(3, False), (1, True)])
def test_a_commit_that_fails_on_a_full_disk_leaves_no_transaction_open(
    filed: tuple[Server, Path], failures: int, rollback_fails: bool
) -> None:
    # With ``rollback_fails`` even the ROLLBACK fails: the connection is reopened.
    server, path = filed
    first = _notes("before", 2, size=10)
    assert isinstance(server.handle(first), list)
    before = snapshot(path)
    failing = _CommitFails(server.connection, failures, rollback_fails)
    server.connection = failing  # type: ignore[assignment]
    for attempt in range(failures):
        answer = server.handle(_notes(f"full{attempt}", 4, size=10))
        assert isinstance(answer, dict)
        assert answer["exception"] == "DiskFullError", answer
    assert failing.failures == 0
    now: object = server.connection
    assert (now is not failing) == rollback_fails  # reopened: a new connection, same file
    assert snapshot(path) == before
    acknowledged = _names(first)
    for attempt in range(20):
        batch = _notes(f"after{attempt}", 2, size=10)
        assert isinstance(server.handle(batch), list), attempt
        acknowledged |= _names(batch)
    assert _stored(server) == acknowledged
