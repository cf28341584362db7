"""What each schema property becomes on a model class: the one translator.

`model_fields` decides, for every entity type of a `Schema`, the fields its class declares,
as `FieldSpec` values. `ftorm.schema.codegen` writes them as source text and
`ftorm.model.dynamic` builds them as field objects at runtime, so a generated class and a class
built from the same schema are the same class field by field.

What a property becomes (``T`` is the Python type: ``str``, ``int``, ``float``, ``bool``,
``arrow.Arrow`` for date-times, ``Any`` for ``variable``/``object``, ``Literal[...]`` for enums):

- a ``{uid}`` key: ``Attr[str]``, a fresh id from ``new_id`` when creating;
- another key: ``Attr[T]``, required when creating (ftrack needs every key of a new entity),
  or its literal default;
- a scalar with a literal default: ``Attr[T]`` with that default;
- any other scalar: ``Attr[T | None]`` defaulting to None. Attributes the schema lists as
  required but gives no default are optional too: the server derives most of them
  (``context_type``, ``object_type_id``, ``status_id`` ...) and answers a clear error for the rest;
- a reference: ``Ref[Target | None]`` defaulting to None;
- a collection: ``Many[Target]`` with a ``backref`` where the reverse reference is known
  (`ftorm.schema.naming.backref_of`); a key/value collection adds ``key_value``.

Scalars are immutable or computed as the schema lists them (primary keys are immutable by
definition); a reference that is immutable or computed is immutable; collections are neither
(they change through their items).

A Python keyword, a name the model API owns (`ftorm.schema.naming.RESERVED_NAMES`) or a name
the generated module binds gets a trailing underscore, the server name staying the field's key.
Properties marked ``restricted_projection`` cannot be selected from a server and are left out,
as the official client leaves them out. Keys come first, in the schema's key order (the order of
a composite key's values), then every other attribute by name. A subclass declares only what
differs from its base, keeping the base's Python name and annotation so the override
type-checks.
"""

from __future__ import annotations

import json
import keyword
import math
from collections.abc import Iterator, Mapping
from typing import Any, Final, Literal

import attrs

from ftorm.errors import SchemaError
from ftorm.schema import naming
from ftorm.schema.hierarchy import base_of
from ftorm.schema.types import NO_DEFAULT, PYTHON_TYPES, EntityType, Kind, Property, Schema

__all__ = [
    "MODEL_NAMES",
    "MODEL_PROPERTIES",
    "MODULE_NAMES",
    "REGISTRY_NAME",
    "SERVED_AS_ANY",
    "FieldKind",
    "FieldSpec",
    "check_type_ids",
    "doc_text",
    "model_fields",
    "py_literal",
]

FieldKind = Literal["attr", "ref", "many"]
"""Which field specifier declares a field: ``attr()``, ``ref()`` or ``many()``."""

MODEL_NAMES: Final = (
    "UNSET",
    "Attr",
    "CustomAttr",
    "CustomAttributes",
    "Many",
    "Model",
    "NoteHelpers",
    "NotesHelpers",
    "Ref",
    "Registry",
    "ThumbnailHelpers",
    "TimerHelpers",
    "VersionHelpers",
    "attr",
    "custom_attr",
    "custom_namespace",
    "many",
    "new_id",
    "ref",
)
"""The names a generated model module may import from `ftorm.model`, in import order."""

REGISTRY_NAME: Final = "REGISTRY"
"""The module-level name of a generated module's own `ftorm.model.registry.Registry`."""

MODULE_NAMES: Final = frozenset(
    {
        *MODEL_NAMES,
        REGISTRY_NAME,
        "Any",
        "Literal",
        "TYPE_CHECKING",
        "arrow",
        "annotations",
        "str",
        "int",
        "float",
        "bool",
    }
)
"""Names a model module binds or uses in annotations: a class may not take them, and a field
named like one would shadow it inside the class body, so fields named so are renamed."""

MODEL_PROPERTIES: Final = frozenset({"entity_type"})
"""Read-only properties of every model (``entity.entity_type``) that a field of the same name
takes over on its class (``CustomAttributeConfiguration.entity_type`` stays the attribute);
type checkers are told the override is deliberate."""

