"""Loading over HTTP: request counts of everyday loops, paged query time, start-up time.

Run: ``python benchmarks/bench_loading.py [--rows 10000] [--rounds 3] [--no-write]``.

Starts ``ftorm serve`` as a separate process on 127.0.0.1 with a database file, seeds it over
HTTP (500 tasks with statuses under one project, the rest of ``--rows`` under another), then
measures, for ftorm and (where it imports) ftrack_api in the same run:

1. **Requests** for ``for task in tasks: task.status.name`` on the 500 tasks queried without
   eager loading, for ``task.status.state.name``, and for ``populate(tasks, "status")``
   followed by the first loop.
2. **A paged query of ``--rows`` tasks**: ftorm's ``query(Task).all()`` against bare
   ``requests.post`` + ``json.loads`` of the same page bodies (the bodies ftorm sent, replayed),
   the median of ``--rounds`` pairs.
3. **Start-up**: the whole process ``python -c "import ftorm, ftorm.models;
   ftorm.Session(url, user, key)"`` (an HTTP session: nothing is sent before its first use)
   against ``python -c "import ftrack_api"``, the median of 7 runs.

ftrack_api pins ``arrow<1``: to measure both in one run use an environment where both import
(see ``benchmarks/bench_session.py``); without it its columns are skipped with a note. Charts
(PNG, matplotlib from the ``bench`` extra) go to ``docs/images/``; without ``--no-write`` the
results replace the "## Loading" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests

try:
    from benchmarks._report import DOCS, ROOT, write_section
    from benchmarks.bench_contention import HEADERS, KEY, USER, Served
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _report import DOCS, ROOT, write_section  # type: ignore[no-redef]
    from bench_contention import HEADERS, KEY, USER, Served  # type: ignore[no-redef]

import ftorm
from ftorm.models import Project, Status, Task
from ftorm.protocol.operations import OperationLike, encode_batch

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


def query_times(url: str, rounds: int) -> tuple[float, float, int]:
    """Median seconds of ftorm's paged query of every task, and of bare requests + json."""
    bodies: list[bytes] = []
    ftorm_times, bare_times, rows = [], [], 0
    for _ in range(rounds):
        with ftorm.Session(url.removesuffix("/api"), USER, KEY) as session:
            _ = session.types
            transport = session.transport
            call: Callable[[Sequence[OperationLike]], Any] = transport.call

            def recording(operations: Sequence[OperationLike], _call: Any = call) -> Any:
                bodies.append(json.dumps(encode_batch(operations)).encode())
                return _call(operations)

            transport.call = recording  # type: ignore[method-assign]
            bodies.clear()
            start = time.perf_counter()
            rows = len(session.query(Task).all())
            ftorm_times.append(time.perf_counter() - start)
        with requests.Session() as http:
            start = time.perf_counter()
            for body in bodies:
                json.loads(http.post(url, data=body, headers=HEADERS, timeout=120).content)
            bare_times.append(time.perf_counter() - start)
    return statistics.median(ftorm_times), statistics.median(bare_times), rows


