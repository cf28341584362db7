"""``ftorm clone`` of a generated show of 20,000 and 100,000 entities, over HTTP.

Run: ``python benchmarks/bench_clone.py [--sizes 20000 100000] [--page-size 1000]
[--no-write]``. The source is an embedded server in a database file on the recorded
116-type schema (``tests/data``), filled by `benchmarks.project_data.populate` (every kind
of entity a clone copies) and served over HTTP on 127.0.0.1 in a thread of this process;
the clone reads it through ftorm's HTTP transport, as ``ftorm clone --server`` does, into a
new workspace file. Reported: entities copied per second (target: at least 2,000) and source
requests per 1,000 entities (which should fall as the show grows: requests follow pages and
the depth of the tree, not entities). Results go to ``docs/benchmarks.md`` unless
``--no-write``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

try:
    from benchmarks._report import DOCS, ROOT, write_section
    from benchmarks.project_data import populate
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _report import DOCS, ROOT, write_section  # type: ignore[no-redef]
    from project_data import populate  # type: ignore[no-redef]

from ftorm.clone import CloneResult, clone
from ftorm.schema.load import load_schema_file
from ftorm.server.handlers import Server
from ftorm.server.wsgi import serve
from ftorm.transport.http import HttpTransport

SECTION = "## Clone"
RECORDED = ROOT / "tests" / "data" / "fixtures" / "query_schemas.json"


def run(size: int, folder: Path, page_size: int) -> tuple[CloneResult, float]:
    """Build a show of ``size`` entities, clone it over HTTP; (result, build seconds)."""
    schema = load_schema_file(RECORDED)
    source_path = folder / f"source-{size}.db"
    copy_path = folder / f"clone-{size}.db"
    for path in (source_path, copy_path):
        path.unlink(missing_ok=True)
    server = Server(schema, database=str(source_path), api_key="bench")
    started = time.perf_counter()
    populate(server, entities=size)
    server.analyze()
    built = time.perf_counter() - started
    httpd = serve(server, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    transport = HttpTransport(f"http://{host!s}:{port}", "ftorm", "bench", timeout=(10, 600))
    try:
        result = clone(transport.call, str(copy_path), ["show"], page_size=page_size)
    finally:
        transport.close()
        httpd.shutdown()
        httpd.server_close()
        server.close()
    return result, built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            result, built = run(size, Path(scratch), args.page_size)
            print(
                f"{size:>7}: built in {built:.1f} s; cloned {result.entities:,} entities in "
                f"{result.seconds:.1f} s ({result.rate:,.0f}/s), {result.requests} requests "
                f"({result.requests_per_1000:.2f} per 1,000 entities)",
                flush=True,
            )
            rows.append(
                f"| {size:,} | {result.entities:,} | {result.seconds:.1f} | {result.rate:,.0f} "
                f"| {result.requests:,} | {result.requests_per_1000:.2f} |"
            )
    schema = "the recorded 116-type schema" if RECORDED.is_file() else "the standard schema"
    section = "\n".join(
        [
            SECTION,
            "",
            f"Command: `python benchmarks/bench_clone.py --sizes {' '.join(map(str, args.sizes))}`"
            f"  ",
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{platform.machine()}, {os.cpu_count()} CPUs shared with other jobs.",
            "",
            f"A generated show on {schema} (`benchmarks/project_data.py`: episodes, sequences, "
            "shots, tasks, assets, versions, file and container components in two locations, "
            "notes with recipients and replies, time logs, appointments, status changes, lists, "
            "links, metadata, custom attribute values), served by `ftorm serve` over HTTP on "
            "127.0.0.1 in the same process, cloned with ftorm's HTTP transport "
            f"({args.page_size} rows a page, 16 pages a request, 400 owner ids a query) into a "
            "new workspace file. The time includes the server answering (on the same 2 CPUs).",
            "",
            "| generated | entities cloned | seconds | entities/s | source requests "
            "| requests per 1,000 entities |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "Target: at least 2,000 entities/s, and requests that grow with the data divided by "
            "the page size, not with the entity count.",
            "",
        ]
    )
    print(section)
    if not args.no_write:
        write_section(DOCS, SECTION, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
