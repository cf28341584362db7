"""Generate a typed model module (`ftorm.model` classes) from a `Schema`.

The module is a self-contained set of models: it declares its own ``REGISTRY`` and its root
classes register there, so string targets resolve within the module, two generated modules
can be imported side by side, and ``Session(models=module)`` hydrates exactly its classes.

The output is deterministic: classes come base first, each family under its root, roots and
siblings by name; the header names the schema hash and the ftorm version. What each property
becomes (its annotation, default, flags and Python name) is decided by
`ftorm.schema.translate.model_fields`, the same translator `ftorm.model.dynamic` builds classes
with; this module only writes those decisions as text. Nothing here imports `ftorm.model`: the
module is text, checked by ruff and mypy in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ftorm.errors import SchemaError
from ftorm.schema.custom.codegen import BASE_NAMESPACE, custom_part
from ftorm.schema.custom.configurations import Configuration
from ftorm.schema.hierarchy import base_of
from ftorm.schema.naming import RESERVED_NAMES
from ftorm.schema.translate import (
    MODEL_NAMES,
    MODULE_NAMES,
    REGISTRY_NAME,
    FieldSpec,
    check_type_ids,
    doc_text,
    model_fields,
    py_literal,
)
from ftorm.schema.types import NO_DEFAULT, EntityType, Kind, Property, Schema

__all__ = ["RESERVED_NAMES", "generate_module"]


_ALWAYS_IMPORTED: Final = frozenset(
    {"Attr", "Many", "Model", "Ref", "Registry", "attr", "many", "ref"}
)
_LINE_LENGTH: Final = 88
"""ruff's default line length: output laid out for it is stable under any longer one too,
since every split call keeps a magic trailing comma."""


def _arguments(field: FieldSpec) -> list[str]:
    """The arguments of the field's ``attr(...)``/``ref(...)``/``many(...)`` call."""
    arguments: list[str] = []
    if field.kind == "attr":
        if field.primary_key:
            arguments.append("primary_key=True")
        if field.new_id:
            arguments.append("factory=new_id")
        elif field.default is not NO_DEFAULT:
            arguments.append(f"default={py_literal(field.default)}")
        if field.immutable:
            arguments.append("immutable=True")
        if field.computed:
            arguments.append("computed=True")
    elif field.kind == "ref":
        arguments += [py_literal(field.target), f"default={py_literal(field.default)}"]
        if field.immutable:
            arguments.append("immutable=True")  # ref() has no computed=: read-only either way
    else:
        arguments.append(py_literal(field.target))
        if field.backref is not None:
            arguments.append(f"backref={py_literal(field.backref)}")
        if field.key_value is not None:
            key, value = field.key_value
            arguments.append(f"key_value=({py_literal(key)}, {py_literal(value)})")
    if field.python_name != field.key:
        arguments.append(f"name={py_literal(field.key)}")
    return arguments


def _needs(field: FieldSpec) -> set[str]:
    """Module-level names the declaration uses."""
    if field.kind != "attr":
        return set()
    needs = {name for name in ("Any", "Literal", "arrow") if name in field.value_type}
    if field.new_id:
        needs.add("new_id")
    return needs


HELPERS_BY_TYPE: Final = {
    "Note": "NoteHelpers",
    "User": "TimerHelpers",
    "AssetVersion": "VersionHelpers",
}
"""Helper bases (`ftorm.model.helpers`) given to one entity type."""

HELPERS_BY_ATTRIBUTE: Final = (("notes", "NotesHelpers"), ("thumbnail_id", "ThumbnailHelpers"))
"""Helper bases given to every type with the attribute (and not to types whose base has it)."""


def helpers_of(schema: Schema, type_id: str) -> tuple[str, ...]:
    """The `ftorm.model.helpers` bases of ``type_id``'s class: ftrack_api's helper methods
    for that type, in a fixed order (the base class already gives what it has)."""
    entity = schema.types[type_id]
    base = base_of(schema, type_id)
    inherited = schema.types[base].properties if base is not None else {}
    found = [
        name
        for key, name in HELPERS_BY_ATTRIBUTE
        if key in entity.properties and key not in inherited
    ]
    if type_id in HELPERS_BY_TYPE:
        found.append(HELPERS_BY_TYPE[type_id])
    return tuple(found)


def _class_source(
    schema: Schema, type_id: str, fields: dict[str, FieldSpec], custom: str | None = None
) -> str:
    """The class statement of ``type_id``."""
    entity = schema.types[type_id]
    base = base_of(schema, type_id)
    arguments = [base or "Model", *helpers_of(schema, type_id), f"entity={py_literal(type_id)}"]
    if base is None:  # a root: it (and so its family) registers in the module's registry
        arguments.append(f"registry={REGISTRY_NAME}")
    header = _wrap(f"class {type_id}", "", arguments, indent="")
    header[-1] += ":"
    lines = [*header, *_doc(entity)]
    body: list[str] = []
    for field in fields.values():
        prefix = f"    {field.python_name}: {field.annotation} = "
        declaration = _wrap(prefix, field.kind, _arguments(field))
        if field.incompatible_override:
            declaration[-1] += "  # type: ignore[assignment]"
        body.extend(declaration)
        body.append(f'    """{_field_doc(entity.properties[field.key], field)}"""')
    if custom is not None:
        body += [f"    {custom}", '    """Its custom attributes: ``obj.custom.<key>``."""']
    if body:
        lines.append("")
        lines.extend(body)
    return "\n".join(lines)


