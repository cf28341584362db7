"""What `AsyncSession` has of `Session` beyond queries and commits: schema and types, the
`Session` conveniences and the file methods awaited on the core (in-process and over HTTP
on 127.0.0.1), and inherited custom attribute values read while a commit is awaited."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

import ftorm
from ftorm.models import FileComponent, Project, Shot
from ftorm.models import Sequence as Seq
from ftorm.protocol.operations import CreateOp, OperationLike, UpdateOp
from ftorm.server.handlers import Server
from ftorm.session import AsyncSession, Session, components
from ftorm.transport.aio import AsyncInProcessTransport
from ftorm.transport.inprocess import InProcessTransport
from tests.server.server_helpers import serving
from tests.session.test_components import _read
from tests.session.test_hierarchy import Tree, configure

KEY = "test-key"
T = TypeVar("T")

NOT_AWAITED = {"changed", "collection_changed", "inherited_value"}
"""`Session`'s public methods an `AsyncSession` has no twin of: the hooks its objects call
(`ftorm.model.state.Tracker`), which an `AsyncSession`'s core answers itself."""


@pytest.fixture(params=["in-process", "http"])
def connect(request: pytest.FixtureRequest) -> Iterator[Callable[[], AsyncSession]]:
    """Makes `AsyncSession` s on one fresh server, in-process or over HTTP on loopback."""
    server = Server(api_key=KEY)
    if request.param == "in-process":
        yield lambda: AsyncSession(transport=AsyncInProcessTransport(InProcessTransport(server)))
    else:
        from ftorm.transport.ahttp import AsyncHttpTransport

        with serving(server, close=False) as (host, port):
            url = f"http://{host}:{port}"
            yield lambda: AsyncSession(transport=AsyncHttpTransport(url, server.api_user, KEY))
    server.close()


