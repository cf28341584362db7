"""Generate a typed model module (`ftorm.model` classes) from a `Schema`.

The output is deterministic: classes come base first, each family under its root, roots and
siblings by name; attributes by name; the header names the schema hash and the ftorm version.
Nothing here imports `ftorm.model`: the module is text, checked by ruff and mypy in the tests.

What each property becomes (``T`` is the Python type: ``str``, ``int``, ``float``, ``bool``,
``arrow.Arrow`` for date-times, ``Any`` for ``variable``/``object``, ``Literal[...]`` for enums):

- a ``{uid}`` key: ``Attr[str] = attr(primary_key=True, factory=new_id)``;
- another key: ``Attr[T] = attr(primary_key=True)`` (required when creating), or with its
  literal ``default=``;
- a scalar with a literal default: ``Attr[T] = attr(default=<literal>)``;
- any other scalar: ``Attr[T | None] = attr(default=None)``. Attributes the schema lists as
  required but gives no default are optional too: the server derives most of them
  (``context_type``, ``object_type_id``, ``status_id`` ...) and answers a clear error for the rest;
- a reference: ``Ref[Target | None] = ref("Target", default=None)``;
- a collection: ``Many[Target] = many("Target")`` with ``backref=`` where the reverse attribute
  is known; a key/value collection adds ``key_value=("key", "value")``.

``immutable=True`` and ``computed=True`` mirror the schema's lists on scalars (primary keys are
immutable by definition and do not repeat it); a reference that is immutable or computed gets
``immutable=True``; collections carry neither (they change through their items).

A Python keyword, or a name the model API owns (`RESERVED_NAMES`), gets a trailing underscore
and ``name="<server name>"``. Properties marked ``restricted_projection`` cannot be selected
from a server and are left out, as the official client leaves them out. A subclass declares
only what differs from its base, with the base's annotation so the override type-checks.
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Iterator
from typing import Any, Final

import attrs

from ftorm.errors import SchemaError
from ftorm.schema import naming
from ftorm.schema.hierarchy import base_of
from ftorm.schema.naming import KNOWN_BACKREFS, RESERVED_NAMES
from ftorm.schema.types import NO_DEFAULT, PYTHON_TYPES, EntityType, Kind, Property, Schema

__all__ = ["KNOWN_BACKREFS", "RESERVED_NAMES", "generate_module"]


_LITERAL_TYPES: Final = {"str": (str,), "bool": (bool,), "int": (int,), "float": (int, float)}
_MODEL_NAMES: Final = ("UNSET", "Attr", "Many", "Model", "Ref", "attr", "many", "new_id", "ref")
_LINE_LENGTH: Final = 100
# Names the module itself binds or uses in annotations; a class may not take them and a field
# named like one would shadow it inside the class body.
_MODULE_NAMES: Final = frozenset(
    {*_MODEL_NAMES, "Any", "Literal", "arrow", "annotations", "str", "int", "float", "bool"}
)


@attrs.frozen
class _Field:
    """One generated class attribute."""

    python_name: str
    annotation: str
    arguments: tuple[str, tuple[str, ...]]  # (attr | ref | many, its arguments)
    meaning: tuple[Any, ...]  # what must match for a subclass to inherit the declaration
    needs: frozenset[str] = frozenset()  # module-level names the declaration uses
    comment: str = ""  # a trailing pragma


def _string(value: str) -> str:
    """A string literal quoted the way ``ruff format`` leaves it."""
    if '"' in value and "'" not in value:
        return repr(value)
    return json.dumps(value)


def _py_literal(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    raise SchemaError(f"cannot write default {value!r} as a Python literal")


def _value_type(prop: Property, where: str) -> str:
    if prop.kind is Kind.DATETIME:
        return "arrow.Arrow"
    if prop.enum:
        return "Literal[" + ", ".join(_py_literal(v) for v in prop.enum) + "]"
    try:
        return PYTHON_TYPES[prop.type or "string"]
    except KeyError:
        raise SchemaError(f"{where}: no Python type for {prop.type!r}") from None


def _python_name(name: str, taken: set[str], where: str) -> str:
    if not name.isidentifier():
        raise SchemaError(f"{where}: {name!r} is not a valid Python name")
    return naming.python_name(name, taken)


def _scalar(prop: Property, python_name: str, where: str) -> _Field:
    value_type = _value_type(prop, where)
    arguments: list[str] = []
    default = prop.default
    if prop.primary_key:
        arguments.append("primary_key=True")
    if prop.generates_id:
        annotation = "str"
        arguments.append("factory=new_id")
    elif default is NO_DEFAULT or default is None:
        annotation = value_type if prop.primary_key else _optional(value_type)
        if not prop.primary_key:
            arguments.append("default=None")
    else:
        accepted = _LITERAL_TYPES.get(value_type)
        if accepted is not None and not (
            isinstance(default, accepted) and (value_type == "bool") == isinstance(default, bool)
        ):
            raise SchemaError(f"{where}: default {default!r} is not a {prop.type}")
        if prop.enum and default not in prop.enum:
            raise SchemaError(f"{where}: default {default!r} is not one of {list(prop.enum)}")
        annotation = value_type
        arguments.append(f"default={_py_literal(default)}")
    needs = {n for n in ("Any", "Literal") if n in value_type}
    if value_type == "arrow.Arrow":
        needs.add("arrow")
    if prop.generates_id:
        needs.add("new_id")
    return _finish(prop, python_name, f"Attr[{annotation}]", "attr", arguments, needs)


def _optional(value_type: str) -> str:
    return value_type if value_type == "Any" else f"{value_type} | None"


def _finish(
    prop: Property,
    python_name: str,
    annotation: str,
    function: str,
    arguments: list[str],
    needs: set[str] | None = None,
) -> _Field:
    if function == "attr":
        if prop.immutable and not prop.primary_key:
            arguments.append("immutable=True")
        if prop.computed:
            arguments.append("computed=True")
    elif function == "ref" and (prop.immutable or prop.computed):
        arguments.append("immutable=True")  # ref() has no computed=: read-only either way
    if python_name != prop.name:
        arguments.append(f"name={_string(prop.name)}")
    meaning = (
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
    return _Field(
        python_name, annotation, (function, tuple(arguments)), meaning, frozenset(needs or ())
    )


def _relation(schema: Schema, entity: EntityType, prop: Property, python_name: str) -> _Field:
    target = prop.target or ""
    if prop.kind is Kind.REFERENCE:
        return _finish(
            prop, python_name, f"Ref[{target} | None]", "ref", [_string(target), "default=None"]
        )
    arguments = [_string(target)]
    backref = _backref(schema, entity.id, prop)
    if backref is not None:
        arguments.append(f"backref={_string(backref)}")
    if prop.kind is Kind.MAPPED:
        key, value = prop.key_value or ("key", "value")
        arguments.append(f"key_value=({_string(key)}, {_string(value)})")
    return _finish(prop, python_name, f"Many[{target}]", "many", arguments)


def _backref(schema: Schema, type_id: str, prop: Property) -> str | None:
    reverse = naming.backref_of(schema, type_id, prop)
    return None if reverse is None else naming.python_name(reverse, _MODULE_NAMES)


def _fields(schema: Schema, entity: EntityType) -> dict[str, _Field]:
    """Every attribute of ``entity`` as it would be declared on its own class, by server name."""
    fields: dict[str, _Field] = {}
    taken: set[str] = set(_MODULE_NAMES) | set(schema.types)
    for name in sorted(entity.properties):
        prop = entity.properties[name]
        if prop.restricted_projection:
            continue
        where = f"{entity.id}.{name}"
        python_name = _python_name(name, taken, where)
        taken.add(python_name)
        if prop.is_relation:
            fields[name] = _relation(schema, entity, prop, python_name)
        else:
            fields[name] = _scalar(prop, python_name, where)
    return fields


def _class_order(schema: Schema) -> Iterator[str]:
    children: dict[str | None, list[str]] = {}
    for type_id in sorted(schema.types):
        children.setdefault(base_of(schema, type_id), []).append(type_id)

    def walk(parent: str | None) -> Iterator[str]:
        for type_id in children.get(parent, []):
            yield type_id
            yield from walk(type_id)

    return walk(None)


def _class_source(
    schema: Schema, type_id: str, declared: dict[str, dict[str, _Field]]
) -> tuple[str, set[str]]:
    """The class statement of ``type_id`` and the module names its body uses."""
    entity = schema.types[type_id]
    base = base_of(schema, type_id)
    inherited = declared[base] if base is not None else {}
    visible = dict(inherited)
    lines = [
        f"class {type_id}({base or 'Model'}, entity={_string(type_id)}):",
        *_doc(entity),
    ]
    used: set[str] = set()
    body: list[str] = []
    for name, field in _fields(schema, entity).items():
        before = inherited.get(name)
        if before is not None:
            if before.meaning == field.meaning:
                continue
            # Keep the base's annotation (Attr is invariant) and the base's Python name.
            field = _redeclare(field, before, name)
        visible[name] = field
        used |= field.needs
        lines_of_field = _wrap(f"    {field.python_name}: {field.annotation} = ", field.arguments)
        lines_of_field[-1] += field.comment
        body.extend(lines_of_field)
    declared[type_id] = visible
    if body:
        lines.append("")
        lines.extend(body)
    return "\n".join(lines), used


def _redeclare(field: _Field, before: _Field, name: str) -> _Field:
    arguments = [a for a in field.arguments[1] if not a.startswith("name=")]
    if before.python_name != name:
        arguments.append(f"name={_string(name)}")
    if field.arguments[0] != before.arguments[0]:
        # A scalar on the base became a relation (or the reverse): not a compatible override.
        return attrs.evolve(
            field,
            python_name=before.python_name,
            arguments=(field.arguments[0], tuple(arguments)),
            comment="  # type: ignore[assignment]",
        )
    return attrs.evolve(
        field,
        python_name=before.python_name,
        annotation=before.annotation,
        arguments=(field.arguments[0], tuple(arguments)),
        needs=field.needs | before.needs,
    )


def _wrap(prefix: str, call: tuple[str, tuple[str, ...]]) -> list[str]:
    """Lay a call out the way ``ruff format`` does at line length 100 (pragmas not counted)."""
    function, arguments = call
    flat = f"{prefix}{function}({', '.join(arguments)})"
    if len(flat) <= _LINE_LENGTH:
        return [flat]
    inner = "        " + ", ".join(arguments)
    if len(inner) <= _LINE_LENGTH:
        return [f"{prefix}{function}(", inner, "    )"]
    return [f"{prefix}{function}(", *(f"        {a}," for a in arguments), "    )"]


def _doc(entity: EntityType) -> list[str]:
    """The class docstring: the entity type, its server-side name and a composite key."""
    title = f"ftrack ``{entity.id}``"
    if entity.alias_id and entity.alias_id != entity.id:
        title += f" (stored as ``{entity.alias_id}``)"
    if entity.primary_key == ("id",):
        return [f'    """{title}."""']
    keys = ", ".join(f"``{key}``" for key in entity.primary_key)
    return [f'    """{title}.', "", f"    Keyed by {keys}.", '    """']


def _check_type_ids(schema: Schema) -> None:
    for type_id in schema.types:
        if not type_id.isidentifier() or keyword.iskeyword(type_id):
            raise SchemaError(f"entity type {type_id!r} is not a valid Python class name")
        if type_id in _MODULE_NAMES:
            raise SchemaError(f"entity type {type_id!r} clashes with a name the module imports")


def generate_module(schema: Schema, *, version: str) -> str:
    """Python source of a model module declaring one class per entity type of ``schema``.

    ``version`` is the ftorm version written in the header. Raises `SchemaError` for a schema
    that cannot be written as Python (a type id that is not a class name, a default that is not
    a literal of the property's type).
    """
    _check_type_ids(schema)
    declared: dict[str, dict[str, _Field]] = {}
    classes: list[str] = []
    used: set[str] = set()
    for type_id in _class_order(schema):
        source, needs = _class_source(schema, type_id, declared)
        classes.append(source)
        used |= needs
    typing_names = sorted(name for name in ("Any", "Literal") if name in used)
    model_names = [
        name
        for name in _MODEL_NAMES
        if name in {"Attr", "Many", "Model", "Ref", "attr", "many", "ref"} or name in used
    ]
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
    if typing_names:
        lines += [f"from typing import {', '.join(typing_names)}", ""]
    if "arrow" in used:
        lines += ["import arrow", ""]
    lines += [f"from ftorm.model import {', '.join(model_names)}", "", "__all__ = ["]
    lines += [f"    {_string(type_id)}," for type_id in sorted(schema.types)]
    lines.append("]")
    return "\n".join(lines) + "\n\n\n" + "\n\n\n".join(classes) + "\n"
