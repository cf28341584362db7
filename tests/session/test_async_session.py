"""What only `AsyncSession` has: cancellation, concurrency within the connection bound,
awaited loading, the async HTTP transport's policies. The guarantees it shares with
`Session` are tested under both drivers in `tests.session.test_drivers`."""

from __future__ import annotations

import asyncio
import http.server
import threading
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

KEY = "test-key"
WRITES = (CreateOp, UpdateOp, DeleteOp)
SHOTS = 12


@pytest.fixture
def server() -> Iterator[Server]:
    server = Server(api_key=KEY)
    seed = Session(transport=InProcessTransport(server))
    project = seed.create(Project, name="p", full_name="P")
    sequence = seed.create(Seq, name="sq01", parent=project)
    for index in range(SHOTS):
        seed.create(Shot, name=f"sh{index:03d}", parent=sequence)
    seed.commit()
    yield server
    server.close()


class Stalls:
    """An async transport that hangs on the next write batch: before sending it
    (``applied=False``) or after the server applied it (``applied=True``)."""

    def __init__(self, inner: InProcessTransport, *, applied: bool) -> None:
        self.inner = inner
        self.applied = applied
        self.armed = False
        self.stalled = asyncio.Event()
        self.writes: list[OperationLike] = []

    async def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        writes = [op for op in operations if isinstance(op, WRITES)]
        if writes and self.armed:
            self.armed = False
            if self.applied:
                self.writes += writes
                self.inner.call(operations)
            self.stalled.set()
            await asyncio.Event().wait()  # the answer never comes: only a cancel ends this
        self.writes += writes
        return self.inner.call(operations)

    async def aclose(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("applied", [False, True])
def test_a_cancelled_commit_is_reconciled_exactly_once(server: Server, applied: bool) -> None:
    async def main() -> None:
        stalls = Stalls(InProcessTransport(server), applied=applied)
        async with AsyncSession(transport=stalls) as session:  # type: ignore[arg-type]
            shots = await session.query(Shot.where().order_by(Shot.name)).all()
            shots[0].name = "renamed"
            session.delete(shots[1])
            sequence = await session.query(Seq).one()
            session.create(Shot, name="new", parent=sequence)
            stalls.armed = True
            task = asyncio.ensure_future(session.commit())
            await stalls.stalled.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert session.dirty  # nothing lost locally
            await session.commit()  # asks what took effect, sends only the rest
            assert not session.dirty
            assert len(stalls.writes) == 3  # one update, one delete, one create: once each
            await session.commit()
            assert len(stalls.writes) == 3

    asyncio.run(main())
    names = sorted(s.name for s in Session(transport=InProcessTransport(server)).query(Shot))
    assert "renamed" in names
    assert "new" in names
    assert len(names) == SHOTS


class _Counting:
    """Counts the batches the server handles at once."""

    def __init__(self, server: Server) -> None:
        self.handle = server.handle
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, batch: Any, **options: Any) -> Any:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            threading.Event().wait(0.002)  # long enough for requests to overlap
            return self.handle(batch, **options)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.parametrize("where", ["local", "http"])
def test_fifty_gathered_queries_keep_one_object_per_row_within_the_bound(
    server: Server, where: str
) -> None:
    counting = _Counting(server)
    server.handle = counting  # type: ignore[method-assign]
    bound = 4

    async def main(session: AsyncSession) -> None:
        async with session:
            names = [f"sh{index % SHOTS:03d}" for index in range(50)]
            found = await asyncio.gather(
                *(session.query(Shot.where(name=name)).one() for name in names)
            )
            assert len({id(obj) for obj in found}) == SHOTS  # one object per row
            every = await session.query(Shot).all()
            assert {id(obj) for obj in every} == {id(obj) for obj in found}
            counts = await asyncio.gather(*(session.query(Shot).count() for _ in range(20)))
            assert counts == [SHOTS] * 20

    if where == "local":
        transport = AsyncInProcessTransport(InProcessTransport(server), max_connections=bound)
        asyncio.run(main(AsyncSession(transport=transport)))
    else:
        with serving(server, close=False) as (host, port):
            url = f"http://{host}:{port}"
            asyncio.run(main(AsyncSession(url, server.api_user, KEY, max_connections=bound)))
    assert 1 < counting.most <= bound


def test_load_fetches_chosen_attributes_for_the_cohort_in_one_request(server: Server) -> None:
    async def main() -> None:
        async with AsyncSession(transport=AsyncInProcessTransport(InProcessTransport(server))) as s:
            shots = await s.query(Shot).all()
            with pytest.raises(ftorm.NotLoadedError, match=r"await session\.load"):
                _ = shots[0].status
            before = s.stats.requests
            await s.load(shots[0], Shot.status, Shot.parent.name)
            assert s.stats.requests == before + 1
            assert all(shot.status is not None for shot in shots)  # the whole cohort
            assert {shot.parent.name for shot in shots} == {"sq01"}
            await s.load(shots, Shot.status)  # nothing missing: still one request, no error
            async for shot in s.query(Shot.where().page_size(5)):
                assert shot in shots

    asyncio.run(main())


