"""`AsyncSession`: the session's typed API with ``await``, over the same core as `Session`.

An `AsyncSession` holds a `Session` as its core: the identity map, the unit of work, the
model catalog, query planning and paging (`ftorm.session.paging.Pager`), hydration and the
reconciliation after a lost answer are that session's, unchanged. Every step that needs the
server is a core step generator (`ftorm.session.core`) that `Session` drives with a blocking
call and `AsyncSession` with an awaited one (`ftorm.session.core.adrive`), so both make the
same requests and merge the answers the same way.

Two reads are not steps but blocking code: the custom attribute configurations (read once
per session, only when a query tests a custom attribute key, or a value is read through
``obj.custom``), and inherited custom attribute values (`ftorm.session.custom.inheritance`, resolved
when ``populate`` or ``load`` is given ``Model.custom.inherited``). An `AsyncSession` runs
that code on a worker thread (`asyncio.to_thread`) whose requests go through the transport's
blocking twin (``files()``), never waiting for the loop; reading ``obj.custom`` before the
configurations were read, or an inherited value before it was resolved, raises
`ftorm.NotLoadedError` (an attribute read cannot await): ``await
session.load_configurations()`` or ``await session.populate(objects,
Model.custom.inherited)`` first.

The event hub is ``session.events`` (`ftorm.events.aio.AsyncEventHub`: ``async for``
streams, awaited publishing). The rest of `Session`'s methods (``ensure``, ``refresh``,
``aggregate``, notes, timers, files: ``create_component``, ``location``, availabilities,
thumbnails, ...) are awaitable twins that run `Session`'s own code on the core, on a worker
thread (`AsyncSession.run`): its requests and component files go through the transport's
blocking twin (``files()``). A task on the loop that needs the core's lock while such a
commit holds it waits for that commit's request (it cannot deadlock: the worker never waits
for the loop).
`schema`, `types` and `server_information` are properties, read once `load_schema` (or a
query) fetched the schema.

Inherited custom attribute values read while an awaited commit is on its way are the
values the session last knew committed: the commit's new values are folded in when its
answer is merged (`ftorm.session.custom.inheritance.Hierarchy.committed`), never before, and not
after a refusal; after a lost or cancelled commit they are resolved again once the next
commit has reconciled it (``tests/session/test_async_parity.py``).

An attribute read cannot await, so an `AsyncSession` never loads on attribute reads: its
``lazy`` is ``"raise"``. ``await session.load(objects, Shot.status)`` loads chosen attributes,
with one request for the objects given and every member of their cohorts that misses them.

An `AsyncSession` belongs to one event loop: use it from that loop's tasks (not from other
threads). Its tasks may run queries concurrently (`asyncio.gather`): each row still gives
one object, and at most ``max_connections`` requests are on their way at once. Commits run
one at a time; an object changed while a commit is awaited stays pending with its change.

`AsyncQuery` and its paging live in `ftorm.session.aio_query`, the core's transport and the
awaitable twins' descriptor in `ftorm.session.aio_bridge`; `AsyncQuery` is importable here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, TypeVar, cast, overload

from ftorm._typing import JSON
from ftorm.errors import InvalidValueError
from ftorm.model.base import Model
from ftorm.model.state import cohort_of
from ftorm.protocol.operations import OperationLike
from ftorm.query import ast
from ftorm.query.builder import KeywordQuery, Query
from ftorm.session.aio_bridge import Bridge, OnCore
from ftorm.session.aio_query import AsyncKeywordQuery as AsyncKeywordQuery  # re-exported
from ftorm.session.aio_query import AsyncQuery, pages
from ftorm.session.cohort import Cohort
from ftorm.session.core import adrive
from ftorm.session.session import Session
from ftorm.transport.aio import DEFAULT_MAX_CONNECTIONS, AsyncInProcessTransport

if TYPE_CHECKING:
    from typing import Unpack

    from ftorm.events.aio import AsyncEventHub
    from ftorm.schema.types import Schema
    from ftorm.session.connect import SessionOptions
    from ftorm.session.stats import Stats
    from ftorm.transport.aio import AsyncTransport
    from ftorm.transport.inprocess import Handler, InProcessTransport

__all__ = ["AsyncQuery", "AsyncSession"]

M = TypeVar("M", bound=Model)
R = TypeVar("R")
P = ParamSpec("P")

_LOAD_HINT = "await session.load"
"""What the ``lazy='raise'`` message of an asynchronous session tells to call."""


class AsyncSession:
    """A connection to one ftrack server (or ftorm's embedded one), awaited.

    ``AsyncSession()`` reads ``FTRACK_SERVER``, ``FTRACK_API_USER`` and ``FTRACK_API_KEY`` and
    takes the same arguments as `Session` (``lazy`` can only be ``"raise"``: an attribute
    read cannot await), plus ``max_connections``: at most this many requests on their way at
    once (default `ftorm.transport.aio.DEFAULT_MAX_CONNECTIONS`, 10). It needs httpx
    (``pip install 'ftorm[async]'``). ``AsyncSession.local(path)`` runs the embedded server
    in this process, its handler on worker threads. Nothing is sent until the first use.
    See the module docstring for what is shared with `Session`.
    """

    def __init__(
        self,
        server_url: str | None = None,
        api_user: str | None = None,
        api_key: str | None = None,
        *,
        transport: AsyncTransport | None = None,
        lazy: Literal["raise"] = "raise",
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        **options: Unpack[SessionOptions],
    ) -> None:
        from ftorm.session.connect import session_options

        connecting = session_options("AsyncSession", dict(options))
        if lazy != "raise":
            msg = (  # type: ignore[unreachable]  # untyped callers
                f"an AsyncSession cannot load attributes when they are read (a read cannot "
                f"await), so lazy must be 'raise', not {lazy!r}: select attributes in the "
                f"query, or {_LOAD_HINT}(objects, Model.attribute)"
            )
            raise InvalidValueError(msg)
        self._core = Session(
            transport=Bridge(self),
            lazy="raise",
            page_size=options.get("page_size"),
            models=options.get("models"),
        )
        self._core._load_hint = _LOAD_HINT
        if transport is None:
            from ftorm.session.connect import async_http_transport

            transport = async_http_transport(
                server_url, api_user, api_key, max_connections=max_connections, **connecting
            )
        self._transport: AsyncTransport = transport
        self._loop: asyncio.AbstractEventLoop | None = None
        self._committing = asyncio.Lock()  # one commit at a time
        self._local_server: Handler | None = None
        self._events: AsyncEventHub | None = None

    @classmethod
    def local(
        cls,
        path: str = ":memory:",
        *,
        schema: Schema | None = None,
        api_user: str = "ftorm",
        read_only: bool = False,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        **options: Any,
    ) -> AsyncSession:
        """An asynchronous session on an embedded server in this process (SQLite at ``path``),
        whose handler runs on worker threads (`ftorm.transport.aio.AsyncInProcessTransport`);
        arguments as for `Session.local`."""
        from ftorm.session.connect import on_local_server

        def make(blocking: InProcessTransport[Handler]) -> AsyncSession:
            transport = AsyncInProcessTransport(blocking, max_connections=max_connections)
            return cls(transport=transport, **options)

        return on_local_server(make, path, schema, api_user, read_only)

    # --- state shared with the core ----------------------------------------------------------

    @property
    def core(self) -> Session:
        """The `Session` holding this session's objects and pending changes (its own I/O
        refuses to block: send requests through this session)."""
        return self._core

    @property
    def transport(self) -> AsyncTransport:
        """The asynchronous transport this session sends its batches through."""
        return self._transport

    @property
    def local_server(self) -> Handler | None:
        """The embedded server `local` created for this session (None for other sessions),
        closed with it; typed as the `ftorm.transport.inprocess.Handler` protocol (see
        `Session.local_server`)."""
        return self._local_server

    @property
    def events(self) -> AsyncEventHub:
        """ftrack's event hub for this session's server (`ftorm.events.aio.AsyncEventHub`):
        ``async for event in session.events.stream("topic=ftrack.update")`` and ``await
        session.events.publish(event)``; made on first use (nothing is sent until a stream
        is awaited or an event published) and closed with the session. A websocket to
        ``ftorm serve`` or ftrack, or, for `local` sessions, the embedded server's hub."""
        if self._events is None:
            from ftorm.session.connect import event_hub_for

            self._events = cast("AsyncEventHub", event_hub_for(self._transport))
        return self._events

    @property
    def stats(self) -> Stats:
        """Running totals: requests, operations, entities received and batch loads."""
        return self._core.stats

    @property
    def lazy(self) -> Literal["raise"]:
        """Always ``"raise"``: an attribute read cannot await."""
        return "raise"

    @property
    def page_size(self) -> int:
        """Rows per query request when iterating (unless a query asks for its own)."""
        return self._core.page_size

    @property
    def dirty(self) -> bool:
        """True when `commit` has something to send."""
        return self._core.dirty

    @property
    def closed(self) -> bool:
        """True after `close`."""
        return self._core.closed

    def __repr__(self) -> str:
        return repr(self._core).replace("<Session", "<AsyncSession", 1)

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Forget every object and release the connections. Pending changes are discarded."""
        if self._core.closed:
            return
        events, self._events = self._events, None
        if events is not None:
            await events.close()
        self._core.close()
        await self._transport.aclose()
        if self._local_server is not None:
            self._local_server.close()
            self._local_server = None

    async def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Send a raw batch (one request); one result per operation (see `Session.call`)."""
        self._core._sending(operations)
        return await self._transport.call(operations)

    async def _ready(self) -> None:
        """Check the session is open and that it knows the server's schema (one request the
        first time)."""
        self._core._check_open()
        self._loop = asyncio.get_running_loop()
        catalog = self._core._catalog
        if not catalog.loaded:
            await adrive(catalog.fetch_steps(), self.call)

    async def load_configurations(self) -> None:
        """Read the server's custom attribute configurations (once), so that ``obj.custom``
        can be read without a request."""
        await self._ready()
        await asyncio.to_thread(self._core._configurations.all)

    # --- queries -----------------------------------------------------------------------------

    @overload
    def query(self, target: Callable[P, M]) -> AsyncKeywordQuery[M, P]: ...
    @overload
    def query(self, target: KeywordQuery[M, P]) -> AsyncKeywordQuery[M, P]: ...
    @overload
    def query(self, target: Query[R]) -> AsyncQuery[R]: ...
    @overload
    def query(self, target: str) -> AsyncQuery[Model]: ...
    def query(self, target: Any) -> AsyncQuery[Any]:
        """A query bound to this session: a model class, a built query, or query text."""
        if isinstance(target, str):
            return AsyncQuery(self, target)
        return AsyncQuery(self, self._core.query(target))

    async def get(self, model: type[M] | str, key: object) -> M | None:
        """The entity of ``model`` with primary key ``key`` (see `Session.get`)."""
        await self._ready()
        found = self._core._held_or_query(model, key)
        if isinstance(found, Query):
            results = [obj async for obj in pages(self, found)]
            return cast("M", results[0]) if results else None
        return cast("M", found)

    async def populate(self, objects: Iterable[Model], *paths: object) -> None:
        """Load ``paths`` for every object in one request (see `Session.populate`);
        ``Model.custom.inherited`` among them resolves inherited custom attribute values
        (`ftorm.session.custom.inheritance`, on a worker thread: see the module docstring)."""
        await self._ready()
        await self._populate(objects, paths)

    async def _populate(self, objects: Iterable[Model], paths: Sequence[object]) -> None:
        core = self._core
        items, rest, inherited = core._populating(objects, paths)
        if inherited:
            await asyncio.to_thread(core._hierarchy.resolve, items)
        await adrive(core._populate_steps(items, rest), self.call)

    async def load(self, objects: Model | Iterable[Model], *paths: object) -> None:
        """Load ``paths`` (``Shot.status``, ``"parent.name"``) for ``objects`` (one or many)
        and for every member of their cohorts (the result they were loaded with) that misses
        the attribute the path starts with: one request, as a lazy ``"batch"`` load makes.
        """
        await self._ready()
        given = [objects] if isinstance(objects, Model) else list(objects)
        items = dict.fromkeys(given)
        core = self._core
        with core.lock:
            for obj in given:
                cohort = cohort_of(obj)
                if not isinstance(cohort, Cohort):
                    continue
                for name in _first_names(type(obj), paths):
                    items.update(dict.fromkeys(cohort.missing(core._identity, name, core)))
            core.stats.batch_loads += 1
        await self._populate(items, paths)

    # --- the unit of work ----------------------------------------------------------------

    @overload
    def create(self, model: Callable[P, M], /, *args: P.args, **values: P.kwargs) -> M: ...
    @overload
    def create(self, model: str, /, **values: Any) -> Model: ...
    def create(self, model: Any, /, *args: Any, **values: Any) -> Any:
        """A new entity, added to the session (sent on the next `commit`); see
        `Session.create` (an entity type name needs the schema: run a query first)."""
        return self._core.create(model, *args, **values)

    def add(self, obj: Model) -> None:
        """Add a new entity (and new entities it references) to the session."""
        self._core.add(obj)

    def delete(self, obj: Model) -> None:
        """Delete ``obj`` on the next `commit` (a new object is simply dropped)."""
        self._core.delete(obj)

    async def commit(self) -> None:
        """Send every pending create, update and delete in one request (see `Session.commit`:
        nothing is lost on failure, and after a lost answer or a cancelled commit the next
        commit first asks what took effect and sends only the rest, exactly once)."""
        async with self._committing:
            if self._core.dirty:
                await self._ready()  # the answers are merged with the server's types
            await adrive(self._core._commit_steps(), self.call)

    async def rollback(self) -> None:
        """Undo every change since the last commit (after a running commit ends)."""
        async with self._committing:
            self._core.rollback()

    # --- the rest of `Session`, on the core ------------------------------------------------

    async def run(
        self, function: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """``function(core, *args, **kwargs)`` on a worker thread (`asyncio.to_thread`),
        where ``core`` is this session's `core` `Session`: its requests and component files
        go through the transport's blocking twin (``files()``: requests for HTTP, the
        server's own for `local`), so the worker never waits for this loop. Runs one at a
        time with commits (it may commit). This is how every
        `Session` method an `AsyncSession` has no dedicated method for is awaited.

        While it runs, attributes the function reads are loaded as ``lazy="batch"`` loads
        them (its requests wait for nothing on this loop); reads on the loop still raise.
        Cancelling the awaiting task returns once the worker thread ended (a thread cannot
        be interrupted), so nothing overlaps the next commit::

            await session.run(Session.create_component, "/renders/sh010.exr")
        """
        await self._ready()
        core = self._core
        async with self._committing:
            core.lazy = "batch"  # on the worker thread a read may load: requests can be sent
            work = asyncio.ensure_future(asyncio.to_thread(function, core, *args, **kwargs))
            try:
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                # a thread cannot be stopped: let it end first, whatever else is cancelled
                # meanwhile, so the commit lock is held until the core is idle again
                while not work.done():
                    with contextlib.suppress(asyncio.CancelledError):
                        await asyncio.wait({work})
                raise
            finally:
                core.lazy = "raise"

    # Awaitable twins of `Session`'s methods, each run by `run`: signature and docstring
    # are the `Session` method's (`ftorm.session.aio_bridge.OnCore`).
    aggregate = OnCore(Session.aggregate)
    refresh = OnCore(Session.refresh)
    reset_remote = OnCore(Session.reset_remote)
    get_widget_url = OnCore(Session.get_widget_url)
    create_note = OnCore(Session.create_note)
    create_reply = OnCore(Session.create_reply)
    start_timer = OnCore(Session.start_timer)
    stop_timer = OnCore(Session.stop_timer)
    custom_configurations = OnCore(Session.custom_configurations)
    create_component = OnCore(Session.create_component)
    location = OnCore(Session.location)
    pick_location = OnCore(Session.pick_location)
    get_component_availability = OnCore(Session.get_component_availability)
    get_component_availabilities = OnCore(Session.get_component_availabilities)
    create_thumbnail = OnCore(Session.create_thumbnail)
    encode_media = OnCore(Session.encode_media)

    @overload
    async def ensure(
        self,
        model: Callable[P, M],
        identifying_keys: Sequence[str] | None = None,
        /,
        *args: P.args,
        **values: P.kwargs,
    ) -> M: ...
    @overload
    async def ensure(
        self, model: str, identifying_keys: Sequence[str] | None = None, /, **values: Any
    ) -> Model: ...
    async def ensure(
        self,
        model: Any,
        identifying_keys: Sequence[str] | None = None,
        /,
        *args: Any,
        **values: Any,
    ) -> Any:
        """`Session.ensure`, awaited (get or create; committed when anything changed)."""
        return await self.run(lambda core: core.ensure(model, identifying_keys, *args, **values))

    def reset(self) -> None:
        """Forget every object and every pending change (`Session.reset`; no request)."""
        self._core.reset()

    # --- schema and types --------------------------------------------------------------------

    async def load_schema(self) -> Schema:
        """The server's schema, fetched the first time (with the server information, in one
        request, as a first query does); afterwards `schema`, `types` and
        `server_information` are read without a request."""
        await self._ready()
        return self._core.schema

    @property
    def schema(self) -> Schema:
        """The server's schema (`ftorm.NotLoadedError` until `load_schema`, or a query, read
        it: a property cannot await)."""
        return self._core.schema

    @property
    def server_information(self) -> dict[str, Any]:
        """The server's ``query_server_information`` answer (read as `schema` is)."""
        return self._core.server_information

    @property
    def types(self) -> Mapping[str, type[Model]]:
        """A model class for every entity type of the server (`Session.types`; read as
        `schema` is)."""
        return self._core.types

    async def count(self, query: Query[Any]) -> int:
        """How many entities ``query`` matches, with one request (`Session.count`)."""
        return await self.query(query).count()

    def iterate(self, query: Query[R]) -> AsyncIterator[R]:
        """The entities ``query`` matches, page by page (`Session.iterate`)."""
        return aiter(self.query(query))

    async def check(self, query: Query[Any]) -> None:
        """Check ``query`` against the server's schema and custom attribute configurations
        (`Session.check`; they are read first when needed)."""
        await self._ready()
        await asyncio.to_thread(self._core.check, query)


def _first_names(cls: type[Model], paths: Sequence[object]) -> Generator[str, None, None]:
    """The attribute names of ``cls`` the ``paths`` start with."""
    for path in paths:
        found = path if isinstance(path, (str, ast.Path)) else getattr(path, "__ftorm_path__", None)
        if callable(found):
            found = found()
        node = ast.Path.of(found) if isinstance(found, str) else found
        if isinstance(node, ast.Path) and node.segments:
            key = node.segments[0].name
            yield cls.__ftorm_keys__.get(key, key)
