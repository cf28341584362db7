"""Query criteria and sort keys: `Expr` (combined with ``&``, ``|``, ``~`` or `and_`,
`or_`, `not_`) and `Ordering`.

A criterion wraps an `ftorm.query.ast` node and the model classes it was built on. The two
commonest kinds (a column compared with a value, and an ``and`` group) build their node only
when it is asked for and write their query text straight from their parts, so building and
printing a query makes few objects. Columns (`ftorm.query.expressions`) make them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ftorm.errors import InvalidValueError
from ftorm.query import ast
from ftorm.query.render import OPERATOR_TEXT, operand_text, path_text, quote, render

if TYPE_CHECKING:
    from ftorm.query.expressions import Column

__all__ = ["Expr", "Ordering", "and_", "not_", "or_"]


class Expr:
    """A criterion: wraps an `ftorm.query.ast` criterion node and the models it is built on.

    ``&``/``|``/``~`` combine criteria. ``bool(expr)`` raises `TypeError`, so writing
    ``a == 1 and b == 2`` fails loudly instead of dropping ``a == 1``.

    The criteria the builder makes (column comparisons and ``where`` groups) build their node
    only when `node` is first read: rendering a query (``str(q)``) writes their text without it.
    """

    __slots__ = ("_node", "roots")

    _node: ast.Criterion | None
    roots: tuple[type, ...]
    """The model classes the criterion was reached from."""

    def __init__(self, node: ast.Criterion, roots: tuple[type, ...] = ()) -> None:
        self._node = node
        self.roots = roots

    @property
    def node(self) -> ast.Criterion:
        """The criterion as an `ftorm.query.ast` node (built once, then kept)."""
        node = self._node
        if node is None:
            node = self._node = self._build()
        return node

    def _build(self) -> ast.Criterion:
        # Only the lazy subclasses leave _node empty; they override this.
        raise AssertionError  # pragma: no cover

    def _text(self) -> str:
        """Canonical text of the criterion: ``render(self.node)``."""
        return render(self.node)

    def _and_text(self) -> str:
        """The text of the criterion as one operand of an ``and`` group (`_AllOf`)."""
        node = self.node
        # An And is spliced into the group (its operands become the group's), an Or
        # keeps its parentheses: what render() does with the flattened And node.
        return f"({render(node)})" if type(node) is ast.Or else render(node)

    def __and__(self, other: Expr) -> Expr:
        return and_(self, other)

    def __or__(self, other: Expr) -> Expr:
        return or_(self, other)

    def __invert__(self) -> Expr:
        return not_(self)

    def __reduce__(self) -> tuple[type[Expr], tuple[ast.Criterion, tuple[type, ...]]]:
        # Pickled as a plain Expr of its node: the lazy subclasses hold a column, whose value
        # check may be a local function.
        return Expr, (self.node, self.roots)

    def __bool__(self) -> bool:
        msg = (
            "a query criterion has no truth value: combine criteria with & | ~ "
            "(or and_(), or_(), not_()) instead of and / or / not, and compare with == "
            "inside where(...) rather than in an if statement"
        )
        raise InvalidValueError(msg)

    def __str__(self) -> str:
        return self._text()

    def __repr__(self) -> str:
        return f"Expr({self.node!r})"


class _Compared(Expr):
    """``column operator operand``, the node built only when asked for.

    A `str` operand is the (unquoted) text of an `ast.String`: the commonest operand is
    kept as the plain string until a node or the text needs it.
    """

    __slots__ = ("_column", "_operand", "_operator")

    _column: Column[Any]
    _operator: ast.Operator
    _operand: str | ast.Operand

    def __init__(
        self, column: Column[Any], operator: ast.Operator, operand: str | ast.Operand
    ) -> None:
        self._node = None
        self.roots = column._ftorm_roots
        self._column = column
        self._operator = operator
        self._operand = operand

    def _build(self) -> ast.Criterion:
        operand = self._operand
        return ast.Comparison(
            self._column._ftorm_path,
            self._operator,
            ast.String(operand) if isinstance(operand, str) else operand,
        )

    def _text(self) -> str:
        column = self._column
        path = column._ftorm_path_text
        if path is None:
            path = column._ftorm_path_text = path_text(column._ftorm_path)
        operand = self._operand
        if not isinstance(operand, str):
            operand = operand_text(operand)
        elif "\\" in operand or '"' in operand:
            operand = quote(operand)
        else:  # quote() inlined: most strings need no escapes
            operand = f'"{operand}"'
        return f"{path} {OPERATOR_TEXT[self._operator]} {operand}"

    # A comparison is never parenthesised inside an ``and`` group.
    _and_text = _text


class _AllOf(Expr):
    """Two or more criteria that must all hold: `ast.And` of their nodes, nested ``and``
    groups flattened, built only when asked for. ``Query.where`` combines with it."""

    __slots__ = ("_parts",)

    _parts: tuple[Expr, ...]

    def __init__(self, parts: tuple[Expr, ...], roots: tuple[type, ...]) -> None:
        self._node = None
        self.roots = roots
        self._parts = parts

    def _build(self) -> ast.Criterion:
        operands: list[ast.Criterion] = []
        for part in self._parts:
            node = part.node
            if type(node) is ast.And:
                operands.extend(node.operands)
            else:
                operands.append(node)
        return ast.And(tuple(operands))

    def _text(self) -> str:
        return " and ".join([part._and_text() for part in self._parts])

    _and_text = _text


def _merge_roots(exprs: Iterable[Expr]) -> tuple[type, ...]:
    roots: list[type] = []
    for expr in exprs:
        for root in expr.roots:
            if root not in roots:
                roots.append(root)
    return tuple(roots)


def _criteria(name: str, exprs: tuple[Expr, ...]) -> tuple[Expr, ...]:
    if not exprs:
        msg = f"{name}() needs at least one criterion"
        raise InvalidValueError(msg)
    for expr in exprs:
        if not isinstance(expr, Expr):
            msg = (  # type: ignore[unreachable]  # untyped callers
                f"{name}() takes criteria such as Project.name == 'x', "
                f"got {type(expr).__name__}: {expr!r}"
            )
            raise InvalidValueError(msg)
    return exprs


def _combine(name: str, criteria: tuple[Expr, ...], group: type[ast.And | ast.Or]) -> Expr:
    """``group`` of the criteria, nested groups of its kind flattened; one is returned as is."""
    exprs = _criteria(name, criteria)
    if len(exprs) == 1:
        return exprs[0]
    operands: list[ast.Criterion] = []
    for expr in exprs:
        node = expr.node
        operands.extend(node.operands if isinstance(node, group) else (node,))
    return Expr(group(tuple(operands)), _merge_roots(exprs))


def and_(*criteria: Expr) -> Expr:
    """All criteria hold; nested ``and_`` groups are flattened, one criterion is returned as is."""
    return _combine("and_", criteria, ast.And)


def or_(*criteria: Expr) -> Expr:
    """At least one criterion holds; nested ``or_`` groups are flattened."""
    return _combine("or_", criteria, ast.Or)


def not_(criterion: Expr) -> Expr:
    """The criterion does not hold."""
    (expr,) = _criteria("not_", (criterion,))
    return Expr(ast.Not(expr.node), expr.roots)


# --- sort keys -----------------------------------------------------------------------------


class Ordering:
    """One ``order by`` key, from `Column.asc` / `Column.desc`."""

    __slots__ = ("item", "roots")

    item: ast.OrderItem
    """The ``order by`` key as an AST node."""
    roots: tuple[type, ...]
    """The model classes the key was reached from."""

    def __init__(self, item: ast.OrderItem, roots: tuple[type, ...] = ()) -> None:
        self.item = item
        self.roots = roots

    def __repr__(self) -> str:
        return f"Ordering({self.item!r})"