def _wrap(prefix: str, function: str, arguments: list[str], *, indent: str = "    ") -> list[str]:
    """Lay a call (or a class header, with ``indent=""``) out as ``ruff format`` does (pragmas
    and the header's colon not counted): on one line when it fits, else one argument a line
    with a trailing comma, which ruff keeps at every line length."""
    flat = f"{prefix}{function}({', '.join(arguments)})"
    if len(flat) + (not indent) <= _LINE_LENGTH:
        return [flat]
    return [f"{prefix}{function}(", *(f"{indent}    {a}," for a in arguments), f"{indent})"]


def _field_doc(prop: Property, field: FieldSpec) -> str:
    """The attribute docstring: the ftrack type and, for a relation, its target. Every
    schema-derived part goes through `doc_text`."""
    target = doc_text(field.target or "")
    if prop.kind is Kind.REFERENCE:
        return f"ftrack reference to ``{target}``."
    if prop.kind is Kind.COLLECTION:
        return f"ftrack collection of ``{target}``."
    if prop.kind is Kind.MAPPED:
        return f"ftrack mapped collection of ``{target}``."
    text = f"ftrack ``{doc_text(prop.type or 'variable')}``"
    if prop.format:
        text += f" (format ``{doc_text(prop.format)}``)"
    return f"{text}."


def _doc(entity: EntityType) -> list[str]:
    """The class docstring: the entity type, its server-side name and a composite key."""
    title = f"ftrack ``{doc_text(entity.id)}``"
    if entity.alias_id and entity.alias_id != entity.id:
        title += f" (stored as ``{doc_text(entity.alias_id)}``)"
    if entity.primary_key == ("id",):
        return [f'    """{title}."""']
    keys = ", ".join(f"``{doc_text(key)}``" for key in entity.primary_key)
    return [f'    """{title}.', "", f"    Keyed by {keys}.", '    """']


def _check_type_ids(schema: Schema) -> None:
    check_type_ids(schema)
    for type_id in schema.types:
        if type_id in MODULE_NAMES:
            msg = f"entity type {type_id!r} clashes with a name the module imports"
            raise SchemaError(msg)


def generate_module(
    schema: Schema,
    *,
    version: str,
    custom_attributes: Sequence[Configuration] | None = None,
) -> str:
    """Python source of a model module declaring one class per entity type of ``schema``.

    ``version`` is the ftorm version written in the header. ``custom_attributes``: the
    server's configurations, written as typed namespaces (``shot.custom.fstart``); without
    them, ``custom`` is the open, untyped namespace. Raises `SchemaError` for a schema that
    cannot be written as Python (a type id that is not a class name, a default that is not a
    literal of the property's type).
    """
    _check_type_ids(schema)
    classes: list[str] = []
    used: set[str] = set()
    for type_id, fields in model_fields(schema).items():
        part = custom_part(schema, type_id, custom_attributes, _wrap)
        if part.namespace_source is not None:
            classes.append(part.namespace_source)
            used |= (
                {"CustomAttr", "custom_attr"} if "custom_attr(" in part.namespace_source else set()
            )
            used |= {BASE_NAMESPACE} if f"({BASE_NAMESPACE}," in part.namespace_source else set()
        if part.attribute is not None:
            used |= {"custom_namespace"}
            used |= {BASE_NAMESPACE} if f"({BASE_NAMESPACE})" in part.attribute else set()
        used |= part.needs
        used |= set(helpers_of(schema, type_id))
        classes.append(_class_source(schema, type_id, fields, part.attribute))
        for field in fields.values():
            used |= _needs(field)
    typing_names: list[str] = sorted(name for name in ("Any", "Literal") if name in used)
    model_names = [name for name in MODEL_NAMES if name in _ALWAYS_IMPORTED or name in used]
    lines = [
        '"""ftrack entity models, generated by ``ftorm generate``. Do not edit by hand.',
        "",
        f"Schema hash: {schema.hash} ({len(schema)} entity types).",
        f"Generated by ftorm {version}.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    # arrow is imported for checkers only (ftorm resolves ``arrow.Arrow`` in annotations
    # itself), so the import block has no third-party import beside ftorm's: it sorts the
    # same whether a project counts ftorm as first-party (ftorm itself) or third-party.
    if "arrow" in used:
        typing_names = ["TYPE_CHECKING", *typing_names]  # isort: constants first
    if typing_names:
        lines += [f"from typing import {', '.join(typing_names)}", ""]
    imports = f"from ftorm.model import {', '.join(model_names)}"
    if len(imports) > _LINE_LENGTH:
        imports = "from ftorm.model import (\n" + "".join(f"    {n},\n" for n in model_names) + ")"
    lines += [imports, ""]
    if "arrow" in used:
        lines += ["if TYPE_CHECKING:", "    import arrow", ""]
    lines += ["__all__ = ["]
    lines += [f"    {py_literal(type_id)}," for type_id in sorted(schema.types)]
    lines += [
        "]",
        "",
        f"{REGISTRY_NAME}: Registry = Registry(__name__)",
        '"""The set of models this module declares: ``Session(models=<module>)`` uses it."""',
    ]
    return "\n".join(lines) + "\n\n\n" + "\n\n\n".join(classes) + "\n"
