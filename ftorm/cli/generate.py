"""``ftorm generate``: write a typed model module for a schema.

The schema comes from a ``query_schemas`` JSON file (``--schema``), from a live server
(``--server``, else ``FTRACK_SERVER``; credentials from ``FTRACK_API_USER`` /
``FTRACK_API_KEY``, as for the other commands), or ftorm's standard schema (``--standard``, or
when no server is named at all). ``--check`` compares with the ``-o`` file instead of
writing it and exits 1 with a unified diff when the file is stale. Errors exit 2 with one
clear line.

Custom attributes: from a server, its configurations are read too and written as typed
namespaces (``shot.custom.fstart``); ``--dump-custom-attributes FILE`` saves them as JSON, and
``--custom-attributes FILE`` reads such a file instead (so CI can generate offline, with
``--schema``). Without configurations, ``custom`` is the open, untyped namespace.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path
from typing import Any

import ftorm
from ftorm.errors import FtormError, SchemaError, TransportError
from ftorm.protocol.operations import SchemasOp
from ftorm.schema.codegen import generate_module
from ftorm.schema.custom.configurations import Configuration, conflicts, dumps, loads
from ftorm.schema.load import load_schema, load_schema_file
from ftorm.schema.standard import standard_schema
from ftorm.schema.types import Schema
from ftorm.session.custom.configurations import first_page, read_configurations
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
    parser.add_argument(
        "--custom-attributes",
        metavar="FILE",
        help="custom attribute configurations as written by --dump-custom-attributes "
        "(instead of reading them from the server)",
    )
    parser.add_argument(
        "--dump-custom-attributes",
        metavar="FILE",
        help="also write the configurations used to FILE (JSON); without -o, only that",
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
    return _fetch(server_url, api_user, api_key, configurations=False)[0]


def _fetch(
    server_url: str, api_user: str, api_key: str, *, configurations: bool
) -> tuple[Any, list[Configuration] | None]:
    transport = HttpTransport(server_url, api_user, api_key, timeout=(10.0, _TIMEOUT))
    try:
        if configurations:  # both in one request; more pages of configurations, if any, after
            schemas, first = transport.call([SchemasOp(), first_page()])
            found = read_configurations(transport.call, first)
        else:
            schemas, found = transport.call([SchemasOp()])[0], None
    finally:
        transport.close()
    return schemas, found


def _source(args: argparse.Namespace) -> tuple[Schema, list[Configuration] | None]:
    """The schema and the custom attribute configurations (None when there are none to use)."""
    configurations = None
    if args.custom_attributes is not None:
        path = Path(args.custom_attributes)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            msg = f"cannot read {path}: {error}"
            raise SchemaError(msg) from None
        configurations = loads(text, str(path))
    if args.schema is not None:
        return load_schema_file(args.schema), configurations
    server = None if args.standard else args.server or os.environ.get("FTRACK_SERVER") or None
    if server is not None:
        api_user = os.environ.get("FTRACK_API_USER", "")
        api_key = os.environ.get("FTRACK_API_KEY", "")
        if not api_user or not api_key:
            msg = f"reading {server}'s schema needs FTRACK_API_USER and FTRACK_API_KEY to be set"
            raise TransportError(msg)
        schemas, fetched = _fetch(server, api_user, api_key, configurations=configurations is None)
        return load_schema(schemas), configurations if configurations is not None else fetched
    return standard_schema(), configurations


def run(args: argparse.Namespace) -> int:
    """Write (or with ``--check`` compare) the model module; 0, 1 when stale, 2 on errors."""
    if args.check and args.output is None:
        print("ftorm generate: --check needs -o FILE to compare with", file=sys.stderr)
        return 2
    if args.check and args.dump_custom_attributes is not None:
        print(
            "ftorm generate: --check writes nothing; drop --dump-custom-attributes", file=sys.stderr
        )
        return 2
    try:
        schema, configurations = _source(args)
        text = generate_module(schema, version=ftorm.__version__, custom_attributes=configurations)
    except FtormError as error:
        print(f"ftorm generate: {error}", file=sys.stderr)
        return 2
    for message in conflicts(configurations or [], schema):
        print(f"ftorm generate: warning: {message}", file=sys.stderr)
    if args.dump_custom_attributes is not None:
        if configurations is None:
            print(
                "ftorm generate: no custom attribute configurations to dump: name a server "
                "(--server, or FTRACK_SERVER) or --custom-attributes FILE",
                file=sys.stderr,
            )
            return 2
        dump = Path(args.dump_custom_attributes)
        try:
            dump.write_text(dumps(configurations), encoding="utf-8")
        except OSError as error:
            print(f"ftorm generate: cannot write {dump}: {error}", file=sys.stderr)
            return 2
        if args.output is None:
            return 0
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
