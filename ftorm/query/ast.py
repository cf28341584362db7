"""The query language as immutable values.

One tree for ftrack's query language, shared by the text renderer (`ftorm.query.render`),
the typed builder and the embedded server's SQL renderer. Every node is a frozen, slotted
attrs class: equal trees mean the same query, and ``str(node)`` renders canonical text.

Shape of a query::

    Select(entity_type, projections, where, group_by, order_by, offset, limit)
        projections: Path | Aggregate          (empty tuple = the short ``Type where ...`` form)
        where:       Comparison | Relation | And | Or | Not
        Comparison:  Path, Operator, Value | ValueList | Subquery
        Relation:    Path, "has" | "any", criteria or None (an empty body)
        Value:       String | Integer | Decimal | Boolean | Null | Bare
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Callable
from typing import TypeAlias

import attrs

from ftorm.errors import QueryCompileError

__all__ = [
    "Aggregate",
    "And",
    "Bare",
    "Boolean",
    "Criterion",
    "Decimal",
    "Direction",
    "Integer",
    "Node",
    "Not",
    "Null",
    "Operand",
    "Operator",
    "Or",
    "OrderItem",
    "Path",
    "Projection",
    "Select",
    "Relation",
    "RelationKind",
    "Segment",
    "String",
    "Subquery",
    "Value",
    "ValueList",
    "Comparison",
    "use_renderer",
]


class Node:
    """Base of every AST node: ``str(node)`` is its canonical query text."""

    __slots__ = ()

    def __str__(self) -> str:
        return _render(self)


def _unrendered(node: Node) -> str:
    msg = f"no query renderer is set to write a {type(node).__name__} (see use_renderer)"
    raise QueryCompileError(msg)


_render: Callable[[Node], str] = _unrendered


def use_renderer(render: Callable[[Node], str]) -> None:
    """Make ``str(node)`` write query text with ``render``.

    The renderer sits above the tree it writes: `ftorm.query.render` names its `render`
    here when it loads, and the ``ftorm.query`` package loads it before any of its modules,
    so every node prints
    (``tests/query/test_query_language.py::test_str_of_a_node_works_when_only_the_tree_is_imported``).
    """
    global _render
    _render = render


class Operator(str, enum.Enum):
    """Comparison operators, valued by their canonical spelling."""

    EQ = "is"
    NE = "is_not"
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    IN = "in"
    NOT_IN = "not_in"
    LIKE = "like"
    NOT_LIKE = "not_like"
    BEFORE = "before"
    AFTER = "after"

    def __str__(self) -> str:
        return self.value


class RelationKind(str, enum.Enum):
    """``has`` tests a scalar relation, ``any`` a collection."""

    HAS = "has"
    ANY = "any"

    def __str__(self) -> str:
        return self.value


class Direction(str, enum.Enum):
    """Sort direction of an ``order by`` key."""

    ASCENDING = "ascending"
    DESCENDING = "descending"

    def __str__(self) -> str:
        return self.value


# --- paths ------------------------------------------------------------------------------


@attrs.frozen(slots=True, str=False)
class Segment(Node):
    """One attribute of a path, optionally cast to a subtype: ``parent[TypedContext]``."""

    name: str
    cast: str | None = None


@attrs.frozen(slots=True, str=False)
class Path(Node):
    """A dotted attribute path, ``parent.status.name``."""

    segments: tuple[Segment, ...]

    @classmethod
    def of(cls, dotted: str) -> Path:
        """Build a path from plain dotted text (no casts): ``Path.of("parent.name")``."""
        return cls(tuple(Segment(name) for name in dotted.split(".")))

    @property
    def dotted(self) -> str:
        """The attribute names joined with dots, casts left out."""
        return ".".join(segment.name for segment in self.segments)


@attrs.frozen(slots=True, str=False)
class Aggregate(Node):
    """An aggregate projection: ``count(id)``; ``function`` is lower-case."""

    function: str
    path: Path


Projection: TypeAlias = Path | Aggregate

# --- values -----------------------------------------------------------------------------


@attrs.frozen(slots=True, str=False)
class String(Node):
    """A quoted string (single or double quotes in the source; always double when rendered)."""

    value: str


@attrs.frozen(slots=True, str=False)
class Integer(Node):
    """A whole number, written without quotes."""

    value: int


@attrs.frozen(slots=True, str=False)
class Decimal(Node):
    """A number with a fraction, kept exact: ``1.50`` stays ``Decimal("1.50")``."""

    value: decimal.Decimal


@attrs.frozen(slots=True, str=False)
class Boolean(Node):
    """``true`` or ``false`` (any case in the source)."""

    value: bool


@attrs.frozen(slots=True, str=False)
class Null(Node):
    """``none`` (also ``null``, any case)."""


@attrs.frozen(slots=True, str=False)
class Bare(Node):
    """An unquoted word: ``active``, ``NOT_STARTED``, an unquoted uuid."""

    text: str


Value: TypeAlias = String | Integer | Decimal | Boolean | Null | Bare


@attrs.frozen(slots=True, str=False)
class ValueList(Node):
    """``(v1, v2, ...)`` after ``in`` / ``not_in``."""

    values: tuple[Value, ...]


@attrs.frozen(slots=True, str=False)
class Subquery(Node):
    """``(select x from T ...)`` after ``in`` / ``not_in``."""

    query: Select


Operand: TypeAlias = Value | ValueList | Subquery

# --- criteria ---------------------------------------------------------------------------


@attrs.frozen(slots=True, str=False)
class Comparison(Node):
    """``path operator operand``."""

    path: Path
    operator: Operator
    operand: Operand


@attrs.frozen(slots=True, str=False)
class Relation(Node):
    """``path has (criteria)`` / ``path any (criteria)``; ``criteria`` None for ``()``."""

    path: Path
    kind: RelationKind
    criteria: Criterion | None = None


@attrs.frozen(slots=True, str=False)
class And(Node):
    """All operands hold (two or more)."""

    operands: tuple[Criterion, ...]


@attrs.frozen(slots=True, str=False)
class Or(Node):
    """At least one operand holds (two or more)."""

    operands: tuple[Criterion, ...]


@attrs.frozen(slots=True, str=False)
class Not(Node):
    """The operand does not hold."""

    operand: Criterion


Criterion: TypeAlias = Comparison | Relation | And | Or | Not

# --- queries ----------------------------------------------------------------------------


@attrs.frozen(slots=True, str=False)
class OrderItem(Node):
    """One ``order by`` key; ``direction`` None when the source gave none."""

    path: Path
    direction: Direction | None = None


@attrs.frozen(slots=True, str=False)
class Select(Node):
    """A whole query. Empty ``projections`` is the short form ``Type [where ...]``."""

    entity_type: str
    projections: tuple[Projection, ...] = ()
    where: Criterion | None = None
    group_by: tuple[Path, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    offset: int | None = None
    limit: int | None = None
