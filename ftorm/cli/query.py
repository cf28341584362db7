"""``ftorm query TEXT [--local DB | --server URL] [--format table|json]``: run a query, print rows.

``--local DB`` opens an embedded server on a SQLite file in-process; ``--server URL`` talks
HTTP with ``FTRACK_API_USER``/``FTRACK_API_KEY``; with neither, ``FTRACK_SERVER`` is used.
Columns are the query's projections, or the type's default projections for a short query.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ftorm.errors import FtormError

__all__ = ["register", "run"]

_LIMIT = 1000  # rows printed unless the query says otherwise
SPELLED = ("--server", None, None)
"""How the CLI spells the connection settings: ``--server URL``, else the environment."""
LOCAL = "--local DB"
"""The alternative a connection error suggests."""


def register(subparsers: Any) -> None:
    """Add the ``query`` command to the ``ftorm`` argument parser's ``subparsers``."""
    parser = subparsers.add_parser(
        "query", help="run a query and print the rows", description=__doc__
    )
    parser.add_argument("text", help="the query, e.g. 'select name, status.name from Shot'")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--local", metavar="DB", help="an embedded server's SQLite file")
    where.add_argument("--server", metavar="URL", help="an ftrack server (or ftorm serve)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``args.text`` and print its rows; exit status 2 for any `FtormError`."""
    from ftorm.query import ast
    from ftorm.query.parser import parse
    from ftorm.session import Session
    from ftorm.session.connect import http_transport

    try:
        node = parse(args.text)
        if node.limit is None:
            node = ast.Select(
                node.entity_type,
                node.projections,
                node.where,
                node.group_by,
                node.order_by,
                node.offset,
                _LIMIT,
            )
        if args.local:
            session = Session.local(args.local, read_only=True)
        else:
            transport = http_transport(args.server, None, None, spelled=SPELLED, instead=LOCAL)
            session = Session(transport=transport)
        with session:
            if node.projections:
                columns = [str(p) for p in node.projections]
            else:
                entity = session.schema[node.entity_type]
                columns = list(dict.fromkeys(("id", *entity.default_projections)))
            rows = [
                [_value(entity, column) for column in columns]
                for entity in session.query(str(node))
            ]
    except FtormError as error:
        print(f"ftorm query: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=str))
    else:
        _table(columns, rows)
    return 0


def _value(entity: Any, path: str) -> Any:
    """The value at a dotted path (``status.name``); lists for paths through collections."""
    current: Any = entity
    for part in path.split("."):
        if current is None:
            return None
        if isinstance(current, list):
            return [_value(item, part) for item in current]
        name = type(current).__ftorm_keys__.get(part, part)
        current = getattr(current, name, None)
    if hasattr(type(current), "__ftorm_entity__"):
        return repr(current)
    if isinstance(current, list):
        return [repr(item) if hasattr(type(item), "__ftorm_entity__") else item for item in current]
    return current


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(c) for c in columns], *[["" if v is None else str(v) for v in r] for r in rows]]
    widths = [min(60, max(len(row[i]) for row in cells)) for i in range(len(columns))]
    for index, row in enumerate(cells):
        print("  ".join(cell[:60].ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
