"""Entity name -> model class.

Every model class declared with ``entity="Shot"`` registers itself in its registry: the
default `REGISTRY` unless the class (or a base) was declared with ``registry=...``. String
targets in ``ref("Status")`` / ``many("Task")`` are looked up in the registry of the class
that declares them, so independent model sets (generated, hand-written, built from a
server's schema by `ftorm.model.dynamic`) can live side by side without clashing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from ftorm.errors import UnknownTypeError

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = ["REGISTRY", "Registry", "lookup"]


class Registry:
    """A mapping of entity type names to model classes.

    Registering a second class under a name replaces the first (a reloaded module, a
    notebook cell run twice); models already resolved keep the class they resolved.
    """

    __slots__ = ("_classes", "name")

    def __init__(
        self, name: str = "models", classes: Mapping[str, type[Model]] | None = None
    ) -> None:
        self.name: str = name
        """Shown in messages: which set of models this is."""
        self._classes: dict[str, type[Model]] = dict(classes or {})

    def register(self, entity: str, cls: type[Model]) -> None:
        """Record ``cls`` as the class of entity type ``entity``."""
        self._classes[entity] = cls

    def get(self, entity: str) -> type[Model] | None:
        """The class of ``entity``, or None."""
        return self._classes.get(entity)

    def lookup(self, entity: str) -> type[Model]:
        """The class of ``entity``; `ftorm.UnknownTypeError` naming close names otherwise."""
        try:
            return self._classes[entity]
        except KeyError:
            close = difflib.get_close_matches(entity, list(self._classes), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            msg = f"unknown entity type {entity!r} in registry {self.name!r}{hint}"
            raise UnknownTypeError(msg) from None

    def classes(self) -> dict[str, type[Model]]:
        """A copy of the whole mapping."""
        return dict(self._classes)

    def __contains__(self, entity: object) -> bool:
        return entity in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def __len__(self) -> int:
        return len(self._classes)

    def __repr__(self) -> str:
        return f"<Registry {self.name!r}: {len(self._classes)} types>"


REGISTRY = Registry("default")
"""The registry generated and hand-written models use unless given another."""


def lookup(entity: str) -> type[Model]:
    """The class registered for ``entity`` in the default registry."""
    return REGISTRY.lookup(entity)
