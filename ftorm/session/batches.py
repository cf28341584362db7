"""The queries that load attributes for many objects at once.

`Session.populate` and batch lazy loading (``lazy="batch"``) both read some attribute paths
for a set of objects the session already holds: one ``select <paths> from <Type> where id in
(...)`` per type and chunk of keys (`ftorm.session.queries.by_keys`), all sent in one request.
A path that ends on a relation loads the related entities with every scalar attribute of
their type, so reading any of their values afterwards costs nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ftorm.protocol.operations import QueryOp
from ftorm.session.queries import Defaults, by_keys, expand, key_of

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = ["CHUNK", "load_queries"]

CHUNK = 500
"""Keys per ``id in (...)`` query: long enough to be few, short enough for any server."""


def load_queries(
    objects: Iterable[Model],
    paths: Callable[[type[Model]], Sequence[object]],
    related: Defaults,
) -> list[QueryOp]:
    """The queries loading ``paths(type(obj))`` for each of ``objects``, by type and chunk.

    Raises:
        InvalidValueError: when a path is not an attribute path.
    """
    by_type: dict[type[Model], list[Model]] = defaultdict(list)
    for obj in objects:
        by_type[type(obj)].append(obj)
    operations: list[QueryOp] = []
    for cls, group in by_type.items():
        projections = [p for path in paths(cls) for p in expand(cls, path, related)]
        for start in range(0, len(group), CHUNK):
            keys = [key_of(obj) for obj in group[start : start + CHUNK]]
            operations.append(QueryOp(str(by_keys(cls, projections, keys))))
    return operations
