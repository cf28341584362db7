"""Benchmark: building and rendering a typed query, and model attribute reads and writes.

Run: ``.venv/bin/python benchmarks/bench_builder.py [--quick] [--no-write]``; the full run
writes its section of ``docs/benchmarks.md`` (``--quick`` and ``--no-write`` only print).

ftrack-query is optional: ``pip install 'ftrack-query>=2,<3'``. It needs ftrack_api, which
pins ``arrow<1``; that arrow has no type information, so install it in a virtual environment
of its own (``python -m venv /tmp/bench && /tmp/bench/bin/pip install -e . ftrack-query``)
rather than in the one the type checks run in.

Measures, in one run so the numbers are comparable:

1. Building *and* rendering a 3-criterion query with ftorm's builder (µs per query), and the
   same query with ftrack-query 2.0 when it is installed (``pip install ftrack-query``).
2. Reading one attribute of a model instance (ns per read) against a plain class, an attrs
   ``slots=True`` class and a plain class that defines ``__getattr__`` (which is what ftorm's
   lazy-loading hook costs on CPython 3.11, see ``guides/typing.md`` section 4).
3. Writing one attribute (ns per write): ftorm's validating, dirty-tracking ``__setattr__``
   against plain and attrs writes.

Figures are the minimum over several interleaved rounds (the least disturbed run), per
operation, with the empty-loop overhead shown separately and *not* subtracted. The query
comparison also gives the median over the rounds of ftorm's time divided by ftrack-query's in
the same round, which machine load disturbs less than either time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import timeit
from typing import Any

import arrow
import attrs

from ftorm.model import UNSET, Attr, Model, Registry, attr, new_id, state
from ftorm.protocol.codec import format_datetime
from ftorm.query.expressions import date_text

try:
    from benchmarks._report import DOCS, write_section
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _report import DOCS, write_section  # type: ignore[no-redef]

REGISTRY = Registry("bench")
SECTION = "## Query builder and models"


class Project(Model, entity="Project", registry=REGISTRY):
    id: Attr[str] = attr(primary_key=True, factory=new_id)
    name: Attr[str] = attr(default=UNSET)
    full_name: Attr[str] = attr(default=UNSET)
    status: Attr[str] = attr(default=UNSET)
    end_date: Attr[arrow.Arrow | None] = attr(default=None)


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


def rounds(
    statements: dict[str, str], namespace: dict[str, Any], number: int, repeat: int
) -> dict[str, list[float]]:
    """Seconds per execution of each statement in each of ``repeat`` rounds, the statements
    taking turns within each round so that machine load hits them alike."""
    timers = {label: timeit.Timer(stmt, globals=namespace) for label, stmt in statements.items()}
    found: dict[str, list[float]] = {label: [] for label in statements}
    for _ in range(repeat):
        for label, timer in timers.items():
            found[label].append(timer.timeit(number) / number)
    return found


def interleaved(
    statements: dict[str, str], namespace: dict[str, Any], number: int, repeat: int
) -> dict[str, float]:
    """Seconds per execution of each statement: the minimum over ``repeat`` interleaved
    rounds (see `rounds`)."""
    found = rounds(statements, namespace, number, repeat)
    return {label: min(times) for label, times in found.items()}


def bench_query(number: int, repeat: int) -> dict[str, list[float]]:
    next_week = arrow.get("2026-12-04T00:00:00")
    namespace: dict[str, Any] = {"Project": Project, "next_week": next_week}
    statements = {
        "ftorm": (
            "str(Project.where(Project.status == 'active', Project.name.like('te%'), "
            "Project.end_date.before(next_week)))"
        )
    }
    try:
        from ftrack_query import attr as fq_attr  # type: ignore[import-untyped,unused-ignore]
        from ftrack_query import select as fq_select  # type: ignore[import-untyped,unused-ignore]
    except Exception as error:  # not installed, or its ftrack_api import failed
        print(f"  ftrack-query not available ({type(error).__name__}: {error})")
    else:
        namespace.update({"select": fq_select, "attr": fq_attr})
        statements["ftrack-query 2.0"] = (
            "str(select('Project').where(attr('status') == 'active', attr('name').like('te%'), "
            "attr('end_date').before(next_week)))"
        )
    for label, statement in statements.items():
        print(f"  {label} text: {eval(statement, namespace)}")
    return rounds(statements, namespace, number, repeat)


def bench_reads(number: int, repeat: int) -> dict[str, float]:
    namespace: dict[str, Any] = {
        "ftorm_hydrated": state.hydrate(Project, {"id": "p", "name": "x", "status": "active"}),
        "ftorm_constructed": Project(name="x"),
        "plain": Plain("x"),
        "plain_getattr": PlainWithGetattr("x"),
        "attrs_slots": AttrsSlots("x"),
    }
    statements = {"empty loop": "pass"}
    for label in ("attrs_slots", "plain", "plain_getattr", "ftorm_hydrated", "ftorm_constructed"):
        statements[label] = f"{label}.name"
    return interleaved(statements, namespace, number, repeat)


def bench_writes(number: int, repeat: int) -> dict[str, float]:
    tracked = state.hydrate(Project, {"id": "p", "name": "x"})
    tracked.name = "first write records the original"
    namespace: dict[str, Any] = {
        "ftorm": tracked,
        "plain": Plain("x"),
        "attrs_slots": AttrsSlots("x"),
    }
    statements = {"empty loop": "pass"}
    for label in ("attrs_slots", "plain", "ftorm"):
        statements[label] = f"{label}.name = 'y'"
    return interleaved(statements, namespace, number, repeat)


def bench_parts(number: int, repeat: int) -> dict[str, float]:
    """Seconds per part of the build-and-render statement, each measured alone (minimum over
    interleaved rounds), and the date writing alone: the builder's fast path against
    `format_datetime`, for a ``utcnow().shift()`` value (microseconds) and a whole second."""
    shifted = arrow.utcnow().shift(days=7)
    whole = shifted.replace(microsecond=0)
    query = Project.where(
        Project.status == "active", Project.name.like("te%"), Project.end_date.before(whole)
    )
    namespace: dict[str, Any] = {
        "Project": Project, "status": Project.status, "name": Project.name,
        "end_date": Project.end_date, "shifted": shifted, "whole": whole,
        "criteria": (Project.status == "active", Project.name.like("te%"),
                     Project.end_date.before(whole)),
        "query": query, "date_text": date_text, "format_datetime": format_datetime,
    }  # fmt: skip
    statements = {
        "column access (`Project.status`)": "Project.status",
        '`== "active"`': "status == 'active'",
        '`like("te%")`': "name.like('te%')",
        "`before(d)`, d with whole seconds": "end_date.before(whole)",
        "`before(d)`, d = `utcnow().shift(days=7)`": "end_date.before(shifted)",
        "`Project.where(...)` of the three criteria": "Project.where(*criteria)",
        "`str(Project.where(...))` of the three criteria": "str(Project.where(*criteria))",
        "date text, fast path (`utcnow().shift(days=7)`)": "date_text(shifted)",
        "date text, `format_datetime` (same value)": "format_datetime(shifted)",
    }
    return interleaved(statements, namespace, number, repeat)


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs"


def _ns(seconds: float) -> str:
    return f"{seconds * 1e9:,.1f} ns"


def report(
    query_rounds: dict[str, list[float]],
    parts: dict[str, float],
    reads: dict[str, float],
    writes: dict[str, float],
    load: tuple[str, str],
) -> str:
    """The ``## Query builder and models`` section of ``docs/benchmarks.md``, from this run."""
    ours = min(query_rounds["ftorm"])
    baseline = query_rounds.get("ftrack-query 2.0")
    if baseline is None:
        versus, verdict = "ftrack-query 2.0: not installed in this run", "not measured"
    else:
        ratio = statistics.median(
            o / t for o, t in zip(query_rounds["ftorm"], baseline, strict=True)
        )
        versus = f"ftrack-query 2.0: {_us(min(baseline))}"
        verdict = f"**{'met' if ratio <= 0.5 else 'missed'}** ({ratio:.2f}x)"
    read_ratio = reads["ftorm_hydrated"] / reads["attrs_slots"]
    read_verdict = "met" if read_ratio <= 2 else "missed"
    python = f"Python {platform.python_version()} ({sys.implementation.name})"
    lines = [
        SECTION,
        "",
        "Written by `python benchmarks/bench_builder.py` (ftrack-query 2.0, the baseline, is "
        "measured in the same run when installed; it needs ftrack_api and so `arrow<1`: run the "
        "script from an environment with both, such as `.venv-compat` with ftrack-query added). "
        f"{python}, {platform.machine()}, {os.cpu_count()} CPUs, arrow {arrow.__version__}; "
        f"load average {load[0]} at the start, {load[1]} at the end. Times are the minimum "
        "over interleaved rounds (15 for queries and their parts, 25 for attribute reads and "
        "writes); the ratio is the median over the rounds of ftorm's time "
        "divided by ftrack-query's in the same round.",
        "",
        "| measure | ftorm | baseline in the same run | target |",
        "| --- | ---: | ---: | --- |",
        '| build and render `Project.where(status == "active", name.like("te%"), '
        f"end_date.before(d))` | {_us(ours)} | {versus} | at most half of ftrack-query "
        f"(0.5x): {verdict} |",
        f"| attribute read (`task.name`, loop overhead included) | {_ns(reads['ftorm_hydrated'])}"
        f" | attrs `slots=True` class: {_ns(reads['attrs_slots'])}; plain class with "
        f"`__getattr__`: {_ns(reads['plain_getattr'])} | within 2x of attrs: **{read_verdict}** "
        f"({read_ratio:.1f}x) |",
        f"| attribute write (validated, dirty-tracked, relationship-aware) | "
        f"{_ns(writes['ftorm'])} | attrs: {_ns(writes['attrs_slots'])} | no target |",
        "",
        "Where ftorm's time goes, each part measured alone:",
        "",
        "| part | time |",
        "| --- | ---: |",
        *(f"| {label} | {_us(seconds)} |" for label, seconds in parts.items()),
        "",
        "A comparison is one object (the column, the operator and the value); its syntax tree "
        "is built only when `Expr.node` or `Query.ast` is read, and `str(q)` writes the text "
        "straight from the criteria. Dates in UTC (or naive), from `arrow` or `datetime`, with "
        "or without microseconds, are written field by field; every other value goes through "
        "`format_datetime` (a property test holds the two equal). Reads: the instance "
        "`__getattr__` that lazy loading needs turns off CPython 3.11's attribute-read "
        "specialisation, so a read costs what any class with `__getattr__` costs.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer loops (a smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    load_before = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Python {platform.python_version()} ({sys.implementation.name}), {platform.machine()}")

    print("\nBuild + render a 3-criterion query (µs per query; minimum, median of the rounds):")
    query_rounds = bench_query(2_000 // scale, 15)
    for label, times in query_rounds.items():
        print(f"  {label:<20} {min(times) * 1e6:8.2f} µs {statistics.median(times) * 1e6:8.2f} µs")

    parts = bench_parts(20_000 // scale, 15)
    reads = bench_reads(200_000 // scale, 25)
    writes = bench_writes(100_000 // scale, 25)
    load_after = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    section = report(query_rounds, parts, reads, writes, (load_before, load_after))
    print()
    print(section)
    if not args.quick and not args.no_write:
        write_section(DOCS, SECTION, section)
        print(f"written: {DOCS}")


if __name__ == "__main__":
    main()
