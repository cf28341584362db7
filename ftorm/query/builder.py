"""`Query[M]`: an immutable, chainable query over one model, compiling to `ftorm.query.ast`.

``Project.where(...)`` (the model metaclass) and ``Query(Project)`` both start one; every
method returns a new query, so a query can be shared and extended freely. ``str(q)`` is the
canonical ftrack text of `Query.ast`; nothing here does I/O.

Running a query needs an `Executor` (a session): ``q.bind(executor)`` returns the same query
bound to it, and then `Query.all`, `Query.first`, `Query.one` and iteration ask the executor
for rows. An unbound query raises `ftorm.UnboundQueryError` when run. The session implements
`Executor.iterate` (streaming pages) and `Executor.call` (a raw batch); ``first``/``one``,
indexing and slicing are expressed here with ``offset`` and ``limit``, and `Query.count` (and
``len``) with one ``select count(<key>)`` query.

The builder relies on three things from the model layer, all duck-typed so this module stays
below ``ftorm.model``: ``model.__ftorm_entity__`` (the entity type name), ``getattr(model,
name)`` giving a column or relationship path (or raising `ftorm.UnknownAttributeError`), and
``__ftorm_path__`` / ``__ftorm_equals__`` on those objects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Protocol, TypeVar, overload

from ftorm._typing import JSON
from ftorm.errors import (
    InvalidValueError,
    MultipleResultsError,
    NotFoundError,
    QueryCompileError,
    ServerError,
    UnboundQueryError,
    UnknownAttributeError,
)
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.protocol.results import read_query
from ftorm.query import ast as nodes
from ftorm.query.checks import check_roots, count_arg, entity_of, name_of
from ftorm.query.criteria import Expr, Ordering, _AllOf, _Compared
from ftorm.query.expressions import Column, DateLike, TimeColumn
from ftorm.query.render import order_text, path_text, projection_text, render, select_text

if TYPE_CHECKING:
    import datetime as _dt
    from typing import Self

__all__ = ["Executor", "KeywordQuery", "Query"]

M = TypeVar("M")
R = TypeVar("R")
P = ParamSpec("P")

_REPR_TEXT = 500
"""The most characters of a query's text its repr shows."""


