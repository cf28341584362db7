"""``ftorm load FIXTURE.json --db FILE [--schema FILE] [--replace]``: load a data fixture.

Stores the fixture's entities (written by `ftorm dump`) as they are, in one transaction, into
the workspace ``--db`` (created when missing, with ``--schema`` or ftorm's standard schema).
A new workspace then holds exactly the fixture (not the built-in rows a new workspace gets).
Every value is checked first, as a create checks it: a bad one is refused with one line
naming the entity, the attribute and the fault, and nothing is written. Loading a fixture
twice, or one whose rows clash with the workspace's, is refused unless ``--replace``; a type
or attribute the workspace's schema lacks is named.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ftorm.errors import FtormError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``load`` command to the CLI's ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "load", help="load a JSON data fixture into a workspace", description=__doc__
    )
    parser.add_argument("fixture", help="the fixture file (written by ftorm dump)")
    parser.add_argument("--db", required=True, help="the workspace (created when missing)")
    parser.add_argument("--schema", help="schema file for a new workspace (query_schemas format)")
    parser.add_argument(
        "--replace", action="store_true", help="reload a fixture; its rows replace clashing ones"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Load the fixture; exit status 2 for any `FtormError` or unreadable file."""
    from ftorm.schema.load import load_schema_file
    from ftorm.server.handlers import Server

    try:
        document = json.loads(Path(args.fixture).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:
        print(f"ftorm load: cannot read {args.fixture}: {error}", file=sys.stderr)
        return 2
    try:
        schema = load_schema_file(args.schema) if args.schema else None
        server = Server(schema, database=args.db)
    except (FtormError, OSError) as error:
        print(f"ftorm load: {error}", file=sys.stderr)
        return 2
    try:
        written = server.load_fixture(document, replace=args.replace, name=args.fixture)
    except FtormError as error:
        print(f"ftorm load: {error}", file=sys.stderr)
        return 2
    finally:
        server.close()
    print(f"ftorm load: {written:,} rows from {args.fixture} into {args.db}")
    return 0
