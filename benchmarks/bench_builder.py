"""Benchmark: building and rendering typed queries of many shapes, and model reads and writes.

Run: ``python benchmarks/bench_builder.py [--quick] [--write]``

**Queries.** Each shape users write (relation paths, ``in_``, numbers, dates, ``like``,
``has``/``any``, ``~``/``|``, ordering and paging, projections, custom attributes, and a
combination) is built *and* rendered to text, with ftorm and with ftrack-query 2.0, each
installed the way users install it: in a virtual environment of its own (ftorm with its own
dependencies, arrow 1.x; ftrack-query with ftrack_api, which pins ``arrow<1``). The script
builds both environments under ``.bench-envs/`` (``--envs DIR`` elsewhere) on first use.
Measuring alternates between the two environments, one worker process per round measuring
every shape, so that both see the same machine load; a shape's ratio is the median over the
rounds of ftorm's time divided by ftrack-query's time in the neighbouring round. Each worker
checks first that its text for each shape is the expected query.

**Models.** Reading one attribute of a model instance (ns per read) against a plain class,
an attrs ``slots=True`` class and a plain class that defines ``__getattr__``; writing one
attribute against plain and attrs writes. These run in the current interpreter.

``--write`` replaces the "Query builder and models" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import timeit
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Query builder and models"
FTRACK_QUERY = "ftrack-query==2.0.0"

# (label, ftorm statement, ftrack-query statement, expected text). Both statements build
# and render (``str``) a query; the texts must be the same query (ftrack-query writes dates
# with a space and an offset, and ``not``/``or`` groups with parentheses).
SHAPES: list[tuple[str, str, str]] = [
    (
        "relation path, 2 deep",
        "str(Task.where(Task.parent.name == 'sh010'))",
        "str(select('Task').where(attr('parent.name') == 'sh010'))",
    ),
    (
        "relation path, 3 deep",
        "str(Task.where(Task.parent.parent.name == 'sq01'))",
        "str(select('Task').where(attr('parent.parent.name') == 'sq01'))",
    ),
    (
        "`in_` of two strings",
        "str(Task.where(Task.status.name.in_(['WIP', 'Review'])))",
        "str(select('Task').where(attr('status.name').in_(['WIP', 'Review'])))",
    ),
    (
        "`not_in` of three strings",
        "str(Task.where(Task.name.not_in(['a', 'b', 'c'])))",
        "str(select('Task').where(attr('name').not_in(['a', 'b', 'c'])))",
    ),
    (
        "numeric comparisons",
        "str(Task.where(Task.bid > 2, Task.bid <= 10))",
        "str(select('Task').where(attr('bid') > 2, attr('bid') <= 10))",
    ),
    (
        "`before` a datetime (microseconds)",
        "str(Task.where(Task.end_date.before(when)))",
        "str(select('Task').where(attr('end_date').before(when)))",
    ),
    (
        "`after` an arrow (microseconds)",
        "str(Task.where(Task.start_date.after(arrow_when)))",
        "str(select('Task').where(attr('start_date').after(arrow_when)))",
    ),
    (
        "`like`",
        "str(Shot.where(Shot.name.like('sq01%')))",
        "str(select('Shot').where(attr('name').like('sq01%')))",
    ),
    (
        "`has`",
        "str(Task.where(Task.status.has(Status.name == 'WIP')))",
        "str(select('Task').where(attr('status').has(attr('name') == 'WIP')))",
    ),
    (
        "`any`",
        "str(Project.where(Project.children.any(Sequence.name == 'sq01')))",
        "str(select('Project').where(attr('children').any(attr('name') == 'sq01')))",
    ),
    (
        "`~` and `|`",
        "str(Task.where(~(Task.name == 'a') | (Task.bid > 3)))",
        "str(select('Task').where(or_(not_(attr('name') == 'a'), attr('bid') > 3)))",
    ),
    (
        "`order_by` desc and asc, `limit`, `offset`",
        "str(Task.where(Task.bid > 1).order_by(Task.name.desc(), Task.bid.asc())"
        ".limit(10).offset(20))",
        "str(select('Task').where(attr('bid') > 1).order_by('name desc').order_by('bid asc')"
        ".limit(10).offset(20))",
    ),
    (
        "`select` of three paths",
        "str(Task.select(Task.name, Task.status.name, Task.parent.name))",
        "str(select('Task').populate('name', 'status.name', 'parent.name'))",
    ),
    (
        "custom attribute comparison",
        "str(Shot.where(Shot.custom.column('fstart') >= 1001))",
        "str(select('Shot').where(attr('custom_attributes').any(attr('key') == 'fstart', "
        "attr('value') >= 1001)))",
    ),
    (
        "keyword equalities",
        "str(Task.where(name='sh010', bid=2))",
        "str(select('Task').where(name='sh010', bid=2))",
    ),
    (
        "`is_none`",
        "str(Task.where(Task.end_date.is_none()))",
        "str(select('Task').where(attr('end_date') == None))",
    ),
    (
        "`as_` a subtype, then a path",
        "str(Task.where(Task.parent.as_(Shot).name == 'sh010'))",
        "str(select('Task').where(attr('parent[Shot].name') == 'sh010'))",
    ),
    (
        "`in_` of 100 ids",
        "str(Task.where(Task.id.in_(ids)))",
        "str(select('Task').where(attr('id').in_(ids)))",
    ),
    (
        "combined: `in_`, path `like`, number, `order_by`, `limit`",
        "str(Task.where(Task.status.name.in_(['WIP', 'Review']), Task.parent.name.like('sq01%'),"
        " Task.bid > 2).order_by(Task.name.desc()).limit(10))",
        "str(select('Task').where(attr('status.name').in_(['WIP', 'Review']), "
        "attr('parent.name').like('sq01%'), attr('bid') > 2).order_by('name desc').limit(10))",
    ),
]

_WORKER_SETUP = {
    "ftorm": (
        "import datetime, arrow\nfrom ftorm.models import Project, Sequence, Shot, Status, Task\n"
    ),
    "ftrack-query": ("import datetime, arrow\nfrom ftrack_query import attr, not_, or_, select\n"),
}
_DATES = (
    "when = datetime.datetime(2026, 12, 4, 10, 30, 15, 123456)\n"
    "arrow_when = arrow.get('2026-11-27T10:30:15.654321+00:00')\n"
    "ids = [f'00000000-0000-4000-8000-{n:012d}' for n in range(100)]\n"
)


def _canonical(text: str) -> str:
    """Both libraries' texts of one query, written alike (dates, ``ascending``, groups)."""
    return (
        text.replace(" 10:30:15.123456", "T10:30:15.123456")
        .replace("T10:30:15.654321+00:00", "T10:30:15.654321")
        .replace(" ascending", "")
        .replace('(not name is "a" or bid > 3)', 'not name is "a" or bid > 3')
    )


