"""Custom attribute query columns: ``Shot.custom.fstart >= 1001`` becomes
``custom_attributes any (key is "fstart" and value >= 1001)``."""

from __future__ import annotations

from typing import Any, Final, TypeVar

from ftorm.errors import QueryCompileError
from ftorm.model.custom.values import check_value, fail
from ftorm.query import ast
from ftorm.query.criteria import Operand, _AllOf, _Compared, _Related
from ftorm.query.expressions import Column, Expr, Ordering, StrColumn, to_value

__all__ = ["COLLECTION", "CustomColumn", "CustomStrColumn", "criterion_key"]

T = TypeVar("T")

COLLECTION: Final = "custom_attributes"
"""The server name of the collection holding an entity's custom attribute values."""

_COLLECTION_PATH: Final = ast.Path((ast.Segment(COLLECTION),))
_KEY: Final = ast.Path((ast.Segment("key"),))
_VALUE: Final = ast.Path((ast.Segment("value"),))


def criterion_key(node: ast.Relation) -> str | None:
    """The key a custom attribute criterion tests: ``k`` for ``custom_attributes any (key is
    "k" and ...)`` (what `CustomColumn` builds, or the same written as text), else None."""
    if node.path != _COLLECTION_PATH or node.kind is not ast.RelationKind.ANY:
        return None
    inner = node.criteria
    first = inner.operands[0] if isinstance(inner, ast.And) else inner
    if (
        isinstance(first, ast.Comparison)
        and first.path == _KEY
        and first.operator is ast.Operator.EQ
        and isinstance(first.operand, ast.String)
    ):
        return first.operand.value
    return None


class CustomColumn(Column[T]):
    """``Shot.custom.fstart``: comparisons become ``custom_attributes any (key is "fstart" and
    value <op> v)``. ``select`` loads the entity's custom attribute values; ftrack cannot sort
    by one, so ``order_by`` raises `QueryCompileError`."""

    __slots__ = ("_ftorm_decimal", "_ftorm_key", "_ftorm_key_is", "_ftorm_kind", "_ftorm_value")

    def __init__(self, model: type, key: str, kind: str | None, decimal: bool = False) -> None:
        super().__init__(_COLLECTION_PATH, model)
        self._ftorm_passes = frozenset()  # every value goes through the configured kind's check
        self._ftorm_key = key
        self._ftorm_kind = kind
        self._ftorm_decimal = decimal
        # ``key is "<key>"`` and the ``value`` column inside ``custom_attributes any (...)``.
        self._ftorm_key_is: Expr = _Compared(Column(_KEY, model), ast.Operator.EQ, key)
        self._ftorm_value: Column[Any] = Column(_VALUE, model)

    def _value(self, value: object) -> ast.Value:
        if self._ftorm_kind is not None:
            label = f"{self._ftorm_root.__name__}.custom.{self._ftorm_key}"
            value = check_value(label, self._ftorm_kind, self._ftorm_decimal, value)
        return to_value(value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._ftorm_root.__name__}.custom.{self._ftorm_key}>"

    def _compare(self, operator: ast.Operator, operand: Operand) -> Expr:
        roots = self._ftorm_roots
        value_is = _Compared(self._ftorm_value, operator, operand)
        inner = _AllOf((self._ftorm_key_is, value_is), roots)
        return _Related(self._ftorm_path, ast.RelationKind.ANY, inner, roots)

    def __eq__(self, other: T) -> Expr:  # type: ignore[override]
        return self._compare(ast.Operator.EQ, self._value(other))

    def _unsortable(self) -> QueryCompileError:
        return QueryCompileError(
            f"{self._ftorm_root.__name__}.custom.{self._ftorm_key}: ftrack cannot sort by a "
            "custom attribute; sort the results in Python"
        )

    def __ftorm_order__(self) -> ast.OrderItem:
        """Always raises `QueryCompileError`: ftrack cannot sort by a custom attribute."""
        raise self._unsortable()

    def asc(self) -> Ordering:
        """Always raises `QueryCompileError`: ftrack cannot sort by a custom attribute."""
        raise self._unsortable()

    def desc(self) -> Ordering:
        """Always raises `QueryCompileError`: ftrack cannot sort by a custom attribute."""
        raise self._unsortable()


class CustomStrColumn(CustomColumn[T], StrColumn[T]):
    """A text custom attribute's column: also ``like``/``not_like``."""

    __slots__ = ()

    def _pattern(self, pattern: str) -> ast.String:
        if not isinstance(pattern, str):  # untyped callers
            label = f"{self._ftorm_root.__name__}.custom.{self._ftorm_key}"  # type: ignore[unreachable]
            raise fail(label, "a text pattern", pattern)
        return ast.String(str.__str__(pattern))

    def like(self, pattern: str) -> Expr:
        """``custom_attributes any (key is "k" and value like "pattern")``."""
        return self._compare(ast.Operator.LIKE, self._pattern(pattern))

    def not_like(self, pattern: str) -> Expr:
        """``custom_attributes any (key is "k" and value not_like "pattern")``."""
        return self._compare(ast.Operator.NOT_LIKE, self._pattern(pattern))
