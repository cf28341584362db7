"""The queries a session sends on its own, built as `ftorm.query.ast` trees.

`Session.get`, `Session.populate`, lazy loads and paged iteration each need a query the user
did not write: by primary key, for a chunk of keys, or one page of a user's query. They are
built here as `ftorm.query.ast.Select` values and rendered once, where they are sent, so no
query text is ever pieced together from strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from ftorm.errors import InvalidValueError
from ftorm.model.fields import Many, Ref
from ftorm.query import ast
from ftorm.session.loading import class_info

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = [
    "Defaults",
    "after_key",
    "by_key",
    "by_keys",
    "counting",
    "expand",
    "key_of",
    "keyset",
    "pageable",
    "within",
]

Defaults = Callable[["type[Model]"], tuple[str, ...]]
"""The attribute names a query for a class loads when it names none (primary key first)."""


def key_of(obj: Model) -> tuple[object, ...]:
    """The primary key values ``obj`` holds, in key order (None where it has none)."""
    data = obj.__dict__
    return tuple(data.get(name) for name in class_info(type(obj)).pk_names)


def _equals(key: str, value: object) -> ast.Comparison:
    return ast.Comparison(ast.Path.of(key), ast.Operator.EQ, ast.String(str(value)))


def _all_of(criteria: Sequence[ast.Criterion]) -> ast.Criterion:
    return criteria[0] if len(criteria) == 1 else ast.And(tuple(criteria))


def by_key(cls: type[Model], values: Sequence[object]) -> ast.Select:
    """``<Type> where <key> is "<value>" ...``: the row of ``cls`` with that primary key."""
    keys = class_info(cls).pk_keys
    criteria = [_equals(key, value) for key, value in zip(keys, values, strict=True)]
    return ast.Select(cls.__ftorm_entity__ or "", where=_all_of(criteria))


def by_keys(
    cls: type[Model], projections: Iterable[ast.Path], keys: Sequence[Sequence[object]]
) -> ast.Select:
    """``select <projections> from <Type> where id in (...)`` for the rows with ``keys``.

    A composite key gives ``(a is x and b is y) or ...`` instead of ``in``.
    """
    pk_keys = class_info(cls).pk_keys
    criterion: ast.Criterion
    if len(pk_keys) == 1:
        values = tuple(ast.String(str(key[0])) for key in keys)
        criterion = ast.Comparison(ast.Path.of(pk_keys[0]), ast.Operator.IN, ast.ValueList(values))
    else:
        rows = [_all_of([_equals(k, v) for k, v in zip(pk_keys, key, strict=True)]) for key in keys]
        criterion = rows[0] if len(rows) == 1 else ast.Or(tuple(rows))
    paths = tuple(ast.Path.of(key) for key in pk_keys)
    return ast.Select(
        cls.__ftorm_entity__ or "",
        projections=tuple(dict.fromkeys((*paths, *projections))),
        where=criterion,
    )


def counting(node: ast.Select, cls: type[Model]) -> ast.Select:
    """``select count(<key>) from <Type> [where ...]``: how many rows ``node``'s criteria
    match (its projections, order, offset and limit left out; see `within`)."""
    key = ast.Path.of(class_info(cls).pk_keys[0])
    return ast.Select(node.entity_type, (ast.Aggregate("count", key),), node.where)


def within(total: int, node: ast.Select) -> int:
    """How many of ``total`` matching rows ``node``'s own ``offset`` and ``limit`` keep."""
    found = max(0, total - (node.offset or 0))
    return found if node.limit is None else min(found, node.limit)