_LITERAL_TYPES: Final = {"str": (str,), "bool": (bool,), "int": (int,), "float": (int, float)}

_RUNTIME_TYPES: Final[dict[str, Any]] = {
    "str": str,
    "bool": bool,
    "int": int,
    "float": float,
    "Any": Any,
}
"""The runtime type of each annotation text `_value_type` writes (besides ``Literal`` and
``arrow.Arrow``, imported on first use)."""

SERVED_AS_ANY: Final = frozenset({"link", "_link"})
"""Properties ftrack's schema declares as ``string`` but serves as something else (``link``:
the list of ``{"id", "name", "type"}`` objects of an entity's ancestry, as ftrack_api reads
it): their values are typed ``Any``, so hydration takes what the server sends."""

DOC_TEXT_LIMIT: Final = 60
"""The most characters of one schema-derived string a generated docstring quotes."""


@attrs.frozen(slots=True)
class FieldSpec:
    """One field a model class declares, decided from one schema property."""

    key: str
    """The server-side attribute name."""
    python_name: str
    """The class attribute name (``from_`` for ``from``)."""
    kind: FieldKind
    """``attr``, ``ref`` or ``many``."""
    value_type: str
    """The Python type ``T`` of ``Attr[T]``/``Ref[T]``/``Many[T]``, as annotation text."""
    target: str | None = None
    """The related entity type of a reference or collection."""
    default: Any = NO_DEFAULT
    """The literal default (None included); `NO_DEFAULT` when the constructor requires it."""
    new_id: bool = False
    """True for a ``{uid}`` key: a fresh id from ``new_id`` when creating."""
    primary_key: bool = False
    """Part of the entity's key."""
    immutable: bool = False
    """May not change once set (declared only where it is not implied by ``primary_key``)."""
    computed: bool = False
    """Set by the server."""
    backref: str | None = None
    """The Python name of the reference on a collection's items that points back."""
    key_value: tuple[str, str] | None = None
    """``(key attribute, value attribute)`` of a key/value collection."""
    incompatible_override: bool = False
    """True when the declaration is not a type-compatible override: a subclass redeclares a
    base's field with another kind (attr/ref/many), or the field takes over one of
    `MODEL_PROPERTIES`."""
    meaning: tuple[Any, ...] = attrs.field(default=(), eq=False, repr=False)
    """What must match for a subclass to inherit its base's declaration."""
    py_type: Any = attrs.field(default=Any, eq=False, repr=False)
    """The runtime type ``value_type`` names (``str | None``, ``Literal["a", "b"]``), for
    classes built at run time: the translation carries types, no annotation text is evaluated."""

    @property
    def annotation(self) -> str:
        """The class annotation: ``Attr[str | None]``, ``Ref[Status | None]``, ``Many[Task]``."""
        return f"{self.kind.capitalize()}[{self.value_type}]"

    @property
    def required(self) -> bool:
        """True when the constructor must be given a value."""
        return self.kind != "many" and self.default is NO_DEFAULT and not self.new_id


def py_literal(value: Any) -> str:
    """``value`` as Python source, strings quoted the way ``ruff format`` leaves them.

    Every string, whatever it holds (quotes, backslashes, newlines, lone surrogates), becomes
    an escaped literal that reads back as the same string and runs nothing.

    Raises:
        SchemaError: for a value that is not a str, int, finite float, bool or None.
    """
    if isinstance(value, str):
        if '"' in value and "'" not in value and value.isprintable():
            return repr(value)
        return json.dumps(value)  # ASCII only: every other character escaped
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"cannot write {value!r} as a Python literal (not a finite number)"
        raise SchemaError(msg)
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    msg = f"cannot write {value!r} as a Python literal"
    raise SchemaError(msg)


