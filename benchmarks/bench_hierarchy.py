"""Inherited custom attributes over HTTP: ftorm's batched resolution against the walk up the
hierarchy, one request per level, that pipelines write today.

Run: ``python benchmarks/bench_hierarchy.py [--shots 1000] [--rounds 3] [--no-write]``.

Starts ``ftorm serve`` as a separate process on 127.0.0.1 with a database file and seeds it
over HTTP: a hierarchical ``fps`` configuration, one project (``fps`` 24) with 2 episodes, 10
sequences under each (every fifth one overrides ``fps``), and ``--shots`` shots spread over the
sequences (every tenth one overrides it). Then, from a fresh session that has read the shots
(that query is not counted), it measures in the same run:

1. **ftorm**: ``session.populate(shots, Shot.custom.inherited)`` and reading
   ``shot.custom.inherited["fps"]`` for every shot: requests and seconds (median of
   ``--rounds``, each in a new session).
2. **The walk**: for each shot, one request per level (the entity's stored value and its
   parent's id, in one batch), up from the shot until a value is found or the project is
   passed, as ``entity["parent"]`` loops do; requests and seconds (one round: it is slow).

Both must agree on every shot's value (the script fails otherwise). Without ``--no-write`` the
results replace the "## Hierarchical custom attributes" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

try:
    from benchmarks._report import publish
    from benchmarks.bench_contention import KEY, USER, Served
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _report import publish  # type: ignore[no-redef]
    from bench_contention import KEY, USER, Served  # type: ignore[no-redef]

import ftorm
from ftorm.models import (
    CustomAttributeConfiguration,
    CustomAttributeType,
    Episode,
    Project,
    Sequence,
    Shot,
)
from ftorm.protocol.operations import QueryOp
from ftorm.protocol.results import read_query

SECTION = "## Hierarchical custom attributes"
KEY_NAME = "fps"


def connect(url: str) -> ftorm.Session:
    return ftorm.Session(url.removesuffix("/api"), USER, KEY)


def seed(url: str, shots: int) -> str:
    """The hierarchy described in the module docstring; the configuration's id."""
    with connect(url) as session:
        number = session.query(CustomAttributeType).where(name="number").one()
        configuration = session.create(
            CustomAttributeConfiguration,
            key=KEY_NAME,
            label="fps",
            type=number,
            entity_type="show",
            is_hierarchical=True,
            default=25,
            config='{"isdecimal": true}',
        )
        project = session.create(Project, name="hierarchy", full_name="Hierarchy")
        sequences = []
        for e in range(2):
            episode = session.create(Episode, name=f"ep{e:02}", parent=project)
            sequences += [
                session.create(Sequence, name=f"ep{e:02}_sq{s:02}", parent=episode)
                for s in range(10)
            ]
        made = [
            session.create(Shot, name=f"sh{n:05}", parent=sequences[n % len(sequences)])
            for n in range(shots)
        ]
        session.commit()
        project.custom[KEY_NAME] = 24.0
        for number_, sequence in enumerate(sequences):
            if number_ % 5 == 0:
                sequence.custom[KEY_NAME] = 30.0
        for number_, shot in enumerate(made):
            if number_ % 10 == 0:
                shot.custom[KEY_NAME] = 48.0
        session.commit()
        return configuration.id


def ftorm_round(url: str) -> tuple[int, float, dict[str, Any]]:
    with connect(url) as session:
        shots = session.query(Shot).all()
        before = session.stats.requests
        start = time.perf_counter()
        session.populate(shots, Shot.custom.inherited)
        values = {shot.id: shot.custom.inherited[KEY_NAME] for shot in shots}
        seconds = time.perf_counter() - start
        return session.stats.requests - before, seconds, values


def walk_round(url: str, configuration_id: str) -> tuple[int, float, dict[str, Any]]:
    with connect(url) as session:
        shots = session.query(Shot).all()
        before = session.stats.requests
        start = time.perf_counter()
        values: dict[str, Any] = {}
        for shot in shots:
            current: str | None = shot.id
            value: Any = 25.0  # the configured default
            for _ in range(50):  # bounded: a chain, not a cycle
                if current is None:
                    break
                stored, parent = session.call(
                    [
                        QueryOp(
                            "select value from ContextCustomAttributeValue where entity_id is "
                            f'"{current}" and configuration_id is "{configuration_id}"'
                        ),
                        QueryOp(f'select parent_id from Context where id is "{current}"'),
                    ]
                )
                rows = read_query(stored).data
                if rows:
                    value = rows[0].get("value")
                    break
                found = read_query(parent).data
                current = found[0].get("parent_id") if found else None
            values[shot.id] = value
        seconds = time.perf_counter() - start
        return session.stats.requests - before, seconds, values


Round = tuple[int, float, dict[str, Any]]
"""Requests, seconds, and the value read for each shot id."""


def measure(shots: int, rounds: int) -> tuple[list[Round], Round]:
    """ftorm's rounds and the walk's, against one seeded ``ftorm serve``."""
    folder = tempfile.TemporaryDirectory()
    served = Served(Path(folder.name) / "bench.db")
    try:
        configuration_id = seed(served.url, shots)
        ours = [ftorm_round(served.url) for _ in range(max(rounds, 1))]
        return ours, walk_round(served.url, configuration_id)
    finally:
        served.close()
        if served.process.stdout is not None:
            served.process.stdout.close()
        folder.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shots", type=int, default=1000, help="shots in the cohort")
    parser.add_argument("--rounds", type=int, default=3, help="ftorm rounds (median)")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    rounds, (walk_requests, walk_seconds, walked) = measure(args.shots, args.rounds)
    requests_used = max(r[0] for r in rounds)
    seconds = statistics.median(r[1] for r in rounds)
    if any(r[2] != walked for r in rounds):
        print("ftorm and the walk disagree")
        return 1
    section = "\n".join(
        [
            SECTION,
            "",
            "`python benchmarks/bench_hierarchy.py`: over HTTP against `ftorm serve` on "
            f"127.0.0.1, {args.shots:,} shots under",
            "project -> episode -> sequence -> shot, `fps` set on the project, on every fifth",
            "sequence and on every tenth shot. Both read the same values (checked).",
            f"Python {platform.python_version()} on a shared machine (load average "
            f"{os.getloadavg()[0]:.1f} when the run ended).",
            "",
            "| resolving `fps` for every shot | requests | seconds |",
            "|---|---|---|",
            f"| `populate(shots, Shot.custom.inherited)` + reads (median of {len(rounds)}) "
            f"| {requests_used} | {seconds:.3f} |",
            f"| walk up one request per level | {walk_requests:,} | {walk_seconds:.3f} |",
            "",
            f"Target: at most 2 requests for the cohort, whatever the depth: "
            f"**{'met' if requests_used <= 2 else 'missed'}**; "
            f"{walk_seconds / seconds:.0f}x faster than the walk.",
        ]
    )
    return publish(SECTION, section + "\n", write=not args.no_write)


if __name__ == "__main__":
    raise SystemExit(main())
