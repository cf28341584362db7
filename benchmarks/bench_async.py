"""AsyncSession over HTTP: 100 independent queries gathered, and the per-query overhead.

Run: ``python benchmarks/bench_async.py [--queries 100] [--rounds 5] [--no-write]``.

Starts ``ftorm serve`` as a separate process on 127.0.0.1 with a database file, seeds one
sequence per query with 5 shots each, then measures in the same run, alternating the two
drivers round by round (the median of ``--rounds``):

1. **Gathered**: the shots of each of the ``--queries`` sequences (one query each), run with
   ``asyncio.gather`` on one `ftorm.AsyncSession`, against the same queries run one after
   another on one `ftorm.Session`.
2. **Per-query overhead**: the same queries one after another on both drivers (the async one
   awaits each before the next), so the difference is what the asynchronous driver adds per
   query; the target is at most 1.2x the blocking driver's time.

Each round uses fresh sessions whose schema was fetched before the clock starts. Without
``--no-write`` the results replace the "## Async session" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

try:
    from benchmarks._report import DOCS, write_section
    from benchmarks.bench_contention import KEY, USER, Served
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _report import DOCS, write_section  # type: ignore[no-redef]
    from bench_contention import KEY, USER, Served  # type: ignore[no-redef]

import ftorm
from ftorm.models import Project, Sequence, Shot
from ftorm.transport.aio import DEFAULT_MAX_CONNECTIONS

SECTION = "## Async session"
SHOTS = 5


def seed(server: str, queries: int) -> list[str]:
    """One sequence per query, 5 shots in each; the sequences' ids."""
    with ftorm.Session(server, USER, KEY) as session:
        project = session.create(Project, name="async", full_name="Async")
        sequences = [
            session.create(Sequence, name=f"sq{index:03d}", parent=project)
            for index in range(queries)
        ]
        for sequence in sequences:
            for shot in range(SHOTS):
                session.create(Shot, name=f"{sequence.name}_sh{shot:02d}0", parent=sequence)
        session.commit()
        return [sequence.id for sequence in sequences]


def _query(sequence_id: str) -> ftorm.Query[Shot]:
    return Shot.where(Shot.parent.id == sequence_id)


def sync_run(server: str, ids: list[str]) -> float:
    """Seconds for the queries one after another on a `Session`."""
    with ftorm.Session(server, USER, KEY) as session:
        _ = session.schema
        start = time.perf_counter()
        for sequence_id in ids:
            assert len(session.query(_query(sequence_id)).all()) == SHOTS
        return time.perf_counter() - start


async def _async_run(server: str, ids: list[str], gathered: bool) -> float:
    async with ftorm.AsyncSession(server, USER, KEY) as session:
        await session.query(Project).count()  # the schema, before the clock starts
        start = time.perf_counter()
        if gathered:
            found = await asyncio.gather(*(session.query(_query(i)).all() for i in ids))
            assert all(len(shots) == SHOTS for shots in found)
        else:
            for sequence_id in ids:
                assert len(await session.query(_query(sequence_id)).all()) == SHOTS
        return time.perf_counter() - start


def async_run(server: str, ids: list[str], *, gathered: bool) -> float:
    """Seconds for the queries on an `AsyncSession`: gathered, or one after another."""
    return asyncio.run(_async_run(server, ids, gathered))


def report(queries: int, rounds: int, times: dict[str, list[float]]) -> str:
    """The section for docs/benchmarks.md, made of this run's figures."""
    sync = statistics.median(times["sync"])
    gathered = statistics.median(times["gathered"])
    sequential = statistics.median(times["sequential"])
    # Ratios of runs of the same round (the machine's load drifts between rounds).
    base = times["sync"]
    speedup = statistics.median(g / s for g, s in zip(times["gathered"], base, strict=True))
    overhead = statistics.median(q / s for q, s in zip(times["sequential"], base, strict=True))
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return "\n".join(
        [
            SECTION,
            "",
            f"Written by `python benchmarks/bench_async.py` ({queries} queries of {SHOTS} rows "
            f"each over HTTP against `ftorm serve` on 127.0.0.1, median of {rounds} rounds "
            f"alternating the drivers). Python {platform.python_version()}, "
            f"{platform.machine()}, {os.cpu_count()} CPUs; load average {load} at the end. "
            f"AsyncSession with httpx and its default bound of {DEFAULT_MAX_CONNECTIONS} "
            "connections.",
            "",
            "| run | time | per query | against `Session` | target |",
            "| --- | ---: | ---: | ---: | --- |",
            f"| `Session`, one after another (baseline) | {sync * 1000:.1f} ms | "
            f"{sync / queries * 1e6:.0f} µs | 1.00 |  |",
            f"| `AsyncSession`, `asyncio.gather` | {gathered * 1000:.1f} ms | "
            f"{gathered / queries * 1e6:.0f} µs | {speedup:.2f} |  |",
            f"| `AsyncSession`, one after another (per-query overhead) | "
            f"{sequential * 1000:.1f} ms | {sequential / queries * 1e6:.0f} µs | "
            f"{overhead:.2f} | at most 1.2: {'met' if overhead <= 1.2 else 'missed'} |",
            "",
            "Times are medians over the rounds; each ratio is the median of the ratios within "
            "one round.",
            "",
            f"Gathering the {queries} queries takes {speedup:.2f}x the time of running "
            "them one after another on a `Session` (the embedded server answers on one SQLite "
            "database, so concurrency mostly overlaps the network and JSON work).",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=100, help="independent queries")
    parser.add_argument("--rounds", type=int, default=11, help="rounds of each run")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {"sync": [], "gathered": [], "sequential": []}
    with tempfile.TemporaryDirectory() as folder:
        served = Served(Path(folder) / "bench.db")
        try:
            server = served.url.removesuffix("/api")
            ids = seed(server, args.queries)
            sync_run(server, ids)  # warm-up: the server's caches, both drivers' imports
            async_run(server, ids, gathered=True)
            for _ in range(args.rounds):
                times["sync"].append(sync_run(server, ids))
                times["gathered"].append(async_run(server, ids, gathered=True))
                times["sequential"].append(async_run(server, ids, gathered=False))
        finally:
            served.close()
    section = report(args.queries, args.rounds, times)
    print(section)
    if not args.no_write:
        write_section(DOCS, SECTION, section)
        print(f"written to {DOCS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