def startup(code: str, runs: int = 7) -> float:
    """Median wall time of ``python -c code`` in a fresh process (seconds)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def chart(
    path: Path, title: str, labels: Sequence[str], series: dict[str, list[float]], log: bool
) -> bool:
    """A grouped bar chart, one group per label and one bar per series (False without
    matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axes = plt.subplots(figsize=(8, 4.2), dpi=110)
    width = 0.8 / len(series)
    for index, (name, values) in enumerate(series.items()):
        positions = [i + (index - (len(series) - 1) / 2) * width for i in range(len(labels))]
        bars = axes.bar(positions, values, width, label=name)
        axes.bar_label(bars, labels=[f"{v:.0f}" for v in values], padding=2, fontsize=9)
    axes.set_xticks(range(len(labels)), labels, fontsize=9)
    if log:
        from matplotlib.ticker import NullFormatter, ScalarFormatter

        axes.set_yscale("log")
        axes.set_ylim(bottom=1, top=max(max(v) for v in series.values()) * 3)
        axes.yaxis.set_major_formatter(ScalarFormatter())
        axes.yaxis.set_minor_formatter(NullFormatter())
    axes.set_title(title)
    axes.legend()
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(y=0.15)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="tasks for the paged query")
    parser.add_argument("--rounds", type=int, default=3, help="pairs of paged-query runs")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        served = Served(Path(folder) / "bench.db")
        try:
            seed(served.url, args.rows)
            ours = ftorm_loops(served.url)
            theirs = ftrack_loops(served.url)
            ftorm_seconds, bare_seconds, rows = query_times(served.url, args.rounds)
        finally:
            served.close()
    ftorm_start = startup(
        "import ftorm, ftorm.models; ftorm.Session('http://127.0.0.1:1', 'user', 'key')"
    )
    try:
        import ftrack_api  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: F401
    except ImportError:
        ftrack_start = None
    else:
        ftrack_start = startup("import ftrack_api")

    lines = [
        SECTION,
        "",
        "`python benchmarks/bench_loading.py`: over HTTP against `ftorm serve` on 127.0.0.1,",
        '500 tasks without eager loading (`lazy="batch"`, the default), then a paged query.',
        "",
        "| requests for | ftorm | ftrack_api | target (ftorm) |",
        "|---|---|---|---|",
    ]
    targets = (2, 3, 2)
    for index, loop in enumerate(LOOPS):
        other = "not installed" if theirs is None else str(theirs[index])
        lines.append(f"| `{loop}` | {ours[index]} | {other} | at most {targets[index]} |")
    ratio = ftorm_seconds / bare_seconds
    lines += [
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| {rows:,}-row query, ftorm / bare `requests.post` + `json.loads` of the same "
        f"pages | {ftorm_seconds:.3f} s / {bare_seconds:.3f} s = **{ratio:.2f}** | at most 1.4 |",
    ]
    if ftrack_start is None:
        lines.append(
            f"| start-up, `import ftorm, ftorm.models` + `Session(url, user, key)` | "
            f"{ftorm_start * 1000:.0f} ms (ftrack_api not installed: no ratio) | at most 0.8 |"
        )
    else:
        lines.append(
            f"| start-up, `import ftorm, ftorm.models` + `Session(url, user, key)` / `import "
            f"ftrack_api` | {ftorm_start * 1000:.0f} ms / {ftrack_start * 1000:.0f} ms = "
            f"**{ftorm_start / ftrack_start:.2f}** | at most 0.8 |"
        )
    if theirs is None:
        lines += ["", "ftrack_api was not importable in this environment: its column is empty."]
    series: dict[str, list[float]] = {"ftorm": [float(n) for n in ours]}
    if theirs is not None:
        series["ftrack_api"] = [float(n) for n in theirs]
    drawn = chart(IMAGES / "loading-requests.png", "Requests per loop over 500 tasks (log)",
                  LOOPS, series, log=True)  # fmt: skip
    times = {"ftorm": [ftorm_seconds * 1000, ftorm_start * 1000]}
    times["bare requests+json / import ftrack_api"] = [
        bare_seconds * 1000, (ftrack_start or 0.0) * 1000
    ]  # fmt: skip
    groups = (f"{rows:,}-row paged query", "start-up")
    drawn = chart(IMAGES / "loading-times.png", "Milliseconds (lower is better)",
                  groups, times, log=False) and drawn  # fmt: skip
    if drawn:
        lines += [
            "",
            "![Requests per loop](images/loading-requests.png)",
            "",
            "![Query and start-up times](images/loading-times.png)",
        ]
    else:
        lines += ["", "(charts skipped: install the `bench` extra for matplotlib)"]
    section = "\n".join(lines) + "\n"
    print(section)
    if not args.no_write:
        write_section(DOCS, SECTION, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
