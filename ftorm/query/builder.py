"""`Query[M]`: an immutable, chainable query over one model, compiling to `ftorm.query.ast`.

``Project.where(...)`` (the model metaclass) and ``Query(Project)`` both start one; every
method returns a new query, so a query can be shared and extended freely. ``str(q)`` is the
canonical ftrack text of `Query.ast`; nothing here does I/O.

Running a query needs an `Executor` (a session): ``q.bind(executor)`` returns the same query
bound to it, and then `Query.all`, `Query.first`, `Query.one` and iteration ask the executor
for rows, and `Query.count` (and ``len``) asks it for their number. An unbound query raises
`ftorm.UnboundQueryError` when run. The session implements `Executor.iterate` (streaming
pages) and `Executor.count` (one ``select count(<key>)`` query); ``first``/``one``, indexing
and slicing are expressed here with ``offset`` and ``limit``.

The builder relies on three things from the model layer, all duck-typed so this module stays
below ``ftorm.model``: ``model.__ftorm_entity__`` (the entity type name), ``getattr(model,
name)`` giving a column or relationship path (or raising `ftorm.UnknownAttributeError`), and
``__ftorm_path__`` / ``__ftorm_equals__`` on those objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Protocol, TypeVar, overload

from ftorm.errors import (
    InvalidValueError,
    MultipleResultsError,
    NotFoundError,
    QueryCompileError,
    UnboundQueryError,
)
from ftorm.query import ast as nodes
from ftorm.query.checks import count_arg, entity_of, name_of
from ftorm.query.clauses import combined, dated, ordered, projected
from ftorm.query.criteria import Expr, Ordering
from ftorm.query.expressions import Column, SubquerySource
from ftorm.query.render import select_text

if TYPE_CHECKING:
    import datetime as _dt
    from typing import Self

    from ftorm.query.expressions import DateLike

__all__ = ["Executor", "KeywordQuery", "Query"]

M = TypeVar("M")
R = TypeVar("R")
P = ParamSpec("P")

_REPR_TEXT = 500
"""The most characters of a query's text its repr shows."""


class Executor(Protocol):
    """What runs a bound query (a session): it streams the rows of the query's model and
    counts them. A query only describes what to ask; the executor does every request."""

    def iterate(self, query: Query[R]) -> Iterator[R]:
        """Yield the entities ``query`` matches, fetching page by page as needed."""
        ...

    def count(self, query: Query[Any]) -> int:
        """How many entities ``query`` matches, its ``offset`` and ``limit`` applied."""
        ...


