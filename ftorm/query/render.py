"""AST to canonical ftrack query text.

Canonical means: lower-case keywords; one spelling per operator (``is``, ``is_not``, ``>``,
``>=``, ``<``, ``<=``, ``in``, ``not_in``, ``like``, ``not_like``, ``before``, ``after``), the
spellings ftrack's documentation uses; strings in double quotes with ``"`` and ``\\``
escaped by a backslash; numbers bare, decimals always with a fraction; ``true``, ``false``,
``none``; ``and``/``or`` groups parenthesised only where the tree needs it; ``offset``
before ``limit``. ``parse(render(node)) == node`` for every tree the parser can produce.

Each union of `ftorm.query.ast` (criteria, operands, projections) has one function that
matches over its members and ends in ``assert_never``, so a node type added to a union fails
type checking here until it is rendered. Cases come in the order queries use them most.
"""

from __future__ import annotations

from ftorm._typing import assert_never
from ftorm.errors import InvalidValueError, QueryCompileError
from ftorm.query import ast

__all__ = [
    "OPERATOR_TEXT",
    "operand_text",
    "order_text",
    "path_text",
    "projection_text",
    "quote",
    "render",
    "select_text",
]


def quote(value: str) -> str:
    """``value`` as a double-quoted query string."""
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value}"'


def _segment(node: ast.Segment) -> str:
    return node.name if node.cast is None else f"{node.name}[{node.cast}]"


def path_text(node: ast.Path) -> str:
    """Canonical text of a path: ``parent[Sequence].name``."""
    # _segment inlined: paths are the most rendered nodes.
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


def projection_text(node: ast.Projection) -> str:
    """Canonical text of a projection: a path, or an aggregate such as ``count(id)``."""
    match node:
        case ast.Path():
            return path_text(node)
        case ast.Aggregate():
            return f"{node.function}({path_text(node.path)})"
        case _:
            assert_never(node)


def _decimal(node: ast.Decimal) -> str:
    value = node.value
    if not value.is_finite():
        msg = f"cannot render non-finite number {value}"
        raise QueryCompileError(msg)
    text = format(value, "f")
    return text if "." in text else text + ".0"


def operand_text(node: ast.Operand) -> str:
    """Canonical text of a comparison's right-hand side (a value, a list, a subquery)."""
    match node:
        case ast.String():
            return quote(node.value)
        case ast.Bare():
            return node.text
        case ast.Integer():
            return str(node.value)
        case ast.Null():
            return "none"
        case ast.Boolean():
            return "true" if node.value else "false"
        case ast.Decimal():
            return _decimal(node)
        case ast.ValueList():
            if not node.values:
                # ftrack has no empty list literal; this is what ftrack-query sends instead.
                return '("")'
            return "(" + ", ".join([operand_text(value) for value in node.values]) + ")"
        case ast.Subquery():
            return f"({_select(node.query)})"
        case _:
            assert_never(node)


# Enum .value is a descriptor call; a dict lookup is several times cheaper on the hot path.
OPERATOR_TEXT: dict[ast.Operator, str] = {operator: operator.value for operator in ast.Operator}
"""The canonical spelling of each operator (a dict lookup is cheaper than ``.value``)."""


def _criterion(node: ast.Criterion) -> str:
    match node:
        case ast.Comparison():
            operand = node.operand
            # Most operands are strings: quoted here without the match in operand_text.
            value = quote(operand.value) if type(operand) is ast.String else operand_text(operand)
            return f"{path_text(node.path)} {OPERATOR_TEXT[node.operator]} {value}"
        case ast.And():
            return " and ".join(
                [
                    f"({_criterion(child)})" if type(child) in _GROUPS else _criterion(child)
                    for child in node.operands
                ]
            )
        case ast.Or():
            return " or ".join(
                [
                    f"({_criterion(child)})" if type(child) is ast.Or else _criterion(child)
                    for child in node.operands
                ]
            )
        case ast.Relation():
            body = "" if node.criteria is None else _criterion(node.criteria)
            return f"{path_text(node.path)} {node.kind.value} ({body})"
        case ast.Not():
            negated = node.operand
            if type(negated) in _GROUPS:
                return f"not ({_criterion(negated)})"
            return f"not {_criterion(negated)}"
        case _:
            assert_never(node)


_GROUPS = (ast.And, ast.Or)


def order_text(node: ast.OrderItem) -> str:
    """Canonical text of an ``order by`` key: ``name descending``."""
    if node.direction is None:
        return path_text(node.path)
    return f"{path_text(node.path)} {node.direction.value}"


def select_text(
    entity_type: str,
    projections: tuple[ast.Projection, ...],
    where: str | None,
    group_by: tuple[ast.Path, ...] = (),
    order_by: tuple[ast.OrderItem, ...] = (),
    offset: int | None = None,
    limit: int | None = None,
    *,
    projected: tuple[str, ...] | None = None,
    ordered: tuple[str, ...] | None = None,
) -> str:
    """Canonical text of a query given as its clauses, the criteria already rendered.

    ``render(select)`` is ``select_text`` of its fields; the builder calls it with the text
    of its criteria, which it renders without building their nodes first, and with the text
    of its projections and sort keys (``projected``, ``ordered``: one per item) when it has
    kept them.
    """
    if not projections:
        if where is not None and not (group_by or order_by) and offset is None:
            # The common short form, without the list below.
            text = f"{entity_type} where {where}"
            return text if limit is None else f"{text} limit {limit}"
        parts = [entity_type]
    else:
        if projected is None:
            projected = tuple([projection_text(p) for p in projections])
        parts = [f"select {', '.join(projected)} from {entity_type}"]
    if where is not None:
        parts.append("where " + where)
    if group_by:
        parts.append("group by " + ", ".join(path_text(path) for path in group_by))
    if order_by:
        if ordered is None:
            ordered = tuple([order_text(item) for item in order_by])
        parts.append("order by " + ", ".join(ordered))
    if offset is not None:
        parts.append(f"offset {offset}")
    if limit is not None:
        parts.append(f"limit {limit}")
    return " ".join(parts)


def _select(node: ast.Select) -> str:
    where = node.where
    return select_text(
        node.entity_type,
        node.projections,
        None if where is None else _criterion(where),
        node.group_by,
        node.order_by,
        node.offset,
        node.limit,
    )


def render(node: ast.Node) -> str:
    """Canonical query text of any AST node.

    Raises:
        QueryCompileError: a number that is not finite (no query text can write it).
        TypeError: ``node`` is not a node of `ftorm.query.ast`.
    """
    match node:
        case ast.Select():
            return _select(node)
        case ast.Comparison() | ast.And() | ast.Or() | ast.Relation() | ast.Not():
            return _criterion(node)
        case (
            ast.String()
            | ast.Bare()
            | ast.Integer()
            | ast.Null()
            | ast.Boolean()
            | ast.Decimal()
            | ast.ValueList()
            | ast.Subquery()
        ):
            return operand_text(node)
        case ast.Path() | ast.Aggregate():
            return projection_text(node)
        case ast.Segment():
            return _segment(node)
        case ast.OrderItem():
            return order_text(node)
        case _:
            msg = f"not a query AST node: {node!r}"
            raise InvalidValueError(msg)


ast.use_renderer(render)  # str(node) writes through render: the tree does not import its writer
