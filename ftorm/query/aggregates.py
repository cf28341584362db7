"""Grouped counts and sums: ``select status_id, count(id) from Task group by status_id``.

An aggregate query answers rows of values, one per group, not entities, so it is a query
of its own kind, `Grouped`, built from a model's columns and run with
`ftorm.session.Session.aggregate` (or ``grouped.rows(session)``)::

    from ftorm.query.aggregates import Grouped, count, sum_

    per_status = Grouped(Task, count(Task.id), sum_(Task.bid)).by(Task.status_id)
    for row in session.aggregate(per_status.where(Task.project_id == show.id)):
        row["status_id"], row["count_id"], row["sum_bid"]

Rows are keyed as ftrack keys them: the grouped attributes by name, the aggregates
``<function>_<attribute>`` (`Aggregate.name`). ftrack serves aggregates and ``group by`` on
a strict-API connection (``Session(strict_api=True)``) and for some entity types only; the
embedded server serves them on every connection, for plain attributes of the queried type
(no dotted paths). The functions are ftrack's: ``count``, ``sum``, ``avg``, ``min``, ``max``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import attrs

from ftorm.errors import InvalidValueError, excerpt
from ftorm.query import ast
from ftorm.query.builder import Query
from ftorm.query.checks import check_roots
from ftorm.query.expressions import Column, Expr, Ordering
from ftorm.query.render import render

__all__ = ["Aggregate", "Grouped", "Row", "avg", "count", "max_", "min_", "sum_"]

M = TypeVar("M")

Row = dict[str, Any]
"""One group: grouped attribute names and ``<function>_<attribute>`` keys to values."""


class Runner(Protocol):
    """What runs a grouped query: a `ftorm.session.Session`."""

    def aggregate(self, query: Grouped[Any], /) -> list[Row]: ...


@attrs.frozen(slots=True)
class Aggregate:
    """``function(attribute)`` of one column: made by `count`, `sum_`, `avg`, `min_`,
    `max_`."""

    function: str
    path: ast.Path
    root: type

    @property
    def name(self) -> str:
        """The key of its value in a row: ``count_id``, ``sum_bid``."""
        return f"{self.function}_{self.path.dotted.replace('.', '_')}"


def _aggregate(function: str, column: Column[Any]) -> Aggregate:
    if not isinstance(column, Column):
        msg = f"{function}() takes a column (Task.bid), not {excerpt(column)}"  # type: ignore[unreachable]  # untyped callers
        raise InvalidValueError(msg)
    return Aggregate(function, column.__ftorm_path__, column._ftorm_root)


def count(column: Column[Any]) -> Aggregate:
    """``count(attribute)``: the rows of each group (with a value for it)."""
    return _aggregate("count", column)


def sum_(column: Column[Any]) -> Aggregate:
    """``sum(attribute)``."""
    return _aggregate("sum", column)


def avg(column: Column[Any]) -> Aggregate:
    """``avg(attribute)``."""
    return _aggregate("avg", column)


def min_(column: Column[Any]) -> Aggregate:
    """``min(attribute)``."""
    return _aggregate("min", column)


def max_(column: Column[Any]) -> Aggregate:
    """``max(attribute)``."""
    return _aggregate("max", column)


class Grouped(Generic[M]):
    """An aggregate query over ``model``: immutable, each method returns a new one."""

    __slots__ = ("_aggregates", "_groups", "_query")

    def __init__(self, model: Callable[..., M], /, *aggregates: Aggregate) -> None:
        if not aggregates:
            msg = "Grouped() needs at least one aggregate: count(Task.id), sum_(Task.bid) ..."
            raise InvalidValueError(msg)
        for item in aggregates:
            if not isinstance(item, Aggregate):
                msg = f"Grouped() takes aggregates (count(Task.id)), not {excerpt(item)}"  # type: ignore[unreachable]  # untyped callers
                raise InvalidValueError(msg)
            check_roots(model, (item.root,), f"{item.function}()")
        self._query: Query[M] = Query(model)
        self._aggregates = aggregates
        self._groups: tuple[ast.Path, ...] = ()

    def _copy(self, query: Query[M] | None = None, groups: tuple[ast.Path, ...] = ()) -> Grouped[M]:
        new: Grouped[M] = Grouped.__new__(Grouped)
        new._query = self._query if query is None else query
        new._aggregates = self._aggregates
        new._groups = self._groups + groups
        return new

    def by(self, *columns: Column[Any]) -> Grouped[M]:
        """Group by ``columns`` (``group by status_id``); their values join each row."""
        paths = []
        for column in columns:
            if not isinstance(column, Column):
                msg = f"by() takes columns (Task.status_id), not {excerpt(column)}"  # type: ignore[unreachable]  # untyped callers
                raise InvalidValueError(msg)
            check_roots(self._query.model, (column._ftorm_root,), "a by() column")
            paths.append(column.__ftorm_path__)
        return self._copy(groups=tuple(paths))

    def where(self, *criteria: Expr, **equals: object) -> Grouped[M]:
        """Only the rows matching ``criteria`` (as `Query.where`)."""
        return self._copy(self._query.where(*criteria, **equals))

    def order_by(self, *keys: Column[Any] | Ordering) -> Grouped[M]:
        """Order the groups (by grouped columns; the groups' order by default)."""
        return self._copy(self._query.order_by(*keys))

    def limit(self, number: int | None) -> Grouped[M]:
        """At most ``number`` groups."""
        return self._copy(self._query.limit(number))

    def offset(self, number: int | None) -> Grouped[M]:
        """Skip ``number`` groups."""
        return self._copy(self._query.offset(number))

    @property
    def ast(self) -> ast.Select:
        """The query as an AST."""
        base = self._query.ast
        projections: tuple[ast.Projection, ...] = (
            *self._groups,
            *(ast.Aggregate(item.function, item.path) for item in self._aggregates),
        )
        return ast.Select(
            base.entity_type,
            projections,
            base.where,
            self._groups,
            base.order_by,
            base.offset,
            base.limit,
        )

    def __str__(self) -> str:
        return render(self.ast)

    def __repr__(self) -> str:
        return f"<Grouped {self}>"

    def rows(self, session: Runner) -> list[Row]:
        """``session.aggregate(self)``."""
        return session.aggregate(self)
