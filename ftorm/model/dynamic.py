"""Model classes built at runtime from a loaded schema.

A session connected to a server whose types have no generated class calls `build_models`
with the served schema: every entity type gets a class (reusing the ``existing`` ones, e.g.
``ftorm.models``), bases follow `ftorm.schema.hierarchy.base_of`, and each class lives in a
fresh `Registry`, so string targets resolve among the built set without touching the default
registry. Dynamic classes work exactly like declared ones at runtime; they just have no
static types. Each field is what `ftorm.schema.translate.model_fields` decides, the same
decisions `ftorm generate` writes as source, so a class built here and the generated class of
the same schema have the same fields, defaults, flags, Python names and backrefs. A type whose
entities carry custom attributes gets the open ``custom`` namespace (any configured key, its
value typed at run time from the session's configurations).
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

from ftorm.model.base import Model
from ftorm.model.custom.columns import COLLECTION
from ftorm.model.custom.namespace import CustomAttributes, CustomNamespace, declared_namespace
from ftorm.model.fields import MISSING, Attr, Field, Many, Ref, new_id
from ftorm.model.registry import Registry
from ftorm.schema.hierarchy import ancestors, base_of
from ftorm.schema.naming import python_name
from ftorm.schema.translate import FieldSpec, model_fields
from ftorm.schema.types import NO_DEFAULT, Schema

__all__ = ["build_models", "python_name"]


def _field(spec: FieldSpec) -> Field[Any]:
    """The field object a generated class declares for ``spec``."""
    default = MISSING if spec.default is NO_DEFAULT else spec.default
    if spec.kind == "ref":
        return Ref(spec.target, default=default, name=spec.key, immutable=spec.immutable)
    if spec.kind == "many":
        return Many(spec.target, backref=spec.backref, key_value=spec.key_value, name=spec.key)
    return Attr(
        primary_key=spec.primary_key,
        default=default,
        factory=new_id if spec.new_id else None,
        name=spec.key,
        immutable=spec.immutable,
        computed=spec.computed,
        py_type=spec.py_type,
    )


def _build(
    type_id: str, fields: Mapping[str, FieldSpec], base: type[Model], registry: Registry
) -> type[Model]:
    namespace: dict[str, Any] = {}
    for key, spec in fields.items():
        # A base from ``existing`` names its own fields; an override keeps that name.
        name = base.__ftorm_keys__.get(key, spec.python_name)
        namespace[name] = _field(spec)

    if COLLECTION in fields and declared_namespace(base) is None:
        namespace["custom"] = CustomNamespace(CustomAttributes)  # open: any configured key

    def body(ns: dict[str, Any]) -> None:
        ns.update(namespace)
        ns["__module__"] = __name__
        ns["__doc__"] = f"ftrack ``{type_id}`` (built at runtime from the schema)."

    return types.new_class(type_id, (base,), {"entity": type_id, "registry": registry}, body)


def build_models(
    schema: Schema,
    *,
    existing: Mapping[str, type[Model]] | None = None,
    registry: Registry | None = None,
) -> dict[str, type[Model]]:
    """A model class for every entity type of ``schema``, by entity name.

    ``existing`` classes (generated or hand-written) are used as they are, and as bases of the
    types built here. The built classes register in ``registry`` (a fresh one by default),
    where ``existing`` classes are listed too, so string targets resolve among the whole set.
    The result is sorted by name.

    Raises:
        SchemaError: for a property that cannot be a model field (see
            `ftorm.schema.translate.model_fields`).
    """
    if registry is None:
        registry = Registry("dynamic")
    classes: dict[str, type[Model]] = {}
    for name, cls in (existing or {}).items():
        registry.register(name, cls)
        classes[name] = cls
    declared = model_fields(schema)
    for type_id in sorted(schema.types, key=lambda t: (len(ancestors(schema, t)), t)):
        if type_id in classes:
            continue
        base_id = base_of(schema, type_id)
        base = classes[base_id] if base_id is not None else Model
        fields = dict(declared[type_id])
        # Fields of the schema's base that an ``existing`` base class does not have.
        for key, spec in _inherited(declared, schema, base_id).items():
            if key not in base.__ftorm_keys__ and key not in fields:
                fields[key] = spec
        classes[type_id] = _build(type_id, fields, base, registry)
    return {name: classes[name] for name in sorted(classes) if name in schema.types}


def _inherited(
    declared: Mapping[str, Mapping[str, FieldSpec]], schema: Schema, type_id: str | None
) -> dict[str, FieldSpec]:
    """Every field the class of ``type_id`` declares or inherits, by server name."""
    if type_id is None:
        return {}
    return {**_inherited(declared, schema, base_of(schema, type_id)), **declared[type_id]}
