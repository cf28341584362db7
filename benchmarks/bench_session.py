"""Session costs on the client side: hydration, memory per entity, commit with a full session.

Run: ``python benchmarks/bench_session.py [--rounds N] [--quick] [--no-write]``.

Every figure is client-side cost only: the transport is a fake that encodes the request as
JSON and answers from prepared JSON text, as HTTP would, with no socket and no server. Side
by side in one run, median of N rounds:

1. Hydration of a 10,000-entity ``Task`` query result (10 scalar attributes per row, as a
   real ``select`` answers): bare ``json.loads`` of the response body (the baseline) against
   ``session.query(Task).all()`` (decoding included) on a fresh session each round, and
   against ftrack_api 3.1 (``session.query(...).all()`` over a faked HTTP layer).
2. Memory retained per hydrated entity, measured with `tracemalloc`: the bytes still
   allocated after the query, with the 10,000 entities held by the session and the result
   list, divided by 10,000.
3. ``commit()`` of one changed attribute with 1,000, 5,000 and 20,000 entities loaded in the
   session; the fake answers the update with an echo of the entity. ftrack_api's commit walks
   its whole cache (seconds at 20,000), so it is measured up to ``--ftrack-commit-max``
   entities (5,000 by default, to keep the run within about three minutes).

ftrack_api pins ``arrow<1``, so its columns are measured only in an environment with that
arrow, e.g. the one ``sh tests/compat/run.sh`` builds (``.venv-compat/bin/python
benchmarks/bench_session.py``); where ftrack_api is missing, or runs beside a newer arrow,
its columns are skipped with a note. Without ``--no-write``
(and without ``--quick``) the table replaces the "## Session" section of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ftorm.models import Task
from ftorm.protocol.operations import encode_batch
from ftorm.schema.standard import standard_documents, standard_schema
from ftorm.session import Session

try:
    from benchmarks._report import DOCS, write_section
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _report import DOCS, write_section  # type: ignore[no-redef]

SECTION = "## Session"

Row = dict[str, Any]

ISSUE_FTRACK_BYTES = 4_600  # ftrack_api's bytes per 10-attribute Task, as issue 5 measured


# --- data --------------------------------------------------------------------------------


def task_rows(count: int, seed: int = 5) -> list[Row]:
    """``count`` Task rows as a ``select`` of 10 scalar attributes answers them."""
    rng = random.Random(seed)

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    project, status, task_type, priority = new_id(), new_id(), new_id(), new_id()
    parents = [new_id() for _ in range(max(1, count // 10))]
    return [
        {
            "__entity_type__": "Task",
            "id": new_id(),
            "name": f"task {i:05}",
            "context_type": "task",
            "object_type_id": "11c137c0-ee7e-4f9c-91c5-8c77cec22b2c",
            "project_id": project,
            "parent_id": parents[i % len(parents)],
            "status_id": status,
            "type_id": task_type,
            "priority_id": priority,
            "description": f"Animation pass {i} for the shot, with notes from dailies.",
        }
        for i in range(count)
    ]


def query_body(rows: list[Row]) -> str:
    """The response text of one query batch returning ``rows`` as its only page."""
    return json.dumps([{"action": "query", "data": rows, "metadata": {"next": {"offset": None}}}])


def _answer(operation: Row, body: str | None) -> Any:
    action = operation.get("action")
    if action == "query_server_information":
        return {"version": "4.13.8", "schema_hash": standard_schema().hash}
    if action == "query_schemas":
        return standard_documents()
    if action == "query":
        if body is not None:
            return json.loads(body)[0]
        return {"action": "query", "data": [], "metadata": {"next": {"offset": None}}}
    if action == "update":
        data = dict(operation["entity_data"])
        data["id"] = operation["entity_key"][0]
        return {"action": "update", "data": data}
    msg = f"the fake server does not expect {action!r}"
    raise SystemExit(msg)


def answer_text(operations: list[Row], body: str | None) -> str:
    """The fake server: the response text for a batch (``body`` answers a lone query)."""
    if body is not None and len(operations) == 1 and operations[0].get("action") == "query":
        return body
    return json.dumps([_answer(operation, body) for operation in operations])


# --- ftorm -------------------------------------------------------------------------------


class FakeTransport:
    """An ftorm transport that answers from JSON text, as HTTP would, without a socket."""

    def __init__(self, body: str | None = None) -> None:
        self.body = body

    def call(self, operations: list[Any]) -> list[Any]:
        text = answer_text(json.loads(json.dumps(encode_batch(operations))), self.body)
        result: list[Any] = json.loads(text)
        return result

    def close(self) -> None:
        pass


def ftorm_session(body: str | None, page_size: int) -> Session:
    """A session on the fake transport with its schema and types already loaded."""
    session = Session(transport=FakeTransport(body), page_size=page_size)
    session.types  # noqa: B018 - loads the schema and the classes outside any timing
    return session


def ftorm_hydrate(body: str, count: int) -> tuple[Session, list[Any]]:
    session = ftorm_session(body, count)
    return session, session.query(Task).all()


# --- ftrack_api --------------------------------------------------------------------------


class FakeResponse:
    """What ftrack_api reads of a `requests.Response`."""

    def __init__(self, text: str) -> None:
        import datetime

        self.text = text
        self.status_code = 200
        self.elapsed = datetime.timedelta(0)

    def raise_for_status(self) -> None:
        pass


class FakeHttp:
    """Stands in for ftrack_api's `requests.Session`: ``post`` answers from JSON text."""

    body: str | None = None

    def __init__(self) -> None:
        import requests

        self.cookies = requests.cookies.RequestsCookieJar()
        self.headers: dict[str, str] = {}
        self.auth: Any = None

    def post(self, url: str, headers: Any = None, data: str = "", timeout: Any = None) -> Any:
        return FakeResponse(answer_text(json.loads(data), self.body))

    def close(self) -> None:
        pass


