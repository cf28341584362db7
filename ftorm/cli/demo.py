"""``ftorm demo``: ftrack's API tutorial, ftorm style, on an embedded server.

Each step prints the code it runs and what came back. With ``--db FILE`` the workspace is
kept in that SQLite file; otherwise a temporary file is used and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import arrow

from ftorm.errors import FtormError, StorageError

__all__ = ["register", "run", "run_demo", "run_tutorial"]


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand to ``subparsers`` (from ``add_subparsers()``)."""
    parser = subparsers.add_parser(
        "demo",
        help="walk through ftrack's tutorial, ftorm style, on an embedded server",
        description=__doc__,
    )
    parser.add_argument("--db", help="SQLite file for the workspace (default: a temporary file)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``ftorm demo`` with its parsed ``args``: 0 on success, 2 on an ftorm error."""
    try:
        if args.db:
            run_demo(args.db)
            return 0
        with tempfile.TemporaryDirectory(prefix="ftorm-demo-") as folder:
            run_demo(os.path.join(folder, "studio.db"))
    except FtormError as error:
        print(f"ftorm demo: {error}", file=sys.stderr)
        return 2
    return 0


def run_demo(path: str | Path, out: Callable[[str], None] = print) -> None:
    """Run every step of the tutorial against the embedded server stored at ``path``."""
    from ftorm.session import Session

    def connect() -> Session:
        return Session.local(str(path))

    run_tutorial(connect, f"Session.local({str(path)!r})", out)


def run_tutorial(connect: Callable[[], Any], how: str, out: Callable[[str], None] = print) -> None:
    """The tutorial on sessions made by ``connect`` (``how`` is the code shown for it)."""
    from ftorm.models import Context, Project, Sequence, Shot

    step_number = 0

    def step(title: str) -> None:
        nonlocal step_number
        step_number += 1
        out("")
        out(f"== {step_number}. {title}")

    def code(line: str) -> None:
        out(f">>> {line}")

    step("Connect to an ftrack-compatible server")
    code(f"session = {how}")
    session = connect()
    info = session.server_information
    out(f"server version {info.get('version')!r}, schema hash {info.get('schema_hash')}")

    _sample_data(session)

    step("The entity types the server knows")
    code("sorted(session.types)[:8], len(session.types)")
    out(f"{sorted(session.types)[:8]} ... {len(session.types)} types")

    step("Query projects")
    code("projects = session.query(Project).all()")
    projects = session.query(Project).order_by(Project.name).all()
    out(repr(projects))

    step("The keys of an entity (mapping-style access works, as in ftrack_api)")
    code('project = session.query(Project.where(name="tutorial")).one()')
    project = session.query(Project.where(name="tutorial")).one()
    code("project.keys()[:10]")
    out(repr(project.keys()[:10]))
    code('project["full_name"]')
    out(repr(project["full_name"]))

    step("Iterate over the results (paged behind the scenes)")
    code("for project in session.query(Project): print(project.name)")
    for each in session.query(Project).order_by(Project.name):
        out(each.name)

    step("Criteria")
    query = Project.where(status="active")
    code('query = Project.where(status="active")')
    out(f"str(query) == {str(query)!r}")
    out(repr([p.name for p in session.query(query)]))

    step("Combined criteria, with a date a week ahead")
    next_week = arrow.utcnow().shift(weeks=1)
    query = Project.where(Project.status == "active", Project.end_date.before(next_week))
    code("next_week = arrow.utcnow().shift(weeks=1)")
    code('Project.where(Project.status == "active", Project.end_date.before(next_week))')
    out(f"str(query) == {str(query)!r}")
    out(repr([p.name for p in session.query(query)]))

    step("Children and parent: one object per row")
    code("child = project.children[0]")
    child = project.children[0]
    out(f"project.children == {list(project.children)!r}")
    code("child.parent is project")
    out(repr(child.parent is project))

    step("Relationship criteria")
    query_context = Context.where(Context.parent.name.like("tu%"))
    code('Context.where(Context.parent.name.like("tu%"))')
    out(f"str(query) == {str(query_context)!r}")
    found = session.query(query_context).all()
    out(repr(sorted(c.name for c in found)))
    shots = session.query(Shot.where(Shot.parent.name.like("sq01%"))).all()
    code('Shot.where(Shot.parent.name.like("sq01%"))')
    out(repr(sorted(s.name for s in shots)))

    step("Create a sequence, describe it, and set its parent both ways")
    code('sequence = session.create(Sequence, name="Starlord Reveal")')
    sequence = session.create(Sequence, name="Starlord Reveal")
    code('sequence.description = "The hero is revealed."')
    sequence.description = "The hero is revealed."
    code("sequence.parent = project")
    sequence.parent = project
    out(f"sequence in project.children: {sequence in project.children}")
    code('project.children.append(Sequence(name="Starlord Escape"))')
    escape = Sequence(name="Starlord Escape")
    project.children.append(escape)
    out(f"escape.parent is project: {escape.parent is project}")

    step("Commit: every change in one request")
    before = session.stats.requests
    code("session.commit()")
    session.commit()
    out(f"requests used: {session.stats.requests - before}; new id {sequence.id}")
    out(f"server-filled values merged in place: status_id={sequence.status_id}")
    out(f"session.stats == {session.stats}")
    sequence_id = sequence.id
    session.close()

    step("Read it back in a fresh session")
    code(f"fresh = {how}")
    with connect() as fresh:
        code("again = fresh.get(Sequence, sequence.id)")
        again = fresh.get(Sequence, sequence_id)
        if again is None:
            msg = f"the sequence {sequence_id} just committed is not there"
            raise StorageError(msg)
        out(f"{again!r} parent={again.parent.name!r} description={again.description!r}")
        out(f"children of {again.parent.name!r}: {sorted(c.name for c in again.parent.children)}")
    out("")
    out("Done.")


def _sample_data(session: Any) -> None:
    """A small workspace to query, created once per database."""
    from ftorm.models import Project, Sequence, Shot, Task

    if session.query(Project).first() is not None:
        return
    soon = arrow.utcnow().shift(days=3).floor("second")
    tutorial = session.create(
        Project,
        name="tutorial",
        full_name="Tutorial",
        end_date=soon,
        start_date=soon.shift(days=-30),
    )
    session.create(Project, name="archive", full_name="Archive", status="hidden")
    for sequence_number in (1, 2):
        sequence = session.create(Sequence, name=f"sq{sequence_number:02d}", parent=tutorial)
        for shot_number in (1, 2):
            shot = session.create(
                Shot, name=f"sq{sequence_number:02d}_sh{shot_number * 10:03d}", parent=sequence
            )
            session.create(Task, name="compositing", parent=shot)
    session.commit()
