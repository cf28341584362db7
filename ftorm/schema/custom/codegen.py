"""The custom attribute part of a generated model module (`ftorm.schema.codegen`).

Every model whose entities carry custom attributes gets a ``custom`` attribute. Generated from
configurations, each such type ``T`` gets a namespace class ``TCustom`` deriving from its base
type's namespace, declaring the configurations that apply to ``T`` and not to its base, typed
from each configuration (`ftorm.schema.custom.configurations.value_annotation`); the namespaces are
*closed* (an unknown key raises). Without configurations, each family root gets the open
`ftorm.model.custom.CustomAttributes` namespace (any key, untyped).
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence

import attrs

from ftorm.errors import SchemaError
from ftorm.schema.custom.configurations import Configuration, applies_to, value_annotation
from ftorm.schema.custom.rules import VALUE_SUFFIX
from ftorm.schema.hierarchy import base_of
from ftorm.schema.naming import source_name
from ftorm.schema.translate import doc_text, py_literal
from ftorm.schema.types import Schema

__all__ = ["BASE_NAMESPACE", "CustomPart", "carries_custom_attributes", "custom_part"]

BASE_NAMESPACE = "CustomAttributes"
"""The open namespace class every generated namespace derives from."""

_TAKEN = frozenset(
    {
        # the namespace's own API, and names the module's annotations and calls use
        "column",
        "inherited",
        "source",
        "CustomAttr",
        "CustomAttributes",
        "custom_attr",
        "custom_namespace",
        "Any",
        "arrow",
        "bool",
        "float",
        "int",
        "list",
        "str",
    }
)
"""Names a generated attribute never takes (a key with one gets a trailing underscore)."""


def carries_custom_attributes(schema: Schema, type_id: str) -> bool:
    """Whether entities of ``type_id`` have a ``custom_attributes`` collection of values."""
    prop = schema.types[type_id].properties.get("custom_attributes")
    return prop is not None and (prop.target or "").endswith(VALUE_SUFFIX)


@attrs.frozen
class CustomPart:
    """What the custom attributes add to one model class."""

    namespace_source: str | None
    """The namespace class statement to write before the model class (None: inherited or
    the open base)."""
    attribute: str | None
    """The ``custom = custom_namespace(...)`` line of the model class (None: inherited)."""
    needs: frozenset[str]
    """Module-level names the generated text uses (``Any``, ``arrow`` ...)."""


def _identifier(key: str) -> str:
    """``key`` as a Python identifier that Python reads as itself: NFKC-normalised (as the
    tokenizer normalises names: ``x²`` is ``x2``), characters no name may hold replaced by
    ``_``, ``attr_`` before a name that cannot start so; ASCII-only when that still fails."""
    text = source_name(key)
    name = "".join(c if f"a{c}".isidentifier() else "_" for c in text)
    if not name or not name[0].isidentifier() or name.startswith("_"):
        name = f"attr_{name}"
    if not name.isidentifier() or source_name(name) != name:
        name = "attr_" + "".join(c if c.isascii() and c.isalnum() else "_" for c in text)
    return name


def _python_name(key: str, taken: set[str]) -> str:
    name = _identifier(key)
    while keyword.iskeyword(name) or name in taken or name in _TAKEN:
        name += "_"
    if not name.isidentifier():  # unreachable by construction; refuse rather than write it
        msg = f"custom attribute key {key!r} cannot be a Python name"
        raise SchemaError(msg)
    return name


def namespace_name(schema: Schema, type_id: str) -> str:
    """``ShotCustom``, with trailing underscores if an entity type has that name."""
    name = f"{type_id}Custom"
    while name in schema.types:
        name += "_"
    return name


def _declaration(
    configuration: Configuration,
    name: str,
    wrap: Callable[[str, str, list[str]], list[str]],
) -> tuple[list[str], set[str]]:
    value = value_annotation(configuration)
    annotation = "Any" if value == "Any" else f"{value} | None"
    needs = {n for n in ("Any", "arrow") if n in annotation}
    arguments = [py_literal(configuration.key), py_literal(configuration.kind)]
    if configuration.kind == "number" and configuration.decimal:
        arguments.append("decimal=True")
    default = configuration.default
    if isinstance(default, str | int | float | bool) and default != "":
        arguments.append(f"default={py_literal(default)}")
    elif isinstance(default, list) and all(isinstance(item, str) for item in default):
        arguments.append(f"default=[{', '.join(py_literal(item) for item in default)}]")
    lines = wrap(f"    {name}: CustomAttr[{annotation}] = ", "custom_attr", arguments)
    doc = f"``{doc_text(configuration.key)}``: {doc_text(configuration.kind)}"
    if configuration.kind == "number":
        doc += " (decimal)" if configuration.decimal else " (integer)"
    if configuration.is_hierarchical:
        doc += ", hierarchical"
    if configuration.label:
        doc += f', "{doc_text(configuration.label)}"'
    lines.append(f'    """{doc}."""')
    return lines, needs


def custom_part(
    schema: Schema,
    type_id: str,
    configurations: Sequence[Configuration] | None,
    wrap: Callable[[str, str, list[str]], list[str]],
) -> CustomPart:
    """The namespace class and ``custom`` line for ``type_id`` (``wrap`` lays out a call)."""
    if not carries_custom_attributes(schema, type_id):
        return CustomPart(None, None, frozenset())
    base = base_of(schema, type_id)
    base_carries = base is not None and carries_custom_attributes(schema, base)
    if configurations is None:
        if base_carries:
            return CustomPart(None, None, frozenset())
        return CustomPart(None, f"custom = custom_namespace({BASE_NAMESPACE})", frozenset())
    name = namespace_name(schema, type_id)
    parent = namespace_name(schema, base) if base is not None and base_carries else None
    inherited = (
        {c.id for c in configurations if applies_to(c, schema, base)}
        if base is not None and base_carries
        else set()
    )
    header = (
        f"class {name}({parent}):" if parent else f"class {name}({BASE_NAMESPACE}, closed=True):"
    )
    lines = [header, f'    """Custom attributes of ``{type_id}``."""']
    needs: set[str] = set()
    seen_keys: set[str] = set()
    taken: set[str] = set()
    for configuration in configurations:
        if configuration.id in inherited:
            seen_keys.add(configuration.key)
            taken.add(_python_name(configuration.key, set()))
    # Keys that are Python names first, so that ``x_y`` keeps its name beside an ``x-y``.
    for configuration in sorted(
        configurations, key=lambda c: (not source_name(c.key).isidentifier(), c.key, c.id)
    ):
        if configuration.id in inherited or configuration.key in seen_keys:
            continue
        if not applies_to(configuration, schema, type_id):
            continue
        seen_keys.add(configuration.key)
        attribute = _python_name(configuration.key, taken)
        taken.add(attribute)
        declaration, used = _declaration(configuration, attribute, wrap)
        lines += ["", *declaration]
        needs |= used
    return CustomPart("\n".join(lines), f"custom = custom_namespace({name})", frozenset(needs))