def ftrack_api_version() -> tuple[str | None, str]:
    """(ftrack_api's version, "") where it runs as released, else (None, why not): it pins
    ``arrow<1``, and a baseline measured beside a newer arrow is not the client users run."""
    import arrow

    try:
        import ftrack_api
    except ImportError:
        return None, "ftrack_api is not importable here"
    if int(arrow.__version__.split(".")[0]) >= 1:
        return None, (
            f"ftrack_api pins arrow<1 and this environment has arrow {arrow.__version__}; run "
            "the script from one with ftrack_api's own pins (`sh tests/compat/run.sh` builds "
            "`.venv-compat`, which has ftorm too)"
        )
    return str(ftrack_api.__version__), ""


def ftrack_session() -> tuple[Any, FakeHttp]:
    """An ``ftrack_api.Session`` whose HTTP layer is a `FakeHttp` serving the standard schema."""
    import ftrack_api.session

    fake = FakeHttp()
    original = ftrack_api.session.requests.Session
    ftrack_api.session.requests.Session = lambda: fake
    try:
        session = ftrack_api.Session(
            server_url="http://127.0.0.1:9",
            api_user="bench",
            api_key="bench",
            auto_connect_event_hub=False,
            schema_cache_path=False,
            plugin_paths=[],
        )
    finally:
        ftrack_api.session.requests.Session = original
    return session, fake


_FTRACK_QUERY = (
    "select name, context_type, object_type_id, project_id, parent_id, status_id, type_id, "
    "priority_id, description from Task"
)


def ftrack_hydrate(session: Any, fake: FakeHttp, body: str, count: int) -> list[Any]:
    fake.body = body
    try:
        return list(session.query(_FTRACK_QUERY, page_size=count).all())
    finally:
        fake.body = None


# --- measuring ---------------------------------------------------------------------------


def retained_bytes(build: Callable[[], object]) -> int:
    """Bytes `build` leaves allocated while its result is alive (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return after - before


class Results:
    """The measured figures, filled as the run goes."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []
        self.notes: list[str] = []

    def add(
        self, measure: str, ftorm: str, ftrack: str, target: str, met: bool | None = None
    ) -> None:
        if met is not None:
            target += ": met" if met else ": MISSED"
        self.rows.append((measure, ftorm, ftrack, target))
        print(f"  {measure:40s} {ftorm:>18s} {ftrack:>20s}  {target}", flush=True)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.1 else f"{seconds * 1000:,.0f} ms"


