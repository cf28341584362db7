"""Read ftrack's ``query_schemas`` JSON into `ftorm.schema.types` values.

Every key of the format is read; anything that does not fit raises `SchemaError` naming
the schema and property, so nothing is skipped silently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ftorm.errors import SchemaError
from ftorm.schema.types import NO_DEFAULT, PYTHON_TYPES, EntityType, Kind, Property, Schema

__all__ = ["load_schema", "load_schema_file", "parse_entity_type", "parse_property"]

_SCALAR_TYPES = frozenset(PYTHON_TYPES)
_PROPERTY_KEYS = frozenset(
    {
        "type",
        "format",
        "$ref",
        "items",
        "default",
        "alias_for",
        "description",
        "restricted_projection",
        "key_value_attributes",
        "transform",
        "enum",
    }
)
_SCHEMA_KEYS = frozenset(
    {
        "id",
        "type",
        "properties",
        "primary_key",
        "required",
        "immutable",
        "computed",
        "default_projections",
        "system_projections",
        "alias_for",
        # Present in the JavaScript client's types only; accepted, not used.
        "$mixin",
        "metadata",
        "deprecated",
    }
)


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = f"{where}: expected a list of attribute names, got {value!r}"
        raise SchemaError(msg)
    return tuple(value)


def _target(fragment: Mapping[str, Any], where: str) -> str:
    ref = fragment.get("$ref")
    if not isinstance(ref, str) or not ref:
        msg = f"{where}: expected {{'$ref': '<schema id>'}}, got {fragment!r}"
        raise SchemaError(msg)
    return ref


def parse_property(
    name: str,
    fragment: Mapping[str, Any],
    *,
    entity: str = "?",
    primary_key: Sequence[str] = (),
    required: Sequence[str] = (),
    immutable: Sequence[str] = (),
    computed: Sequence[str] = (),
) -> Property:
    """Classify one property fragment."""
    where = f"{entity}.{name}"
    if not isinstance(fragment, Mapping):
        msg = f"{where}: expected an object, got {fragment!r}"  # type: ignore[unreachable]  # untyped callers
        raise SchemaError(msg)
    unknown = set(fragment) - _PROPERTY_KEYS
    if unknown:
        msg = f"{where}: unknown keys {sorted(unknown)}"
        raise SchemaError(msg)
    json_type = fragment.get("type")
    fmt = fragment.get("format")
    target: str | None = None
    key_value: tuple[str, str] | None = None
    if json_type is None and "$ref" in fragment:
        kind = Kind.REFERENCE
        target = _target(fragment, where)
    elif json_type in ("array", "mapped_array"):
        items = fragment.get("items")
        if not isinstance(items, Mapping):
            msg = f"{where}: {json_type} without items"
            raise SchemaError(msg)
        target = _target(items, where + ".items")
        kind = Kind.COLLECTION if json_type == "array" else Kind.MAPPED
        kva = fragment.get("key_value_attributes")
        if kva is not None:
            if not (isinstance(kva, Mapping) and isinstance(kva.get("key"), str)):
                msg = f"{where}: bad key_value_attributes {kva!r}"
                raise SchemaError(msg)
            key_value = (str(kva["key"]), str(kva.get("value", "value")))
        elif kind is Kind.MAPPED:
            key_value = ("key", "value")
    elif json_type in _SCALAR_TYPES:
        kind = Kind.DATETIME if fmt == "date-time" else Kind.SCALAR
    elif json_type is None and fmt == "foreign_key":
        # e.g. User.user_type_id: a key column the schema gives no type for.
        kind = Kind.SCALAR
        json_type = "string"
    else:
        msg = f"{where}: cannot classify property {dict(fragment)!r}"
        raise SchemaError(msg)
    enum_values = fragment.get("enum")
    if enum_values is not None and not isinstance(enum_values, list):
        msg = f"{where}: enum must be a list"
        raise SchemaError(msg)
    transform = fragment.get("transform")
    if transform is not None and not isinstance(transform, Mapping):
        msg = f"{where}: transform must be an object"
        raise SchemaError(msg)
    alias = fragment.get("alias_for")
    if alias is not None and not isinstance(alias, str):
        msg = f"{where}: alias_for must be a string"
        raise SchemaError(msg)
    description = fragment.get("description")
    return Property(
        name=name,
        kind=kind,
        type=json_type if kind is not Kind.REFERENCE else None,
        format=fmt if isinstance(fmt, str) else None,
        target=target,
        default=fragment.get("default", NO_DEFAULT),
        alias_for=alias,
        description=description if isinstance(description, str) else None,
        enum=tuple(enum_values) if enum_values is not None else None,
        restricted_projection=bool(fragment.get("restricted_projection", False)),
        key_value=key_value,
        transform=dict(transform) if transform is not None else None,
        primary_key=name in primary_key,
        required=name in required,
        immutable=name in immutable,
        computed=name in computed,
    )


def parse_entity_type(document: Mapping[str, Any]) -> EntityType:
    """Read one schema object."""
    if not isinstance(document, Mapping):
        msg = f"expected a schema object, got {type(document).__name__}"  # type: ignore[unreachable]  # untyped callers
        raise SchemaError(msg)
    type_id = document.get("id")
    if not isinstance(type_id, str) or not type_id:
        msg = f"schema without an id: {str(document)[:80]}"
        raise SchemaError(msg)
    unknown = set(document) - _SCHEMA_KEYS
    if unknown:
        msg = f"{type_id}: unknown keys {sorted(unknown)}"
        raise SchemaError(msg)
    properties = document.get("properties")
    if not isinstance(properties, Mapping):
        msg = f"{type_id}: properties must be an object"
        raise SchemaError(msg)
    primary_key = _names(document.get("primary_key", ["id"]), f"{type_id}.primary_key")
    required = _names(document.get("required"), f"{type_id}.required")
    immutable = _names(document.get("immutable"), f"{type_id}.immutable")
    computed = _names(document.get("computed"), f"{type_id}.computed")
    for key in primary_key:
        if key not in properties:
            msg = f"{type_id}: primary key {key!r} is not a property"
            raise SchemaError(msg)
    props = {
        name: parse_property(
            name,
            fragment,
            entity=type_id,
            primary_key=primary_key,
            required=required,
            immutable=immutable,
            computed=computed,
        )
        for name, fragment in properties.items()
    }
    alias = document.get("alias_for")
    if alias is not None and not isinstance(alias, (str, Mapping)):
        msg = f"{type_id}: alias_for must be a string or an object"
        raise SchemaError(msg)
    return EntityType(
        id=type_id,
        properties=props,
        primary_key=primary_key,
        required=required,
        immutable=immutable,
        computed=computed,
        default_projections=_names(
            document.get("default_projections"), f"{type_id}.default_projections"
        ),
        system_projections=_names(
            document.get("system_projections"), f"{type_id}.system_projections"
        ),
        alias_for=alias,
    )


def load_schema(documents: Any) -> Schema:
    """Build a `Schema` from the decoded ``query_schemas`` result (a list of schema objects)."""
    if not isinstance(documents, list):
        msg = f"expected a list of schemas, got {type(documents).__name__}"
        raise SchemaError(msg)
    types: dict[str, EntityType] = {}
    for document in documents:
        entity = parse_entity_type(document)
        if entity.id in types:
            msg = f"schema {entity.id!r} appears twice"
            raise SchemaError(msg)
        types[entity.id] = entity
    for entity in types.values():
        for prop in entity.relations():
            if prop.target not in types:
                msg = f"{entity.id}.{prop.name}: refers to unknown schema {prop.target!r}"
                raise SchemaError(msg)
    return Schema(types=types, documents=tuple(documents))


def load_schema_file(path: str | Path) -> Schema:
    """Read a JSON file holding a ``query_schemas`` result."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        msg = f"cannot read schema file {path}: {error}"
        raise SchemaError(msg) from error
    except UnicodeDecodeError as error:
        msg = f"{path} is not JSON: it is not UTF-8 text ({error.reason} at byte {error.start})"
        raise SchemaError(msg) from None
    try:
        documents = json.loads(text)
    except json.JSONDecodeError as error:
        msg = f"{path} is not JSON: {error}"
        raise SchemaError(msg) from error
    except RecursionError:
        msg = f"{path} is not a schema: its JSON is nested too deeply"
        raise SchemaError(msg) from None
    return load_schema(documents)