def test_lazy_loading_on_read_is_refused() -> None:
    with pytest.raises(ftorm.InvalidValueError, match="lazy must be 'raise'"):
        AsyncSession.local(lazy="batch")


def test_missing_settings_name_the_local_session(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FTRACK_SERVER", "FTRACK_API_USER", "FTRACK_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ftorm.ConnectError, match=r"AsyncSession\.local\(\)"):
        AsyncSession()


class _Redirects(http.server.BaseHTTPRequestHandler):
    target = ""
    seen: list[dict[str, str]] = []  # noqa: RUF012  (shared by the handler's instances)

    def do_POST(self) -> None:
        self.seen.append(dict(self.headers))
        self.send_response(307)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.http
def test_credentials_never_follow_a_redirect_to_another_origin() -> None:
    elsewhere = http.server.HTTPServer(("127.0.0.1", 0), _Redirects)
    home = http.server.HTTPServer(("127.0.0.1", 0), _Redirects)
    _Redirects.target = f"http://127.0.0.1:{elsewhere.server_address[1]}/api"
    _Redirects.seen = []
    thread = threading.Thread(target=home.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{home.server_address[1]}"

        async def main() -> None:
            async with AsyncSession(url, "user", "secret-key", retries=0) as session:
                with pytest.raises(ftorm.TransportError, match="same origin"):
                    await session.call([{"action": "query", "expression": "Project"}])

        asyncio.run(main())
    finally:
        home.shutdown()
        home.server_close()
        elsewhere.server_close()
    assert len(_Redirects.seen) == 1  # the home server only: nothing went elsewhere


def test_custom_attribute_keys_are_checked_from_a_worker_thread() -> None:
    from tests.session.test_custom_attributes import _configure, _shot

    with ftorm.Session.local() as local:
        _configure(local)
        for number, start in enumerate((990, 1001, 1050)):
            _shot(local, f"sh{number}").custom["fstart"] = start
            local.commit()
        assert local.local_server is not None
        inner = InProcessTransport(local.local_server)

        async def main() -> None:
            async with AsyncSession(transport=AsyncInProcessTransport(inner)) as session:
                found = await session.query(Shot.where(Shot.custom.fstart >= 1001)).all()
                assert sorted(s.name for s in found) == ["sh1", "sh2"]
                with pytest.raises(ftorm.UnknownAttributeError, match="did you mean 'fstart'"):
                    await session.query(Shot.where(Shot.custom.column("fstrat") >= 1)).count()
                await session.load_configurations()

        asyncio.run(main())


class Pauses:
    """An async transport that holds the answer to the next write batch until released."""

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.armed = False
        self.sent = asyncio.Event()
        self.release = asyncio.Event()

    async def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        answers = self.inner.call(operations)
        if self.armed and any(isinstance(op, WRITES) for op in operations):
            self.armed = False
            self.sent.set()
            await self.release.wait()
        return answers

    async def aclose(self) -> None:
        self.inner.close()


def test_changes_made_while_a_commit_is_awaited_stay_pending(server: Server) -> None:
    async def main() -> None:
        pauses = Pauses(InProcessTransport(server))
        async with AsyncSession(transport=pauses) as session:  # type: ignore[arg-type]
            shots = await session.query(Shot.where().order_by(Shot.name)).all()
            sequence = await session.query(Seq).one()
            shots[0].name = "first"
            created = session.create(Shot, name="created", parent=sequence)
            pauses.armed = True
            task = asyncio.ensure_future(session.commit())
            await pauses.sent.wait()
            shots[0].name = "second"  # the batch on its way says "first"
            created.description = "described later"
            later = session.create(Shot, name="later", parent=sequence)
            session.delete(shots[1])
            pauses.release.set()
            await task
            assert shots[0].name == "second"
            assert session.dirty
            await session.commit()
            assert not session.dirty
            assert later.name == "later"

    asyncio.run(main())
    check = Session(transport=InProcessTransport(server))
    found = {s.name: s.description for s in check.query(Shot.select(Shot.name, Shot.description))}
    assert found["second"] is None
    assert found["created"] == "described later"
    assert "later" in found
    assert "first" not in found
    assert len(found) == SHOTS + 1  # two created, one deleted


def test_inherited_custom_attribute_values_resolve_when_awaited() -> None:
    from tests.session.test_hierarchy import Tree, configure

    with ftorm.Session.local() as local:
        configure(local)
        tree = Tree(local)
        tree.sequence.custom["fps"] = 30.0
        local.commit()
        assert local.local_server is not None
        inner = InProcessTransport(local.local_server)

        async def main() -> None:
            async with AsyncSession(transport=AsyncInProcessTransport(inner)) as session:
                shot = await session.get(Shot, tree.shot.id)
                assert shot is not None
                with pytest.raises(ftorm.NotLoadedError, match=r"await session\.load"):
                    _ = shot.custom.inherited["fps"]
                before = session.stats.requests
                await session.populate([shot], Shot.custom.inherited, Shot.name)
                assert session.stats.requests - before <= 3  # chains+values, then the path
                assert shot.custom.inherited["fps"] == 30.0
                assert shot.custom.source("fps").id == tree.sequence.id  # type: ignore[union-attr]
                # A committed value is folded in without a request (the hierarchy hook).
                sequence = await session.get(Seq, tree.sequence.id)
                assert sequence is not None
                await session.load_configurations()
                await session.load(sequence, "custom_attributes")
                sequence.custom["fps"] = 48.0
                await session.commit()
                before = session.stats.requests
                assert shot.custom.inherited["fps"] == 48.0
                assert session.stats.requests == before
                # count runs the session's one implementation: offset and limit apply.
                assert await session.query(Shot).count() == 1
                assert await session.query(Shot.where().offset(1)).count() == 0

        asyncio.run(main())


def test_file_transfers_go_through_the_transports_blocking_twin(server: Server) -> None:
    session = AsyncSession(transport=AsyncInProcessTransport(InProcessTransport(server)))
    core = session.core.transport
    with pytest.raises(ftorm.DownloadError, match="no file is stored"):  # the server's answer
        core.download("some-id", lambda block: None)
    with pytest.raises(ftorm.NotFoundError, match="no file is stored"):
        core.file_url("some-id")
    asyncio.run(session.close())


def test_file_transfers_without_a_blocking_twin_are_refused_with_a_clear_error(
    server: Server,
) -> None:
    class NoFiles:
        async def call(self, operations: Sequence[OperationLike]) -> list[Any]:
            return InProcessTransport(server).call(operations)

        async def aclose(self) -> None:
            pass

    session = AsyncSession(transport=NoFiles())
    core = session.core.transport
    with pytest.raises(ftorm.DownloadError, match="moves no files"):
        core.download("some-id", lambda block: None)
    with pytest.raises(ftorm.TransportError, match="moves no files"):
        core.remove_file("some-id")
    with pytest.raises(ftorm.TransportError, match="moves no files"):
        core.file_url("some-id")
    asyncio.run(session.close())


class _SlowWrites:
    """The server's handler, holding each write batch for a while once it arrived, and
    recording when each batch began and ended."""

    def __init__(self, server: Server, hold: float) -> None:
        self.handle = server.handle
        self.hold = hold
        self.arrived = threading.Event()
        self.log: list[tuple[str, str]] = []  # ("begin" or "end", the batch's first action)

    def __call__(self, batch: Any, **options: Any) -> Any:
        action = str(batch[0].get("action")) if batch and isinstance(batch[0], dict) else "?"
        self.log.append(("begin", action))
        try:
            if action != "query" and action != "query_server_information":
                self.arrived.set()
                threading.Event().wait(self.hold)
            return self.handle(batch, **options)
        finally:
            self.log.append(("end", action))


def test_a_commit_cancelled_over_http_is_reconciled_after_the_server_answered_it(
    server: Server,
) -> None:
    """Closing the connection would not stop a server applying a write: the cancelled
    write goes on, and the next batch (the queries that reconcile it) waits for its
    answer, so the reconciling commit sees it applied and sends nothing twice."""
    slow = _SlowWrites(server, hold=0.5)
    server.handle = slow  # type: ignore[method-assign]

    async def main(url: str) -> None:
        async with AsyncSession(url, "ftorm", KEY) as session:
            sequence = await session.query(Seq).one()
            session.create(Shot, name="late", parent=sequence)
            task = asyncio.ensure_future(session.commit())
            assert await asyncio.to_thread(slow.arrived.wait, 10)
            task.cancel()  # the server is applying the batch now
            with pytest.raises(asyncio.CancelledError):
                await task
            slow.log.append(("cancelled", ""))
            await session.commit()  # reconciles: finds the shot, sends nothing again
            assert not session.dirty

    with serving(server, close=False) as (host, port):
        asyncio.run(main(f"http://{host}:{port}"))
    server.handle = slow.handle  # type: ignore[method-assign]
    log = slow.log
    cancelled = log.index(("cancelled", ""))
    reconciling = log.index(("begin", "query"), cancelled)
    assert log.index(("end", "create")) < reconciling  # the write's answer came first
    assert log[cancelled + 1 :].count(("begin", "query")) == 1  # one reconciling query
    assert log.count(("begin", "create")) == 1  # and the create was not sent again
    names = [s.name for s in Session(transport=InProcessTransport(server)).query(Shot)]
    assert names.count("late") == 1
