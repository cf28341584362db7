"""One `Session` shared by several threads: nothing lost, nothing doubled, one object per row.

Every thread creates, commits, queries, lazy-loads, populates and writes through the same
session, on the in-process embedded server and over HTTP on 127.0.0.1. Afterwards the
server's rows are checked exactly. Counts are fixed and every join has a timeout, so each
test is bounded; nothing measures time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ftorm.models import Project, Sequence, Shot
from ftorm.server.handlers import Server
from ftorm.session import Session
from ftorm.session.session import Lazy
from ftorm.transport.inprocess import InProcessTransport
from tests.server.server_helpers import serving

THREADS = 4
ROUNDS = 24  # objects each thread creates
SEQUENCES = 6  # committed before the threads start, each with SHOTS shots
SHOTS = 3
KEY = "test-key"
JOIN_TIMEOUT = 120.0  # seconds per thread: a deadlock fails the test instead of hanging it


def _world(session: Session) -> None:
    project = session.create(Project, name="threads", full_name="Threads")
    for index in range(SEQUENCES):
        sequence = session.create(Sequence, name=f"sq{index}", parent=project)
        for shot in range(SHOTS):
            session.create(Shot, name=f"sq{index}_sh{shot}", parent=sequence)
    session.commit()


@contextmanager
def _shared_session(kind: str, lazy: Lazy = "batch") -> Iterator[tuple[Session, Session]]:
    """(a session to share between threads, a separate session to check the server with)."""
    server = Server(api_key=KEY)
    try:
        check = Session(transport=InProcessTransport(server))
        _world(check)
        if kind == "local":
            with Session(transport=InProcessTransport(server), page_size=5, lazy=lazy) as shared:
                yield shared, check
            return
        url = "http://{}:{}"
        with (
            serving(server, close=False) as address,
            Session(url.format(*address), server.api_user, KEY, page_size=5, lazy=lazy) as shared,
        ):
            yield shared, check
    finally:
        server.close()


def _run(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Run each worker on its own thread; the errors they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers), timeout=JOIN_TIMEOUT)

    def run(worker: Callable[[], None]) -> None:
        try:
            start.wait()
            worker()
        except BaseException as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return errors


@pytest.mark.parametrize(
    ("kind", "lazy"), [("local", "batch"), ("local", "select"), ("http", "batch")]
)
def test_threads_share_a_session_and_lose_nothing(kind: str, lazy: Lazy) -> None:
    with _shared_session(kind, lazy) as (session, check):
        project = session.query(Project).one()
        _ = project.children  # loaded: every create below also appends to it
        created: list[list[Sequence]] = [[] for _ in range(THREADS)]
        seen: list[list[tuple[str, object]]] = [[] for _ in range(THREADS)]

        def worker(index: int) -> Callable[[], None]:
            def work() -> None:
                for round_ in range(ROUNDS):
                    sequence = session.create(
                        Sequence, name=f"t{index}-{round_}", parent=project, description="new"
                    )
                    created[index].append(sequence)
                    if round_ % 3 == index % 3:
                        session.commit()
                    # query: every row is one object, whichever thread reads it
                    shots = session.query("select name from Shot").all()
                    seen[index].extend((shot.id, shot) for shot in shots)
                    # lazy load (for the cohort) and populate (related entities)
                    shot = shots[round_ % len(shots)]
                    parent = shot.parent
                    assert parent is not None
                    seen[index].append((parent.id, parent))
                    session.populate(shots[:4], Shot.parent.name, Shot.status)
                    # writes on shared objects (last assignment wins)
                    shot.description = f"t{index}-{round_}"
                    if round_ % 5 == 0:
                        session.commit()

            return work

        errors = _run([worker(index) for index in range(THREADS)])
        assert errors == []
        session.commit()
        assert not session.dirty

        # identity: one object per row, across threads, queries, loads and populates
        by_id: dict[str, object] = {}
        for pairs in seen:
            for key, obj in pairs:
                assert by_id.setdefault(key, obj) is obj
        for sequence in (s for group in created for s in group):
            assert session.get(Sequence, sequence.id) is sequence

        # the server: every created object exactly once, nothing else
        rows = check.query("select id, name, description, parent_id from Sequence").all()
        names = [row.name for row in rows if row.name.startswith("t")]
        expected = {f"t{i}-{r}" for i in range(THREADS) for r in range(ROUNDS)}
        assert sorted(names) == sorted(expected)
        assert len(rows) == SEQUENCES + THREADS * ROUNDS
        ids = {s.id for group in created for s in group}
        assert ids <= {row.id for row in rows}
        assert all(row.parent_id == project.id for row in rows)
        assert sorted(c.name for c in project.children) == sorted(r.name for r in rows)
        # the writes: the server holds what the shared session holds
        stored = {s.id: s.description for s in check.query("select description from Shot")}
        held = session.query("select description from Shot").all()
        assert {s.id: s.description for s in held} == stored
        assert {d for d in stored.values() if d is not None} <= {
            f"t{i}-{r}" for i in range(THREADS) for r in range(ROUNDS)
        }


def test_a_commit_sends_each_pending_create_once() -> None:
    """Threads committing at once: each create is sent by exactly one commit."""
    with _shared_session("local") as (session, check):
        sent: list[Any] = []
        transport = session.transport
        original = transport.call

        def spy(operations: Any) -> list[Any]:
            sent.extend(op for op in operations if getattr(op, "action", "") == "create")
            return original(operations)

        transport.call = spy  # type: ignore[method-assign]

        def work(index: int) -> Callable[[], None]:
            def run() -> None:
                for round_ in range(ROUNDS):
                    session.create(Project, name=f"p{index}-{round_}", full_name="p")
                    session.commit()

            return run

        assert _run([work(index) for index in range(THREADS)]) == []
        assert len(sent) == THREADS * ROUNDS
        assert len(check.query(Project).all()) == 1 + THREADS * ROUNDS


def test_threads_writing_different_attributes_of_one_object_lose_none() -> None:
    with _shared_session("local") as (session, check):
        shots = session.query(Shot).all()
        names = ["description", "sort"]

        def work(name: str) -> Callable[[], None]:
            def run() -> None:
                for round_ in range(ROUNDS):
                    for shot in shots:
                        value: object = f"d{round_}" if name == "description" else round_
                        setattr(shot, name, value)

            return run

        assert _run([work(name) for name in names]) == []
        session.commit()
        for shot in check.query("select description, sort from Shot").all():
            assert shot.description == f"d{ROUNDS - 1}"
            assert shot.sort == ROUNDS - 1
