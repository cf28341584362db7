"""``ftorm generate``: write a typed model module for a schema.

The schema comes from a ``query_schemas`` JSON file (``--schema``), from a live server
(``--server``, else ``FTRACK_SERVER``; credentials from ``FTRACK_API_USER`` /
``FTRACK_API_KEY``, as for the other commands), or ftorm's standard schema (``--standard``, or
when no server is named at all). ``--check`` compares with the ``-o`` file instead of
writing it and exits 1 with a unified diff when the file is stale. Errors exit 2 with one
clear line.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path
from typing import Any

import ftorm
from ftorm.errors import FtormError, TransportError
from ftorm.protocol.operations import SchemasOp
from ftorm.schema.codegen import generate_module
from ftorm.schema.load import load_schema, load_schema_file
from ftorm.schema.standard import standard_schema
from ftorm.schema.types import Schema
from ftorm.transport.http import HttpTransport

__all__ = ["fetch_schemas", "register", "run"]

_TIMEOUT = 60.0


def register(subparsers: Any) -> None:
    """Add the ``generate`` command to the ``ftorm`` argument parser's ``subparsers``."""
    parser = subparsers.add_parser(
        "generate",
        help="generate typed model classes from an ftrack schema",
        description=(
            "Write a typed model module for an ftrack schema: a query_schemas JSON file, a live "
            "server (--server, else FTRACK_SERVER), or ftorm's standard schema (--standard, or "
            "when no server is named)."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--schema", metavar="FILE", help="a JSON file with a query_schemas result")
    source.add_argument(
        "--server",
        metavar="URL",
        help="an ftrack server to ask (default FTRACK_SERVER; FTRACK_API_USER and "
        "FTRACK_API_KEY give the credentials)",
    )
    source.add_argument(
        "--standard",
        action="store_true",
        help="ftorm's standard schema, even if FTRACK_SERVER is set",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write: exit 1 with a diff when the -o file differs from what would be written",
    )
    parser.set_defaults(handler=run)


def fetch_schemas(server_url: str, api_user: str, api_key: str) -> Any:
    """Ask an ftrack server for ``query_schemas``; raise `TransportError` (or a `ServerError`)."""
    transport = HttpTransport(server_url, api_user, api_key, timeout=(10.0, _TIMEOUT))
    try:
        return transport.call([SchemasOp()])[0]
    finally:
        transport.close()


def _schema(args: argparse.Namespace) -> Schema:
    if args.schema is not None:
        return load_schema_file(args.schema)
    server = None if args.standard else args.server or os.environ.get("FTRACK_SERVER") or None
    if server is not None:
        api_user = os.environ.get("FTRACK_API_USER", "")
        api_key = os.environ.get("FTRACK_API_KEY", "")
        if not api_user or not api_key:
            msg = f"reading {server}'s schema needs FTRACK_API_USER and FTRACK_API_KEY to be set"
            raise TransportError(msg)
        return load_schema(fetch_schemas(server, api_user, api_key))
    return standard_schema()


def run(args: argparse.Namespace) -> int:
    """Write (or with ``--check`` compare) the model module; 0, 1 when stale, 2 on errors."""
    if args.check and args.output is None:
        print("ftorm generate: --check needs -o FILE to compare with", file=sys.stderr)
        return 2
    try:
        text = generate_module(_schema(args), version=ftorm.__version__)
    except FtormError as error:
        print(f"ftorm generate: {error}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    if args.check:
        return _check(path, text)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"ftorm generate: cannot write {path}: {error}", file=sys.stderr)
        return 2
    return 0


def _check(path: Path, text: str) -> int:
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"ftorm generate: {path} does not exist", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"ftorm generate: cannot read {path}: {error}", file=sys.stderr)
        return 2
    if current == text:
        return 0
    diff = difflib.unified_diff(
        current.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=f"{path} (current)",
        tofile=f"{path} (generated)",
    )
    sys.stdout.writelines(diff)
    print(f"ftorm generate: {path} is stale; run without --check to update it", file=sys.stderr)
    return 1
