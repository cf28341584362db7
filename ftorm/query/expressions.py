"""Typed query expressions: columns, criteria and sort keys that compile to `ftorm.query.ast`.

Class-level attribute access on a model gives these objects (``Project.name`` is a
`StrColumn`, ``Project.end_date`` a `TimeColumn`, anything else a `Column`); comparing them
gives an `Expr`, a criterion wrapping an `ftorm.query.ast` node. Criteria combine with
``&``, ``|`` and ``~`` or with `and_`, `or_` and `not_`; Python's ``and``/``or``/``not`` cannot
be overloaded, so `Expr.__bool__` raises `TypeError` instead of silently dropping a criterion.

This module knows nothing about models: a column carries its `ftorm.query.ast.Path`, the model
class it was reached from (``root``, used by `ftorm.query.builder.Query.where` to refuse
criteria built on an unrelated model) and an optional value check supplied by the model layer.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import math
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias, TypeVar

from ftorm._typing import arrow_class, is_arrow
from ftorm.errors import InvalidValueError
from ftorm.protocol.codec import format_datetime
from ftorm.query import ast
from ftorm.query.criteria import Expr, Operand, Ordering, _Compared, and_, not_, or_

if TYPE_CHECKING:
    import arrow

    DateLike: TypeAlias = arrow.Arrow | datetime.datetime | datetime.date

__all__ = [
    "Column",
    "Expr",
    "Ordering",
    "StrColumn",
    "SubquerySource",
    "TimeColumn",
    "ValueCheck",
    "and_",
    "date_text",
    "format_datetime",
    "kept_on_root",
    "not_",
    "or_",
    "to_value",
]

T = TypeVar("T")

ValueCheck = Callable[[object], object]
"""Validates (and may convert) a value for one attribute; raises `InvalidValueError`."""

_PLAIN: frozenset[type] = frozenset({str, int})
_STR: frozenset[type] = frozenset({str})
_INT: frozenset[type] = frozenset({int})
_NOTHING: frozenset[type] = frozenset()


def _is_date(value: object) -> bool:
    """A date, datetime or ``arrow.Arrow`` (arrow is not imported for the test)."""
    return isinstance(value, (datetime.date, arrow_class()))


def __getattr__(name: str) -> Any:
    if name == "DateLike":  # a runtime alias, made on demand (it needs arrow)
        import arrow

        return arrow.Arrow | datetime.datetime | datetime.date
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


_TEXT = (str, bytes)


# --- values -------------------------------------------------------------------------------


def _entity_key(value: object) -> object:
    key = getattr(type(value), "__ftorm_key_of__", None)
    if key is None:
        return None
    return key(value)


def to_value(value: object) -> ast.Value:
    """Convert a Python value to an AST literal.

    ``str`` gives `ast.String`, ``bool`` `ast.Boolean`, ``int`` `ast.Integer`, ``float`` and
    `decimal.Decimal` `ast.Decimal`, ``None`` `ast.Null`, dates and datetimes (``arrow`` or
    ``datetime``) an `ast.String` of naive UTC ISO text, a model instance with a single-attribute
    key its key. Anything else raises `InvalidValueError`.
    """
    kind = type(value)
    if kind is str:
        return ast.String(value)  # type: ignore[arg-type]
    if kind is int:
        return ast.Integer(value)  # type: ignore[arg-type]
    if value is None:
        return ast.Null()
    if isinstance(value, str):
        return ast.String(str.__str__(value))
    if isinstance(value, bool):
        return ast.Boolean(value)
    if isinstance(value, enum.Enum):
        return to_value(value.value)
    if isinstance(value, int):
        return ast.Integer(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = f"cannot use {value!r} in a query"
            raise InvalidValueError(msg)
        return ast.Decimal(decimal.Decimal(repr(value)))
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            msg = f"cannot use {value!r} in a query"
            raise InvalidValueError(msg)
        return ast.Decimal(value)
    if _is_date(value):
        return ast.String(format_datetime(value))  # type: ignore[arg-type]
    key = _entity_key(value)
    if key is not None:
        return to_value(key)
    msg = (
        f"cannot use a {type(value).__name__} value ({value!r}) in a query; "
        "use str, int, float, Decimal, bool, None, a date or datetime, or an entity"
    )
    raise InvalidValueError(msg)


# Enum member access through the class costs a descriptor call on 3.11; look them up once.
_EQ, _NE, _LT, _LE, _GT, _GE = (
    ast.Operator.EQ,
    ast.Operator.NE,
    ast.Operator.LT,
    ast.Operator.LE,
    ast.Operator.GT,
    ast.Operator.GE,
)
_IN, _NOT_IN, _LIKE, _NOT_LIKE, _BEFORE, _AFTER = (
    ast.Operator.IN,
    ast.Operator.NOT_IN,
    ast.Operator.LIKE,
    ast.Operator.NOT_LIKE,
    ast.Operator.BEFORE,
    ast.Operator.AFTER,
)

# --- columns -------------------------------------------------------------------------------


class SubquerySource:
    """A query that `Column.in_` and `Column.not_in` take as a subquery:
    `ftorm.query.builder.Query`, which builds on columns and so sits above this module."""

    __slots__ = ()

    def _subquery_ast(self) -> ast.Select:
        """The query as the ``select`` of one attribute a subquery is; raises
        `InvalidValueError` when it selects another number of attributes."""
        raise NotImplementedError


def kept_on_root(self: Any, obj: object, owner: object = None) -> Any:
    """``__get__`` of an attribute path (a column, a relationship path) that the model layer
    keeps as an attribute of the class it is rooted at (`ftorm.model.base.ModelMeta`).

    Read from that class, it is itself. Any other read through a model (an instance, a
    subclass) is refused, so the model's own lookup applies; kept by any other class, it is
    a plain value there.
    """
    if obj is None and owner is self._ftorm_root:
        return self
    if hasattr(owner, "__ftorm_fields__"):
        raise AttributeError
    return self


class Column(Generic[T]):
    """A scalar attribute reached from a model class: ``Project.status``, ``Shot.parent.name``.

    Comparison operators and methods return `Expr` criteria. Values are checked by the
    attribute's value check (when the model layer gave one) and converted with `to_value`.
    Columns are unhashable because ``==`` builds a criterion.
    """

    __slots__ = (
        "_ftorm_asc",
        "_ftorm_check",
        "_ftorm_desc",
        "_ftorm_passes",
        "_ftorm_path",
        "_ftorm_path_text",
        "_ftorm_root",
        "_ftorm_roots",
    )

    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    def __init__(
        self,
        path: ast.Path,
        root: type,
        check: ValueCheck | None = None,
        *,
        text: bool = False,
        number: bool = False,
    ) -> None:
        """A column at ``path`` reached from ``root``.

        Args:
            path: the attribute path from ``root``.
            root: the model class the column was reached from.
            check: validates (and may convert) values compared with the column.
            text: ``check`` passes every `str` unchanged, so comparing with a `str` may
                skip it (the most common criterion, ``Project.status == "active"``).
            number: ``check`` passes every `int` (not `bool`) unchanged (``Task.bid > 2``).
        """
        self._ftorm_path = path
        self._ftorm_path_text: str | None = None
        """The rendered path, kept once a criterion on the column has been rendered."""
        self._ftorm_root = root
        self._ftorm_roots = (root,)
        self._ftorm_check = check
        self._ftorm_passes: frozenset[type] = (
            _PLAIN
            if check is None or (text and number)
            else _STR
            if text
            else _INT
            if number
            else _NOTHING
        )
        """The exact value types compared as they are, with no check (``type(v) in ...``)."""
        self._ftorm_asc: Ordering | None = None
        self._ftorm_desc: Ordering | None = None

    @property
    def __ftorm_path__(self) -> ast.Path:
        """The AST path of this column (used by ``select`` and ``order_by``)."""
        return self._ftorm_path

    if not TYPE_CHECKING:  # a runtime protocol only: checkers type class access themselves
        __get__ = kept_on_root

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._ftorm_root.__name__}.{self._ftorm_path.dotted}>"

    def _value(self, value: object) -> ast.Value:
        check = self._ftorm_check
        if check is not None:
            try:
                value = check(value)
            except InvalidValueError as error:
                label = f"{self._ftorm_root.__name__}.{self._ftorm_path.dotted}"
                msg = f"{label} {error}"
                raise InvalidValueError(msg) from None
        return to_value(value)

    def _compare(self, operator: ast.Operator, operand: Operand) -> Expr:
        return _Compared(self, operator, operand)

    def _compared(self, operator: ast.Operator, other: object) -> Expr:
        # A str or int the check would pass as it is goes in unchanged (no check, no node).
        if type(other) in self._ftorm_passes:
            return self._compare(operator, other)  # type: ignore[arg-type]
        return self._compare(operator, self._value(other))

    def __ftorm_equals__(self, value: object) -> Expr:
        return self._compared(_EQ, value)

    def __eq__(self, other: T) -> Expr:  # type: ignore[override]
        return self._compared(_EQ, other)

    def __ne__(self, other: T) -> Expr:  # type: ignore[override]
        return self._compared(_NE, other)

    def __lt__(self, other: T) -> Expr:
        return self._compared(_LT, other)

    def __le__(self, other: T) -> Expr:
        return self._compared(_LE, other)

    def __gt__(self, other: T) -> Expr:
        return self._compared(_GT, other)

    def __ge__(self, other: T) -> Expr:
        return self._compared(_GE, other)

    def _membership(self, operator: ast.Operator, values: Iterable[T] | SubquerySource) -> Expr:
        kind = type(values)
        if kind is list or kind is tuple:
            passes = self._ftorm_passes
            plain: tuple[Any, ...] = tuple(values)  # type: ignore[arg-type]  # a list or tuple
            if plain and all(type(value) in passes for value in plain):
                # Kept as the values themselves: written as text, or as nodes when asked for.
                return self._compare(operator, plain)
        if isinstance(values, SubquerySource):
            return self._compare(operator, ast.Subquery(values._subquery_ast()))
        if isinstance(values, _TEXT) or not isinstance(values, Iterable):
            msg = (
                f"{self._ftorm_path.dotted}.{operator.value}() takes an iterable of values "
                f"or a query, got {type(values).__name__}: {values!r}"
            )
            raise InvalidValueError(msg)
        items = tuple(self._value(value) for value in values)
        if not items:
            # ftrack rejects ``in ()``; ftrack-query sends ``in ("")`` for an empty list.
            items = (ast.String(""),)
        return self._compare(operator, ast.ValueList(items))

    def in_(self, values: Iterable[T] | SubquerySource) -> Expr:
        """One of ``values``, or one of the single column a subquery selects."""
        return self._membership(_IN, values)

    def not_in(self, values: Iterable[T] | SubquerySource) -> Expr:
        """None of ``values`` (or of a subquery's column)."""
        return self._membership(_NOT_IN, values)

    def is_none(self) -> Expr:
        """``path is none``."""
        return self._compare(_EQ, ast.Null())

    def is_not_none(self) -> Expr:
        """``path is_not none``."""
        return self._compare(_NE, ast.Null())

    def __ftorm_order__(self) -> ast.OrderItem:
        """The ``order by`` key of ``order_by(column)`` (no direction given)."""
        return ast.OrderItem(self._ftorm_path)

    def asc(self) -> Ordering:
        """Sort ascending by this column (one `Ordering` per column, made once)."""
        found = self._ftorm_asc
        if found is None:
            item = ast.OrderItem(self._ftorm_path, ast.Direction.ASCENDING)
            found = self._ftorm_asc = Ordering(item, self._ftorm_roots)
        return found

    def desc(self) -> Ordering:
        """Sort descending by this column (one `Ordering` per column, made once)."""
        found = self._ftorm_desc
        if found is None:
            item = ast.OrderItem(self._ftorm_path, ast.Direction.DESCENDING)
            found = self._ftorm_desc = Ordering(item, self._ftorm_roots)
        return found


def _pattern(column: Column[Any], pattern: str) -> str:
    if not isinstance(pattern, str):
        msg = (  # type: ignore[unreachable]  # untyped callers
            f"{column._ftorm_path.dotted}: like patterns are strings, "
            f"got {type(pattern).__name__}: {pattern!r}"
        )
        raise InvalidValueError(msg)
    return str.__str__(pattern)


class StrColumn(Column[T]):
    """A text column: adds ``like`` / ``not_like`` (``%`` matches any run of characters)."""

    __slots__ = ()

    def like(self, pattern: str) -> Expr:
        """``path like "pattern"``."""
        return _Compared(self, _LIKE, pattern if type(pattern) is str else _pattern(self, pattern))

    def not_like(self, pattern: str) -> Expr:
        """``path not_like "pattern"``."""
        return self._compare(_NOT_LIKE, _pattern(self, pattern))


# Two-digit fields of a datetime, zero-padded: indexing is cheaper than %02d formatting.
_TWO_DIGITS = tuple(f"{number:02d}" for number in range(100))
# The UTC time zones needing no utcoffset() call: the standard library's and arrow's (dateutil's
# tzutc, a singleton in every dateutil arrow accepts, read from dateutil once it is imported;
# were it not the one, the identity test would only fail and format_datetime would be asked).
_UTC = datetime.timezone.utc
_modules = sys.modules
_TZ = "dateutil.tz"


def date_text(value: arrow.Arrow | datetime.datetime | datetime.date) -> str:
    """`format_datetime` of ``value``, with a fast path for the commonest values.

    Query criteria compare with ``arrow.utcnow().shift(...)``-like values: an `arrow.Arrow` or
    `datetime.datetime` in UTC (or naive, taken as UTC), with microseconds (as ``utcnow()``
    gives) or whole seconds. Those are written here field by field; every other value is
    `format_datetime`'s (``tests/query/test_builder.py::test_date_text_is_format_datetime``
    holds them equal).
    """
    dt = value.datetime if is_arrow(value) else value
    if type(dt) is datetime.datetime:
        zone = dt.tzinfo
        # dateutil's tzutc (arrow's UTC) can only be the zone once dateutil is imported
        utc = (
            zone is None
            or zone is _UTC
            or zone is getattr(_modules.get("dateutil.tz"), "UTC", _UTC)
        )
        if utc and dt.year >= 1000:
            two = _TWO_DIGITS
            text = (
                f"{dt.year}-{two[dt.month]}-{two[dt.day]}"
                f"T{two[dt.hour]}:{two[dt.minute]}:{two[dt.second]}"
            )
            micro = dt.microsecond
            return f"{text}.{micro:06d}" if micro else text
    return format_datetime(value)


def _date(column: Column[Any], value: object) -> str:
    if _is_date(value):
        return date_text(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        return str.__str__(value)
    msg = (
        f"{column._ftorm_path.dotted}: before/after take an arrow.Arrow, datetime or date, "
        f"got {type(value).__name__}: {value!r}"
    )
    raise InvalidValueError(msg)


class TimeColumn(Column[T]):
    """A date-time column: adds ``before`` / ``after`` taking ``arrow``/``datetime``/``date``."""

    __slots__ = ()

    def before(self, when: DateLike) -> Expr:
        """``path before "YYYY-MM-DDTHH:MM:SS"`` (exclusive)."""
        text = date_text(when) if _is_date(when) else _date(self, when)
        return _Compared(self, _BEFORE, text)

    def after(self, when: DateLike) -> Expr:
        """``path after "YYYY-MM-DDTHH:MM:SS"`` (exclusive)."""
        text = date_text(when) if _is_date(when) else _date(self, when)
        return _Compared(self, _AFTER, text)
