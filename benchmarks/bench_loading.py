"""Loading over HTTP: request counts of everyday loops, paged query time, start-up time.

Run: ``python benchmarks/bench_loading.py [--rows 10000] [--rounds 9] [--no-write]``.

Starts ``ftorm serve`` as a separate process on 127.0.0.1 with a database file, seeds it over
HTTP (500 tasks with statuses under one project, the rest of ``--rows`` under another), then
measures, for ftorm and (where it imports) ftrack_api in the same run:

1. **Requests** for ``for task in tasks: task.status.name`` on the 500 tasks queried without
   eager loading, for ``task.status.state.name``, and for ``populate(tasks, "status")``
   followed by the first loop.
2. **A large query** of every task, at each size of ``--rows`` (10,000 and 100,000 by default):
   ftorm's ``query(Task).all()`` against one bare ``requests.post`` of the same query without
   a ``limit`` + ``json.loads``, alternating, the median of ``--rounds`` rounds' ratios
   (9 by default, at least 7: about a minute at 100,000 rows), with the load average when
   each size's rounds began and ended.
3. **Start-up** (``--only startup``; "## Start-up"): the whole process ``python -c "import
   ftorm, ftorm.models; ftorm.Session(url, user, key)"`` (an HTTP session: nothing is sent
   before its first use) against ``python -c "import ftrack_api"``, each library in a virtual
   environment of its own that the script builds under ``.bench-envs/`` (``--envs``), as users
   install them: ftorm with its own dependencies (arrow 1.x), ftrack_api with the ``arrow<1``
   it pins. Alternating, one process of each per round; the ratio is the median of the rounds'
   ratios. Then where ftorm's import time goes (``-X importtime``).

For parts 1 and 2, ftrack_api pins ``arrow<1``: to measure it in the same run use an
environment where both import (see ``benchmarks/bench_session.py``); without it its columns
are skipped with a note. Charts (PNG, `benchmarks._charts`: matplotlib from the ``bench`` extra, or
an environment of its own under ``.bench-envs/charts`` that the script builds) go to
``docs/images/``; without ``--no-write`` the results replace the sections of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests

try:
    from benchmarks._charts import bar_chart
    from benchmarks._report import DOCS, ROOT, write_section
    from benchmarks.bench_contention import HEADERS, KEY, USER, Served
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _charts import bar_chart  # type: ignore[no-redef]
    from _report import DOCS, ROOT, write_section  # type: ignore[no-redef]
    from bench_contention import HEADERS, KEY, USER, Served  # type: ignore[no-redef]

import ftorm
from ftorm.models import Project, Status, Task
from ftorm.protocol.operations import OperationLike, encode_batch
from ftorm.session.paging import GROW_TO

SECTION = "## Loading"
IMAGES = ROOT / "docs" / "images"
LOOPS = ("task.status.name", "task.status.state.name", "populate, then task.status.name")


def seed(url: str, rows: int) -> None:
    """500 tasks under project "loop" and ``rows - 500`` under "bulk", statuses round-robin."""
    with ftorm.Session(url.removesuffix("/api"), USER, KEY) as session:
        statuses = session.query(Status).all()
        for name, count in (("loop", 500), ("bulk", max(rows - 500, 0))):
            project = session.create(Project, name=name, full_name=name)
            for index in range(count):
                status = statuses[index % len(statuses)]
                session.create(Task, name=f"t{index:05d}", parent=project, status=status)
                if index % 2000 == 1999:
                    session.commit()
            session.commit()


def ftorm_loops(url: str) -> list[int]:
    """Requests ftorm makes for each of `LOOPS`."""
    counts = []
    query = Task.where(Task.parent.name == "loop")
    for loop in LOOPS:
        with ftorm.Session(url.removesuffix("/api"), USER, KEY) as session:
            _ = session.types
            before = session.stats.requests
            tasks = session.query(query).all()
            if loop.startswith("populate"):
                session.populate(tasks, Task.status)
            for task in tasks:
                status = task.status
                assert status is not None
                _ = status.state.name if "state" in loop else status.name  # type: ignore[union-attr]
            counts.append(session.stats.requests - before)
    return counts


def ftrack_loops(url: str) -> list[int] | None:
    """Requests ftrack_api makes for each of `LOOPS` (None when it does not import)."""
    try:
        import ftrack_api  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None
    counts = []
    for loop in LOOPS:
        session = ftrack_api.Session(
            server_url=url.removesuffix("/api"),
            api_user=USER,
            api_key=KEY,
            auto_connect_event_hub=False,
            schema_cache_path=False,
            plugin_paths=[],
        )  # fmt: skip  (no ~/.cache schema file, no plugins from FTRACK_EVENT_PLUGIN_PATH)
        sent = [0]
        post = session._request.post

        def counting(*args: Any, _post: Any = post, _sent: list[int] = sent, **kwargs: Any) -> Any:
            _sent[0] += 1
            return _post(*args, **kwargs)

        session._request.post = counting
        tasks = session.query('Task where parent.name is "loop"').all()
        if loop.startswith("populate"):
            session.populate(tasks, "status")
        for task in tasks:
            _ = task["status"]["state"]["name"] if "state" in loop else task["status"]["name"]
        counts.append(sent[0])
        session.close()
    return counts


class _Collector:
    """Seconds Python's cyclic garbage collector runs while the block runs (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._began = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._began

    def __enter__(self) -> _Collector:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