def bench_hydration(
    results: Results, count: int, rounds: int, ftrack_rounds: int, ftrack: bool
) -> None:
    body = query_body(task_rows(count))
    baselines, timings = [], []
    for _ in range(rounds):  # alternated, so that a change of load hits both alike
        start = time.perf_counter()
        json.loads(body)
        baselines.append(time.perf_counter() - start)
        session = ftorm_session(body, count)  # fresh: an empty identity map
        start = time.perf_counter()
        objects = session.query(Task).all()
        timings.append(time.perf_counter() - start)
        assert len(objects) == count, len(objects)
        session.close()
    baseline, ours = statistics.median(baselines), statistics.median(timings)
    # The ratio is the median of each round's ratio (ours over the baseline of its own
    # round), not a ratio of medians: a change of load between rounds hits both sides alike.
    ratios = sorted(t / b for t, b in zip(timings, baselines, strict=True))
    ratio = statistics.median(ratios)
    results.add(f"json.loads of {count:,} rows (baseline)", _ms(baseline), "", "")
    theirs = ""
    if ftrack:
        ftrack_timings = []
        for _ in range(ftrack_rounds):
            api, fake = ftrack_session()
            start = time.perf_counter()
            entities = ftrack_hydrate(api, fake, body, count)
            ftrack_timings.append(time.perf_counter() - start)
            assert len(entities) == count, len(entities)
            api.close()
        value = statistics.median(ftrack_timings)
        theirs = f"{_ms(value)} ({value / baseline:.1f}x)"
    results.add(
        f"hydrate {count:,} Tasks",
        f"{_ms(ours)} ({ratio:.2f}x; rounds {ratios[0]:.2f}-{ratios[-1]:.2f}x)",
        theirs,
        "within 3x json.loads",
        ratio <= 3,
    )


def bench_memory(results: Results, count: int, ftrack: bool) -> None:
    body = query_body(task_rows(count))
    decoded = retained_bytes(lambda: json.loads(body)) / count
    results.add("decoded rows held, per row (baseline)", f"{decoded:,.0f} B", "", "")
    session = ftorm_session(body, count)  # schema and classes loaded before measuring
    ours = retained_bytes(lambda: session.query(Task).all()) / count
    session.close()
    theirs = ""
    if ftrack:
        api, fake = ftrack_session()
        value = retained_bytes(lambda: ftrack_hydrate(api, fake, body, count)) / count
        api.close()
        theirs = f"{value:,.0f} B"
        target = f"a third of ftrack_api (<= {value / 3:,.0f} B)"
    else:
        value = ISSUE_FTRACK_BYTES
        target = f"a third of ftrack_api's {value:,} B in issue 5 (<= {value / 3:,.0f} B)"
    results.add(
        f"memory retained per entity ({count:,})",
        f"{ours:,.0f} B",
        theirs,
        target,
        ours <= value / 3,
    )


def _commit_rounds(
    objects: Sequence[Any],
    commit: Callable[[], None],
    set_name: Callable[[Any, str], None],
    rounds: int,
) -> float:
    timings = []
    for i in range(rounds):
        set_name(objects[(i * 7919) % len(objects)], f"renamed {i}")
        start = time.perf_counter()
        commit()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def bench_commit(
    results: Results,
    sizes: Sequence[int],
    rounds: int,
    ftrack_rounds: int,
    ftrack_sizes: Sequence[int],
) -> None:
    rows = task_rows(max(sizes))
    slope: dict[int, float] = {}
    for size in sizes:
        body = query_body(rows[:size])
        session, objects = ftorm_hydrate(body, size)
        ours = _commit_rounds(objects, session.commit, _set_ftorm_name, rounds)
        assert not session.dirty
        session.close()
        theirs = ""
        if size in ftrack_sizes:
            api, fake = ftrack_session()
            entities = ftrack_hydrate(api, fake, body, size)
            value = _commit_rounds(entities, api.commit, _set_ftrack_name, ftrack_rounds)
            api.close()
            slope[size] = value
            theirs = _ms(value)
        elif ftrack_sizes:
            theirs = "not measured"
        results.add(
            f"commit 1 change, {size:,} loaded", _ms(ours), theirs, "under 2 ms", ours < 0.002
        )
    if len(slope) >= 2:
        small, large = min(slope), max(slope)
        per_entity = (slope[large] - slope[small]) / (large - small)
        results.notes.append(
            f"ftrack_api's commit grows by {per_entity * 1000:.3f} ms per entity in its cache "
            f"(between {small:,} and {large:,} loaded)."
        )


def _set_ftorm_name(obj: Any, name: str) -> None:
    obj.name = name


def _set_ftrack_name(entity: Any, name: str) -> None:
    entity["name"] = name


