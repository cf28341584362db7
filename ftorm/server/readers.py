"""The embedded server's reader pool: read-only connections that answer read-only batches
beside the writer (SQLite's WAL gives each the last committed snapshot).

The pool has its own lock, never the writer's: a reader never waits for a write batch,
however long (held by ``tests/server/test_server_contention.py``).
"""

from __future__ import annotations

import sqlite3
import threading

from ftorm.server.storage import connect
from ftorm.server.transactions import idle

__all__ = ["ReaderPool"]


class ReaderPool:
    """Read-only connections to ``database``, kept open between batches."""

    IDLE = 8
    """Read-only connections kept open between batches."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._lock = threading.Lock()  # never held across a batch
        self._idle: list[sqlite3.Connection] = []
        self._closed = False

    def acquire(self) -> sqlite3.Connection | None:
        """An idle read-only connection, or a new one; None once the pool is closed."""
        with self._lock:
            if self._closed:
                return None
            if self._idle:
                return self._idle.pop()
        reader = connect(self._database)
        reader.execute("PRAGMA query_only=ON")
        return reader

    def release(self, reader: sqlite3.Connection) -> None:
        """Give ``reader`` back: kept when it is idle and the pool has room, else closed (a
        reader stuck in a failed transaction never goes back)."""
        with self._lock:
            usable = idle(reader)
            if usable and not self._closed and len(self._idle) < self.IDLE:
                self._idle.append(reader)
                return
        reader.close()

    def close(self) -> None:
        """Close the idle connections; those in use are closed when released."""
        with self._lock:
            self._closed = True
            idle_readers, self._idle = self._idle, []
        for reader in idle_readers:
            reader.close()
