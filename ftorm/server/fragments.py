"""SQL fragments every statement of the embedded server is built from.

Each fragment is written here once: the ``INSERT`` of a row, a placeholder list, the
restriction of a family table to the rows of one type (the ``__type__`` filter), a column of
an aliased table, and how many keys one ``IN (...)`` list holds (`CHUNK`). Values are
always bound: a `Bind` turns a value into a placeholder, named (`ftorm.server.sql`, where
text order does not matter) or positional (`positional`, everywhere else).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from ftorm.query import ast
from ftorm.server.storage import TYPE_COLUMN, Layout, quote

__all__ = [
    "CHUNK",
    "SYMBOLS",
    "Bind",
    "column",
    "insert",
    "insert_row",
    "members",
    "placeholders",
    "positional",
    "type_condition",
]

Bind = Callable[[Any], str]
"""Records a value as a statement parameter and returns its placeholder."""

SYMBOLS: Final[Mapping[ast.Operator, str]] = {
    ast.Operator.EQ: "=",
    ast.Operator.GT: ">",
    ast.Operator.AFTER: ">",
    ast.Operator.GE: ">=",
    ast.Operator.LT: "<",
    ast.Operator.BEFORE: "<",
    ast.Operator.LE: "<=",
}
"""The SQL comparison of each ordering operator (``before``/``after`` compare like < and >)."""


def positional(params: list[Any]) -> Bind:
    """A `Bind` appending to ``params`` and answering ``?``."""

    def bind(value: Any) -> str:
        params.append(value)
        return "?"

    return bind


def placeholders(values: Iterable[Any], bind: Bind) -> str:
    """``?, ?, ?``: one bound placeholder per value, comma-separated."""
    return ", ".join(bind(value) for value in values)


CHUNK: Final = 500
"""Keys per ``IN (...)`` list of a statement that reads or writes rows by key."""

FEW = 32
"""Up to this many values, an ``IN`` list binds one placeholder each."""


def members(values: Sequence[Any], bind: Bind) -> str:
    """The inside of ``IN (...)`` for ``values``: a placeholder each for a few, else one bound
    JSON array read with ``json_each``. SQLite resolves each named placeholder by a linear
    search, so thousands of them cost quadratic time; one array costs linear time."""
    if len(values) <= FEW:
        return placeholders(values, bind)
    return f"SELECT value FROM json_each({bind(json.dumps(list(values)))})"


def column(alias: str, name: str) -> str:
    """``alias."name"``."""
    return f"{alias}.{quote(name)}"


def type_condition(layout: Layout, type_id: str, alias: str, bind: Bind) -> str | None:
    """The condition restricting ``alias`` (a row of ``type_id``'s table) to ``type_id`` and
    its subtypes, or None when they fill the whole table."""
    types = layout.type_filter(type_id)
    if types is None:
        return None
    return f"{column(alias, TYPE_COLUMN)} IN ({placeholders(types, bind)})"


def insert(table: str, columns: Sequence[str], *, or_ignore: bool = False) -> str:
    """``INSERT INTO "table" ("a", "b") VALUES (?, ?)``: one row of ``columns``, bound in
    order (``INSERT OR IGNORE`` keeps a row already stored under the same key)."""
    verb = "INSERT OR IGNORE" if or_ignore else "INSERT"
    names = ", ".join(quote(c) for c in columns)
    return f"{verb} INTO {quote(table)} ({names}) VALUES ({', '.join('?' for _ in columns)})"


def insert_row(table: str, names: Sequence[str]) -> str:
    """The `insert` of one typed row of a family table: its concrete type first (bound as
    the first value), then ``names``."""
    return insert(table, (TYPE_COLUMN, *names))