# --- report ------------------------------------------------------------------------------


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def markdown(
    results: Results, command: str, ftrack: str | None, load_before: str, rounds: str
) -> str:
    try:
        from importlib.metadata import version

        arrow = version("arrow")
    except Exception:  # pragma: no cover - arrow is a dependency of ftorm
        arrow = "unknown"
    lines = [
        SECTION,
        "",
        f"Command: `{command}`  ",
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average (1, 5, 15 min) {load_before} at the start, {_load()} at the end  ",
        f"ftrack_api: {ftrack if ftrack else 'not installed in this environment (skipped)'}; "
        f"arrow {arrow}",
        "",
        "Client-side cost only: a fake transport answers from prepared JSON text (the request is "
        "encoded and the answer decoded as over HTTP, no socket); ftrack_api runs with its "
        f"`requests.Session` replaced by the same fake. Times are medians of {rounds}. "
        "The hydration ratio is the median of each round's ratio (ftorm's time over the "
        "`json.loads` of the same round); single rounds vary widely, and the range shows "
        "them. Memory is measured with `tracemalloc`: bytes still allocated after the query while "
        "the session and the result list hold the entities, divided by their number. The "
        "decoded-rows baseline is what the `json.loads` result alone holds per row: ftorm keeps "
        "the decoded values as they are, so the difference between the two is ftorm's own "
        "cost per entity.",
        "",
        "| Measure | ftorm | ftrack_api | Target |",
        "|---|---:|---:|---|",
    ]
    lines += [f"| {m} | {a} | {b or '-'} | {t} |" for m, a, b, t in results.rows]
    if results.notes:
        lines.append("")
        lines += [f"- {note}" for note in results.notes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per ftorm timing (median)")
    parser.add_argument(
        "--ftrack-rounds", type=int, default=3, help="rounds per ftrack_api timing (median)"
    )
    parser.add_argument("--entities", type=int, default=10_000, help="rows to hydrate")
    parser.add_argument(
        "--commit-sizes", type=int, nargs="+", default=[1_000, 5_000, 20_000],
        help="entities loaded in the session for the commit timings",
    )  # fmt: skip
    parser.add_argument(
        "--ftrack-commit-max", type=int, default=5_000,
        help="largest session size at which ftrack_api's commit is measured",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (tiny sizes)")
    parser.add_argument("--no-ftrack", action="store_true", help="skip ftrack_api")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--output", type=Path, default=DOCS, help="the markdown file to update")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.ftrack_rounds, args.entities = 2, 1, 200
        args.commit_sizes, args.ftrack_commit_max = [100, 400], 400
    if min(args.rounds, args.ftrack_rounds, args.entities, *args.commit_sizes) < 1:
        parser.error("--rounds, --ftrack-rounds, --entities and --commit-sizes must be positive")

    ftrack, reason = (None, "--no-ftrack") if args.no_ftrack else ftrack_api_version()
    results = Results()
    if ftrack is None:
        results.notes.append(f"ftrack_api columns skipped: {reason}.")
    ftrack_sizes = [s for s in args.commit_sizes if s <= args.ftrack_commit_max] if ftrack else []
    skipped = [s for s in args.commit_sizes if s not in ftrack_sizes]
    if ftrack and skipped:
        results.notes.append(
            "ftrack_api commit not measured with "
            + ", ".join(f"{s:,}" for s in skipped)
            + f" entities loaded (--ftrack-commit-max {args.ftrack_commit_max:,}),"
            " to bound the run."
        )

    load_before = _load()
    print(
        f"session benchmarks: median of {args.rounds} rounds, Python "
        f"{platform.python_version()}, ftrack_api {ftrack or 'not installed'}, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(f"  {'measure':40s} {'ftorm':>18s} {'ftrack_api':>20s}  target")
    started = time.perf_counter()
    bench_hydration(results, args.entities, args.rounds, args.ftrack_rounds, ftrack is not None)
    bench_memory(results, args.entities, ftrack is not None)
    bench_commit(results, args.commit_sizes, 3 * args.rounds, args.ftrack_rounds, ftrack_sizes)
    print(f"  ({time.perf_counter() - started:.1f} s)")
    for note in results.notes:
        print(f"  note: {note}")

    if not (args.quick or args.no_write):
        arguments = " ".join(sys.argv[1:] if argv is None else argv)
        command = f"python benchmarks/bench_session.py {arguments}".rstrip()
        rounds = (
            f"{args.rounds} rounds for ftorm ({3 * args.rounds} for its commits) and "
            f"{args.ftrack_rounds} for ftrack_api"
        )
        write_section(args.output, SECTION, markdown(results, command, ftrack, load_before, rounds))
        print(f"  written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
