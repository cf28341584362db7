"""The session's guarantees under both drivers: `Session` (blocking) and `AsyncSession`
(awaited), each in-process and over HTTP on 127.0.0.1. One test body per guarantee, run by
the ``driven`` fixture over the four (`tests.session.drivers`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

import ftorm
from ftorm.models import Project, Shot
from ftorm.models import Sequence as Seq
from ftorm.protocol.operations import CreateOp, DeleteOp, OperationLike, UpdateOp
from ftorm.server.handlers import Server
from ftorm.session import AsyncSession, Session
from ftorm.transport.aio import AsyncInProcessTransport
from ftorm.transport.inprocess import InProcessTransport
from tests.server.server_helpers import serving
from tests.session.drivers import Driven, Loop

KEY = "test-key"
WRITES = (CreateOp, UpdateOp, DeleteOp)
DRIVERS = ["sync-local", "async-local", "sync-http", "async-http"]


def _seed(server: Server) -> None:
    seed = Session(transport=InProcessTransport(server))
    project = seed.create(Project, name="p", full_name="P")
    for index in range(2):
        sequence = seed.create(Seq, name=f"sq{index:02d}", parent=project)
        for shot in range(3):
            seed.create(Shot, name=f"sq{index:02d}_sh{shot:02d}0", parent=sequence)
    seed.commit()


@pytest.fixture(params=DRIVERS)
def driven(request: pytest.FixtureRequest) -> Iterator[Driven]:
    kind, where = request.param.split("-")
    server = Server(api_key=KEY)
    _seed(server)
    loop = Loop() if kind == "async" else None
    try:
        if where == "local":
            inner = InProcessTransport(server)
            session: Session | AsyncSession = (
                Session(transport=inner, lazy="raise", page_size=4)
                if loop is None
                else AsyncSession(transport=AsyncInProcessTransport(inner), page_size=4)
            )
            yield Driven(session, loop)
        else:
            with serving(server, close=False) as (host, port):
                url = f"http://{host}:{port}"
                session = (
                    Session(url, server.api_user, KEY, lazy="raise", page_size=4)
                    if loop is None
                    else AsyncSession(url, server.api_user, KEY, page_size=4)
                )
                driven = Driven(session, loop)
                yield driven
                driven.close()
        if loop is not None:
            loop.run(session.close())  # type: ignore[arg-type]
    finally:
        if loop is not None:
            loop.close()
        server.close()


def test_one_object_per_row_across_queries_and_get(driven: Driven) -> None:
    shot = driven.query(Shot.where(Shot.name == "sq00_sh000")).one()
    again = driven.query("Shot where name is sq00_sh000").one()
    assert again is shot
    assert driven.get(Shot, shot.id) is shot
    assert driven.get(Shot, "no-such-id") is None
    assert shot in driven.query(Shot).all()
    assert driven.query(Shot.where(Shot.name.like("sq01%"))).count() == 3
    assert driven.query(Shot.where(Shot.name.like("sq01%")).limit(2)).count() == 2


def test_first_and_one(driven: Driven) -> None:
    assert driven.query(Shot.where(name="nope")).first() is None
    assert driven.query(Shot.where().order_by(Shot.name)).first().name == "sq00_sh000"
    with pytest.raises(ftorm.NotFoundError):
        driven.query(Shot.where(name="nope")).one()
    with pytest.raises(ftorm.MultipleResultsError):
        driven.query(Shot).one()


def test_lazy_raise_names_the_attribute_and_populate_loads_in_one_request(
    driven: Driven,
) -> None:
    shots = driven.query(Shot).all()
    fix = "session.populate" if driven.kind == "sync" else "await session.load"
    with pytest.raises(ftorm.NotLoadedError, match=rf"Shot\.status.*{fix}"):
        _ = shots[0].status
    before = driven.requests
    driven.populate(shots, Shot.status, Shot.parent.name)
    assert driven.requests == before + 1
    assert all(s.status is not None and s.parent.name.startswith("sq") for s in shots)


def test_select_loads_eagerly(driven: Driven) -> None:
    driven.query(Project).all()  # the schema first
    before = driven.requests
    shots = driven.query(Shot.select(Shot.name, Shot.status.name, Shot.parent.name)).all()
    assert driven.requests == before + 2  # 6 rows, 4 a page: one request a page, no more
    assert {s.parent.name for s in shots} == {"sq00", "sq01"}
    assert {s.status.name for s in shots} == {"Not started"}


def test_commit_sends_every_change_in_one_request_and_merges_the_echo(driven: Driven) -> None:
    driven.query(Project).all()
    project = driven.create(Project, name="new", full_name="New")
    sequence = driven.create(Seq, name="sqN", parent=project)
    driven.create(Shot, name="shN", parent=sequence)
    before = driven.requests
    driven.commit()
    assert driven.requests == before + 1
    assert project.status == "active"  # the server's default, merged into the object
    assert not driven.dirty
    assert driven.query(Shot.where(name="shN")).one().parent is sequence


def test_a_refused_commit_loses_nothing_and_can_be_retried(driven: Driven) -> None:
    [project] = driven.query(Project).all()
    [answer] = driven.call([{"action": "query", "expression": "select id from Sequence limit 1"}])
    taken = answer["data"][0]["id"]  # a row the session does not hold
    driven.create(Seq, id=taken, name="clash", parent=project)  # refused: the id exists
    with pytest.raises(ftorm.ServerError):
        driven.commit()
    assert driven.dirty
    driven.rollback()
    assert not driven.dirty
    project.full_name = "Renamed"
    driven.commit()
    assert driven.query(Project.where(full_name="Renamed")).count() == 1


def test_rollback_restores_the_committed_state(driven: Driven) -> None:
    shot = driven.query(Shot.where(name="sq00_sh000")).one()
    shot.name = "changed"
    new = driven.create(Seq, name="gone", parent=driven.query(Project).one())
    driven.rollback()
    assert shot.name == "sq00_sh000"
    assert not driven.dirty
    assert ftorm.model.state.hook_of(new) is None


def test_iteration_pages_by_key_while_the_loop_deletes_and_commits(driven: Driven) -> None:
    names = sorted(s.name for s in driven.query(Shot).all())
    visited: list[str] = []
    deleted = ""
    for index, shot in enumerate(driven.query(Shot.where(Shot.name.like("sq%")))):
        visited.append(shot.name)
        if index == 1:  # a row the loop has not reached yet, on the page fetched ahead or later
            deleted = next(name for name in reversed(names) if name not in visited)
            driven.delete(driven.query(Shot.where(name=deleted)).one())
            driven.commit()
    assert len(visited) == len(set(visited)) == len(names) - 1
    assert deleted not in visited


def test_a_closed_session_refuses_work(driven: Driven) -> None:
    driven.close()
    with pytest.raises(ftorm.SessionClosedError):
        driven.query(Shot).all()


# --- exactly once after a lost answer, under both drivers ------------------------------------


class LosesTheAnswer:
    """Applies the first ``applied`` operations of the next write batch, then fails as a
    dropped connection: the server committed them and the answer never arrived."""

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.applied: int | None = None
        self.writes = 0

    def _send(self, operations: Sequence[OperationLike]) -> list[Any]:
        writes = [op for op in operations if isinstance(op, WRITES)]
        if writes and self.applied is not None:
            applied, self.applied = self.applied, None
            if applied:
                self.writes += applied
                self.inner.call(list(operations[:applied]))
            msg = "connection dropped while reading the answer"
            raise ftorm.ConnectError(msg)
        self.writes += len(writes)
        return self.inner.call(operations)

    def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        return self._send(operations)

    def close(self) -> None:
        self.inner.close()


class AsyncLosesTheAnswer(LosesTheAnswer):
    async def call(self, operations: Sequence[OperationLike]) -> list[Any]:  # type: ignore[override]
        return self._send(operations)

    async def aclose(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("applied", [0, 2, 4])
def test_a_lost_answer_is_applied_exactly_once(kind: str, applied: int) -> None:
    server = Server()
    _seed(server)
    loop = Loop() if kind == "async" else None
    try:
        lossy = (LosesTheAnswer if loop is None else AsyncLosesTheAnswer)(
            InProcessTransport(server)
        )
        session: Session | AsyncSession = (
            Session(transport=lossy, lazy="raise")
            if loop is None
            else AsyncSession(transport=lossy)  # type: ignore[arg-type]
        )
        driven = Driven(session, loop)
        [first, second, doomed] = driven.query(
            Shot.where(Shot.name.like("sq00%")).order_by(Shot.name)
        ).all()
        project = driven.query(Project).one()
        sequence = driven.create(Seq, name="sq02", parent=project)
        driven.create(Shot, name="sh100", parent=sequence)
        first.name = "renamed"
        driven.delete(doomed)
        lossy.applied = applied  # of 4 operations: 2 creates, 1 update, 1 delete
        with pytest.raises(ftorm.ConnectError):
            driven.commit()
        assert driven.dirty
        driven.commit()
        assert not driven.dirty
        assert lossy.writes == 4  # each change applied once
        check = Session(transport=InProcessTransport(server))
        names = sorted(s.name for s in check.query(Shot).all())
        assert "renamed" in names
        assert "sh100" in names
        assert doomed.name not in names
        assert second.name in names
    finally:
        if loop is not None:
            loop.close()
        server.close()
