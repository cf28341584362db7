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
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Generator,
    Iterable,
    Mapping,
    Sequence,
)
from typing import (
    TYPE_CHECKING,
    Any,
    BinaryIO,
    Concatenate,
    Generic,
    Literal,
    ParamSpec,
    TypeVar,
    cast,
    overload,
)

from ftorm._typing import JSON
from ftorm.errors import (
    DownloadError,
    InvalidValueError,
    MultipleResultsError,
    NotFoundError,
    NotLoadedError,
    ServerError,
    TransportError,
)
from ftorm.model.base import Model
from ftorm.model.state import cohort_of
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.protocol.results import QueryResult, read_query
from ftorm.query import ast
from ftorm.query.builder import KeywordQuery, Query
from ftorm.query.criteria import Expr
from ftorm.session.cohort import Cohort
from ftorm.session.core import adrive
from ftorm.session.custom.configurations import custom_keys
from ftorm.session.paging import Pager
from ftorm.session.session import Session
from ftorm.transport.aio import DEFAULT_MAX_CONNECTIONS, AsyncInProcessTransport

if TYPE_CHECKING:
    import datetime as _dt
    from typing import Self, Unpack

    from ftorm.events.aio import AsyncEventHub
    from ftorm.schema.types import Schema
    from ftorm.session.connect import SessionOptions
    from ftorm.session.stats import Stats
    from ftorm.transport.aio import AsyncTransport
    from ftorm.transport.base import Transport
    from ftorm.transport.inprocess import Handler

__all__ = ["AsyncQuery", "AsyncSession"]

M = TypeVar("M", bound=Model)
R = TypeVar("R")
P = ParamSpec("P")

_NO_FILES = "this AsyncSession's transport moves no files (it has no files() transport)"
"""Why the file operations of an asynchronous session's core are refused."""

_LOAD_HINT = "await session.load"
"""What the ``lazy='raise'`` message of an asynchronous session tells to call."""


AQ = TypeVar("AQ", bound="AsyncQuery[Any]")


class _Refinement(Generic[P]):
    """An `AsyncQuery` refinement: the `Query` method ``method`` (typed as it is, returning
    the `AsyncQuery`), applied to the query, or, for query text, once it is parsed."""

    __slots__ = ("_doc", "_name")

    def __init__(self, method: Callable[Concatenate[Any, P], object]) -> None:
        self._name = method.__name__
        self._doc = method.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
    @overload
    def __get__(self, obj: AQ, owner: type[Any] | None = None) -> Callable[P, AQ]: ...
    def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        name = self._name

        def refine(*args: P.args, **kwargs: P.kwargs) -> Any:
            return obj._then(name, args, kwargs)

        refine.__name__ = refine.__qualname__ = name
        refine.__doc__ = self._doc
        return refine


class _OnCore(Generic[P, R]):
    """An awaitable `AsyncSession` method: the `Session` method ``method`` (typed as it is,
    awaited), run on the session's core by `AsyncSession.run`."""

    __slots__ = ("_doc", "_method")

    def __init__(self, method: Callable[Concatenate[Session, P], R]) -> None:
        self._method = method
        self._doc = method.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
    @overload
    def __get__(
        self, obj: AsyncSession, owner: type[Any] | None = None
    ) -> Callable[P, Coroutine[Any, Any, R]]: ...
    def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        method = self._method

        async def awaited(*args: P.args, **kwargs: P.kwargs) -> R:
            return await cast("AsyncSession", obj).run(method, *args, **kwargs)

        awaited.__name__ = awaited.__qualname__ = method.__name__
        awaited.__doc__ = self._doc
        return awaited


