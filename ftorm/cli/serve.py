"""``ftorm serve``: run the embedded ftrack-compatible server over HTTP."""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import sys
from typing import Any

from ftorm.errors import FtormError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the embedded ftrack-compatible server",
        description=(
            "Serve ftrack's JSON API (POST /api) from a SQLite database. Credentials come "
            "from --api-user/--api-key, else FTRACK_API_USER/FTRACK_API_KEY, else a key is "
            "generated and printed. An empty key counts as none. Binding an address other "
            "than loopback needs an explicit --api-key."
        ),
    )
    parser.add_argument("--db", default=":memory:", help="SQLite file (default: in memory)")
    parser.add_argument("--schema", help="schema file in ftrack's query_schemas format")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", type=int, default=8765, help="port (0: pick a free one)")
    parser.add_argument("--api-user", help="API user name")
    parser.add_argument("--api-key", help="API key")
    parser.set_defaults(handler=run)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from ftorm.schema.load import load_schema_file
    from ftorm.server.handlers import Server
    from ftorm.server.wsgi import main_loop, serve

    user = args.api_user or os.environ.get("FTRACK_API_USER") or "ftorm"
    if not is_loopback(args.host) and not args.api_key:
        print(
            f"ftorm serve: refusing to listen on {args.host}, which is not loopback, without an "
            "explicit --api-key",
            file=sys.stderr,
        )
        return 2
    key = args.api_key or os.environ.get("FTRACK_API_KEY") or None  # empty is no key
    generated = key is None
    if key is None:
        key = secrets.token_urlsafe(24)
    try:
        schema = load_schema_file(args.schema) if args.schema else None
        server = Server(schema, database=args.db, api_user=user, api_key=key)
    except (FtormError, OSError) as error:
        print(f"ftorm serve: {error}", file=sys.stderr)
        return 2
    try:
        httpd = serve(server, args.host, args.port)
    except OSError as error:
        print(f"ftorm serve: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        server.close()
        return 2
    host, port = httpd.server_address[:2]
    url = f"http://{host!s}:{port}"
    print(f"ftorm serve: listening on {url} (database {args.db})", flush=True)
    print(f"export FTRACK_SERVER={url}", flush=True)
    print(f"export FTRACK_API_USER={user}", flush=True)
    if generated:
        print(f"export FTRACK_API_KEY={key}", flush=True)
    else:
        print("# FTRACK_API_KEY: the key you gave", flush=True)
    try:
        main_loop(httpd)
    finally:
        server.close()
    return 0