def doc_text(text: str, limit: int = DOC_TEXT_LIMIT) -> str:
    """Schema-derived ``text`` made safe inside a one-line docstring of a generated module.

    Printable characters only, no double quote (it becomes ``'``) and no backslash (it
    becomes ``/``), whitespace collapsed, at most ``limit`` characters: nothing a schema holds
    can close the docstring, escape out of it or start a statement.
    """
    cleaned = "".join(c if c.isprintable() else " " for c in text)
    cleaned = " ".join(cleaned.replace("\\", "/").replace('"', "'").split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 3].rstrip() + "..."
    return cleaned


def check_type_ids(schema: Schema) -> None:
    """Refuse a schema whose type ids cannot be Python class names: each must be an
    identifier, no keyword, and read by Python as itself (NFKC-normalised, as the tokenizer
    reads identifiers: a full-width ``T`` in ``Thing`` would silently become ``T``).

    Raises:
        SchemaError: naming the first type id that cannot be a class name.
    """
    for type_id in schema.types:
        read_as = naming.source_name(type_id)
        if not type_id.isidentifier() or keyword.iskeyword(type_id):
            msg = f"entity type {type_id!r} is not a valid Python class name"
            raise SchemaError(msg)
        if read_as != type_id:
            msg = (
                f"entity type {type_id!r} is not a valid Python class name "
                f"(Python reads it as {read_as!r})"
            )
            raise SchemaError(msg)


def _value_type(prop: Property, where: str) -> tuple[str, Any]:
    """The annotation text of ``prop``'s values and the runtime type it names."""
    if prop.kind is Kind.DATETIME:
        import arrow  # the first date-time attribute: dates are about to be converted

        return "arrow.Arrow", arrow.Arrow
    if prop.name in SERVED_AS_ANY and prop.type == "string" and not prop.enum:
        return "Any", Any
    if prop.enum:
        try:
            text = "Literal[" + ", ".join(py_literal(v) for v in prop.enum) + "]"
        except SchemaError as error:
            msg = f"{where}: enum value {error}"
            raise SchemaError(msg) from None
        return text, Literal[prop.enum]
    try:
        text = PYTHON_TYPES[prop.type or "string"]
    except KeyError:
        msg = f"{where}: no Python type for {prop.type!r}"
        raise SchemaError(msg) from None
    return text, _RUNTIME_TYPES[text]


def _optional(value_type: str, py_type: Any) -> tuple[str, Any]:
    if value_type == "Any":
        return value_type, py_type
    return f"{value_type} | None", py_type | None


def _meaning(prop: Property) -> tuple[Any, ...]:
    return (
        prop.kind,
        prop.type,
        prop.format == "date-time",
        prop.target,
        prop.key_value,
        prop.enum,
        prop.default,
        prop.primary_key,
        prop.immutable,
        prop.computed,
    )


def _scalar(prop: Property, python_name: str, where: str) -> FieldSpec:
    value_type, py_type = _value_type(prop, where)
    default = prop.default
    if prop.generates_id:
        value_type, py_type, default = "str", str, NO_DEFAULT
    elif default is NO_DEFAULT or default is None:
        if prop.primary_key:
            default = NO_DEFAULT
        else:
            (value_type, py_type), default = _optional(value_type, py_type), None
    else:
        accepted = _LITERAL_TYPES.get(value_type)
        if accepted is not None and not (
            isinstance(default, accepted) and (value_type == "bool") == isinstance(default, bool)
        ):
            msg = f"{where}: default {default!r} is not a {prop.type}"
            raise SchemaError(msg)
        if prop.enum and default not in prop.enum:
            msg = f"{where}: default {default!r} is not one of {list(prop.enum)}"
            raise SchemaError(msg)
        try:
            py_literal(default)  # fails early for a default that is no literal
        except SchemaError as error:
            msg = f"{where}: default {error}"
            raise SchemaError(msg) from None
    return FieldSpec(
        key=prop.name,
        python_name=python_name,
        kind="attr",
        value_type=value_type,
        py_type=py_type,
        default=default,
        new_id=prop.generates_id,
        primary_key=prop.primary_key,
        immutable=prop.immutable and not prop.primary_key,
        computed=prop.computed,
        meaning=_meaning(prop),
    )


