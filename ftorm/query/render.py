"""AST to canonical ftrack query text.

Canonical means: lower-case keywords; one spelling per operator (``is``, ``is_not``, ``>``,
``>=``, ``<``, ``<=``, ``in``, ``not_in``, ``like``, ``not_like``, ``before``, ``after``), the
spellings ftrack's documentation uses; strings in double quotes with ``"`` and ``\\``
escaped by a backslash; numbers bare, decimals always with a fraction; ``true``, ``false``,
``none``; ``and``/``or`` groups parenthesised only where the tree needs it; ``offset``
before ``limit``. ``parse(render(node)) == node`` for every tree the parser can produce.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ftorm.query import ast

__all__ = ["quote", "render"]


def quote(value: str) -> str:
    """``value`` as a double-quoted query string."""
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value}"'


def _path(node: ast.Path) -> str:
    segments = node.segments
    if len(segments) == 1:
        segment = segments[0]
        return segment.name if segment.cast is None else f"{segment.name}[{segment.cast}]"
    return ".".join(
        [
            segment.name if segment.cast is None else f"{segment.name}[{segment.cast}]"
            for segment in segments
        ]
    )


def _segment(node: ast.Segment) -> str:
    return node.name if node.cast is None else f"{node.name}[{node.cast}]"


def _aggregate(node: ast.Aggregate) -> str:
    return f"{node.function}({_path(node.path)})"


def _string(node: ast.String) -> str:
    return quote(node.value)


def _integer(node: ast.Integer) -> str:
    return str(node.value)


def _decimal(node: ast.Decimal) -> str:
    value = node.value
    if not value.is_finite():
        raise ValueError(f"cannot render non-finite number {value}")
    text = format(value, "f")
    return text if "." in text else text + ".0"


def _boolean(node: ast.Boolean) -> str:
    return "true" if node.value else "false"


def _null(node: ast.Null) -> str:
    return "none"


def _bare(node: ast.Bare) -> str:
    return node.text


def _value_list(node: ast.ValueList) -> str:
    if not node.values:
        # ftrack has no empty list literal; this is what ftrack-query sends instead.
        return '("")'
    return "(" + ", ".join(_RENDER[type(value)](value) for value in node.values) + ")"


def _subquery(node: ast.Subquery) -> str:
    return f"({_query(node.query)})"


# Enum .value is a descriptor call; a dict lookup is several times cheaper on the hot path.
_OPERATOR_TEXT: dict[ast.Operator, str] = {operator: operator.value for operator in ast.Operator}


def _comparison(node: ast.Comparison) -> str:
    operand = node.operand
    return f"{_path(node.path)} {_OPERATOR_TEXT[node.operator]} {_RENDER[type(operand)](operand)}"


def _relation(node: ast.Relation) -> str:
    body = "" if node.criteria is None else _criterion(node.criteria)
    return f"{_path(node.path)} {node.kind.value} ({body})"


def _criterion(node: ast.Criterion) -> str:
    result: str = _RENDER[type(node)](node)
    return result


def _and(node: ast.And) -> str:
    return " and ".join(
        [
            f"({_RENDER[type(child)](child)})"
            if type(child) in _GROUPS
            else _RENDER[type(child)](child)
            for child in node.operands
        ]
    )


def _or(node: ast.Or) -> str:
    return " or ".join(
        [
            f"({_RENDER[type(child)](child)})"
            if type(child) is ast.Or
            else _RENDER[type(child)](child)
            for child in node.operands
        ]
    )


_GROUPS = (ast.And, ast.Or)


def _not(node: ast.Not) -> str:
    operand = node.operand
    if type(operand) in (ast.And, ast.Or):
        return f"not ({_criterion(operand)})"
    return f"not {_criterion(operand)}"


def _order_item(node: ast.OrderItem) -> str:
    if node.direction is None:
        return _path(node.path)
    return f"{_path(node.path)} {node.direction.value}"


def _query(node: ast.Select) -> str:
    where = node.where
    if not node.projections:
        head = node.entity_type
        if where is not None and not (node.group_by or node.order_by) and node.offset is None:
            # The common short form, without the list below.
            text = f"{head} where {_RENDER[type(where)](where)}"
            return text if node.limit is None else f"{text} limit {node.limit}"
        parts = [head]
    else:
        projections = ", ".join([_RENDER[type(p)](p) for p in node.projections])
        parts = [f"select {projections} from {node.entity_type}"]
    if where is not None:
        parts.append("where " + _RENDER[type(where)](where))
    if node.group_by:
        parts.append("group by " + ", ".join(_path(path) for path in node.group_by))
    if node.order_by:
        parts.append("order by " + ", ".join(_order_item(item) for item in node.order_by))
    if node.offset is not None:
        parts.append(f"offset {node.offset}")
    if node.limit is not None:
        parts.append(f"limit {node.limit}")
    return " ".join(parts)


_RENDER: dict[type[Any], Callable[[Any], str]] = {
    ast.Select: _query,
    ast.Path: _path,
    ast.Segment: _segment,
    ast.Aggregate: _aggregate,
    ast.String: _string,
    ast.Integer: _integer,
    ast.Decimal: _decimal,
    ast.Boolean: _boolean,
    ast.Null: _null,
    ast.Bare: _bare,
    ast.ValueList: _value_list,
    ast.Subquery: _subquery,
    ast.Comparison: _comparison,
    ast.Relation: _relation,
    ast.And: _and,
    ast.Or: _or,
    ast.Not: _not,
    ast.OrderItem: _order_item,
}


def render(node: ast.Node) -> str:
    """Canonical query text of any AST node."""
    try:
        renderer = _RENDER[type(node)]
    except KeyError:
        raise TypeError(f"not a query AST node: {node!r}") from None
    return renderer(node)
