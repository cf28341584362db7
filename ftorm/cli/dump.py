"""``ftorm dump --db FILE [--query TEXT ...] [-o fixture.json]``: a workspace as a data fixture.

Writes the workspace's entities as a JSON document, stable-sorted (by type and key, one
attribute a line) so that fixtures diff well. With ``--query``, only the entities the queries
answer, what they reference (transitively) and their custom attribute values and metadata.
`ftorm load` (or ``ftorm.testing.local_session(fixtures=[...])``) loads it back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ftorm.errors import FtormError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``dump`` command to the CLI's ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "dump", help="write a workspace's entities as a JSON data fixture", description=__doc__
    )
    parser.add_argument("--db", required=True, help="the workspace (an embedded server's file)")
    parser.add_argument(
        "--query",
        action="append",
        default=[],
        metavar="TEXT",
        help="dump what this query answers (and what it references); repeatable",
    )
    parser.add_argument("-o", "--output", help="the fixture file to write (default: stdout)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the fixture; exit status 2 for any `FtormError` or unwritable output."""
    from ftorm.server.fixtures import dump, render
    from ftorm.server.handlers import Server

    try:
        server = Server(database=args.db, read_only=True)
    except FtormError as error:
        print(f"ftorm dump: {error}", file=sys.stderr)
        return 2
    try:
        text = render(dump(server.layout, server.connection, args.query))
    except FtormError as error:
        print(f"ftorm dump: {error}", file=sys.stderr)
        return 2
    finally:
        server.close()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"ftorm dump: cannot write {args.output}: {error}", file=sys.stderr)
        return 2
    return 0
