"""Grouped and aggregate queries rendered as one SQLite statement.

``select a, count(b) from T [where ...] group by a`` answers plain rows, one per group, keyed
by attribute name and ``<function>_<attribute>``. Paths are plain attributes of ``T`` (or its
references' key columns); criteria, paging and parameters are rendered by
`ftorm.server.sql.Renderer`, as for entity queries.
"""

from __future__ import annotations

from ftorm._typing import assert_never
from ftorm.errors import ValidationError, excerpt
from ftorm.query import ast
from ftorm.schema.types import Property
from ftorm.server.sql import Compiled, Renderer, resolve

__all__ = ["FUNCTIONS", "grouped"]

FUNCTIONS = frozenset({"count", "sum", "avg", "min", "max"})
"""The aggregate functions served."""


def grouped(
    renderer: Renderer, query: ast.Select
) -> tuple[Compiled, list[tuple[str, Property | None]]]:
    """The statement for ``query`` (whose entity type has been checked), with the output
    name and (for plain attributes) the property of every column; one more row than
    ``limit`` is fetched so the caller knows whether more rows follow."""
    type_id = query.entity_type
    alias = renderer.alias()

    def plain(path: ast.Path) -> tuple[str, Property | None]:
        if len(path.segments) != 1:
            msg = f"aggregates and 'group by' take plain attributes, got {path}"
            raise ValidationError(msg)
        prop = resolve(renderer.layout, type_id, path.segments[0].name)
        return renderer.attribute(type_id, alias, prop, "group or aggregate")

    selected: list[str] = []
    names: list[tuple[str, Property | None]] = []
    for projection in query.projections:
        match projection:
            case ast.Aggregate():
                function = projection.function.lower()
                if function not in FUNCTIONS:
                    msg = f"unknown aggregate function {excerpt(function)}"
                    raise ValidationError(msg)
                selected.append(f"{function.upper()}({plain(projection.path)[0]})")
                names.append((f"{function}_{projection.path.dotted.replace('.', '_')}", None))
            case ast.Path():
                value, prop = plain(projection)
                selected.append(value)
                names.append((projection.dotted, prop))
            case _:
                assert_never(projection)
    groups = [plain(path)[0] for path in query.group_by]
    conditions: list[str] = []
    if query.where is not None:
        conditions.append(renderer.criterion(query.where, type_id, alias))
    text = f"SELECT {', '.join(selected)} {renderer.source(type_id, alias, conditions)}"
    if groups:
        text += " GROUP BY " + ", ".join(groups)
    keys = [
        plain(item.path)[0] + (" DESC" if item.direction is ast.Direction.DESCENDING else " ASC")
        for item in query.order_by
    ] or groups
    if keys:
        text += " ORDER BY " + ", ".join(keys)
    text += renderer.page(query, extra=1)
    return Compiled(text, dict(renderer.params)), names