SHAPES: dict[str, Callable[[], Any]] = {
    "every Task, default attributes": lambda: Task.where(),
    "filtered on a relation path": lambda: Task.where(Task.parent.name.like("bulk%")),
    "three paths across two relations": lambda: Task.select(
        Task.name, Task.status.name, Task.parent.name
    ),
    "ordered by name, descending": lambda: Task.where().order_by(Task.name.desc()),
}
"""The large query's shapes: what a studio tool fetches in bulk. Each is measured against
one raw request of the very query text ftorm sent, without its paging."""


def query_times(url: str, rounds: int, shape: str) -> dict[str, Any]:
    """ftorm's paged query of ``SHAPES[shape]`` against one raw request of the same rows.

    Alternating rounds (the order reversed every round): ftorm's ``session.query(q).all()``
    in a session whose schema is loaded, one bare ``requests.post`` of the same query without
    a ``limit`` (every row in one answer) + ``json.loads``. The ratios are the medians of
    the rounds' ratios (each over the raw time of its round); the collector's seconds are
    measured during ftorm's runs.
    """
    build = SHAPES[shape]
    expression: list[str] = []

    def run_ftorm() -> tuple[float, int, int, float]:
        with ftorm.Session(url.removesuffix("/api"), USER, KEY) as session:
            _ = session.types
            transport = session.transport
            call: Callable[[Sequence[OperationLike]], Any] = transport.call
            sent: list[bytes] = []

            def recording(operations: Sequence[OperationLike], _call: Any = call) -> Any:
                sent.append(json.dumps(encode_batch(operations)).encode())
                return _call(operations)

            transport.call = recording  # type: ignore[method-assign]
            with _Collector() as collector:
                start = time.perf_counter()
                rows = len(session.query(build()).all())
                seconds = time.perf_counter() - start
        if not expression:
            first = json.loads(sent[0])[0]["expression"]
            expression.append(first.rsplit(" limit ", 1)[0].replace(" offset 0", ""))
        return seconds, rows, len(sent), collector.seconds

    def run_raw(http: requests.Session) -> tuple[float, int]:
        body = json.dumps([{"action": "query", "expression": expression[0]}]).encode()
        start = time.perf_counter()
        answer = json.loads(http.post(url, data=body, headers=HEADERS, timeout=600).content)
        return time.perf_counter() - start, len(answer[0]["data"])

    ftorm_times, raw_times, ratios, collector = [], [], [], []
    rows = requests_sent = raw_rows = 0
    load_before = _load()
    with requests.Session() as http:
        run_ftorm()  # warm both sides; learns the query's text
        run_raw(http)
        for index in range(rounds):
            steps = ["ftorm", "raw"]
            if index % 2:
                steps.reverse()
            for step in steps:
                if step == "ftorm":
                    ours, rows, requests_sent, collecting = run_ftorm()
                else:
                    raw, raw_rows = run_raw(http)
            ftorm_times.append(ours)
            raw_times.append(raw)
            ratios.append(ours / raw)
            collector.append(collecting)
    assert raw_rows == rows, (raw_rows, rows)
    return {
        "rows": rows,
        "requests": requests_sent,
        "ftorm": statistics.median(ftorm_times),
        "raw": statistics.median(raw_times),
        "ratio": statistics.median(ratios),
        "lowest": min(ratios),
        "highest": max(ratios),
        "collector": statistics.median(collector),
        "expression": expression[0],
        "shape": shape,
        "rounds": rounds,
        "load": f"{load_before} / {_load()}",
    }


