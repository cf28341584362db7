"""The identity map: one object per row, per session.

Keys are ``(family, key)``: the key is the primary key as a string (a tuple of strings when
composite), and the family is the topmost entity model of the class (``Context`` for
``Project`` and ``Shot``, ``Component`` for ``FileComponent``): a row fetched through
``Context`` and again through ``Shot`` is the same object. The map holds strong references
and is bounded by the session: `clear` (called by ``Session.close``) drops everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = ["IdentityMap", "family_of", "identity_key"]

IdentityKey = tuple[str, object]
"""``(family, key)``: the key is the id string for single keys, a tuple of strings otherwise."""


def family_of(cls: type[Model]) -> str:
    """The entity name of the topmost entity model above ``cls`` (itself if none).

    Computed once per class and kept on the class (``__ftorm_cache__``).
    """
    cache = cls.__ftorm_cache__
    found: str | None = cache.get("family")
    if found is None:
        found = cls.__ftorm_entity__ or cls.__name__
        for base in cls.__mro__:
            entity = base.__dict__.get("__ftorm_entity__")
            if isinstance(entity, str):
                found = entity
        cache["family"] = found
    return found


def identity_key(cls: type[Model], values: tuple[object, ...]) -> IdentityKey:
    """The identity-map key of a ``cls`` row whose primary key values are ``values``."""
    if len(values) == 1:
        return family_of(cls), str(values[0])
    return family_of(cls), tuple(str(value) for value in values)


class IdentityMap:
    """``(family, key) -> object`` for every entity a session holds."""

    __slots__ = ("_objects",)

    def __init__(self) -> None:
        self._objects: dict[IdentityKey, Model] = {}

    @property
    def objects(self) -> dict[IdentityKey, Model]:
        """The underlying dict (for the hydrator's hot loop; treat as read-mostly)."""
        return self._objects

    def get(self, key: IdentityKey) -> Model | None:
        """The object held under ``key``, or None."""
        return self._objects.get(key)

    def add(self, key: IdentityKey, obj: Model) -> None:
        """Hold ``obj`` under ``key``."""
        self._objects[key] = obj

    def discard(self, key: IdentityKey) -> None:
        """Stop holding whatever is under ``key``."""
        self._objects.pop(key, None)

    def __len__(self) -> int:
        return len(self._objects)

    def __iter__(self) -> Iterator[Model]:
        return iter(list(self._objects.values()))

    def __contains__(self, key: object) -> bool:
        return key in self._objects

    def clear(self) -> None:
        """Forget every object."""
        self._objects.clear()