class Executor(Protocol):
    """What a session provides to run a bound query: rows of the query's model, streamed,
    and raw batches (for `Query.count`)."""

    def iterate(self, query: Query[R]) -> Iterator[R]:
        """Yield the entities ``query`` matches, fetching page by page as needed."""
        ...

    def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Send ``operations`` in one request; one result per operation."""
        ...

    def check(self, query: Query[R]) -> None:
        """Raise for what ``query`` names that the server does not have (a custom attribute
        key no configuration has); `Query.count` calls it before its request."""
        ...


class Query(Generic[M]):
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
            query._add_criteria(criteria, equals)
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
            if where is None or self._projections or self._order or self._offset is not None:
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

    def _column(self, name: str) -> Any:
        return getattr(self._model, name)

    def where(self, *criteria: Expr, **equals: object) -> Self:
        """Add criteria (all must hold, combined with the existing ones by ``and``).

        Keywords compare for equality: ``where(status="active", parent=project)``; a model
        instance compiles to its key (``parent.id is "..."``). Unknown keyword names raise
        `ftorm.UnknownAttributeError`; values are checked against the attribute.
        """
        new = self._copy()
        new._add_criteria(criteria, equals)
        return new

    def _add_criteria(self, criteria: tuple[Expr, ...], equals: dict[str, object]) -> None:
        """Combine criteria into this (fresh, not yet shared) query."""
        if not (criteria or equals):
            return
        model = self._model
        where = self._where
        plain = where is None and not equals  # the criteria alone are the group's parts
        for criterion in criteria:
            kind = type(criterion)
            if kind is not _Compared:
                if kind is _AllOf:
                    plain = False  # its parts are spliced in
                elif not isinstance(criterion, Expr):
                    msg = (  # type: ignore[unreachable]  # untyped callers
                        "where() takes criteria such as Project.name == 'x' (or keywords), "
                        f"got {type(criterion).__name__}: {criterion!r}"
                    )
                    raise InvalidValueError(msg)
            roots = criterion.roots
            if len(roots) != 1 or roots[0] is not model:
                check_roots(model, roots, "a where() criterion")
        if plain and len(criteria) == 1:
            self._where = criteria[0]  # one criterion alone is kept as it is
            return
        if plain:
            parts = criteria
        else:
            # Groups (the current criteria, or a criterion) have their parts spliced in.
            found: list[Expr] = []
            for expr in criteria if where is None else (where, *criteria):
                if type(expr) is _AllOf:
                    found.extend(expr._parts)
                else:
                    found.append(expr)
            for name, value in equals.items():
                target = self._column(name)
                equals_ = getattr(target, "__ftorm_equals__", None)
                if equals_ is None:
                    raise UnknownAttributeError(name_of(model), name)
                found.append(equals_(value))
            if where is None and len(criteria) + len(equals) == 1:
                self._where = criteria[0] if criteria else found[0]  # kept as it is
                return
            parts = tuple(found)
        # Their ast.And (nested ``and`` groups flattened) is built only if asked for.
        self._where = _AllOf(parts, (model,) if isinstance(model, type) else ())

    def _dates(self, method: str, dates: dict[str, DateLike]) -> Self:
        exprs: list[Expr] = []
        for name, when in dates.items():
            column = self._column(name)
            if not isinstance(column, TimeColumn):
                msg = (
                    f"{name_of(self._model)}.{name} is not a date-time attribute; "
                    f"{method}() only takes date-time attributes"
                )
                raise InvalidValueError(msg)
            exprs.append(column.before(when) if method == "before" else column.after(when))
        return self.where(*exprs)

    def before(self, **dates: DateLike) -> Self:
        """``attribute before "<date>"`` for each keyword (exclusive)."""
        return self._dates("before", dates)

    def after(self, **dates: DateLike) -> Self:
        """``attribute after "<date>"`` for each keyword (exclusive)."""
        return self._dates("after", dates)

    def select(self, *fields: Column[Any] | type) -> Self:
        """Choose the attributes to load (projections); later calls add to earlier ones.

        Takes columns (``Shot.name``, ``Shot.status.name``) and relationship paths
        (``Shot.status``, ``Project.children``).
        """
        new = self._copy()
        new._add_projections(fields)
        return new

    @staticmethod
    def selecting(model: Callable[..., R], fields: tuple[Column[Any] | type, ...]) -> Query[R]:
        """A new query for ``model`` loading ``fields``: what ``Model.select(...)`` returns.

        Same as ``Query(model).select(*fields)``, without the intermediate query.
        """
        query = Query(model)
        query._add_projections(fields)
        return query

    def _add_projections(self, fields: tuple[Column[Any] | type, ...]) -> None:
        """Add projections to this (fresh, not yet shared) query."""
        paths = list(self._projections)
        projected = self._projected
        texts = [projection_text(p) for p in paths] if projected is None else list(projected)
        model = self._model
        for field in fields:
            path = getattr(field, "_ftorm_path", None)  # columns and paths keep it
            if type(path) is not nodes.Path:
                path = getattr(field, "__ftorm_path__", None)
                if not isinstance(path, nodes.Path):
                    msg = (
                        "select() takes attribute paths such as Shot.name or Shot.status, "
                        f"got {field!r}"
                    )
                    raise InvalidValueError(msg)
            root = getattr(field, "_ftorm_root", None)
            if root is not model and isinstance(root, type):
                check_roots(model, (root,), "a select() path")
            # The canonical text of a path names it: paths are compared by their text.
            text = getattr(field, "_ftorm_path_text", None)
            if text is None:
                text = path_text(path)
                with contextlib.suppress(AttributeError):
                    field._ftorm_path_text = text  # type: ignore[union-attr]
            if text not in texts:
                texts.append(text)
                paths.append(path)
        self._projections = tuple(paths)
        self._projected = tuple(texts)

    def order_by(self, *keys: Column[Any] | Ordering) -> Self:
        """Sort by columns (ascending unless given ``.desc()``); later calls add keys."""
        items = list(self._order)
        ordered = self._ordered
        texts = [order_text(item) for item in items] if ordered is None else list(ordered)
        model = self._model
        for key in keys:
            if type(key) is Ordering or isinstance(key, Ordering):
                roots = key.roots
                if len(roots) != 1 or roots[0] is not model:
                    check_roots(model, roots, "an order_by() key")
                items.append(key.item)
                texts.append(key.text)
            elif isinstance(key, Column):
                check_roots(model, (key._ftorm_root,), "an order_by() key")
                item = key.__ftorm_order__()
                items.append(item)
                texts.append(order_text(item))
            else:
                msg = (  # type: ignore[unreachable]  # untyped callers
                    "order_by() takes columns such as Project.name or Project.name.desc(), "
                    f"got {type(key).__name__}: {key!r}"
                )
                raise InvalidValueError(msg)
        new = self._copy()
        new._ordered = tuple(texts)
        new._order = tuple(items)
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

        Sends ``select count(<key>) from <Type> [where ...]`` (an aggregate; ftrack serves
        aggregates on a strict-API connection) and applies the query's own ``offset`` and
        ``limit`` to the total, so ``q.count() == len(q.all())``.

        Raises:
            UnboundQueryError: the query is not bound to a session.
            ServerError: the server refuses the aggregate or answers no count.
        """
        executor = self._bound()
        executor.check(self)
        node = self._count_ast()
        return self._counted(node, executor.call([QueryOp(render(node))])[0])

    def _count_ast(self) -> nodes.Select:
        """The aggregate `count` sends (the asynchronous session sends it too)."""
        names = getattr(self._model, "__ftorm_primary_key__", None) or ("id",)
        key = getattr(self._column(names[0]), "__ftorm_path__", None)
        if not isinstance(key, nodes.Path):
            key = nodes.Path.of(names[0])
        return nodes.Select(
            entity_type=self._entity,
            projections=(nodes.Aggregate("count", key),),
            where=None if self._where is None else self._where.node,
        )

    def _counted(self, node: nodes.Select, result: JSON) -> int:
        """`count`'s answer from the server's ``result`` for ``node`` (see `count`)."""
        rows = read_query(result).data
        values = list(rows[0].values()) if len(rows) == 1 else []
        total = values[0] if len(values) == 1 else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            msg = f"the server answered no count for {render(node)}: {str(rows)[:200]}"
            raise ServerError(msg)
        found = max(0, total - (self._offset or 0))
        return found if self._limit is None else min(found, self._limit)

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
