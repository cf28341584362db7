"""Query criteria and sort keys: `Expr` (combined with ``&``, ``|``, ``~`` or `and_`,
`or_`, `not_`) and `Ordering`.

A criterion wraps an `ftorm.query.ast` node and the model classes it was built on. The two
commonest kinds (a column compared with a value, and an ``and`` group) build their node only
when it is asked for and write their query text straight from their parts, so building and
printing a query makes few objects. Columns (`ftorm.query.expressions`) make them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from ftorm.errors import InvalidValueError
from ftorm.query import ast
from ftorm.query.render import OPERATOR_TEXT, operand_text, order_text, path_text, quote, render

__all__ = ["Expr", "Operand", "Ordering", "and_", "not_", "or_"]

Operand = str | int | tuple[str | int, ...] | ast.Operand
"""A comparison's right-hand side as a `_Compared` keeps it: a node, or the plain values the
builder passes through (a `str` for `ast.String`, an `int` for `ast.Integer`, a tuple of them
for `ast.ValueList`), whose nodes are made only when asked for."""


def _plain_node(value: str | int) -> ast.String | ast.Integer:
    return ast.String(value) if type(value) is str else ast.Integer(value)  # type: ignore[arg-type]


def _plain_text(value: str | int) -> str:
    if not isinstance(value, str):
        return str(value)
    if "\\" in value or '"' in value:
        return quote(value)
    return f'"{value}"'  # quote() inlined: most strings need no escapes


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

    def _kind(self) -> type[ast.Criterion]:
        """The class of `node`, known without building it."""
        return type(self.node)

    def _and_text(self) -> str:
        """The text of the criterion as one operand of an ``and`` group (`_AllOf`)."""
        # An And is spliced into the group (its operands become the group's), an Or
        # keeps its parentheses: what render() does with the flattened And node.
        kind = self._kind()
        return f"({self._text()})" if kind is ast.Or else self._text()

    def _grouped_text(self) -> str:
        """The text as the operand of ``not`` or of an ``or`` group: ``and``/``or`` groups
        in parentheses, as render() writes them."""
        kind = self._kind()
        return f"({self._text()})" if kind is ast.And or kind is ast.Or else self._text()

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


class _Side(Protocol):
    """What a comparison keeps of its column (an `ftorm.query.expressions.Column`, which
    makes comparisons and so sits above them): its path, that path's text once rendered,
    and the model classes it was reached from."""

    _ftorm_path_text: str | None

    @property
    def _ftorm_path(self) -> ast.Path: ...
    @property
    def _ftorm_roots(self) -> tuple[type, ...]: ...


class _Compared(Expr):
    """``column operator operand``, the node built only when asked for.

    A `str` operand is the (unquoted) text of an `ast.String`: the commonest operand is
    kept as the plain string until a node or the text needs it.
    """

    __slots__ = ("_column", "_operand", "_operator")

    _column: _Side
    _operator: ast.Operator
    _operand: Operand

    def __init__(self, column: _Side, operator: ast.Operator, operand: Operand) -> None:
        self._node = None
        self.roots = column._ftorm_roots
        self._column = column
        self._operator = operator
        self._operand = operand

    def _build(self) -> ast.Criterion:
        operand = self._operand
        kind = type(operand)
        node: ast.Operand
        if kind is str or kind is int:
            node = _plain_node(operand)  # type: ignore[arg-type]
        elif kind is tuple:
            node = ast.ValueList(tuple(_plain_node(v) for v in operand))  # type: ignore[union-attr]
        else:
            node = operand  # type: ignore[assignment]
        return ast.Comparison(self._column._ftorm_path, self._operator, node)

    def _text(self) -> str:
        column = self._column
        path = column._ftorm_path_text
        if path is None:
            path = column._ftorm_path_text = path_text(column._ftorm_path)
        operand = self._operand
        kind = type(operand)
        if kind is str or kind is int:
            text = _plain_text(operand)  # type: ignore[arg-type]
        elif kind is tuple:
            text = "(" + ", ".join([_plain_text(v) for v in operand]) + ")"  # type: ignore[union-attr]
        else:
            text = operand_text(operand)  # type: ignore[arg-type]
        return f"{path} {OPERATOR_TEXT[self._operator]} {text}"

    def _kind(self) -> type[ast.Criterion]:
        return ast.Comparison

    # A comparison is never parenthesised inside an ``and`` group, ``or`` group or ``not``.
    _and_text = _text
    _grouped_text = _text


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

    def _kind(self) -> type[ast.Criterion]:
        return ast.And

    _and_text = _text


class _AnyOf(Expr):
    """Two or more criteria of which one must hold: `ast.Or` of their nodes, nested ``or``
    groups flattened, built only when asked for. `or_` makes it."""

    __slots__ = ("_parts",)

    _parts: tuple[Expr, ...]

    def __init__(self, parts: tuple[Expr, ...], roots: tuple[type, ...]) -> None:
        self._node = None
        self.roots = roots
        self._parts = parts

    def _build(self) -> ast.Criterion:
        return ast.Or(tuple(part.node for part in self._parts))

    def _text(self) -> str:
        # render() parenthesises only an Or inside an Or, and the parts are never one.
        return " or ".join([part._text() for part in self._parts])

    def _kind(self) -> type[ast.Criterion]:
        return ast.Or


class _Negated(Expr):
    """``not criterion``, the `ast.Not` built only when asked for. `not_` makes it."""

    __slots__ = ("_part",)

    _part: Expr

    def __init__(self, part: Expr) -> None:
        self._node = None
        self.roots = part.roots
        self._part = part

    def _build(self) -> ast.Criterion:
        return ast.Not(self._part.node)

    def _text(self) -> str:
        return "not " + self._part._grouped_text()

    def _kind(self) -> type[ast.Criterion]:
        return ast.Not


_RELATION_TEXT = {kind: kind.value for kind in ast.RelationKind}


class _Related(Expr):
    """``path has (criteria)`` / ``path any (criteria)``, the `ast.Relation` built only
    when asked for (relationship paths and custom attribute columns make it)."""

    __slots__ = ("_inner", "_kind_of", "_path")

    _path: ast.Path
    _kind_of: ast.RelationKind
    _inner: Expr | None

    def __init__(
        self,
        path: ast.Path,
        kind: ast.RelationKind,
        inner: Expr | None,
        roots: tuple[type, ...],
    ) -> None:
        self._node = None
        self.roots = roots
        self._path = path
        self._kind_of = kind
        self._inner = inner

    def _build(self) -> ast.Criterion:
        inner = self._inner
        return ast.Relation(self._path, self._kind_of, None if inner is None else inner.node)

    def _text(self) -> str:
        inner = self._inner
        body = "" if inner is None else inner._text()
        return f"{path_text(self._path)} {_RELATION_TEXT[self._kind_of]} ({body})"

    def _kind(self) -> type[ast.Criterion]:
        return ast.Relation


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


def _flattened(
    exprs: tuple[Expr, ...], lazy: type[_AllOf | _AnyOf], group: type[ast.And | ast.Or]
) -> tuple[Expr, ...]:
    """The parts of a group: nested groups of the same kind spliced in (a lazy one's parts,
    or a built node's operands)."""
    parts: list[Expr] = []
    for expr in exprs:
        if isinstance(expr, lazy):
            parts.extend(expr._parts)
            continue
        node = expr.node if expr._kind() is group else None
        if isinstance(node, group):
            parts.extend(Expr(operand, expr.roots) for operand in node.operands)
        else:
            parts.append(expr)
    return tuple(parts)


def and_(*criteria: Expr) -> Expr:
    """All criteria hold; nested ``and_`` groups are flattened, one criterion is returned as is."""
    exprs = _criteria("and_", criteria)
    if len(exprs) == 1:
        return exprs[0]
    return _AllOf(_flattened(exprs, _AllOf, ast.And), _merge_roots(exprs))


def or_(*criteria: Expr) -> Expr:
    """At least one criterion holds; nested ``or_`` groups are flattened."""
    exprs = _criteria("or_", criteria)
    if len(exprs) == 1:
        return exprs[0]
    return _AnyOf(_flattened(exprs, _AnyOf, ast.Or), _merge_roots(exprs))


def not_(criterion: Expr) -> Expr:
    """The criterion does not hold."""
    (expr,) = _criteria("not_", (criterion,))
    return _Negated(expr)


# --- sort keys -----------------------------------------------------------------------------


class Ordering:
    """One ``order by`` key, from `Column.asc` / `Column.desc`."""

    __slots__ = ("item", "roots", "text")

    item: ast.OrderItem
    """The ``order by`` key as an AST node."""
    roots: tuple[type, ...]
    """The model classes the key was reached from."""
    text: str
    """The key's canonical text (``name descending``)."""

    def __init__(self, item: ast.OrderItem, roots: tuple[type, ...] = ()) -> None:
        self.item = item
        self.roots = roots
        self.text = order_text(item)

    def __repr__(self) -> str:
        return f"Ordering({self.item!r})"
