"""Entity name -> model class: one `Registry` per set of models.

Every model class declared with ``entity="Shot"`` registers itself in its registry: the
default `REGISTRY` unless the class (or a base) was declared with ``registry=...``. String
targets in ``ref("Status")`` / ``many("Task")`` are looked up in the registry of the class
that declares them, so independent model sets (generated, hand-written, built from a
server's schema by `ftorm.model.dynamic`) can live side by side without clashing.

A registry is a model set: each module ``ftorm generate`` writes declares its own
(``REGISTRY`` in the module), and a session works with exactly one (`models_of` reads it
from what ``Session(models=...)`` is given).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING

from ftorm.errors import InvalidValueError, UnknownTypeError

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = ["REGISTRY", "Registry", "lookup", "models_of"]


class Registry(Mapping[str, "type[Model]"]):
    """A mapping of entity type names to model classes: one set of models.

    Registering a second class under a name replaces the first (a reloaded module, a
    notebook cell run twice); models already resolved keep the class they resolved.
    Registries compare by identity: two sets with the same names are still two sets.
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

    def lookup(self, entity: str) -> type[Model]:
        """The class of ``entity``; `ftorm.UnknownTypeError` naming close names otherwise."""
        try:
            return self._classes[entity]
        except KeyError:
            close = difflib.get_close_matches(entity, list(self._classes), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            msg = f"unknown entity type {entity!r} in registry {self.name!r}{hint}"
            raise UnknownTypeError(msg) from None

    def __getitem__(self, entity: str) -> type[Model]:
        """The class of ``entity``; `KeyError` when there is none."""
        return self._classes[entity]

    def classes(self) -> dict[str, type[Model]]:
        """A copy of the whole mapping."""
        return dict(self._classes)

    def __contains__(self, entity: object) -> bool:
        return entity in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def __len__(self) -> int:
        return len(self._classes)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"<Registry {self.name!r}: {len(self._classes)} types>"


REGISTRY = Registry("default")
"""The registry generated and hand-written models use unless given another."""


def lookup(entity: str) -> type[Model]:
    """The class registered for ``entity`` in the default registry."""
    return REGISTRY.lookup(entity)


def models_of(models: ModuleType | Mapping[str, type[Model]]) -> Mapping[str, type[Model]]:
    """The model set ``models`` stands for, by entity name.

    A module gives its ``REGISTRY`` (every module ``ftorm generate`` writes has one) or, for
    a hand-written module without one, the entity models it defines; a mapping (a `Registry`
    among them) is used as it is.

    Raises:
        InvalidValueError: a module that defines no entity models.
    """
    if not isinstance(models, ModuleType):
        return models
    registry = getattr(models, "REGISTRY", None)
    if isinstance(registry, Registry):
        return registry
    from ftorm.model.base import Model

    found = {
        entity: value
        for value in vars(models).values()
        if isinstance(value, type)
        and issubclass(value, Model)
        and isinstance(entity := value.__dict__.get("__ftorm_entity__"), str)
    }
    if not found:
        msg = f"module {models.__name__!r} defines no entity models (and no REGISTRY)"
        raise InvalidValueError(msg)
    return found
