"""``ftorm clone --server URL --project NAME [--project NAME ...] --db FILE``: copy projects.

Copies each project, everything beneath it (contexts, tasks, assets, versions, components
and their locations, notes, time logs, lists, status changes, custom attribute values) and
what they reference (statuses, types, priorities, schemas, users, custom attribute
configurations, locations) from an ftrack server (or ``ftorm serve``) into a new embedded
workspace, with the server's schema. Credentials come from ``FTRACK_API_USER`` and
``FTRACK_API_KEY``; the server from ``--server`` or ``FTRACK_SERVER``. ``--resume`` carries
on with an interrupted clone; ``--anonymize`` replaces people's names, emails, notes' text
and free-text custom attributes with stable fakes. Components are copied as metadata only;
``--with-files`` also downloads the files of those in the ``ftrack.server`` location into
the workspace's file store, so that ``ftorm serve --db FILE`` serves them (files in other
locations have no content on the server and are skipped).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ftorm.errors import FtormError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``clone`` command to the CLI's ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "clone", help="copy projects from an ftrack server into a workspace", description=__doc__
    )
    parser.add_argument("--server", metavar="URL", help="the source (default: FTRACK_SERVER)")
    parser.add_argument(
        "--project", action="append", default=[], metavar="NAME", help="a project (repeatable)"
    )
    parser.add_argument("--db", required=True, help="the workspace file to write")
    parser.add_argument("--resume", action="store_true", help="carry on an interrupted clone")
    parser.add_argument("--anonymize", action="store_true", help="replace people's data")
    parser.add_argument(
        "--with-files",
        action="store_true",
        help="also download the files of components in the ftrack.server location",
    )
    parser.add_argument("--page-size", type=int, default=1000, help="rows per query page")
    parser.add_argument("--quiet", action="store_true", help="no progress report")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the clone; exit status 2 for bad input or a failure, with a one-line message."""
    from ftorm.cli.query import SPELLED
    from ftorm.clone import CLONE_KEY, clone, never_started
    from ftorm.clone.progress import Progress
    from ftorm.server.bulk import INCOMPLETE_KEY, read_meta
    from ftorm.session.connect import http_transport
    from ftorm.transport.http import HttpTransport

    if args.page_size < 1:
        print("ftorm clone: --page-size must be at least 1", file=sys.stderr)
        return 2
    server = args.server
    if args.resume and server is None:
        record = read_meta(args.db, CLONE_KEY)
        server = json.loads(record).get("source") if record else None
    if not args.project and not args.resume:
        print("ftorm clone: name at least one --project", file=sys.stderr)
        return 2
    try:
        transport = http_transport(server or None, None, None, spelled=SPELLED, instead=None)
    except FtormError as error:
        print(f"ftorm clone: {error}", file=sys.stderr)
        return 2
    progress = Progress(enabled=not args.quiet)
    download = transport.download if isinstance(transport, HttpTransport) else None
    try:
        result = clone(
            transport.call,
            args.db,
            args.project,
            source=server or "",
            resume=args.resume,
            anonymize=args.anonymize,
            with_files=args.with_files,
            download=download,
            page_size=args.page_size,
            progress=progress,
        )
    except FtormError as error:
        if progress.total and progress.enabled and progress.terminal:
            print(file=sys.stderr)  # end the status line drawn in place
        hint = ""
        if never_started(args.db):
            hint = (
                f"; nothing was copied yet: start again with: ftorm clone --project NAME "
                f"--db {args.db}, or carry on with: ftorm clone --resume --db {args.db}"
            )
        elif read_meta(args.db, INCOMPLETE_KEY) is not None and read_meta(args.db, CLONE_KEY):
            hint = f"; the clone is incomplete: carry on with: ftorm clone --resume --db {args.db}"
        print(f"ftorm clone: {error}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"\nftorm clone: interrupted; carry on with: ftorm clone --resume --db {args.db}",
            file=sys.stderr,
        )
        return 130
    finally:
        transport.close()
    print(
        f"ftorm clone: {result.entities:,} entities into {args.db} in {result.seconds:.1f} s; "
        f"{result.requests:,} requests to the source "
        f"({result.requests_per_1000:.1f} per 1,000 entities)"
        + (f"; {result.files.summary()}" if result.files is not None else "")
    )
    return 0
