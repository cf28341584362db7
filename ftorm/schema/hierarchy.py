"""Inheritance between entity types.

ftrack's schema document repeats every inherited property on each subtype and never names a
base type, so the families are derived here: an explicit map of the families ftrack is known
to have, plus every typed-context subtype (``alias_for`` ``{"id": "Task", "classifiers":
{"object_typeid": ...}}``), a workspace's custom object types included, and every
``<X>CustomAttributeValue`` (ftrack's kinds of the one ``CustomAttributeValue``, stored as
``Variable_Value``: querying ``CustomAttributeValue`` finds them all, and a value created as
the bare type is the value its entity's ``custom_attributes`` shows). A base is only used
when the schema has it.
"""

from __future__ import annotations

from typing import Final

from ftorm.schema.types import EntityType, Schema

__all__ = [
    "ABSTRACT",
    "KNOWN_BASES",
    "VALUE_SUFFIX",
    "ancestors",
    "base_of",
    "family_root",
    "subtypes",
]

VALUE_SUFFIX: Final = "CustomAttributeValue"
"""How the names of custom attribute value types end; also the name of their base."""

ABSTRACT: frozenset[str] = frozenset({"Context", "TypedContext"})
"""Types ftrack never creates as such: every row of theirs is one of their subtypes (a
``Project``, a ``Shot`` ...). They can be queried, not created."""

KNOWN_BASES: dict[str, str] = {
    "Project": "Context",
    "TypedContext": "Context",
    "FileComponent": "Component",
    "ContainerComponent": "Component",
    "SequenceComponent": "ContainerComponent",
    "User": "Resource",
    "Group": "Resource",
    "TypedContextList": "List",
    "AssetVersionList": "List",
}


def _typed_context_subtype(entity: EntityType) -> bool:
    return (
        entity.id != "TypedContext"
        and entity.alias_id == "Task"
        and "object_typeid" in entity.classifiers
    )


def base_of(schema: Schema, type_id: str) -> str | None:
    """The direct base type of ``type_id`` in ``schema``, or None for a root."""
    entity = schema.types.get(type_id)
    if entity is None:
        return None
    base = KNOWN_BASES.get(type_id)
    if base is None and _typed_context_subtype(entity):
        base = "TypedContext"
    if base is None and type_id.endswith(VALUE_SUFFIX) and type_id != VALUE_SUFFIX:
        base = VALUE_SUFFIX
    if base is not None and base in schema.types:
        return base
    return None


def ancestors(schema: Schema, type_id: str) -> tuple[str, ...]:
    """Bases of ``type_id``, nearest first."""
    chain: list[str] = []
    current = base_of(schema, type_id)
    while current is not None and current not in chain:
        chain.append(current)
        current = base_of(schema, current)
    return tuple(chain)


def family_root(schema: Schema, type_id: str) -> str:
    """The root of the family ``type_id`` belongs to (itself when it has no base)."""
    chain = ancestors(schema, type_id)
    return chain[-1] if chain else type_id


def subtypes(schema: Schema, type_id: str) -> tuple[str, ...]:
    """``type_id`` and every type deriving from it, sorted by name."""
    return tuple(
        sorted(
            other
            for other in schema.types
            if other == type_id or type_id in ancestors(schema, other)
        )
    )
