"""The custom attribute configurations a session knows, fetched once when first needed.

Setting ``entity.custom.<key>`` on an entity that holds no value for the key yet (a new
entity) needs the configuration's id; `Configurations.applying` lists the server's
configurations that apply to an entity type, read with one query and kept until a commit
creates, changes or deletes a configuration. `Configurations.check` refuses a query that
tests a key no configuration of its type has (``Shot.custom.column("fstrat") >= 1001`` on
models without generated namespaces), which ftrack would answer with no rows.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterator, Sequence

from ftorm._typing import JSON
from ftorm.errors import UnknownAttributeError
from ftorm.model.custom.columns import criterion_key
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.protocol.results import read_query
from ftorm.query import ast
from ftorm.query.render import render
from ftorm.schema.custom.configurations import (
    CONFIGURATION_PROJECTIONS,
    Configuration,
    applies_to,
    from_record,
)
from ftorm.schema.custom.rules import CONFIGURATION_TYPE
from ftorm.schema.hierarchy import subtypes
from ftorm.schema.types import Schema

__all__ = [
    "Configurations",
    "configurations_query",
    "custom_keys",
    "first_page",
    "read_configurations",
]


def configurations_query(offset: int | None = None) -> ast.Select:
    """``select <what a Configuration needs> from CustomAttributeConfiguration``."""
    return ast.Select(
        CONFIGURATION_TYPE,
        projections=tuple(ast.Path.of(path) for path in CONFIGURATION_PROJECTIONS),
        order_by=(ast.OrderItem(ast.Path.of("id")),),
        offset=offset,
    )


def read_configurations(
    call: Callable[[Sequence[OperationLike]], list[JSON]], first: JSON | None = None
) -> list[Configuration]:
    """Every configuration of the server ``call`` reaches, page by page; ``first`` is the
    answer to `first_page` when it was sent already (beside other operations)."""
    found: list[Configuration] = []
    offset: int | None = None
    for _ in range(10_000):  # bounded: a page holds at least one row
        if first is None:
            (first,) = call([QueryOp(render(configurations_query(offset)))])
        page = read_query(first)
        first = None
        # An answer holds a related entity in full once, then as a reference: the type's
        # name comes with its first appearance.
        names = {
            t.get("id"): t["name"]
            for t in (row.get("type") for row in page.data)
            if isinstance(t, dict) and "name" in t
        }
        for row in page.data:
            kind = row.get("type")
            if isinstance(kind, dict) and "name" not in kind and kind.get("id") in names:
                row = {**row, "type": {**kind, "name": names[kind.get("id")]}}
            found.append(from_record(row))
        offset = page.following(offset or 0)
        if offset is None:
            break
    return found


def custom_keys(node: ast.Select) -> Iterator[tuple[str, str]]:
    """(entity type, key) of each custom attribute criterion of the query ``node`` tests on
    its own entities (`ftorm.model.custom.columns.criterion_key`), subqueries included."""
    stack: list[tuple[str, ast.Criterion | None]] = [(node.entity_type, node.where)]
    for _ in range(100_000):  # bounded: a query's tree is finite
        if not stack:
            return
        type_id, criterion = stack.pop()
        match criterion:
            case ast.And(operands) | ast.Or(operands):
                stack.extend((type_id, c) for c in operands)
            case ast.Not(operand):
                stack.append((type_id, operand))
            case ast.Relation():
                key = criterion_key(criterion)
                if key is not None:
                    yield type_id, key
            case ast.Comparison(operand=ast.Subquery(query)):
                stack.append((query.entity_type, query.where))
            case _:
                pass


def first_page() -> QueryOp:
    """The query for the first page of configurations."""
    return QueryOp(render(configurations_query()))


class Configurations:
    """A session's view of the server's configurations (see the module docstring)."""

    __slots__ = ("_applying", "_call", "_known", "_lock", "_schema")

    def __init__(
        self,
        call: Callable[[Sequence[OperationLike]], list[JSON]],
        schema: Callable[[], Schema],
    ) -> None:
        self._call = call
        self._lock = threading.RLock()  # threads sharing a session read them once
        self._schema = schema
        self._known: list[Configuration] | None = None
        self._applying: dict[str, list[Configuration]] = {}

    def all(self) -> list[Configuration]:
        """Every configuration (one query on first use)."""
        with self._lock:
            if self._known is None:
                self._known = read_configurations(self._call)
            return self._known

    def applying(self, type_id: str, *, refresh: bool = False) -> list[Configuration]:
        """The configurations that apply to entities of ``type_id`` (read again first with
        ``refresh``: another client may have added one)."""
        with self._lock:
            if refresh:
                self.forget()
            found = self._applying.get(type_id)
            if found is None:
                schema = self._schema()
                found = self._applying[type_id] = [
                    c for c in self.all() if applies_to(c, schema, type_id)
                ]
            return found

    def keys(self, type_id: str) -> set[str] | None:
        """The keys of the configurations that apply to ``type_id`` or a type deriving from
        it; None when the schema has no such type, or no configurations to read."""
        schema = self._schema()
        if type_id not in schema.types or CONFIGURATION_TYPE not in schema.types:
            return None
        return {c.key for sub in subtypes(schema, type_id) for c in self.applying(sub)}

    def check(self, node: ast.Select) -> None:
        """Raise `UnknownAttributeError` (naming the closest keys) when the query ``node``
        tests a custom attribute key that no configuration of its type has; the
        configurations are read again once first (another client may have added one)."""
        wanted = list(dict.fromkeys(custom_keys(node)))
        if not wanted:
            return
        for again in (False, True):
            if again:
                self.forget()
            unknown = []
            for type_id, key in wanted:
                known = self.keys(type_id)
                if known is not None and key not in known:
                    unknown.append((type_id, key, known))
            if not unknown:
                return
        type_id, key, known = unknown[0]
        close = tuple(difflib.get_close_matches(key, sorted(known), n=3))
        label = f"{type_id}.custom"
        raise UnknownAttributeError(label, key, close)

    def forget(self) -> None:
        """Read them again on next use (after a commit changed one)."""
        with self._lock:
            self._known = None
            self._applying.clear()
