"""Answering one query: its text read and checked, run as SQL, projections loaded, encoded.

Every failure of a query becomes one `ftorm.errors.ValidationError` quoting a bounded
excerpt of the text: bad text, unknown names, numbers out of range, text longer than the
server reads, and statements beyond SQLite's own limits.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator

from ftorm._typing import JSON, JSONObject
from ftorm.errors import FtormError, ServerError, ValidationError, excerpt
from ftorm.protocol.fields import INT64_MAX, INT64_MIN
from ftorm.protocol.operations import QueryOp
from ftorm.query import ast
from ftorm.query.parser import parse
from ftorm.server.aggregates import grouped
from ftorm.server.encode import encode
from ftorm.server.fetch import Fetcher, build_tree
from ftorm.server.sql import Renderer, check_entity_type
from ftorm.server.storage import Layout
from ftorm.server.values import to_wire

__all__ = ["MAX_QUERY_TEXT", "answer", "answer_parsed", "answer_text", "parse_query"]

MAX_QUERY_TEXT = 8_000_000
"""The longest query text the server reads, in characters (a 60,000-id ``in`` list is
about 2.5 million; the parser's token matching fails on literals past about 8 million)."""

_TOO_COMPLEX = (
    "parser stack overflow",
    "Expression tree is too large",
    "too many terms in compound SELECT",
    "too many SQL variables",
    "at most 64 tables in a join",
    "too many FROM clause terms",
)
"""SQLite's words for a statement beyond its limits (nesting, terms, joins, variables)."""


@contextlib.contextmanager
def _invalid_query(expression: str) -> Iterator[None]:
    """Failures of a query as one `ValidationError` quoting an excerpt of it (server errors
    pass): bad text, unknown names, values out of range, and queries beyond SQLite's limits."""
    try:
        yield
    except ServerError:
        raise
    except FtormError as error:
        msg = f"Invalid query {excerpt(expression)}: {error}"
        raise ValidationError(msg) from None
    except RecursionError:
        msg = f"Invalid query {excerpt(expression)}: nested too deeply"
        raise ValidationError(msg) from None
    except OverflowError:
        msg = (
            f"Invalid query {excerpt(expression)}: a number is out of range (integers must "
            f"lie between {INT64_MIN} and {INT64_MAX})"
        )
        raise ValidationError(msg) from None
    except sqlite3.OperationalError as error:
        if not str(error).startswith(_TOO_COMPLEX):
            raise
        msg = (
            f"Invalid query {excerpt(expression)}: too complex for the embedded server "
            f"(SQLite: {error}; its parser stack holds 100 entries); nest fewer has/any/not, "
            "subqueries or ancestors/descendants levels, or split it"
        )
        raise ValidationError(msg) from None


def parse_query(expression: str) -> ast.Select:
    """The query text read as a tree; `ValidationError` for anything else."""
    if len(expression) > MAX_QUERY_TEXT:
        msg = (
            f"Invalid query {excerpt(expression)}: {len(expression):,} characters, more "
            f"than the {MAX_QUERY_TEXT:,} the server reads"
        )
        raise ValidationError(msg)
    with _invalid_query(expression):
        return parse(expression)


def answer_text(
    layout: Layout, conn: sqlite3.Connection, expression: str, denormalize: bool
) -> JSONObject:
    """Answer query text (see `answer`)."""
    return answer_parsed(layout, conn, expression, parse_query(expression), denormalize)


def answer_parsed(
    layout: Layout,
    conn: sqlite3.Connection,
    expression: str,
    query: ast.Select,
    denormalize: bool,
    thumbnail_url: Callable[[str], str] | None = None,
) -> JSONObject:
    """`answer` for a query read from ``expression``, its failures quoting the text."""
    with _invalid_query(expression):
        return answer(layout, conn, query, denormalize, thumbnail_url)


def answer(
    layout: Layout,
    conn: sqlite3.Connection,
    query: ast.Select,
    denormalize: bool,
    thumbnail_url: Callable[[str], str] | None = None,
) -> JSONObject:
    """``{"action": QueryOp.action, "data": [...], "metadata": {"next": {"offset": ...}}}``;
    ``thumbnail_url`` makes the URL of a thumbnail component (else they read as null)."""
    type_id = check_entity_type(layout, query.entity_type)
    if query.group_by or any(isinstance(p, ast.Aggregate) for p in query.projections):
        return _grouped(layout, conn, query)
    if query.projections:
        paths = [
            tuple(s.name for s in p.segments) for p in query.projections if isinstance(p, ast.Path)
        ]
    else:
        paths = [(name,) for name in layout.schema.types[type_id].default_projections]
    tree = build_tree(paths)
    fetcher = Fetcher(layout, conn, thumbnail_url)
    fetcher.validate(type_id, tree)
    table = layout.table(type_id)
    compiled = Renderer(layout).rows(query, table.columns)
    rows = conn.execute(compiled.sql, compiled.params).fetchall()
    more = query.limit is not None and len(rows) > query.limit
    if more:
        rows = rows[: query.limit]
    records = [fetcher.from_row(row, table.columns) for row in rows]
    fetcher.load(records, tree)
    next_offset = (query.offset or 0) + len(records) if more else None
    return {
        "action": QueryOp.action,
        "data": encode(layout.schema, records, denormalize=denormalize),
        "metadata": {"next": {"offset": next_offset}},
    }


def _grouped(layout: Layout, conn: sqlite3.Connection, query: ast.Select) -> JSONObject:
    """Aggregates: plain rows keyed by attribute and ``<function>_<attribute>``."""
    compiled, names = grouped(Renderer(layout), query)
    rows = conn.execute(compiled.sql, compiled.params).fetchall()
    more = query.limit is not None and len(rows) > query.limit
    if more:
        rows = rows[: query.limit]
    data: list[JSON] = [
        {
            name: (to_wire(prop, value) if prop is not None else value)
            for (name, prop), value in zip(names, row, strict=True)
        }
        for row in rows
    ]
    next_offset = (query.offset or 0) + len(rows) if more else None
    return {"action": QueryOp.action, "data": data, "metadata": {"next": {"offset": next_offset}}}
