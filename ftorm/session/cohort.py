"""Cohorts: the objects loaded together, so that one lazy load can serve all of them.

Every object a query (or one page of it) returns is a member of that query's cohort; the
entities reached through a reference or collection of those members (``task.status``) form
a cohort of their own, the cohort's *child* under that attribute name, and so on down. When
a member reads an attribute it does not hold, the session (``lazy="batch"``) loads that
attribute for every member still missing it, in one request.

A cohort holds its members' identity-map keys, never the objects: the member points at its
cohort (`ftorm.model.state.join`), not the other way round, so a cohort keeps nothing alive.
A member is found again through the identity map, and only while it still names this cohort
as its own (an object read again by a later query moves to that query's cohort).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftorm.model.state import cohort_of, hook_of
from ftorm.session.identity import IdentityKey, IdentityMap

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = ["Cohort"]


class Cohort:
    """The identity keys of objects loaded together, and the cohorts of their relations."""

    __slots__ = ("_children", "keys")

    def __init__(self) -> None:
        self.keys: list[IdentityKey] = []
        """Identity-map keys of the members, in load order."""
        self._children: dict[str, Cohort] = {}

    def child(self, name: str) -> Cohort:
        """The cohort of the entities the members reach through attribute ``name``."""
        found = self._children.get(name)
        if found is None:
            found = self._children[name] = Cohort()
        return found

    def members(self, identity: IdentityMap) -> Iterator[Model]:
        """The members ``identity`` still holds, each once, in load order."""
        objects = identity.objects
        for key in dict.fromkeys(self.keys):
            obj = objects.get(key)
            if obj is not None and cohort_of(obj) is self:
                yield obj

    def missing(self, identity: IdentityMap, name: str, hook: object) -> list[Model]:
        """The members attached to ``hook`` that have a field ``name`` but no value for it."""
        return [
            obj
            for obj in self.members(identity)
            if name not in obj.__dict__
            and name in type(obj).__ftorm_fields__
            and hook_of(obj) is hook
        ]

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        return f"<Cohort of {len(self.keys)}>"
