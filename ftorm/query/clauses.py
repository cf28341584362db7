"""The clauses of a `ftorm.query.builder.Query`, made from what its building methods take.

``where``, ``before``/``after``, ``select`` and ``order_by`` check their arguments against
the query's model and turn them into the values a query keeps: its criteria (one `Expr`),
its projections (paths and their text) and its ordering (items and their text). Each
function here is pure: it takes the clause the query holds and returns the new one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ftorm.errors import InvalidValueError, UnknownAttributeError
from ftorm.query import ast as nodes
from ftorm.query.checks import check_roots, name_of, roots_of
from ftorm.query.criteria import Expr, Ordering, _AllOf, _Compared
from ftorm.query.expressions import Column, TimeColumn
from ftorm.query.render import order_text, path_text, projection_text

if TYPE_CHECKING:
    from ftorm.query.expressions import DateLike

__all__ = ["combined", "dated", "ordered", "projected"]


def combined(
    model: Callable[..., Any],
    where: Expr | None,
    criteria: tuple[Expr, ...],
    equals: dict[str, object],
) -> Expr | None:
    """The criteria ``where`` and ``criteria`` and ``equals`` (keyword equality on ``model``'s
    attributes) all hold, as one `Expr`.

    Raises:
        InvalidValueError: a criterion that is not an `Expr`, or a keyword value of the
            wrong type for its attribute.
        UnknownAttributeError: a keyword that names no attribute of ``model``.
    """
    if not (criteria or equals):
        return where
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
        return criteria[0]  # one criterion alone is kept as it is
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
            equals_ = getattr(getattr(model, name), "__ftorm_equals__", None)
            if equals_ is None:
                raise UnknownAttributeError(name_of(model), name)
            found.append(equals_(value))
        if where is None and len(criteria) + len(equals) == 1:
            return criteria[0] if criteria else found[0]  # kept as it is
        parts = tuple(found)
    # Their ast.And (nested ``and`` groups flattened) is built only if asked for.
    return _AllOf(parts, roots_of(model))


def dated(model: Callable[..., Any], method: str, dates: dict[str, DateLike]) -> list[Expr]:
    """``attribute before "<date>"`` (``method`` ``"before"``) or ``after`` for each of
    ``dates``, on ``model``'s date-time attributes.

    Raises:
        InvalidValueError: a name of an attribute that is not a date-time.
    """
    exprs: list[Expr] = []
    for name, when in dates.items():
        column = getattr(model, name)
        if not isinstance(column, TimeColumn):
            msg = (
                f"{name_of(model)}.{name} is not a date-time attribute; "
                f"{method}() only takes date-time attributes"
            )
            raise InvalidValueError(msg)
        exprs.append(column.before(when) if method == "before" else column.after(when))
    return exprs


def projected(
    model: Callable[..., Any],
    projections: tuple[nodes.Projection, ...],
    texts: tuple[str, ...] | None,
    fields: tuple[Column[Any] | type, ...],
) -> tuple[tuple[nodes.Projection, ...], tuple[str, ...]]:
    """``projections`` (with their ``texts``, None to render them) and the paths of
    ``fields`` not among them yet, and the text of each.

    Raises:
        InvalidValueError: a field that is not an attribute path of ``model``.
    """
    paths = list(projections)
    names = [projection_text(p) for p in paths] if texts is None else list(texts)
    for field in fields:
        # Columns and relationship paths keep their path, root and (once rendered) text in
        # slots: read them directly; anything else goes the long way.
        try:
            path = field._ftorm_path  # type: ignore[union-attr]
            root = field._ftorm_root  # type: ignore[union-attr]
            text = field._ftorm_path_text  # type: ignore[union-attr]
        except AttributeError:
            path = root = text = None
        if type(path) is not nodes.Path:
            path, root, text = _projection_of(field)
        if root is not model and isinstance(root, type):
            check_roots(model, (root,), "a select() path")
        # The canonical text of a path names it: paths are compared by their text.
        if text is None:
            text = path_text(path)
            with contextlib.suppress(AttributeError):
                field._ftorm_path_text = text  # type: ignore[union-attr]
        if text not in names:
            names.append(text)
            paths.append(path)
    return tuple(paths), tuple(names)


def _projection_of(field: object) -> tuple[nodes.Path, object, str | None]:
    """The path, root and kept text of a ``select()`` field that is not a column or a
    relationship path (it names its path with ``__ftorm_path__``).

    Raises:
        InvalidValueError: ``field`` is not an attribute path.
    """
    path = getattr(field, "__ftorm_path__", None)
    if not isinstance(path, nodes.Path):
        msg = f"select() takes attribute paths such as Shot.name or Shot.status, got {field!r}"
        raise InvalidValueError(msg)
    return path, getattr(field, "_ftorm_root", None), getattr(field, "_ftorm_path_text", None)


def ordered(
    model: Callable[..., Any],
    order: tuple[nodes.OrderItem, ...],
    texts: tuple[str, ...] | None,
    keys: tuple[Column[Any] | Ordering, ...],
) -> tuple[tuple[nodes.OrderItem, ...], tuple[str, ...]]:
    """``order`` (with its ``texts``, None to render them) followed by ``keys``, and the
    text of each item.

    Raises:
        InvalidValueError: a key that is not a column or an ordering of ``model``.
    """
    items = list(order)
    names = [order_text(item) for item in items] if texts is None else list(texts)
    for key in keys:
        if type(key) is Ordering or isinstance(key, Ordering):
            roots = key.roots
            if len(roots) != 1 or roots[0] is not model:
                check_roots(model, roots, "an order_by() key")
            items.append(key.item)
            names.append(key.text)
        elif isinstance(key, Column):
            check_roots(model, (key._ftorm_root,), "an order_by() key")
            item = key.__ftorm_order__()
            items.append(item)
            names.append(order_text(item))
        else:
            msg = (  # type: ignore[unreachable]  # untyped callers
                "order_by() takes columns such as Project.name or Project.name.desc(), "
                f"got {type(key).__name__}: {key!r}"
            )
            raise InvalidValueError(msg)
    return tuple(items), tuple(names)
