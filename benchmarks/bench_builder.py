"""Benchmark: building and rendering a typed query, and model attribute reads and writes.

Run: ``.venv/bin/python benchmarks/bench_builder.py [--quick]``

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
import platform
import statistics
import sys
import timeit
from typing import Any

import arrow
import attrs

from ftorm.model import UNSET, Attr, Model, Registry, attr, new_id, state

REGISTRY = Registry("bench")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer loops (a smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    print(f"Python {platform.python_version()} ({sys.implementation.name}), {platform.machine()}")

    print("\nBuild + render a 3-criterion query (µs per query; minimum, median of the rounds):")
    query_rounds = bench_query(2_000 // scale, 15)
    for label, times in query_rounds.items():
        print(f"  {label:<20} {min(times) * 1e6:8.2f} µs {statistics.median(times) * 1e6:8.2f} µs")
    baseline = query_rounds.get("ftrack-query 2.0")
    if baseline is not None:
        pairs = zip(query_rounds["ftorm"], baseline, strict=True)
        ratios = [ours / theirs for ours, theirs in pairs]
        print(
            f"  ftorm / ftrack-query: {statistics.median(ratios):.2f} (median of the rounds' "
            f"ratios; minimum / minimum {min(query_rounds['ftorm']) / min(baseline):.2f})"
        )

    reads = bench_reads(200_000 // scale, 25)
    print("\nAttribute read (ns per read, loop overhead included):")
    for label, seconds in reads.items():
        print(f"  {label:<20} {seconds * 1e9:8.1f} ns")
    ratio = reads["ftorm_hydrated"] / reads["attrs_slots"]
    print(f"  ftorm / attrs slots: {ratio:.2f}x")

    writes = bench_writes(100_000 // scale, 25)
    print("\nAttribute write (ns per write, loop overhead included):")
    for label, seconds in writes.items():
        print(f"  {label:<20} {seconds * 1e9:8.1f} ns")


if __name__ == "__main__":
    main()