STARTUP_SECTION = "## Start-up"
FTORM_CODE = "import ftorm, ftorm.models; ftorm.Session('http://127.0.0.1:1', 'user', 'key')"
FTRACK_CODE = "import ftrack_api"
_ASYNC = "an AsyncSession (`ftorm[async]`)"
PROGRAMS: dict[str, str] = {
    "a session (the issue's program)": FTORM_CODE,
    "ftorm alone": "import ftorm",
    "a query built and rendered": (
        "import ftorm; from ftorm.models import Task; str(Task.where(Task.name == 'x'))"
    ),
    "a session and its event hub": (
        "import ftorm, ftorm.models; ftorm.Session('http://127.0.0.1:1', 'user', 'key').events"
    ),
    _ASYNC: ("import ftorm, ftorm.models; ftorm.AsyncSession('http://127.0.0.1:1', 'user', 'key')"),
}
"""The ftorm programs whose start-up is measured, each against ``import ftrack_api``."""
ASYNC_BASELINE = "import asyncio, ftrack_api"
"""ftrack_api has no asynchronous API: an asyncio program that uses it imports asyncio
itself. The AsyncSession is also measured against that."""


_AWAY = tempfile.gettempdir()
"""Where the start-up processes run: ``python -c`` puts its working folder first on
``sys.path``, and in the checkout that would import ftorm from the source tree instead of
the environment being measured."""


def _timed(python: Path, code: str) -> float:
    """Wall time of one fresh ``python -c code`` process (seconds)."""
    start = time.perf_counter()
    subprocess.run([str(python), "-c", code], check=True, capture_output=True, cwd=_AWAY)
    return time.perf_counter() - start


