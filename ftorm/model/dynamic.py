"""Model classes built at runtime from a loaded schema.

A session connected to a server whose types have no generated class calls `build_models`
with the served schema: every entity type gets a class (reusing the ``existing`` ones, e.g.
``ftorm.models``), bases follow `ftorm.schema.hierarchy.base_of`, and each class lives in a
fresh `Registry`, so string targets resolve among the built set without touching the default
registry. Dynamic classes work exactly like declared ones at runtime; they just have no
static types. Collections get a ``backref`` where ftorm knows the reverse reference
(`ftorm.schema.naming.KNOWN_BACKREFS`, the table generated models use too), so both sides of
``parent``/``children`` and the like stay in sync.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, Literal

import arrow

from ftorm.model.base import Model
from ftorm.model.fields import MISSING, UNSET, Attr, Field, Many, Ref, new_id
from ftorm.model.registry import Registry
from ftorm.schema.hierarchy import ancestors, base_of
from ftorm.schema.naming import backref_of, python_name
from ftorm.schema.types import NO_DEFAULT, EntityType, Kind, Property, Schema

__all__ = ["build_models", "python_name"]

_SCALARS: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "Any": Any,
}


def _value_type(prop: Property) -> Any:
    if prop.kind is Kind.DATETIME:
        base: Any = arrow.Arrow
    elif prop.enum:
        base = Literal[tuple(prop.enum)]
    else:
        base = _SCALARS.get(prop.python_type, Any)
    if base is Any or prop.primary_key:
        return base
    return base | None


def _default(prop: Property) -> tuple[Any, Callable[[], Any] | None]:
    if prop.generates_id:
        return MISSING, new_id
    if prop.default is NO_DEFAULT or prop.kind is Kind.DATETIME:
        return UNSET, None
    if isinstance(prop.default, str | int | float | bool) or prop.default is None:
        return prop.default, None
    return UNSET, None


def _backref(schema: Schema, type_id: str, prop: Property) -> str | None:
    reverse = backref_of(schema, type_id, prop)
    return None if reverse is None else python_name(reverse)


def _field(schema: Schema, entity: EntityType, prop: Property) -> Field[Any]:
    key = prop.name
    immutable = prop.immutable or key in entity.immutable
    computed = prop.computed or key in entity.computed
    if prop.kind is Kind.REFERENCE:
        return Ref(prop.target, default=UNSET, name=key, immutable=immutable)
    if prop.kind in (Kind.COLLECTION, Kind.MAPPED):
        backref = _backref(schema, entity.id, prop) if prop.kind is Kind.COLLECTION else None
        return Many(prop.target, backref=backref, key_value=prop.key_value, name=key)
    default, factory = _default(prop)
    return Attr(
        primary_key=prop.primary_key or key in entity.primary_key,
        default=default,
        factory=factory,
        name=key,
        immutable=immutable,
        computed=computed,
        py_type=_value_type(prop),
    )


def _build(
    schema: Schema, entity: EntityType, base: type[Model], registry: Registry
) -> type[Model]:
    inherited = {field.key for field in base.__ftorm_fields__.values()}
    namespace: dict[str, Any] = {}
    keys = [k for k in entity.primary_key if k in entity.properties]
    keys += sorted(k for k in entity.properties if k not in keys)
    for key in keys:
        if key in inherited:
            continue
        namespace[python_name(key)] = _field(schema, entity, entity.properties[key])

    def body(ns: dict[str, Any]) -> None:
        ns.update(namespace)
        ns["__module__"] = __name__
        ns["__doc__"] = f"ftrack ``{entity.id}`` (built at runtime from the schema)."

    cls = types.new_class(entity.id, (base,), {"entity": entity.id, "registry": registry}, body)
    return cls


def build_models(
    schema: Schema, *, existing: Mapping[str, type[Model]] | None = None
) -> dict[str, type[Model]]:
    """A model class for every entity type of ``schema``, by entity name.

    ``existing`` classes (generated or hand-written) are used as they are, and as bases of the
    types built here. The result is sorted by name.
    """
    registry = Registry("dynamic")
    classes: dict[str, type[Model]] = {}
    for name, cls in (existing or {}).items():
        registry.register(name, cls)
        classes[name] = cls
    for type_id in sorted(schema.types, key=lambda t: (len(ancestors(schema, t)), t)):
        if type_id in classes:
            continue
        base_id = base_of(schema, type_id)
        base = classes[base_id] if base_id is not None else Model
        classes[type_id] = _build(schema, schema.types[type_id], base, registry)
    return {name: classes[name] for name in sorted(classes) if name in schema.types}
