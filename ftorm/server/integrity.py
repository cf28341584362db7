"""The checks a batch must pass when it ends: required values and referential integrity.

ftrack checks an entity once the batch that writes it is over, not after each operation:
``create Scope {}`` followed by ``update Scope {name: ...}`` in one batch is fine. So the
writes (`ftorm.server.writes`) note what they touch, and `check` runs over every touched
entity that still exists before the transaction commits:

- every required stored attribute has a value;
- a typed context has a parent, and an asset version an asset (`REQUIRED_REFERENCES`);
- every key column written holds the key of an existing row of the reference's target
  (`ftorm.server.storage.Layout.foreign_keys`: the layout's references, not a list per type).

The first failure is a `ValidationError` and the batch rolls back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Final

from ftorm.errors import ValidationError, excerpt
from ftorm.server.rows import StoredRow, find
from ftorm.server.storage import PARENT_COLUMN, Layout

__all__ = ["CONTEXT_BASE", "REQUIRED_REFERENCES", "check", "check_references"]

CONTEXT_BASE: Final = "TypedContext"
"""The base of the types that must have a parent (every context below a project)."""

REQUIRED_REFERENCES: Final[Mapping[str, str]] = {"AssetVersion": "asset_id"}
"""Key columns ftrack refuses to leave empty though the schema does not mark them required
(a version without an asset is refused)."""


def check(
    layout: Layout, connection: sqlite3.Connection, row: StoredRow, written: Iterable[str]
) -> None:
    """`ValidationError` when ``row`` (as stored at the end of a batch) lacks a required
    value or a parent, or one of its ``written`` columns refers to a row that does not
    exist."""
    entity = layout.schema.types[row.type_id]
    for name in entity.required:
        if layout.stored(row.type_id, name) and row.columns.get(name) is None:
            msg = f"{row.type_id}.{name} is required and has no value"
            raise ValidationError(msg)
    if (
        CONTEXT_BASE in layout.schema.types
        and layout.is_a(row.type_id, CONTEXT_BASE)
        and row.columns.get(PARENT_COLUMN) is None
    ):
        msg = f"{row.type_id} {excerpt(_key(layout, row))} has no parent: a {row.type_id} needs one"
        raise ValidationError(msg)
    needed = REQUIRED_REFERENCES.get(row.type_id)
    if needed is not None and needed in row.columns and row.columns.get(needed) is None:
        msg = f"{row.type_id} {excerpt(_key(layout, row))} has no {needed.removesuffix('_id')}"
        raise ValidationError(msg)
    check_references(layout, connection, row, written)


def check_references(
    layout: Layout, connection: sqlite3.Connection, row: StoredRow, written: Iterable[str]
) -> None:
    """`ValidationError` when one of ``row``'s ``written`` key columns refers to a row that
    does not exist."""
    targets = layout.foreign_keys(row.type_id)
    for column in dict.fromkeys(written):
        target = targets.get(column)
        value = row.columns.get(column)
        if target is None or value is None:
            continue
        if find(layout, connection, target, (str(value),)) is None:
            msg = (
                f"{row.type_id}.{column}: {target} {excerpt(str(value))} does not exist "
                f"(referred to by {row.type_id} {excerpt(_key(layout, row))})"
            )
            raise ValidationError(msg)


def _key(layout: Layout, row: StoredRow) -> str:
    entity = layout.schema.types[row.type_id]
    return ", ".join(str(row.columns.get(name)) for name in entity.primary_key)
