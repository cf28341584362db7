"""`AsyncQuery`: a query bound to an asynchronous session, and the paging that runs it.

An `AsyncQuery` refines as `ftorm.query.builder.Query` does (each refinement is `Query`'s
method of the same name, through `_Refinement`) and runs on the session that made it
(`ftorm.session.aio.AsyncSession`): `pages` fetches its pages as `Session.iterate` does, the
next page on its way while this one is read. This module does not import the session's: what
it needs of it is the `QuerySession` protocol.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    ParamSpec,
    Protocol,
    TypeVar,
    cast,
    overload,
)

from ftorm._typing import JSON
from ftorm.errors import MultipleResultsError, NotFoundError, ServerError
from ftorm.model.base import Model
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.protocol.results import QueryResult, read_query
from ftorm.query.builder import Query
from ftorm.query.criteria import Expr
from ftorm.session.cohort import Cohort
from ftorm.session.core import adrive
from ftorm.session.custom.configurations import custom_keys
from ftorm.session.paging import Pager

if TYPE_CHECKING:
    import datetime as _dt
    from typing import Self

    from ftorm.query import ast
    from ftorm.session.session import Session

__all__ = ["AsyncKeywordQuery", "AsyncQuery", "QuerySession", "check", "pages"]

M = TypeVar("M", bound=Model)
R = TypeVar("R")
P = ParamSpec("P")

AQ = TypeVar("AQ", bound="AsyncQuery[Any]")


class QuerySession(Protocol):
    """What an `AsyncQuery` needs of its session (`ftorm.session.aio.AsyncSession`): the core
    `Session` that plans the query and holds its objects, the check that the session is open
    and knows the server's schema, and a raw batch sent."""

    @property
    def _core(self) -> Session: ...

    async def _ready(self) -> None: ...

    async def call(self, operations: Sequence[OperationLike]) -> list[JSON]: ...


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
        session: QuerySession,
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
        async for obj in pages(self._session, query):
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
        await check(session._core, query)
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


async def check(core: Session, query: Query[Any]) -> None:
    """`Session.check` on ``core`` (reading the configurations on a worker thread) when
    ``query`` tests custom attribute keys; nothing otherwise."""
    if next(custom_keys(query.ast), None) is not None:
        await asyncio.to_thread(core.check, query)


async def pages(session: QuerySession, query: Query[R]) -> AsyncIterator[R]:
    """The entities ``query`` matches, page by page, as in `Session.iterate`: the next page is
    on its way while this one is read."""
    core = session._core
    await check(core, query)
    node, size, keys = core._paging(query)
    pager = Pager(node, size, keys, core._grow_to(query))
    cohort, gone = Cohort(), core._watch()
    request = pager.first()
    pending: asyncio.Future[QueryResult] | None = None
    try:
        while request is not None:
            result = await (_page(session, request) if pending is None else pending)
            pending, failure = None, None
            try:
                following = pager.after(request, result)
            except ServerError as error:
                following, failure = None, error
            if following is not None:
                pending = asyncio.ensure_future(_page(session, following))
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


async def _page(session: QuerySession, request: ast.Select) -> QueryResult:
    (result,) = await session.call([QueryOp(str(request))])
    return read_query(result)
