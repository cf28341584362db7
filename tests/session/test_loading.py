"""Batch lazy loading, populate semantics and paged iteration, on 500 tasks in-process."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Iterator, Sequence

import pytest

import ftorm
from ftorm.model.state import is_loaded
from ftorm.models import Project, Status, Task
from ftorm.protocol.operations import OperationLike
from ftorm.protocol.results import QueryResult
from ftorm.query import ast
from ftorm.server.handlers import Server
from ftorm.session import Session
from ftorm.session.paging import Pager
from ftorm.testing import assert_max_requests, local_session
from ftorm.transport.inprocess import InProcessTransport

TASKS = 500


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with local_session() as session:
        statuses = session.query(Status).all()
        project = session.create(Project, name="loading", full_name="Loading")
        for index in range(TASKS):
            status = statuses[index % len(statuses)]
            session.create(Task, name=f"t{index:03d}", parent=project, status=status)
        session.commit()
        assert session.local_server is not None
        yield session.local_server


def _session(server: Server, **options: object) -> Session:
    session = Session(transport=InProcessTransport(server), **options)  # type: ignore[arg-type]
    _ = session.types  # the schema is fetched once, before any budget
    return session


def test_batch_is_the_default(server: Server) -> None:
    assert _session(server).lazy == "batch"


def test_status_name_loop_costs_two_requests(server: Server) -> None:
    session = _session(server)
    with assert_max_requests(session, 2):
        tasks = session.query(Task).all()
        names = {task.status.name for task in tasks}
    assert len(tasks) == TASKS
    assert len(names) > 1
    assert session.stats.batch_loads == 1


def test_one_request_per_path_level(server: Server) -> None:
    session = _session(server)
    with assert_max_requests(session, 3):
        tasks = session.query(Task).all()
        states = {task.status.state.name for task in tasks if task.status.state is not None}
    assert states
    assert session.stats.batch_loads == 2


def test_populate_then_loop_costs_two_requests(server: Server) -> None:
    session = _session(server)
    with assert_max_requests(session, 2):
        tasks = session.query(Task).all()
        session.populate(tasks, Task.status)
        with assert_max_requests(session, 0):
            names = [(task.status.name, task.status.color, task.status.sort) for task in tasks]
    assert len(names) == TASKS


def test_populate_a_value_loads_exactly_that(server: Server) -> None:
    session = _session(server)
    tasks = session.query(Task).all()
    session.populate(tasks, Task.status.name)
    status = tasks[0].status
    assert status is not None
    assert is_loaded(status, "name")
    assert not is_loaded(status, "color")


def test_selecting_a_relation_loads_its_scalars(server: Server) -> None:
    session = _session(server)
    with assert_max_requests(session, 1):
        tasks = session.query(Task.select(Task.name, Task.status)).all()
        pairs = {(task.name, task.status.name, task.status.is_active) for task in tasks}
    assert len(pairs) == TASKS


def test_select_mode_loads_one_object_at_a_time(server: Server) -> None:
    session = _session(server, lazy="select")
    tasks = session.query(Task).limit(20).all()
    with assert_max_requests(session, 100) as budget:
        for task in tasks:
            _ = task.status
    assert budget.used == 20
    assert session.stats.batch_loads == 0


def test_raise_mode_still_raises(server: Server) -> None:
    session = _session(server, lazy="raise")
    task = session.query(Task).first()
    assert task is not None
    with pytest.raises(ftorm.NotLoadedError, match=r"Task\.status"):
        _ = task.status


def test_a_batch_load_keeps_uncommitted_changes(server: Server) -> None:
    session = _session(server)
    tasks = session.query(Task.select(Task.id).order_by(Task.name)).all()
    tasks[1].name = "mine"
    assert tasks[0].name == "t000"  # one batch load for every task missing its name
    assert tasks[1].name == "mine"
    tasks[2].status = None
    _ = tasks[3].status
    assert tasks[2].status is None
    assert session.stats.batch_loads == 2
    session.rollback()
    assert tasks[1].name == "t001"
    assert tasks[2].status is not None


def test_identity_holds_across_cohorts(server: Server) -> None:
    session = _session(server)
    first = session.query(Task.select(Task.id)).all()
    again = session.query(Task.where(Task.name.like("t00%"))).all()
    assert all(any(a is b for b in first) for a in again)
    assert len({id(task.status) for task in first}) == len(session.query(Status).all())


def test_a_cohort_keeps_nothing_alive(server: Server) -> None:
    session = _session(server)
    tasks = session.query(Task).all()
    _ = tasks[0].status  # the cohort and its child cohort are in use
    kept = tasks[0]
    others = [weakref.ref(task) for task in tasks[1:]]
    session.close()  # the identity map lets go; ``kept`` still names its cohort
    del tasks
    gc.collect()
    assert [ref for ref in others if ref() is not None] == []
    assert kept.name.startswith("t")


# --- paging ------------------------------------------------------------------------------


class _Network:
    """A transport with no ``threaded`` flag (as over HTTP), optionally failing a call."""

    def __init__(self, server: Server, *, fail_at: int | None = None) -> None:
        self.inner = InProcessTransport(server)
        self.calls = 0
        self.fail_at = fail_at

    def call(self, operations: Sequence[OperationLike]) -> list[object]:
        self.calls += 1
        if self.calls == self.fail_at:
            msg = "connection reset"
            raise ftorm.ConnectError(msg)
        return self.inner.call(operations)  # type: ignore[return-value]

    def close(self) -> None:
        self.inner.close()


def _pagers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ftorm-pages"]


def _wait_for_no_pagers() -> None:
    deadline = time.monotonic() + 10
    while _pagers_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _pagers_alive() == []


def test_pipelined_pages_read_the_same_rows(server: Server) -> None:
    local = _session(server)
    expected = [task.name for task in local.query(Task).order_by(Task.name).all()]
    network = Session(transport=_Network(server))  # type: ignore[arg-type]
    tasks = network.query(Task).order_by(Task.name).page_size(30).all()
    assert [task.name for task in tasks] == expected
    assert network.stats.requests == 1 + -(-TASKS // 30)  # schema, then the pages
    _wait_for_no_pagers()


def test_abandoned_iteration_stops_its_thread(server: Server) -> None:
    network = Session(transport=_Network(server))  # type: ignore[arg-type]
    rows = iter(network.query(Task).page_size(10))
    next(rows)
    rows.close()  # type: ignore[attr-defined]
    _wait_for_no_pagers()
    rows = iter(network.query(Task).page_size(10))
    for _ in range(15):
        next(rows)
    del rows
    gc.collect()
    _wait_for_no_pagers()


def test_a_failure_surfaces_at_its_page(server: Server) -> None:
    network = Session(transport=_Network(server, fail_at=4))  # schema, page 1, page 2, fails
    read: list[Task] = []
    rows = iter(network.query(Task).page_size(10))  # not list(): it asks len() first
    with pytest.raises(ftorm.ConnectError, match="connection reset"):
        read.extend(rows)
    assert len(read) == 20
    _wait_for_no_pagers()


def test_in_process_paging_uses_no_thread(server: Server) -> None:
    session = _session(server)
    rows = iter(session.query(Task).page_size(10))
    next(rows)
    assert _pagers_alive() == []
    assert len(list(rows)) == TASKS - 1


def test_the_page_size_follows_the_server_limit() -> None:
    node = ast.Select("Task", limit=250)
    pager = Pager(node, 100)
    first = pager.first()
    assert first is not None
    assert (first.offset, first.limit) == (0, 100)
    second = pager.after(first, QueryResult([{}] * 40, next_offset=40))
    assert second is not None
    assert (second.offset, second.limit) == (40, 40)
    third = pager.after(second, QueryResult([{}] * 40, next_offset=80))
    assert third is not None
    assert (third.offset, third.limit) == (80, 40)
    assert pager.after(third, QueryResult([{}] * 40, next_offset=None)) is None


def test_paging_stops_at_the_query_limit() -> None:
    pager = Pager(ast.Select("Task", offset=5, limit=30), 20)
    first = pager.first()
    assert first is not None
    assert (first.offset, first.limit) == (5, 20)
    second = pager.after(first, QueryResult([{}] * 20, next_offset=25))
    assert second is not None
    assert (second.offset, second.limit) == (25, 10)
    assert pager.after(second, QueryResult([{}] * 10, next_offset=35)) is None
