"""Frozen descriptions of ftrack entity types, read from the ``query_schemas`` format.

A `Schema` maps schema ids (``"Shot"``) to `EntityType` values; each `EntityType` maps
attribute names to `Property` values classified by `Kind`. Nothing here does I/O;
`ftorm.schema.load` builds these from JSON.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs

__all__ = ["NO_DEFAULT", "PYTHON_TYPES", "EntityType", "Kind", "Property", "Schema", "schema_hash"]


class _NoDefault(enum.Enum):
    NO_DEFAULT = "NO_DEFAULT"

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Final = _NoDefault.NO_DEFAULT
"""Marks a property without a ``default`` (``None`` is a legitimate default)."""


class Kind(str, enum.Enum):
    """What a property holds."""

    SCALAR = "scalar"  # string, boolean, integer, number, variable, object
    DATETIME = "datetime"  # type string + format date-time
    REFERENCE = "reference"  # $ref: one related entity
    COLLECTION = "collection"  # array of items.$ref
    MAPPED = "mapped"  # mapped_array: key/value collection (metadata, custom_attributes)


PYTHON_TYPES: Final = {
    "string": "str",
    "boolean": "bool",
    "integer": "int",
    "number": "float",
    "variable": "Any",
    "object": "Any",
}
"""The Python type, by name, of each scalar JSON-schema ``type`` of ftrack's format."""


@attrs.frozen(slots=True)
class Property:
    """One attribute of an entity type."""

    name: str
    kind: Kind
    type: str | None = None  # the JSON-schema ``type``; None for references
    format: str | None = None
    target: str | None = None  # $ref / items.$ref schema id
    default: Any = NO_DEFAULT  # literal default, "{uid}" for generated ids
    alias_for: str | None = None
    description: str | None = None
    enum: tuple[Any, ...] | None = None
    restricted_projection: bool = False
    key_value: tuple[str, str] | None = None  # (key attribute, value attribute) of a mapped array
    transform: Mapping[str, str] | None = None
    primary_key: bool = False
    required: bool = False
    immutable: bool = False
    computed: bool = False

    @property
    def is_relation(self) -> bool:
        """References, collections and mapped collections."""
        return self.kind in (Kind.REFERENCE, Kind.COLLECTION, Kind.MAPPED)

    @property
    def is_foreign_key(self) -> bool:
        """True for a scalar holding another entity's id (``format: foreign_key``)."""
        return self.format == "foreign_key"

    @property
    def generates_id(self) -> bool:
        """True for a ``{uid}`` default: the client makes a fresh id when creating."""
        return bool(self.default == "{uid}")


@attrs.frozen(slots=True)
class EntityType:
    """One schema: an entity type with its properties and key."""

    id: str
    properties: Mapping[str, Property]
    primary_key: tuple[str, ...] = ("id",)
    required: tuple[str, ...] = ()
    immutable: tuple[str, ...] = ()
    computed: tuple[str, ...] = ()
    default_projections: tuple[str, ...] = ()
    system_projections: tuple[str, ...] = ()
    alias_for: str | Mapping[str, Any] | None = None

    @property
    def alias_id(self) -> str | None:
        """The server-side type name (``Show`` for Project, ``Task`` for typed contexts)."""
        if isinstance(self.alias_for, str):
            return self.alias_for
        if isinstance(self.alias_for, Mapping):
            value = self.alias_for.get("id")
            return value if isinstance(value, str) else None
        return None

    @property
    def classifiers(self) -> Mapping[str, Any]:
        """``alias_for.classifiers``: ``{"object_typeid": "<uuid>"}`` on typed-context subtypes."""
        if isinstance(self.alias_for, Mapping):
            value = self.alias_for.get("classifiers")
            if isinstance(value, Mapping):
                return value
        return {}

    def __getitem__(self, name: str) -> Property:
        return self.properties[name]

    def __contains__(self, name: object) -> bool:
        return name in self.properties

    def scalars(self) -> Iterator[Property]:
        """Scalar and datetime properties, in name order."""
        for name in sorted(self.properties):
            prop = self.properties[name]
            if not prop.is_relation:
                yield prop

    def relations(self) -> Iterator[Property]:
        """Reference, collection and mapped properties, in name order."""
        for name in sorted(self.properties):
            prop = self.properties[name]
            if prop.is_relation:
                yield prop


def schema_hash(documents: list[Any]) -> str:
    """md5 of the schema list dumped as JSON with sorted keys, as ftrack clients compute it."""
    text = json.dumps(documents, sort_keys=True)
    import hashlib  # not on ``import ftorm``: only a server computes the hash

    return hashlib.md5(text.encode("utf-8")).hexdigest()


@attrs.frozen(slots=True)
class Schema:
    """All entity types a server knows, by schema id, plus the documents they came from."""

    types: Mapping[str, EntityType]
    documents: tuple[Mapping[str, Any], ...] = ()

    def __getitem__(self, type_id: str) -> EntityType:
        from ftorm.errors import UnknownTypeError

        try:
            return self.types[type_id]
        except KeyError:
            msg = f"unknown entity type {type_id!r}"
            raise UnknownTypeError(msg) from None

    def __contains__(self, type_id: object) -> bool:
        return type_id in self.types

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.types))

    def __len__(self) -> int:
        return len(self.types)

    @property
    def hash(self) -> str:
        """`schema_hash` of the documents, as ``query_server_information`` reports it."""
        return schema_hash([dict(d) for d in self.documents])