def _shown(text: str, most: int = 160) -> str:
    """``text``, or its beginning and length when it is longer than ``most`` characters."""
    return text if len(text) <= most else f"{text[:most]}... ({len(text):,} characters)"


def worker(library: str, number: int, repeat: int) -> None:
    """Measure every shape with ``library`` (one round); print JSON: texts and seconds."""
    namespace: dict[str, Any] = {}
    exec(_WORKER_SETUP[library] + _DATES, namespace)
    column = 1 if library == "ftorm" else 2
    texts: list[str] = []
    seconds: list[float] = []
    for shape in SHAPES:
        statement = shape[column]
        texts.append(eval(statement, namespace))
        timer = timeit.Timer(statement, globals=namespace)
        seconds.append(min(timer.repeat(repeat, number)) / number)
    print(json.dumps({"texts": texts, "seconds": seconds}))


def _python(envs: Path, name: str) -> Path:
    return envs / name / "bin" / "python"


def make_envs(envs: Path) -> None:
    """The two virtual environments, each installed as its users install it."""
    # ftorm with its ``async`` extra: `benchmarks.bench_loading` times an AsyncSession too.
    for name, packages in (("ftorm", [f"{ROOT}[async]"]), ("ftrack-query", [FTRACK_QUERY])):
        python = _python(envs, name)
        if not python.exists():
            print(f"  creating {envs / name} ({' '.join(packages)})", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(envs / name)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    # This checkout's ftorm, installed as a user installs it (not editable): again each run.
    subprocess.run(
        [
            str(_python(envs, "ftorm")),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--force-reinstall",
            str(ROOT),
        ],
        check=True,
    )
    # An environment made before the extra was asked for gets its packages now.
    subprocess.run([str(_python(envs, "ftorm")), "-m", "pip", "install", "-q", f"{ROOT}[async]"],
                   check=True)  # fmt: skip


def _versions(python: Path, modules: str) -> str:
    code = (
        "import importlib.metadata as m\n"
        f"print(', '.join(f'{{p}} {{m.version(p)}}' for p in {modules!r}.split()))"
    )
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _run_worker(python: Path, library: str, number: int, repeat: int) -> dict[str, Any]:
    done = subprocess.run(
        [
            str(python),
            str(Path(__file__).resolve()),
            "--worker",
            library,
            "--number",
            str(number),
            "--repeat",
            str(repeat),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(Path(__file__).resolve().parent),  # not the project: ftorm comes from the env
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def bench_queries(envs: Path, rounds: int, number: int) -> list[dict[str, Any]]:
    """Per shape: ftorm's and ftrack-query's best time, and the median ratio of the rounds."""
    pythons = {name: _python(envs, name) for name in ("ftorm", "ftrack-query")}
    found: dict[str, list[list[float]]] = {"ftorm": [], "ftrack-query": []}
    texts: dict[str, list[str]] = {}
    for index in range(rounds):
        order = ("ftorm", "ftrack-query") if index % 2 == 0 else ("ftrack-query", "ftorm")
        for library in order:
            result = _run_worker(pythons[library], library, number, 3)
            texts.setdefault(library, [_canonical(t) for t in result["texts"]])
            found[library].append(result["seconds"])
    ours_texts, theirs_texts = texts["ftorm"], texts["ftrack-query"]
    rows = []
    for position, (label, *_) in enumerate(SHAPES):
        if ours_texts[position] != theirs_texts[position]:
            msg = f"{label}: the texts differ: {ours_texts[position]!r}, {theirs_texts[position]!r}"
            raise SystemExit(msg)
        ours = [r[position] for r in found["ftorm"]]
        theirs = [r[position] for r in found["ftrack-query"]]
        rows.append(
            {
                "label": label,
                "text": ours_texts[position],
                "ours": min(ours),
                "theirs": min(theirs),
                "ratio": statistics.median(o / t for o, t in zip(ours, theirs, strict=True)),
            }
        )
    return rows


def bench_models(number: int, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Attribute reads and writes (seconds each, minimum of interleaved rounds)."""
    import attrs

    from ftorm.model import state
    from ftorm.models import Task

    class Plain:
        def __init__(self, name: str) -> None:
            self.name = name

    class PlainWithGetattr:
        def __init__(self, name: str) -> None:
            self.name = name

        def __getattr__(self, name: str) -> Any:
            raise AttributeError(name)

    @attrs.define(slots=True)
    class AttrsSlots:
        name: str

    tracked = state.hydrate(Task, {"id": "t", "name": "x"})
    reads = {
        "empty loop": "pass",
        "attrs slots": "attrs_slots.name",
        "plain class": "plain.name",
        "plain class with __getattr__": "plain_getattr.name",
        "ftorm (loaded Task)": "task.name",
    }
    writes = {
        "empty loop": "pass",
        "attrs slots": "attrs_slots.name = 'y'",
        "plain class": "plain.name = 'y'",
        "ftorm (validated, dirty-tracked)": "task.name = 'y'",
    }
    namespace: dict[str, Any] = {
        "task": tracked,
        "plain": Plain("x"),
        "plain_getattr": PlainWithGetattr("x"),
        "attrs_slots": AttrsSlots("x"),
    }

    def measure(statements: dict[str, str]) -> dict[str, float]:
        timers = {k: timeit.Timer(v, globals=namespace) for k, v in statements.items()}
        best = {k: float("inf") for k in statements}
        for _ in range(repeat):
            for label, timer in timers.items():
                best[label] = min(best[label], timer.timeit(number) / number)
        return best

    return measure(reads), measure(writes)


def report(
    rows: list[dict[str, Any]],
    reads: dict[str, float],
    writes: dict[str, float],
    versions: dict[str, str],
    rounds: int,
) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    met = sum(row["ratio"] <= 0.5 for row in rows)
    lines = [
        SECTION,
        "",
        "Command: `python benchmarks/bench_builder.py --write`  ",
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average {load} at the end  ",
        f"ftorm environment: {versions['ftorm']}  ",
        f"ftrack-query environment: {versions['ftrack-query']}",
        "",
        "Each library in a virtual environment of its own, as users install them; "
        f"{rounds} rounds alternating between the two (a worker process per round measures "
        "every shape: best of 3 repeats). Times are the best round; the ratio is the median "
        "over the rounds of ftorm's time divided by ftrack-query's in the neighbouring round. "
        "Each statement builds the query and renders its text (`str`); the script checks "
        "that both texts are the same query.",
        "",
        "| query shape (built and rendered) | ftorm | ftrack-query 2.0 | ratio | target 0.5x |",
        "|---|---:|---:|---:|---|",
    ]
    for row in rows:
        verdict = "met" if row["ratio"] <= 0.5 else "**missed**"
        lines.append(
            f"| {row['label']} | {row['ours'] * 1e6:.2f} µs | {row['theirs'] * 1e6:.2f} µs "
            f"| {row['ratio']:.2f} | {verdict} |"
        )
    lines += [
        "",
        f"Target at most 0.5x on every shape: met on {met} of {len(rows)}.",
        "",
        "The query texts measured:",
        "",
    ]
    lines += [f"- {row['label']}: `{_shown(row['text'])}`" for row in rows]
    empty_read, empty_write = reads.pop("empty loop"), writes.pop("empty loop")
    lines += [
        "",
        "Model attribute reads and writes (ns each, loop overhead of "
        f"{empty_read * 1e9:.1f} ns included; minimum of interleaved rounds):",
        "",
        "| read | ns |",
        "|---|---:|",
        *(f"| {label} | {seconds * 1e9:.1f} |" for label, seconds in reads.items()),
        "",
        "| write | ns |",
        "|---|---:|",
        *(f"| {label} | {seconds * 1e9:.1f} |" for label, seconds in writes.items()),
        "",
        f"(Empty-loop overhead of the writes: {empty_write * 1e9:.1f} ns.)",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--envs", type=Path, default=ROOT / ".bench-envs")
    parser.add_argument("--worker", choices=sorted(_WORKER_SETUP), help=argparse.SUPPRESS)
    parser.add_argument("--number", type=int, default=2_000, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.number, args.repeat)
        return
    rounds, number = (3, 200) if args.quick else (15, 2_000)
    make_envs(args.envs)
    versions = {
        "ftorm": _versions(_python(args.envs, "ftorm"), "ftorm arrow attrs"),
        "ftrack-query": _versions(
            _python(args.envs, "ftrack-query"), "ftrack-query ftrack-python-api arrow"
        ),
    }
    print(f"Python {platform.python_version()}; {versions}")
    rows = bench_queries(args.envs, rounds, number)
    for row in rows:
        print(
            f"  {row['label']:<58} {row['ours'] * 1e6:7.2f} µs {row['theirs'] * 1e6:7.2f} µs "
            f"ratio {row['ratio']:.2f}"
        )
    reads, writes = bench_models(200_000 if not args.quick else 20_000, 15)
    for label, seconds in {**reads, **writes}.items():
        print(f"  {label:<40} {seconds * 1e9:7.1f} ns")
    if args.write:
        sys.path.insert(0, str(ROOT))
        from benchmarks._report import DOCS, write_section

        write_section(DOCS, SECTION, report(rows, reads, writes, versions, rounds))
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