class Query(SubquerySource, Generic[M]):
    """An immutable query for entities of type ``M``.

    Build with ``Model.where(...)`` / ``Model.select(...)`` or ``Query(Model)``; refine with
    `where`, `before`, `after`, `order_by`, `select`, `limit`, `offset`, `page_size`.
    """

    __slots__ = (
        "_ast",
        "_entity",
        "_executor",
        "_limit",
        "_model",
        "_offset",
        "_order",
        "_ordered",
        "_page_size",
        "_projected",
        "_projections",
        "_text",
        "_where",
    )

    _ast: nodes.Select | None
    _entity: str
    _executor: Executor | None
    _limit: int | None
    _model: Callable[..., M]
    _offset: int | None
    _order: tuple[nodes.OrderItem, ...]
    _ordered: tuple[str, ...] | None
    """The text of each ``order by`` key, kept by `order_by` (None: render them)."""
    _page_size: int | None
    _projections: tuple[nodes.Projection, ...]
    _projected: tuple[str, ...] | None
    """The text of each projection, kept by `select` (None: render them when asked)."""
    _text: str | None
    _where: Expr | None

    def __init__(self, model: Callable[..., M], *, executor: Executor | None = None) -> None:
        self._model = model
        entity = getattr(model, "__ftorm_entity__", None)
        self._entity = entity if type(entity) is str else entity_of(model)
        self._where = None
        self._projections = ()
        self._projected = ()
        self._order = ()
        self._ordered = ()
        self._offset = None
        self._limit = None
        self._page_size = None
        self._executor = executor
        self._ast = None
        self._text = None

    @classmethod
    def from_ast(
        cls, model: Callable[..., M], node: nodes.Select, *, executor: Executor | None = None
    ) -> Query[M]:
        """A query for ``model`` whose content is a parsed query (``session.query(text)``).

        The entity type of ``node`` is kept as is, and so is every clause (projections,
        criteria, ordering and paging), so ``query.ast == node``.

        Raises:
            QueryCompileError: ``node`` has a ``group by``: it answers groups of values, not
                entities of ``model``, so a query of entities cannot hold it.
        """
        if node.group_by:
            msg = (
                f"{node}: group by answers groups of values, not {node.entity_type} entities; "
                "a query of entities cannot hold it (send it as a raw query operation)"
            )
            raise QueryCompileError(msg)
        query: Query[M] = cls(model, executor=executor)
        query._entity = node.entity_type
        query._projections = node.projections
        query._projected = None
        query._where = None if node.where is None else Expr(node.where)
        query._order = node.order_by
        query._ordered = None
        query._offset = node.offset
        query._limit = node.limit
        return query

    @staticmethod
    def of(model: Callable[..., R], /, *criteria: Expr, **equals: object) -> Query[R]:
        """A new query for ``model`` with criteria: what ``Model.where(...)`` returns.

        Same as ``Query(model).where(*criteria, **equals)``, without the intermediate query.

        Raises:
            UnknownAttributeError: a keyword that names no attribute of ``model``.
            InvalidValueError: a keyword value of the wrong type for its attribute.
        """
        query = Query(model)
        if criteria or equals:
            query._where = combined(model, None, criteria, equals)
        return query

    def _copy(self) -> Self:
        new = object.__new__(type(self))
        new._model = self._model
        new._entity = self._entity
        new._where = self._where
        new._projections = self._projections
        new._projected = self._projected
        new._order = self._order
        new._ordered = self._ordered
        new._offset = self._offset
        new._limit = self._limit
        new._page_size = self._page_size
        new._executor = self._executor
        new._ast = None
        new._text = None
        return new

    # --- inspection ---------------------------------------------------------------------

    @property
    def model(self) -> Callable[..., M]:
        """The model class the results are instances of."""
        return self._model

    @property
    def entity_type(self) -> str:
        """The entity type name the query targets."""
        return self._entity

    @property
    def executor(self) -> Executor | None:
        """The executor (session) this query is bound to, if any."""
        return self._executor

    @property
    def criteria(self) -> Expr | None:
        """The combined ``where`` criteria, or None."""
        return self._where

    @property
    def page_size_hint(self) -> int | None:
        """The page size asked with `page_size`, or None for the session's default."""
        return self._page_size

    @property
    def ast(self) -> nodes.Select:
        """The query as an `ftorm.query.ast.Select` (built once, then cached)."""
        node = self._ast
        if node is None:
            where = self._where
            node = nodes.Select(
                self._entity,
                self._projections,
                None if where is None else where.node,
                (),
                self._order,
                self._offset,
                self._limit,
            )
            self._ast = node
        return node

    def __str__(self) -> str:
        # Rendered from the criteria directly (their nodes need not be built), then kept:
        # the same text as render(self.ast).
        text = self._text
        if text is None:
            where = self._where
            projections = self._projected
            if (
                where is None
                and projections
                and not self._order
                and self._offset is None
                and self._limit is None
            ):  # select_text's projection form, inlined: ``select a, b from Type``
                text = f"select {', '.join(projections)} from {self._entity}"
            elif where is None or self._projections or self._order or self._offset is not None:
                text = select_text(
                    self._entity,
                    self._projections,
                    None if where is None else where._text(),
                    (),
                    self._order,
                    self._offset,
                    self._limit,
                    projected=self._projected,
                    ordered=self._ordered,
                )
            else:  # select_text's short form, inlined: ``Type where ...``
                text = f"{self._entity} where {where._text()}"
                if self._limit is not None:
                    text = f"{text} limit {self._limit}"
            self._text = text
        return text

    def __repr__(self) -> str:
        text = str(self)
        if len(text) > _REPR_TEXT:
            text = text[: _REPR_TEXT - 3] + "..."
        return f"<Query: {text}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Query):
            return NotImplemented
        return self._model is other._model and self.ast == other.ast

    def __hash__(self) -> int:
        return hash((id(self._model), self.ast))

    def _subquery_ast(self) -> nodes.Select:
        if len(self._projections) != 1:
            msg = (
                f"a subquery must select exactly one attribute, e.g. "
                f"{name_of(self._model)}.where(...).select({name_of(self._model)}.id); "
                f"this one selects {len(self._projections)}"
            )
            raise InvalidValueError(msg)
        return self.ast

    # --- building -----------------------------------------------------------------------

    def where(self, /, *criteria: Expr, **equals: object) -> Self:
        """Add criteria (all must hold, combined with the existing ones by ``and``).

        Keywords compare for equality: ``where(status="active", parent=project)``; a model
        instance compiles to its key (``parent.id is "..."``). Unknown keyword names raise
        `ftorm.UnknownAttributeError`; values are checked against the attribute.
        """
        new = self._copy()
        new._where = combined(self._model, self._where, criteria, equals)
        return new

    def before(self, /, **dates: DateLike) -> Self:
        """``attribute before "<date>"`` for each keyword (exclusive)."""
        return self.where(*dated(self._model, "before", dates))

    def after(self, /, **dates: DateLike) -> Self:
        """``attribute after "<date>"`` for each keyword (exclusive)."""
        return self.where(*dated(self._model, "after", dates))

    def select(self, *fields: Column[Any] | type) -> Self:
        """Choose the attributes to load (projections); later calls add to earlier ones.

        Takes columns (``Shot.name``, ``Shot.status.name``) and relationship paths
        (``Shot.status``, ``Project.children``).
        """
        new = self._copy()
        new._projections, new._projected = projected(
            self._model, self._projections, self._projected, fields
        )
        return new

    @staticmethod
    def selecting(model: Callable[..., R], *fields: Column[Any] | type) -> Query[R]:
        """A new query for ``model`` loading ``fields``: what ``Model.select(...)`` is.

        Same as ``Query(model).select(*fields)``, without the intermediate query.
        """
        query = Query(model)
        query._projections, query._projected = projected(model, (), (), fields)
        return query

    def order_by(self, *keys: Column[Any] | Ordering) -> Self:
        """Sort by columns (ascending unless given ``.desc()``); later calls add keys."""
        new = self._copy()
        new._order, new._ordered = ordered(self._model, self._order, self._ordered, keys)
        return new

    def limit(self, count: int | None) -> Self:
        """At most ``count`` results (None removes the limit)."""
        new = self._copy()
        new._limit = count_arg("limit", count)
        return new

    def offset(self, count: int | None) -> Self:
        """Skip the first ``count`` results (None removes the offset)."""
        new = self._copy()
        new._offset = count_arg("offset", count)
        return new

    def page_size(self, count: int) -> Self:
        """Ask the session to fetch this many rows per request when iterating."""
        size = count_arg("page_size", count)
        if not size:
            msg = "page_size() must be at least 1"
            raise InvalidValueError(msg)
        new = self._copy()
        new._page_size = size
        return new

    def bind(self, executor: Executor | None) -> Self:
        """The same query, run by ``executor`` (None unbinds)."""
        new = self._copy()
        new._executor = executor
        return new

    # --- running ------------------------------------------------------------------------

    def _bound(self) -> Executor:
        executor = self._executor
        if executor is None:
            msg = (
                f"this query is not bound to a session: run it with session.query(q).all() "
                f"(or bind it with q.bind(session)) — {self}"
            )
            raise UnboundQueryError(msg)
        return executor

    def _run(self) -> Iterator[M]:
        return self._bound().iterate(self)

    def __iter__(self) -> Iterator[M]:
        """The matching entities, page by page (`ftorm.Session.iterate`). Without an
        ``order_by`` the pages are read by key, so the loop may delete (and commit) or create
        rows as it goes: every row that matched at the start and was not deleted before the
        loop reached it is visited, once. With an ``order_by`` they are read by offset:
        iterate ``all()`` instead when the loop changes the rows the query matches."""
        return self._run()

    def all(self) -> list[M]:
        """Every matching entity."""
        return list(self._run())

    def first(self) -> M | None:
        """The first matching entity (fetched with ``limit 1``), or None."""
        for entity in self.limit(1)._run():
            return entity
        return None

    def one(self) -> M:
        """Exactly one matching entity; `NotFoundError` or `MultipleResultsError` otherwise."""
        found = list(self.limit(2)._run())
        if not found:
            msg = f"no {self._entity} matches {self}"
            raise NotFoundError(msg)
        if len(found) > 1:
            msg = f"more than one {self._entity} matches {self}"
            raise MultipleResultsError(msg)
        return found[0]

    def count(self) -> int:
        """How many entities the query matches, with one request and no entity loaded.

        The executor counts (`Executor.count`): a session sends ``select count(<key>) from
        <Type> [where ...]`` (an aggregate; ftrack serves aggregates on a strict-API
        connection) and applies the query's own ``offset`` and ``limit`` to the total, so
        ``q.count() == len(q.all())``.

        Raises:
            UnboundQueryError: the query is not bound to a session.
            ServerError: the server refuses the aggregate or answers no count.
        """
        return self._bound().count(self)

    def __len__(self) -> int:
        """``len(q)``: `count`, one request (as ftrack_api's ``len(session.query(...))``).

        ``list(q)`` asks ``len`` first: `all` reads the rows without counting them.
        """
        return self.count()

    @overload
    def __getitem__(self, index: int) -> M: ...
    @overload
    def __getitem__(self, index: slice) -> list[M]: ...
    def __getitem__(self, index: int | slice) -> M | list[M]:
        """``q[0]``, ``q[10:20]``: the entities at those positions, as in ftrack_api.

        An index or a slice with non-negative bounds and no step is one request (``offset``
        and ``limit``); negative positions and steps read every row first.

        Raises:
            NotFoundError: no entity at ``index`` (also a `LookupError`).
            InvalidValueError: an index that is not an int or a slice.
            UnboundQueryError: the query is not bound to a session.
        """
        if isinstance(index, slice):
            start, stop, step = index.start, index.stop, index.step
            plain = all(
                bound is None or (isinstance(bound, int) and bound >= 0) for bound in (start, stop)
            )
            if not plain or step not in (None, 1):
                return self.all()[index]
            start = start or 0
            window = self.offset((self._offset or 0) + start)
            ends = [end - start for end in (stop, self._limit) if end is not None]
            if ends:
                window = window.limit(max(0, min(ends)))
            return window.all()
        if isinstance(index, bool) or not isinstance(index, int):
            msg = f"query indices are ints or slices, not {type(index).__name__}"
            raise InvalidValueError(msg)
        found = self[index : index + 1] if index >= 0 else self.all()[index : index + 1 or None]
        if not found:
            msg = f"query index {index} out of range: {self}"
            raise NotFoundError(msg)
        return found[0]


if TYPE_CHECKING:

    class KeywordQuery(Query[M], Generic[M, P]):
        """A `Query` that also knows the model's constructor keywords ``P`` (for checkers).

        ``Shot.where(...)``, ``Shot.select(...)`` and ``session.query(Shot)`` give one, so
        mypy and pyright check the keywords of `where`, `before` and `after` like those of
        ``Shot(...)``: ``where(nmae="x")``, ``where(name=3)`` and ``before(end_dat=d)`` are
        reported (keywords given beside criteria, ``where(Shot.bid > 1, name="x")``, are
        checked at run time only). At run time it is `Query` itself.
        """

        @overload  # type: ignore[override]
        def where(self, *criteria: Expr) -> Self: ...
        @overload
        def where(self, *args: P.args, **kwargs: P.kwargs) -> Self: ...
        @overload
        def where(self, criterion: Expr, /, *criteria: Expr, **equals: object) -> Self: ...
        def where(self, *criteria: Any, **equals: Any) -> Self: ...  # type: ignore[misc]
        # Dates: the attribute's own type (arrow.Arrow) is checked by name; a datetime or date
        # (accepted at run time too) is checked by type only.
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
    KeywordQuery = Query
