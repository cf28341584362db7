"""Stored rows read back by key, for the writes and the rules that check and derive them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from ftorm.errors import ValidationError, excerpt
from ftorm.server.fragments import column, placeholders, positional, type_condition
from ftorm.server.storage import Layout, quote

__all__ = ["StoredRow", "find", "members_of", "select_rows"]


class StoredRow:
    """A row as stored: its rowid, concrete type and column values."""

    __slots__ = ("columns", "rowid", "type_id")

    def __init__(self, rowid: int, type_id: str, columns: dict[str, Any]) -> None:
        self.rowid: int = rowid
        """SQLite's rowid of the row."""
        self.type_id: str = type_id
        """The entity's concrete type."""
        self.columns: dict[str, Any] = columns
        """The stored values by column name."""


def select_rows(
    layout: Layout,
    connection: sqlite3.Connection,
    type_id: str,
    where: str,
    params: list[Any],
) -> list[StoredRow]:
    """The rows of ``type_id``'s table (aliased ``t``) matching the condition ``where``
    (positional ``params``)."""
    table = layout.table(type_id)
    rows = connection.execute(
        f"SELECT {layout.column_list(type_id, 't')} FROM {quote(table.name)} AS t WHERE {where}",
        params,
    ).fetchall()
    return [
        StoredRow(int(r[0]), str(r[1]), dict(zip(table.columns, r[2:], strict=True))) for r in rows
    ]


def _stored_key(json_type: str | None, value: object) -> object:
    """A key value as its column stores it: an integer key (``Event.id``) as an integer,
    every other key as text (keys travel as text)."""
    text = str(value)
    if json_type == "integer" and text.lstrip("-").isdigit():
        return int(text)
    return text


def find(
    layout: Layout, connection: sqlite3.Connection, type_id: str, key: Sequence[str]
) -> StoredRow | None:
    """The stored row of ``type_id`` (or a subtype) with primary key ``key``;
    `ValidationError` for an unknown type or a key of the wrong length."""
    entity = layout.schema.types.get(type_id)
    if entity is None:
        msg = f"Unknown entity type {excerpt(type_id)}"
        raise ValidationError(msg)
    if len(key) != len(entity.primary_key):
        msg = (
            f"{type_id} key needs {len(entity.primary_key)} value(s) "
            f"({', '.join(entity.primary_key)}), got {excerpt(list(key))}"
        )
        raise ValidationError(msg)
    params: list[Any] = []
    bind = positional(params)
    conditions = [
        f"{column('t', k)} = {bind(_stored_key(entity.properties[k].type, v))}"
        for k, v in zip(entity.primary_key, key, strict=True)
    ]
    types = type_condition(layout, type_id, "t", bind)
    if types is not None:
        conditions.append(types)
    found = select_rows(layout, connection, type_id, " AND ".join(conditions), params)
    return found[0] if found else None


def members_of(
    layout: Layout, connection: sqlite3.Connection, type_id: str, key: str, owners: Sequence[str]
) -> list[StoredRow]:
    """The rows of ``type_id`` whose column ``key`` holds one of ``owners``."""
    params: list[Any] = []
    marks = placeholders(owners, positional(params))
    return select_rows(layout, connection, type_id, f"{column('t', key)} IN ({marks})", params)