def run(connect: Callable[[], AsyncSession], main: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def body() -> T:
        async with connect() as session:
            return await asyncio.wait_for(main(session), 60)

    return asyncio.run(body())


def test_every_public_method_of_session_has_an_awaitable_twin() -> None:
    public = {n for n in dir(Session) if not n.startswith("_")}
    missing = {n for n in public if not hasattr(AsyncSession, n)}
    assert missing == NOT_AWAITED
    for name in ("ensure", "create_component", "refresh", "aggregate", "count", "check"):
        method = getattr(AsyncSession(transport=_Idle()), name)  # type: ignore[arg-type]
        assert inspect.iscoroutinefunction(method), name
        assert method.__doc__, name


class _Idle:
    async def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        raise AssertionError

    async def aclose(self) -> None:
        pass


def test_schema_and_types_once_loaded(connect: Callable[[], AsyncSession]) -> None:
    async def main(session: AsyncSession) -> None:
        with pytest.raises(ftorm.NotLoadedError, match="await"):
            _ = session.schema  # a property cannot await
        before = session.stats.requests
        schema = await session.load_schema()
        assert session.stats.requests == before + 1
        assert session.schema is schema
        assert session.types["Shot"] is Shot
        assert "schema_hash" in session.server_information
        await session.load_schema()
        assert session.stats.requests == before + 1  # once

    run(connect, main)


def test_ensure_refresh_count_and_reset(connect: Callable[[], AsyncSession]) -> None:
    async def main(session: AsyncSession) -> None:
        project = await session.ensure(Project, ["name"], name="p", full_name="P")
        assert isinstance(project, Project)
        again = await session.ensure(Project, ["name"], name="p", full_name="P")
        assert again is project
        assert await session.count(Project.where(name="p")) == 1
        assert [p.name async for p in session.iterate(Project.where())] == ["p"]
        project.full_name = "changed locally"
        await session.refresh(project)  # a pending change is kept, as Session keeps it
        assert project.full_name == "changed locally"
        await session.rollback()
        session.reset()
        assert not session.dirty
        found = await session.query(Project.select(Project.full_name)).one()
        assert found is not project
        assert found.full_name == "P"

    run(connect, main)


def test_components_upload_and_read_back(
    connect: Callable[[], AsyncSession], tmp_path: Path
) -> None:
    source = tmp_path / "plate.exr"
    source.write_bytes(b"frame data")

    async def main(session: AsyncSession) -> None:
        await session.load_schema()  # creating by type name needs the schema
        project = session.create("Project", name="cmp", full_name="Components")
        asset_type = await session.query("AssetType").first()
        asset = session.create("Asset", name="plate", parent=project, type=asset_type)
        version = session.create("AssetVersion", asset=asset)
        await session.commit()
        server = await session.location(components.SERVER_LOCATION)
        component = await session.create_component(
            source, {"name": "main"}, server, version=version
        )
        assert isinstance(component, FileComponent)
        assert (component.name, component.size) == ("main", 10)
        availability = await session.get_component_availability(component, [server])
        assert availability == {server.id: 100.0}
        address = await session.run(components.url, component)
        assert await asyncio.to_thread(_read, address) == b"frame data"

    run(connect, main)


class Gate:
    """An async transport that holds the next write batch until `release` (sending it to
    the server before holding, with ``applied``), or fails it with ``refuse``."""

    def __init__(self, inner: InProcessTransport, *, applied: bool) -> None:
        self.inner = inner
        self.applied = applied
        self.armed = False
        self.holding = asyncio.Event()
        self.open = asyncio.Event()
        self.refuse: BaseException | None = None

    async def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        if self.armed and any(isinstance(op, (CreateOp, UpdateOp)) for op in operations):
            self.armed = False
            results = self.inner.call(operations) if self.applied else None
            self.holding.set()
            await self.open.wait()
            if self.refuse is not None:
                raise self.refuse
            return results if results is not None else self.inner.call(operations)
        return self.inner.call(operations)

    async def aclose(self) -> None:
        self.inner.close()


@pytest.mark.parametrize(
    ("outcome", "applied"),
    [  # a refusal is an answer: the server applied nothing
        ("committed", False),
        ("committed", True),
        ("refused", False),
        ("cancelled", False),
        ("cancelled", True),
    ],
)
def test_inherited_values_read_while_a_commit_is_awaited(outcome: str, applied: bool) -> None:
    """While an awaited commit changing an ancestor's value is on its way, a descendant's
    inherited value reads the value the session last knew committed (no request, no
    error); the new value once that commit's answer is merged, never before; after a
    refusal still the old one (the change stays pending); after a cancelled commit the old
    one until the next commit reconciles it exactly once (then values are resolved again:
    the lost batch may have stored some)."""
    with ftorm.Session.local() as local:
        configure(local)
        tree = Tree(local)
        tree.sequence.custom["fps"] = 30.0
        local.commit()
        assert local.local_server is not None
        gate = Gate(InProcessTransport(local.local_server), applied=applied)

        async def main() -> None:
            async with AsyncSession(transport=gate) as session:  # type: ignore[arg-type]
                shot = await session.get(Shot, tree.shot.id)
                sequence = await session.get(Seq, tree.sequence.id)
                assert shot is not None
                assert sequence is not None
                await session.populate([shot, sequence], Shot.custom.inherited)
                await session.load_configurations()
                await session.load(sequence, "custom_attributes")
                assert shot.custom.inherited["fps"] == 30.0
                sequence.custom["fps"] = 48.0
                gate.armed = True
                commit = asyncio.ensure_future(session.commit())
                await asyncio.wait_for(gate.holding.wait(), 10)
                requests = session.stats.requests
                # the window: the batch is on its way, its answer not merged
                assert shot.custom.inherited["fps"] == 30.0
                assert sequence.custom["fps"] == 48.0  # its own, pending value
                assert session.stats.requests == requests  # read without a request
                if outcome == "cancelled":
                    commit.cancel()
                    with pytest.raises(asyncio.CancelledError):
                        await commit
                    assert shot.custom.inherited["fps"] == 30.0
                    assert session.dirty
                    gate.open.set()
                    await session.commit()  # reconciles: applied once, whichever it was
                    # the lost batch may have stored values: they are resolved again
                    with pytest.raises(ftorm.NotLoadedError):
                        _ = shot.custom.inherited["fps"]
                    await session.populate([shot], Shot.custom.inherited)
                elif outcome == "refused":
                    gate.refuse = ftorm.ValidationError("refused")
                    gate.open.set()
                    with pytest.raises(ftorm.ValidationError):
                        await commit
                    assert shot.custom.inherited["fps"] == 30.0
                    assert session.dirty  # nothing lost: the change stays pending
                    return
                else:
                    gate.open.set()
                    await commit
                assert shot.custom.inherited["fps"] == 48.0
                assert not session.dirty

        asyncio.run(main())
        check = Session(transport=InProcessTransport(local.local_server))
        stored = check.query(f'CustomAttributeValue where entity_id is "{tree.sequence.id}"').all()
        assert len(stored) == 1  # one value: never written twice
        expected = 30.0 if outcome == "refused" else 48.0
        assert check.get(Seq, tree.sequence.id).custom["fps"] == expected  # type: ignore[union-attr]
        check.close()


def test_both_sessions_take_one_set_of_options_and_refuse_others() -> None:
    server = Server()
    with pytest.raises(TypeError, match="unexpected keyword argument 'page_sise'"):
        Session(transport=InProcessTransport(server), page_sise=10)  # type: ignore[call-arg]
    server.close()
    with pytest.raises(TypeError, match=r"AsyncSession.*'lazzy'"):
        AsyncSession(transport=_Idle(), lazzy="raise")  # type: ignore[arg-type, call-arg]
    session = AsyncSession(transport=_Idle(), page_size=7, retries=1)  # type: ignore[arg-type]
    assert session.page_size == 7
