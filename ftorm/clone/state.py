"""What a clone has copied so far, kept in the workspace itself so that ``--resume`` can
carry on: the ids of the rows copied (read back from the tables) and, in the table
``ftorm_clone_done``, which owners each rule has been run for, which rows came only because
they are referenced, and which rows have their subtype's attributes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ftorm.server.storage import TYPE_COLUMN, Layout, quote

__all__ = ["DONE_TABLE", "REF", "State"]

DONE_TABLE = "ftorm_clone_done"
REF = "~ref"
"""The rule name marking a row copied only because something references it."""


class State:
    """Copied ids by concrete type and family, and the owners each rule is done with."""

    def __init__(self, layout: Layout, connection: sqlite3.Connection) -> None:
        self.layout: Layout = layout
        self.connection: sqlite3.Connection = connection
        self.by_type: dict[str, set[str]] = {}
        self.by_family: dict[str, set[str]] = {}
        self.done: dict[str, set[str]] = {}
        self.refs: set[str] = set()
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {DONE_TABLE} "
            "(rule TEXT NOT NULL, owner TEXT NOT NULL, PRIMARY KEY (rule, owner))"
        )

    def load(self) -> None:
        """Read what an interrupted clone had copied."""
        for root, table in self.layout.tables.items():
            if table.primary_key != ("id",) or "id" not in table.columns:
                continue
            for type_id, key in self.connection.execute(
                f"SELECT {quote(TYPE_COLUMN)}, id FROM {quote(table.name)}"
            ):
                self.add(root, str(type_id), str(key))
        for rule, owner in self.connection.execute(f"SELECT rule, owner FROM {DONE_TABLE}"):
            if rule == REF:
                self.refs.add(owner)
            else:
                self.done.setdefault(rule, set()).add(owner)

    def add(self, root: str, type_id: str, key: str) -> None:
        """Note a copied row."""
        self.by_type.setdefault(type_id, set()).add(key)
        self.by_family.setdefault(root, set()).add(key)

    def known(self, root: str, key: str) -> bool:
        """Whether a row of family ``root`` with id ``key`` is copied."""
        return key in self.by_family.get(root, ())

    def mark(self, rule: str, owners: Iterable[str]) -> None:
        """Record ``rule`` as done for ``owners`` (inside the writer's transaction)."""
        owners = list(owners)
        self.done.setdefault(rule, set()).update(owners)
        self.connection.executemany(
            f"INSERT OR IGNORE INTO {DONE_TABLE} (rule, owner) VALUES (?, ?)",
            [(rule, o) for o in owners],
        )

    def mark_refs(self, keys: Iterable[str], *, add: bool) -> None:
        """Record rows as copied only because referenced (``add``), or as beneath after all."""
        keys = list(keys)
        if add:
            new = [k for k in keys if k not in self.refs]
            self.refs.update(new)
            self.connection.executemany(
                f"INSERT OR IGNORE INTO {DONE_TABLE} (rule, owner) VALUES (?, ?)",
                [(REF, k) for k in new],
            )
        else:
            gone = [k for k in keys if k in self.refs]
            self.refs.difference_update(gone)
            self.connection.executemany(
                f"DELETE FROM {DONE_TABLE} WHERE rule = ? AND owner = ?", [(REF, k) for k in gone]
            )

    def drop(self) -> None:
        """Forget the record (the clone is complete)."""
        self.connection.execute(f"DROP TABLE IF EXISTS {DONE_TABLE}")