def pageable(
    node: ast.Select, cls: type[Model], defaults: Defaults, related: Defaults
) -> ast.Select:
    """``node`` ready to be sent page by page.

    It loads the primary key (beside its own projections, or the defaults when it names
    none), and it is ordered by the primary key when it has no order (nor ``group by``), so
    pages are stable. A projection that ends on a relation (``select status from Task``)
    loads the related entities with the attributes ``related`` names for their type, as
    `Session.populate` does (see `expand`).
    """
    keys = [ast.Path.of(key) for key in class_info(cls).pk_keys]
    if node.projections:
        named: list[ast.Projection] = []
        for projection in node.projections:
            if isinstance(projection, ast.Path) and not node.group_by:
                named.extend(expand(cls, projection, related))
            else:
                named.append(projection)
        projections = tuple(dict.fromkeys((*keys, *named)))
    else:
        projections = tuple(ast.Path.of(name) for name in defaults(cls))
    order_by = node.order_by
    if not order_by and not node.group_by:
        order_by = tuple(ast.OrderItem(key) for key in keys)
    return attrs.evolve(node, projections=projections, order_by=order_by)


def keyset(node: ast.Select, cls: type[Model]) -> tuple[str, ...] | None:
    """The primary key's wire names when ``node`` can be paged by key (see `after_key`).

    That is a query of entities with no ``order by`` of its own (and no ``group by`` nor
    aggregate): `pageable` orders it by the primary key, so each page can start after the
    last row of the page before it instead of at an offset. None for the others.
    """
    if node.order_by or node.group_by:
        return None
    if any(not isinstance(projection, ast.Path) for projection in node.projections):
        return None
    return class_info(cls).pk_keys


def _literal(value: object) -> ast.Value:
    if isinstance(value, int) and not isinstance(value, bool):
        return ast.Integer(value)
    return ast.String(str(value))


def after_key(node: ast.Select, keys: Sequence[str], values: Sequence[object]) -> ast.Select:
    """``node`` narrowed to the rows whose primary key comes after ``values`` (in ``keys``
    order, as ``order by <keys>`` sorts them), from its first row on (no ``offset``).

    One key gives ``... and id > "<value>"``; a composite key ``(a > x) or (a is x and
    b > y) ...``.
    """
    rows: list[ast.Criterion] = []
    for index, key in enumerate(keys):
        equal = [
            _compare(k, ast.Operator.EQ, v)
            for k, v in zip(keys[:index], values[:index], strict=True)
        ]
        rows.append(_all_of([*equal, _compare(key, ast.Operator.GT, values[index])]))
    after = rows[0] if len(rows) == 1 else ast.Or(tuple(rows))
    where = after if node.where is None else ast.And((node.where, after))
    return attrs.evolve(node, where=where, offset=None)


def _compare(key: str, operator: ast.Operator, value: object) -> ast.Comparison:
    return ast.Comparison(ast.Path.of(key), operator, _literal(value))


def expand(cls: type[Model], path: object, related: Defaults) -> list[ast.Path]:
    """The projections one `Session.populate` path stands for, relative to ``cls``.

    A path that ends on a relation gives, under it, the attributes ``related`` names for the
    related type; a path that ends on a value gives itself.

    Raises:
        InvalidValueError: when ``path`` is not an attribute path.
    """
    if isinstance(path, ast.Path):
        node = path
    elif isinstance(path, str):
        node = ast.Path.of(path)
    else:
        found = getattr(path, "__ftorm_path__", None)
        if callable(found):
            found = found()
        if not isinstance(found, ast.Path):
            msg = f"populate() takes attribute paths, not {path!r}"
            raise InvalidValueError(msg)
        node = found
    current: type[Model] = cls
    relation = False
    for segment in node.segments:
        name = current.__ftorm_keys__.get(segment.name, segment.name)
        field = current.__ftorm_fields__.get(name)
        if field is None:
            # The path may be rooted at a base class of cls (``Context.parent``): fine.
            relation = False
            break
        relation = isinstance(field, (Ref, Many))
        if relation:
            current = field.target  # type: ignore[attr-defined]
    if not relation:
        return [node]
    return [ast.Path(node.segments + ast.Path.of(name).segments) for name in related(current)]
