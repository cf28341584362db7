"""``ftorm serve``: run the embedded ftrack-compatible server over HTTP."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import os
import secrets
import sys
from collections.abc import Iterator
from typing import Any

from ftorm.errors import FtormError
from ftorm.server.limits import HEADER_TIMEOUT, MAX_CONNECTIONS, SOCKET_TIMEOUT

__all__ = ["LOG_LEVELS", "is_loopback", "register", "run"]

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
"""The values of ``--log-level``."""


def register(subparsers: Any) -> None:
    """Add the ``serve`` command to the CLI's ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the embedded ftrack-compatible server",
        description=(
            "Serve ftrack's JSON API (POST /api) and its event hub (socket.io 0.9 at "
            "/socket.io/1/) from a SQLite database. Credentials come "
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
    parser.add_argument(
        "--max-connections",
        type=int,
        default=MAX_CONNECTIONS,
        metavar="N",
        help=(
            f"connections served at once (default {MAX_CONNECTIONS}); more wait in the accept "
            "queue, which is as long"
        ),
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=HEADER_TIMEOUT,
        metavar="SECONDS",
        help=(
            "time a connection has to send its request line and headers, in all (default "
            f"{HEADER_TIMEOUT:g}); a connection then silent for {SOCKET_TIMEOUT:g} s is dropped"
        ),
    )
    parser.add_argument(
        "--log-level",
        type=str.lower,
        choices=LOG_LEVELS,
        default="info",
        help="what the server logs on stderr (default: info, one line per request)",
    )
    parser.set_defaults(handler=run)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def _logging_to_stderr(level: str) -> Iterator[None]:
    """Within the block, ftorm's log records of ``level`` and above go to stderr."""
    logger = logging.getLogger("ftorm")
    previous = logger.level
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.setLevel(level.upper())
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def run(args: argparse.Namespace) -> int:
    """Run ``ftorm serve`` until interrupted; 2 for bad input."""
    user = args.api_user or os.environ.get("FTRACK_API_USER") or "ftorm"
    if not 0 <= args.port <= 65535:
        print(f"ftorm serve: --port must be 0 to 65535, not {args.port}", file=sys.stderr)
        return 2
    if args.max_connections < 1:
        msg = f"--max-connections must be at least 1, not {args.max_connections}"
        print(f"ftorm serve: {msg}", file=sys.stderr)
        return 2
    if not 0 < args.header_timeout < float("inf"):
        msg = f"--header-timeout must be a positive number of seconds, not {args.header_timeout}"
        print(f"ftorm serve: {msg}", file=sys.stderr)
        return 2
    if not is_loopback(args.host) and not args.api_key:
        print(
            f"ftorm serve: refusing to listen on {args.host}, which is not loopback, without an "
            "explicit --api-key",
            file=sys.stderr,
        )
        return 2
    key = args.api_key or os.environ.get("FTRACK_API_KEY") or None  # empty is no key
    with _logging_to_stderr(args.log_level):
        return _serve(args, user, key)


def _serve(args: argparse.Namespace, user: str, key: str | None) -> int:
    from ftorm.schema.load import load_schema_file
    from ftorm.server.handlers import Server
    from ftorm.server.wsgi import main_loop, serve

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
        httpd = serve(
            server,
            args.host,
            args.port,
            header_timeout=args.header_timeout,
            max_connections=args.max_connections,
        )
    except (OSError, OverflowError) as error:
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