class AsyncQuery(Generic[R]):
    """A query bound to an `AsyncSession`: ``await q.all()``, ``first``, ``one``, ``count``,
    and ``async for obj in q`` (the next page is fetched while this one is read).

    It refines like a `ftorm.query.builder.Query` (`where`, `before`, `after`, `select`,
    `order_by`, `limit`, `offset`, `page_size` return a new `AsyncQuery`), checked by type
    checkers the same way: ``session.query(Shot).where(nmae="x")`` is reported.
    """

    __slots__ = ("_session", "_source", "_steps")

    def __init__(
        self,
        session: AsyncSession,
        source: Query[R] | str,
        steps: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...] = (),
    ) -> None:
        self._session = session
        self._source = source
        self._steps = steps  # refinements of query text, applied once it is parsed

    def _then(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Self:
        source = self._source
        if isinstance(source, Query):  # refined at once: errors show where they are made
            return type(self)(self._session, getattr(source, method)(*args, **kwargs))
        return type(self)(self._session, source, (*self._steps, (method, args, kwargs)))

    # Each refinement is `Query`'s method of the same name (its signature, its checks, its
    # docstring), applied by `_then`: written once, in `ftorm.query.builder`.
    where = _Refinement(Query.where)
    before = _Refinement(Query.before)
    after = _Refinement(Query.after)
    select = _Refinement(Query.select)
    order_by = _Refinement(Query.order_by)
    limit = _Refinement(Query.limit)
    offset = _Refinement(Query.offset)
    page_size = _Refinement(Query.page_size)

    @property
    def query(self) -> Query[R] | str:
        """The query this runs (query text until the session knows the server's types)."""
        return self._source

    def __repr__(self) -> str:
        return f"<AsyncQuery: {self._source}>"

    async def _resolved(self) -> Query[R]:
        await self._session._ready()
        source = self._source
        if isinstance(source, Query):
            return source
        query: Any = self._session._core.query(source)
        for method, args, kwargs in self._steps:
            query = getattr(query, method)(*args, **kwargs)
        return cast("Query[R]", query)

    def __aiter__(self) -> AsyncIterator[R]:
        """The matching entities, page by page; see `ftorm.Session.iterate`."""
        return self._iterate(None)

    async def _iterate(self, limit: int | None) -> AsyncIterator[R]:
        query = await self._resolved()
        if limit is not None:
            query = query.limit(limit)
        async for obj in self._session._iterate(query):
            yield obj

    async def all(self) -> list[R]:
        """Every matching entity."""
        return [obj async for obj in self._iterate(None)]

    async def first(self) -> R | None:
        """The first matching entity (fetched with ``limit 1``), or None."""
        found = [obj async for obj in self._iterate(1)]
        return found[0] if found else None

    async def one(self) -> R:
        """Exactly one matching entity; `NotFoundError` or `MultipleResultsError` otherwise."""
        found = [obj async for obj in self._iterate(2)]
        if len(found) == 1:
            return found[0]
        query = await self._resolved()
        if not found:
            msg = f"no {query.entity_type} matches {query}"
            raise NotFoundError(msg)
        msg = f"more than one {query.entity_type} matches {query}"
        raise MultipleResultsError(msg)

    async def count(self) -> int:
        """How many entities the query matches, with one request (see `Session.count`)."""
        query = await self._resolved()
        session = self._session
        await session._check(query)
        return await adrive(session._core._count_steps(query), session.call)


if TYPE_CHECKING:

    class AsyncKeywordQuery(AsyncQuery[M], Generic[M, P]):
        """An `AsyncQuery` that also knows the model's constructor keywords ``P`` (for
        checkers), as `ftorm.query.builder.KeywordQuery`; at run time it is `AsyncQuery`."""

        @overload  # type: ignore[override]
        def where(self, *criteria: Expr) -> Self: ...
        @overload
        def where(self, *args: P.args, **kwargs: P.kwargs) -> Self: ...
        @overload
        def where(self, criterion: Expr, /, *criteria: Expr, **equals: object) -> Self: ...
        def where(self, *criteria: Any, **equals: Any) -> Self: ...  # type: ignore[misc]
        @overload  # type: ignore[override]
        def before(self, *args: P.args, **kwargs: P.kwargs) -> Self: ...
        @overload
        def before(self, **dates: _dt.datetime | _dt.date) -> Self: ...
        def before(self, *args: Any, **kwargs: Any) -> Self: ...
        @overload  # type: ignore[override]
        def after(self, *args: P.args, **kwargs: P.kwargs) -> Self: ...
        @overload
        def after(self, **dates: _dt.datetime | _dt.date) -> Self: ...
        def after(self, *args: Any, **kwargs: Any) -> Self: ...

else:
    AsyncKeywordQuery = AsyncQuery


class _Bridge:
    """The core session's transport: the blocking steps an `AsyncSession` runs on a worker
    thread send their batches through the asynchronous transport's blocking twin (``files()``:
    requests for HTTP, the server's own for `AsyncSession.local`), or, for a transport without
    one, through the asynchronous transport on the session's loop."""

    threaded = False

    def __init__(self, owner: AsyncSession) -> None:
        self._owner = owner

    def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        loop = self._owner._loop
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            on_loop = False
        else:
            on_loop = True
        twin = getattr(self._owner._transport, "files", None)
        if twin is not None and not on_loop:
            # A worker thread sends through the blocking twin and never waits for the loop:
            # a task on the loop may be waiting for the core's lock, which this thread holds
            # while it commits, and the loop's own worker threads may all be taken.
            sent: list[JSON] = twin().call(operations)
            return sent
        if loop is None or on_loop or loop.is_closed():
            msg = (
                "this needs a request, and an AsyncSession cannot send one from a plain "
                "attribute read or call: await it (session.load, session.populate, a query; "
                "await session.load_schema() before session.schema or session.types, "
                "await session.load_configurations() before reading obj.custom)"
            )
            raise NotLoadedError(msg)
        future = asyncio.run_coroutine_threadsafe(self._owner._transport.call(operations), loop)
        return future.result()

    # Files travel through the asynchronous transport's blocking twin (``files()``), on the
    # worker thread running the core's file code (`AsyncSession.create_component`, ...).

    def _files(self) -> Transport:
        files = getattr(self._owner._transport, "files", None)
        if files is None:
            raise TransportError(_NO_FILES)
        found: Transport = files()
        return found

    def put_file(self, url: str, stream: BinaryIO, headers: Mapping[str, str]) -> None:
        self._files().put_file(url, stream, headers)

    def download(self, component_id: str, write: Callable[[bytes], object]) -> int:
        try:
            files = self._files()
        except TransportError:
            raise DownloadError(_NO_FILES) from None
        return files.download(component_id, write)

    def remove_file(self, component_id: str) -> None:
        self._files().remove_file(component_id)

    def file_url(self, component_id: str, *, thumbnail_size: int | None = None) -> str:
        return self._files().file_url(component_id, thumbnail_size=thumbnail_size)

    def close(self) -> None:
        """Nothing to release: the asynchronous transport is closed by the session."""


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
            transport=_Bridge(self),
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
        from ftorm.session.connect import local_transport

        blocking = local_transport(path, schema, api_user, read_only)
        transport = AsyncInProcessTransport(blocking, max_connections=max_connections)
        try:
            session = cls(transport=transport, **options)
        except BaseException:
            blocking.server.close()
            raise
        session._local_server = blocking.server
        return session

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

    async def _check(self, query: Query[Any]) -> None:
        """`Session.check` (reading the configurations on a worker thread when the query tests
        custom attribute keys)."""
        if next(custom_keys(query.ast), None) is not None:
            await asyncio.to_thread(self._core.check, query)

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

    async def _iterate(self, query: Query[R]) -> AsyncIterator[R]:
        """The pages of ``query`` as in `Session.iterate`: the next page is on its way while
        this one is read."""
        await self._check(query)
        core = self._core
        node, size, keys = core._paging(query)
        pager = Pager(node, size, keys, core._grow_to(query))
        cohort, gone = Cohort(), core._watch()
        request = pager.first()
        pending: asyncio.Future[QueryResult] | None = None
        try:
            while request is not None:
                result = await (self._page(request) if pending is None else pending)
                pending, failure = None, None
                try:
                    following = pager.after(request, result)
                except ServerError as error:
                    following, failure = None, error
                if following is not None:
                    pending = asyncio.ensure_future(self._page(following))
                request = following
                for obj in core._page_objects(result.data, cohort, gone):
                    if core._kept(obj):
                        yield cast("R", obj)
                if failure is not None:
                    raise failure
        finally:
            if pending is not None:
                pending.cancel()
            core._unwatch(gone)

    async def _page(self, request: ast.Select) -> QueryResult:
        (result,) = await self.call([QueryOp(str(request))])
        return read_query(result)

    async def get(self, model: type[M] | str, key: object) -> M | None:
        """The entity of ``model`` with primary key ``key`` (see `Session.get`)."""
        await self._ready()
        found = self._core._held_or_query(model, key)
        if isinstance(found, Query):
            results = [obj async for obj in self._iterate(found)]
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
    # are the `Session` method's (`_OnCore`).
    aggregate = _OnCore(Session.aggregate)
    refresh = _OnCore(Session.refresh)
    reset_remote = _OnCore(Session.reset_remote)
    get_widget_url = _OnCore(Session.get_widget_url)
    create_note = _OnCore(Session.create_note)
    create_reply = _OnCore(Session.create_reply)
    start_timer = _OnCore(Session.start_timer)
    stop_timer = _OnCore(Session.stop_timer)
    custom_configurations = _OnCore(Session.custom_configurations)
    create_component = _OnCore(Session.create_component)
    location = _OnCore(Session.location)
    pick_location = _OnCore(Session.pick_location)
    get_component_availability = _OnCore(Session.get_component_availability)
    get_component_availabilities = _OnCore(Session.get_component_availabilities)
    create_thumbnail = _OnCore(Session.create_thumbnail)
    encode_media = _OnCore(Session.encode_media)

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