def _import_times(python: Path, code: str, modules: Sequence[str]) -> dict[str, float]:
    """Cumulative ``-X importtime`` milliseconds of ``modules`` in one fresh process."""
    done = subprocess.run(
        [str(python), "-X", "importtime", "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=_AWAY,
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] in modules and parts[1].isdigit():
            found[parts[2]] = int(parts[1]) / 1000
    return found


def startup(envs: Path, rounds: int) -> dict[str, Any]:
    """Whole-process start-up of ftorm and ftrack_api, each in its own environment (built by
    `benchmarks.bench_builder.make_envs`), alternating: one process of each per round.

    The ratio is the median over rounds of ftorm's time over ftrack_api's in the same round.
    """
    try:
        from benchmarks.bench_builder import _python, _versions, make_envs
    except ImportError:  # run as a script
        from bench_builder import _python, _versions, make_envs  # type: ignore[no-redef]

    make_envs(envs)
    ours, theirs = _python(envs, "ftorm"), _python(envs, "ftrack-query")
    runs = [(name, ours, code) for name, code in PROGRAMS.items()]
    runs.append(("ftrack_api", theirs, FTRACK_CODE))
    runs.append(("asyncio and ftrack_api", theirs, ASYNC_BASELINE))
    for _, python, code in runs:
        _timed(python, code)  # warm the file cache and the byte-code of each
    times: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    ratios: dict[str, list[float]] = {name: [] for name in PROGRAMS}
    async_ratios: list[float] = []
    for index in range(rounds):
        order = runs if index % 2 == 0 else runs[::-1]  # none always runs first
        for name, python, code in order:
            times[name].append(_timed(python, code))
        for name in PROGRAMS:
            ratios[name].append(times[name][-1] / times["ftrack_api"][-1])
        async_ratios.append(times[_ASYNC][-1] / times["asyncio and ftrack_api"][-1])
    ftorm_times, ftrack_times = times[next(iter(PROGRAMS))], times["ftrack_api"]
    modules = ("ftorm", "ftorm.model", "ftorm.models", "ftorm.session", "arrow", "attrs")
    samples = [_import_times(ours, FTORM_CODE, modules) for _ in range(5)]
    imports = {m: statistics.median(s.get(m, 0.0) for s in samples) for m in modules}
    heavy = ("asyncio", "httpx")
    samples = [_import_times(ours, PROGRAMS[_ASYNC], heavy) for _ in range(5)]
    async_imports = {m: statistics.median(s.get(m, 0.0) for s in samples) for m in heavy}
    return {
        "ftorm": statistics.median(ftorm_times),
        "ftrack": statistics.median(ftrack_times),
        "ratio": statistics.median(ratios[next(iter(PROGRAMS))]),
        "programs": {
            name: (statistics.median(times[name]), statistics.median(ratios[name]))
            for name in PROGRAMS
        },
        "async": (
            statistics.median(times["asyncio and ftrack_api"]),
            statistics.median(async_ratios),
        ),
        "rounds": rounds,
        "imports": imports,
        "async_imports": async_imports,
        "versions": {
            "ftorm": _versions(ours, "ftorm arrow attrs requests"),
            "ftrack_api": _versions(theirs, "ftrack-python-api arrow requests"),
        },
    }


def startup_section(found: dict[str, Any], load: str) -> str:
    """The "## Start-up" section of the docs from `startup`'s figures."""
    ratio = found["ratio"]
    verdict = "met" if ratio <= 0.8 else "**missed**"
    imports = found["imports"]
    lines = [
        STARTUP_SECTION,
        "",
        "Command: `python benchmarks/bench_loading.py --only startup`  ",
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average {load} at the end  ",
        f"ftorm environment: {found['versions']['ftorm']}  ",
        f"ftrack_api environment: {found['versions']['ftrack_api']}",
        "",
        "Each library in a virtual environment of its own, installed as users install it "
        "(ftorm from this checkout with its own dependencies; ftrack_api from the package "
        "index with the `arrow<1` it pins). Whole processes, alternating: each round starts "
        "one process of each (the order swapped every round); the ratio is the median over "
        f"{found['rounds']} rounds of ftorm's time over ftrack_api's in the same round.",
        "",
        "| process | ftorm | ftrack_api | ratio | target 0.8x |",
        "|---|---:|---:|---:|---|",
        f'| `python -c "{FTORM_CODE}"` against `python -c "{FTRACK_CODE}"` | '
        f"{found['ftorm'] * 1000:.0f} ms | {found['ftrack'] * 1000:.0f} ms | {ratio:.2f} "
        f"| {verdict} |",
        "",
        "Other ftorm programs, each against the same `import ftrack_api` in the same rounds "
        "(ftorm's environment has the `async` extra installed, so httpx is there for the "
        "AsyncSession):",
        "",
        "| ftorm program | code | ftorm | ratio | target 0.8x |",
        "|---|---|---:|---:|---|",
        *(
            f"| {name} | `{PROGRAMS[name]}` | {seconds * 1000:.0f} ms | {share:.2f} "
            f"| {'met' if share <= 0.8 else '**missed**'} |"
            for name, (seconds, share) in found["programs"].items()
        ),
        "",
        "ftrack_api has no asynchronous API, so an asyncio program that uses it imports "
        "asyncio itself; against that program, "
        f'`python -c "{ASYNC_BASELINE}"` ({found["async"][0] * 1000:.0f} ms), the '
        f"AsyncSession's ratio is {found['async'][1]:.2f}. What an AsyncSession adds to a "
        "session is two imports, neither of them ftorm's code (`-X importtime`, cumulative, "
        "median of 5 processes): "
        + ", ".join(f"{m} {ms:.1f} ms" for m, ms in found["async_imports"].items())
        + ". The 0.8x target is the issue's, for the synchronous program: the AsyncSession "
        "misses it, and those two imports are most of the difference.",
        "",
        "Where ftorm's import time goes (`-X importtime`, cumulative, median of 5 processes; a "
        "module is charged to the first module that imports it):",
        "",
        "| module | ms |",
        "|---|---:|",
        *(f"| `{name}` | {ms:.1f} |" for name, ms in imports.items()),
        "",
        "arrow is imported when a date is first converted (a date-time read from the server, "
        "a date attribute's column or check), not on `import ftorm` (0 above means not "
        "imported; `tests/test_startup.py::test_arrow_waits_for_the_first_date`).",
    ]
    return "\n".join(lines) + "\n"


def http_section(sizes: Sequence[int], rounds: int) -> str:
    """Measure over HTTP against ``ftorm serve`` and write the "## Loading" section."""
    queries: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        served = Served(database)
        try:
            seed(served.url, sizes[0])
            ours = ftorm_loops(served.url)
            theirs = ftrack_loops(served.url)
            seeded = sizes[0]
            for size in sizes:
                if size > seeded:
                    more(served.url, size - seeded)
                    seeded = size
                # A server process that has just taken thousands of creates holds on to
                # memory (about 3 kB a create) and answers every query more slowly, ftorm's
                # and the raw request alike: measure on a server started on the seeded file.
                served.close()
                served = Served(database)
                for shape in SHAPES:
                    queries.append(query_times(served.url, rounds, shape))
        finally:
            served.close()
    lines = [
        SECTION,
        "",
        "Command: `python benchmarks/bench_loading.py --only http`  ",
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average {_load()} at the end",
        "",
        "Over HTTP against `ftorm serve` (its own process, a database file) on 127.0.0.1: 500 "
        'tasks without eager loading (`lazy="batch"`, the default), then a query of every task '
        "(the server restarted on the seeded file before each size: a process that has just "
        "taken the seeding's creates answers every query more slowly, both sides alike).",
        "",
        "| requests for | ftorm | ftrack_api | target (ftorm) |",
        "|---|---|---|---|",
    ]
    targets = (2, 3, 2)
    for index, loop in enumerate(LOOPS):
        other = "not installed" if theirs is None else str(theirs[index])
        lines.append(f"| `{loop}` | {ours[index]} | {other} | at most {targets[index]} |")
    lines += [
        "",
        "A large query, in each of the shapes below: ftorm's `session.query(q).all()` (pages "
        f"of 500 rows, then doubling up to {GROW_TO:,}: `ftorm.session.paging`; the next page "
        "on its way while one is read) against one bare `requests.post` of the very query "
        "text ftorm sent, without its paging (every row in one answer) + `json.loads`, in "
        "the same run against the same server. "
        f"Alternating rounds (the order reversed each round); each ratio is the median of "
        f"{rounds} rounds' ratios (a time over the raw time of its round), the range the "
        "lowest and highest of ftorm's. The collector column is the time Python's cyclic "
        "garbage collector ran during ftorm's query (median). Load average (1, 5, 15 min) "
        "when each size's rounds began and ended.",
        "",
        "| tasks | shape | rows | ftorm requests | ftorm | of which collector "
        "| one raw request | ratio | range | target 1.5x | load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for size, found in zip(sizes_of(queries), queries, strict=True):
        verdict = "met" if found["ratio"] <= 1.5 else "**missed**"
        lines.append(
            f"| {size:,} | {found['shape']} | {found['rows']:,} | {found['requests']} "
            f"| {found['ftorm']:.3f} s | {found['collector']:.3f} s | {found['raw']:.3f} s "
            f"| {found['ratio']:.2f} | {found['lowest']:.2f}-{found['highest']:.2f} "
            f"| {verdict} | {found['load']} |"
        )
    met = sum(q["ratio"] <= 1.5 for q in queries)
    lines += ["", f"Target at most 1.5x: met on {met} of {len(queries)}.", "",
              "The raw requests' queries:", ""]  # fmt: skip
    lines += [f"- {shape}: `{text}`" for shape, text in expressions(queries).items()]
    if theirs is None:
        lines += ["", "ftrack_api was not importable in this environment: its column is empty."]
    series: dict[str, list[float]] = {"ftorm": [float(n) for n in ours]}
    if theirs is not None:
        series["ftrack_api"] = [float(n) for n in theirs]
    series["target (at most)"] = [float(n) for n in targets]
    note = f"bench_loading.py, load average {_load()}; 500 tasks over HTTP from ftorm serve"
    drawn = bar_chart(IMAGES / "loading-requests.png", "Requests per loop over 500 tasks",
                      LOOPS, series, unit="requests", note=note)  # fmt: skip
    # One bar per shape and size, as a ratio to the raw request of its own round: shapes
    # of different sizes share one scale, and the target is one line.
    ratios = {"ftorm's time over one raw request + json.loads": [q["ratio"] for q in queries]}
    labels = [
        f"{textwrap.fill(q['shape'], 13)}\n{size:,} tasks"
        for size, q in zip(sizes_of(queries), queries, strict=True)
    ]
    note = f"medians of {rounds} alternating rounds' ratios; load average {_load()}"
    drawn = bar_chart(IMAGES / "loading-times.png", "A large query over HTTP (lower is better)",
                      labels, ratios, unit="x one raw request", digits=2, note=note,
                      target=1.5) and drawn  # fmt: skip
    lines += (
        [
            "",
            "![Requests per loop](images/loading-requests.png)",
            "",
            "![Query times](images/loading-times.png)",
        ]
        if drawn
        else ["", "(charts not drawn: matplotlib could not be installed)"]
    )
    return "\n".join(lines) + "\n"


def sizes_of(queries: Sequence[dict[str, Any]]) -> list[int]:
    """The number of tasks on the server when each query ran (the first shape's rows)."""
    sizes, size = [], 0
    for found in queries:
        if found["shape"] == next(iter(SHAPES)):
            size = found["rows"]
        sizes.append(size)
    return sizes


def expressions(queries: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Each shape's raw query text (the same at every size)."""
    return {found["shape"]: found["expression"] for found in queries}


def more(url: str, count: int) -> None:
    """``count`` more tasks under project "bulk2" (statuses round-robin)."""
    with ftorm.Session(url.removesuffix("/api"), USER, KEY) as session:
        statuses = session.query(Status).all()
        project = session.create(Project, name="bulk2", full_name="bulk2")
        for index in range(count):
            session.create(Task, name=f"u{index:06d}", parent=project,
                           status=statuses[index % len(statuses)])  # fmt: skip
            if index % 5000 == 4999:
                session.commit()
        session.commit()


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000],
                        help="tasks for the large query (each size in turn)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=9,
                        help="rounds of the large query, alternating (at least 7)")  # fmt: skip
    parser.add_argument("--startup-rounds", type=int, default=21, help="start-up rounds")
    parser.add_argument("--only", choices=("http", "startup"), help="measure one part only")
    parser.add_argument("--envs", type=Path, default=ROOT / ".bench-envs")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.rounds < 7:
        parser.error("--rounds: at least 7, for a stable median")

    if args.only != "startup":
        section = http_section(sorted(args.rows), args.rounds)
        print(section)
        if not args.no_write:
            write_section(DOCS, SECTION, section)
    if args.only != "http":
        found = startup(args.envs, args.startup_rounds)
        section = startup_section(found, _load())
        programs = found["programs"]
        times = {
            "ftorm": [seconds * 1000 for seconds, _ in programs.values()],
            "baseline: import ftrack_api": [found["ftrack"] * 1000 for _ in programs],
        }
        ratios = ", ".join(f"{share:.2f}x" for _, share in programs.values())
        note = (
            f"medians of {found['rounds']} alternating rounds; ratios {ratios} (target 0.8x); "
            f"load average {_load()}"
        )
        labels = [textwrap.fill(name.replace("`", ""), 16) for name in programs]
        if bar_chart(IMAGES / "startup-times.png", "Start-up, whole process (lower is better)",
                     labels, times, unit="milliseconds", note=note):  # fmt: skip
            section += "\n![Start-up times](images/startup-times.png)\n"
        print(section)
        if not args.no_write:
            write_section(DOCS, STARTUP_SECTION, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
