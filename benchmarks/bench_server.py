"""The embedded server with a realistic project tree of 10,000 and 100,000 entities.

Run: ``python benchmarks/bench_server.py [--sizes 10000 100000] [--rounds N] [--db DIR]``.
The tree is sequences of 100 shots, each shot with 4 tasks, an asset and 3 versions (9
entities per shot), built through ordinary ``create`` batches. Timed through
`Server.handle` (query parsing, SQL, loading and encoding; no HTTP), median of N rounds:

- lookup by id: ``select name from Shot where id is "<id>"``;
- ``select name from Shot where parent.name like "sq01%"``;
- a projection through a collection: ``select name, children.name, children.status.name
  from Shot where parent.name is "sq005"`` (100 shots with their tasks);
- paging through up to 10,000 typed contexts, 500 per page, the way the official client
  pages (``select name from TypedContext offset N limit 500``, following ``next.offset``),
  reported per 1,000 rows (a 10,000-entity database holds fewer than 10,000 of them).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftorm.server.handlers import Server

SHOTS_PER_SEQUENCE = 100
TASKS_PER_SHOT = 4
VERSIONS_PER_SHOT = 3
PER_SHOT = 1 + TASKS_PER_SHOT + 1 + VERSIONS_PER_SHOT


def _ref(entity_type: str, entity_id: str) -> dict[str, str]:
    return {"__entity_type__": entity_type, "id": entity_id}


def _create(entity_type: str, **data: Any) -> dict[str, Any]:
    return {"action": "create", "entity_type": entity_type, "entity_data": data}


def _run(server: Server, batch: list[dict[str, Any]]) -> list[Any]:
    result = server.handle(batch)
    if not isinstance(result, list):
        msg = f"server error: {result}"
        raise SystemExit(msg)
    return result


def build(server: Server, entities: int) -> str:
    """Fill ``server`` with about ``entities`` entities; returns a shot id."""
    shots = max(1, (entities - 1) // PER_SHOT)
    sequences = max(1, -(-shots // SHOTS_PER_SEQUENCE))
    _run(server, [_create("Project", id="p-bench", name="bench", full_name="Benchmark")])
    _run(
        server,
        [
            _create("Sequence", id=f"sq-{s}", name=f"sq{s:03}", parent=_ref("Project", "p-bench"))
            for s in range(sequences)
        ],
    )
    batch: list[dict[str, Any]] = []
    for shot in range(shots):
        shot_id = f"sh-{shot}"
        sequence = f"sq-{shot // SHOTS_PER_SEQUENCE}"
        batch.append(
            _create("Shot", id=shot_id, name=f"sh{shot:05}", parent=_ref("Sequence", sequence))
        )
        for task in range(TASKS_PER_SHOT):
            batch.append(
                _create(
                    "Task", id=f"t-{shot}-{task}", name=f"task{task}", parent=_ref("Shot", shot_id)
                )
            )
        batch.append(_create("Asset", id=f"a-{shot}", name="plate", parent=_ref("Shot", shot_id)))
        for _ in range(VERSIONS_PER_SHOT):
            batch.append(_create("AssetVersion", asset=_ref("Asset", f"a-{shot}")))
        if len(batch) >= 2000:
            _run(server, batch)
            batch = []
    if batch:
        _run(server, batch)
    return "sh-0"


def _median_ms(function: Callable[[], object], rounds: int) -> float:
    function()  # warm-up
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def _query(server: Server, expression: str) -> dict[str, Any]:
    result = _run(server, [{"action": "query", "expression": expression}])
    data: dict[str, Any] = result[0]
    return data


def measure(server: Server, shot_id: str, rounds: int) -> dict[str, float]:
    def by_id() -> object:
        return _query(server, f'select name from Shot where id is "{shot_id}"')

    def like() -> object:
        return _query(server, 'select name from Shot where parent.name like "sq01%"')

    def collection() -> object:
        return _query(
            server,
            "select name, children.name, children.status.name from Shot "
            'where parent.name is "sq005"',
        )

    paged = [0]

    def paging() -> object:
        offset: int | None = 0
        rows = 0
        while offset is not None and rows < 10_000:
            page = _query(server, f"select name from TypedContext offset {offset} limit 500")
            rows += len(page["data"])
            offset = page["metadata"]["next"]["offset"]
        paged[0] = rows
        return rows

    matched = len(_query(server, 'select name from Shot where parent.name like "sq01%"')["data"])
    paging_ms = _median_ms(paging, max(1, rounds // 3))
    print(f"  like matched {matched} shots; paging read {paged[0]} rows")

    return {
        "lookup by id": _median_ms(by_id, rounds * 10),
        'Shot where parent.name like "sq01%"': _median_ms(like, rounds),
        "projection through a collection": _median_ms(collection, rounds),
        "paging, per 1,000 rows (500 a page, up to 10,000)": paging_ms * 1000 / paged[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--db", type=Path, help="directory for database files (default: temp)")
    args = parser.parse_args(argv)
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.db or Path(scratch)
        for size in args.sizes:
            path = folder / f"bench-{size}.db"
            path.unlink(missing_ok=True)
            server = Server(database=str(path), api_key="bench")
            start = time.perf_counter()
            shot_id = build(server, size)
            built = time.perf_counter() - start
            count = sum(
                server.connection.execute(f'SELECT COUNT(*) FROM "{t.name}"').fetchone()[0]
                for t in server.layout.tables.values()
            )
            print(f"{size:>7} requested: {count} rows in all tables, built in {built:.1f} s")
            results[size] = measure(server, shot_id, args.rounds)
            server.close()
    sizes = args.sizes
    header = "| query | " + " | ".join(f"{s:,} entities (ms)" for s in sizes)
    if len(sizes) == 2:
        header += " | growth"
    print(header + " |")
    print("|" + " --- |" * (len(sizes) + 1 + (len(sizes) == 2)))
    for name in results[sizes[0]]:
        cells = [f"{results[s][name]:.2f}" for s in sizes]
        if len(sizes) == 2:
            cells.append(f"{results[sizes[1]][name] / results[sizes[0]][name]:.1f}x")
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
