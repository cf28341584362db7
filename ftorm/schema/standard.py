"""ftorm's standard schema: the core ftrack entity types, as ``query_schemas`` documents.

The facts live in `ftorm.schema._standard_spec` in a compact notation; this module expands
them into the JSON format an ftrack server answers ``query_schemas`` with, so everything that
reads a server's schema (the loader, the code generator, the embedded server, the official
ftrack client) reads this one the same way.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any, Final

from ftorm.errors import SchemaError
from ftorm.schema._standard_spec import SPECS, Spec
from ftorm.schema.load import load_schema
from ftorm.schema.types import Schema

__all__ = ["standard_documents", "standard_schema"]

_TOKEN: Final = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?::(?P<kind>subid|uid|str|bool|int|num|var|obj|date|json|fk|ifk|[>*%][A-Za-z]+))?"
    r"(?:@(?P<alias>[A-Za-z_][A-Za-z0-9_]*))?"
    r"(?P<flags>[!^~#]*)"
)

_SCALARS: Final = {
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "num": {"type": "number"},
    "var": {"type": "variable"},
    "obj": {"type": "object"},
    "date": {"type": "string", "format": "date-time"},
    "json": {"type": "string", "format": "json"},
    "fk": {"type": "string", "format": "foreign_key"},
    "ifk": {"type": "integer", "format": "foreign_key"},
    "uid": {"type": "string", "default": "{uid}"},
    "subid": {"type": "string", "default": "{uid}", "format": "foreign_key"},
}


def _fragment(kind: str) -> dict[str, Any]:
    if kind in _SCALARS:
        return dict(_SCALARS[kind])
    target = kind[1:]
    if kind[0] == ">":
        return {"$ref": target}
    if kind[0] == "*":
        return {"type": "array", "items": {"$ref": target}}
    return {
        "type": "mapped_array",
        "items": {"$ref": target},
        "key_value_attributes": {"key": "key", "value": "value"},
    }


def _expand(spec: Spec) -> dict[str, Any]:
    properties: dict[str, dict[str, Any]] = {}
    required: list[str] = list(spec.primary_key)
    immutable: list[str] = list(spec.primary_key)
    computed: list[str] = []
    for token in spec.attributes.split():
        match = _TOKEN.fullmatch(token)
        if match is None:
            msg = f"standard schema {spec.id}: bad attribute token {token!r}"
            raise SchemaError(msg)
        name, kind, alias, flags = match.group("name", "kind", "alias", "flags")
        if kind is not None:
            if name in properties:
                msg = f"standard schema {spec.id}: {name!r} declared twice"
                raise SchemaError(msg)
            fragment = _fragment(kind)
            if alias is not None:
                fragment["alias_for"] = alias
            properties[name] = fragment
        elif name not in properties:
            msg = f"standard schema {spec.id}: flags for undeclared {name!r}"
            raise SchemaError(msg)
        for flag, names in (("!", required), ("^", immutable), ("~", computed)):
            if flag in flags and name not in names:
                names.append(name)
        if "#" in flags:
            properties[name]["restricted_projection"] = True
    for name, value in spec.defaults.items():
        if name not in properties:
            msg = f"standard schema {spec.id}: default for undeclared {name!r}"
            raise SchemaError(msg)
        properties[name]["default"] = value
    for name, values in spec.enums.items():
        properties[name]["enum"] = list(values)
    for name in spec.transforms:
        properties[name]["transform"] = {"client": "{schema_id}", "server": "{table_name}"}
    document: dict[str, Any] = {
        "id": spec.id,
        "type": "object",
        "properties": properties,
        "primary_key": list(spec.primary_key),
        "required": required,
        "immutable": immutable,
        "computed": computed,
        "default_projections": list(
            spec.default_projections if spec.default_projections is not None else spec.primary_key
        ),
    }
    if spec.system_projections:
        document["system_projections"] = list(spec.system_projections)
    if spec.alias_for is not None:
        document["alias_for"] = copy.deepcopy(spec.alias_for)
    return document


@functools.lru_cache(maxsize=1)
def _documents() -> tuple[dict[str, Any], ...]:
    return tuple(_expand(spec) for spec in sorted(SPECS, key=lambda s: s.id))


def standard_documents() -> list[dict[str, Any]]:
    """The standard schema as a ``query_schemas`` result: a list of schema objects by id.

    Each call returns a fresh deep copy, safe to change.
    """
    return copy.deepcopy(list(_documents()))


@functools.lru_cache(maxsize=1)
def standard_schema() -> Schema:
    """The standard schema, loaded (built once, then cached)."""
    return load_schema(standard_documents())