def _relation(schema: Schema, entity: EntityType, prop: Property, python_name: str) -> FieldSpec:
    target = prop.target or ""
    if prop.kind is Kind.REFERENCE:
        return FieldSpec(
            key=prop.name,
            python_name=python_name,
            kind="ref",
            value_type=f"{target} | None",
            target=target,
            default=None,
            immutable=prop.immutable or prop.computed,
            meaning=_meaning(prop),
        )
    reverse = naming.backref_of(schema, entity.id, prop)
    return FieldSpec(
        key=prop.name,
        python_name=python_name,
        kind="many",
        value_type=target,
        target=target,
        backref=None if reverse is None else naming.python_name(reverse, MODULE_NAMES),
        key_value=(prop.key_value or ("key", "value")) if prop.kind is Kind.MAPPED else None,
        meaning=_meaning(prop),
    )


def _field_order(entity: EntityType) -> list[str]:
    keys = [name for name in entity.primary_key if name in entity.properties]
    return keys + sorted(name for name in entity.properties if name not in keys)


def _own_fields(schema: Schema, entity: EntityType) -> dict[str, FieldSpec]:
    """Every attribute of ``entity`` as its own class would declare it, by server name."""
    fields: dict[str, FieldSpec] = {}
    taken: set[str] = set(MODULE_NAMES) | set(schema.types)
    for name in _field_order(entity):
        prop = entity.properties[name]
        if prop.restricted_projection:
            continue
        where = f"{entity.id}.{name}"
        if not naming.source_name(name).isidentifier():
            msg = f"{where}: {name!r} is not a valid Python name"
            raise SchemaError(msg)
        python_name = naming.python_name(name, taken)
        taken.add(python_name)
        if prop.is_relation:
            field = _relation(schema, entity, prop, python_name)
        else:
            field = _scalar(prop, python_name, where)
        if python_name in MODEL_PROPERTIES:
            field = attrs.evolve(field, incompatible_override=True)
        fields[name] = field
    return fields


def _redeclare(field: FieldSpec, before: FieldSpec) -> FieldSpec:
    if field.kind != before.kind:
        # A scalar on the base became a relation (or the reverse): not a compatible override.
        return attrs.evolve(field, python_name=before.python_name, incompatible_override=True)
    # Keep the base's annotation (Attr is invariant) and the base's Python name.
    return attrs.evolve(
        field,
        python_name=before.python_name,
        value_type=before.value_type,
        py_type=before.py_type,
    )


def _class_order(schema: Schema) -> Iterator[str]:
    """Every type id of ``schema``: base first, each family under its root, siblings by name."""
    children: dict[str | None, list[str]] = {}
    for type_id in sorted(schema.types):
        children.setdefault(base_of(schema, type_id), []).append(type_id)

    def walk(parent: str | None) -> Iterator[str]:
        for type_id in children.get(parent, []):
            yield type_id
            yield from walk(type_id)

    return walk(None)


def model_fields(schema: Schema) -> dict[str, dict[str, FieldSpec]]:
    """The fields each entity type's class declares, by type id and then by server name.

    Types come base first, each family under its root, siblings by name; a class's fields
    in declaration order. A field equal in meaning to the one its base declares (or
    inherits) is left out.

    Raises:
        SchemaError: for a property that cannot be a Python field (a name that is not an
            identifier, a default that is not a literal of the property's type, a type with
            no Python counterpart) or a type id that cannot be a class name (`check_type_ids`).
    """
    check_type_ids(schema)
    visible: dict[str, dict[str, FieldSpec]] = {}
    declared: dict[str, dict[str, FieldSpec]] = {}
    for type_id in _class_order(schema):
        base = base_of(schema, type_id)
        inherited: Mapping[str, FieldSpec] = visible[base] if base is not None else {}
        own: dict[str, FieldSpec] = {}
        for name, field in _own_fields(schema, schema.types[type_id]).items():
            before = inherited.get(name)
            if before is not None:
                if before.meaning == field.meaning:
                    continue
                field = _redeclare(field, before)
            own[name] = field
        visible[type_id] = {**inherited, **own}
        declared[type_id] = own
    return declared
