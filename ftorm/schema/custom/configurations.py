"""Custom attribute configurations as clients use them: a `Configuration` value, the Python
type of its values, the JSON dump ``ftorm generate --dump-custom-attributes`` writes, and
which entity types it applies to.

Which configurations apply to which entities, and how values are written, are ftrack's rules
kept in `ftorm.schema.custom.rules` (shared with the embedded server): this module only applies
them to schema types (`applies_to`). Used by the code generator (typed namespaces), the
session (resolving a key for a new entity) and ``ftorm generate`` (`dumps` / `loads`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from ftorm.errors import SchemaError
from ftorm.schema.custom.rules import TEXT_KINDS, VALUE_SUFFIX, applies, configuration_entity_type
from ftorm.schema.hierarchy import ancestors
from ftorm.schema.types import Schema

__all__ = [
    "CONFIGURATION_PROJECTIONS",
    "KINDS",
    "VALUE",
    "Configuration",
    "applies_to",
    "conflicts",
    "dumps",
    "from_record",
    "loads",
    "value_annotation",
]

VALUE: Final = "value"
"""The value types' attribute holding the value (beside ``key`` and the two ids)."""

KINDS: Final[Mapping[str, str]] = {
    "number": "float",
    "text": "str",
    "boolean": "bool",
    "date": "arrow.Arrow",
    "enumerator": "list[str]",
    "dynamic enumerator": "list[str]",
    "url": "str",
    "expression": "Any",
    "notificationtype": "Any",
}
"""``CustomAttributeType.name`` -> the Python annotation of its values (numbers are ``int``
unless configured as decimal)."""

CONFIGURATION_PROJECTIONS: Final[tuple[str, ...]] = (
    "id",
    "key",
    "label",
    "default",
    "config",
    "entity_type",
    "is_hierarchical",
    "object_type_id",
    "project_id",
    "type.name",
)
"""What to select from ``CustomAttributeConfiguration`` to build `Configuration` values."""


@attrs.frozen(slots=True)
class Configuration:
    """One custom attribute configuration, as much of it as clients need."""

    id: str
    """The configuration's id (the value's ``configuration_id``)."""
    key: str
    """The key values are read and written under (``fstart``)."""
    kind: str
    """Its ``CustomAttributeType`` name (``number``, ``text``, ``enumerator`` ...)."""
    entity_type: str
    """``show``, ``task``, ``assetversion`` ... (see the module docstring)."""
    object_type_id: str | None = None
    """For ``task`` configurations: the object type they apply to."""
    is_hierarchical: bool = False
    """True when it applies to every context."""
    label: str = ""
    """The label shown in ftrack."""
    project_id: str | None = None
    """For a project-specific configuration: the project it applies in."""
    default: Any = None
    """The value read when none is stored."""
    config: Mapping[str, Any] = attrs.field(factory=dict)
    """The type's settings (``isdecimal``, ``multiSelect``, ``data`` ...), parsed."""

    @property
    def decimal(self) -> bool:
        """For numbers: whether values are floats (else integers)."""
        return bool(self.config.get("isdecimal", False))

    def record(self) -> dict[str, Any]:
        """The JSON form `dumps` writes and `from_record` reads."""
        return {
            "id": self.id,
            "key": self.key,
            "label": self.label,
            "type": self.kind,
            "entity_type": self.entity_type,
            "object_type_id": self.object_type_id,
            "is_hierarchical": self.is_hierarchical,
            "project_id": self.project_id,
            "default": self.default,
            "config": dict(self.config),
        }


def _config(value: object, where: str) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        text = value
        try:
            value = json.loads(text)
        except ValueError:
            msg = f"{where}: config is not JSON: {text[:80]!r}"
            raise SchemaError(msg) from None
    if not isinstance(value, dict):
        msg = f"{where}: config must be a JSON object, got {type(value).__name__}"
        raise SchemaError(msg)
    return value


def from_record(record: Mapping[str, Any]) -> Configuration:
    """A `Configuration` from a query answer (with ``type.name`` nested as ftrack answers it)
    or from the JSON form of `Configuration.record`; raises `SchemaError` when incomplete."""
    where = f"custom attribute configuration {record.get('key', record.get('id'))!r}"
    kind = record.get("type")
    if isinstance(kind, Mapping):
        kind = kind.get("name")
    for name, value in (("id", record.get("id")), ("key", record.get("key")), ("type", kind)):
        if not isinstance(value, str) or not value:
            msg = f"{where}: needs a text {name}, got {value!r}"
            raise SchemaError(msg)
    entity_type = record.get("entity_type")
    if not isinstance(entity_type, str) or not entity_type:
        msg = f"{where}: needs a text entity_type, got {entity_type!r}"
        raise SchemaError(msg)
    object_type = record.get("object_type_id")
    project = record.get("project_id")
    default = record.get("default")
    if isinstance(default, str) and default and kind not in TEXT_KINDS:
        with contextlib.suppress(ValueError):  # ftrack keeps defaults as JSON text
            default = json.loads(default)
    return Configuration(
        id=str(record["id"]),
        key=str(record["key"]),
        kind=str(kind),
        entity_type=entity_type,
        object_type_id=object_type if isinstance(object_type, str) else None,
        is_hierarchical=bool(record.get("is_hierarchical")),
        label=str(record.get("label") or ""),
        project_id=project if isinstance(project, str) else None,
        default=None if default == "" else default,
        config=_config(record.get("config"), where),
    )


def value_annotation(configuration: Configuration) -> str:
    """The Python annotation of the configuration's values (without ``| None``)."""
    if configuration.kind == "number":
        return "float" if configuration.decimal else "int"
    return KINDS.get(configuration.kind, "Any")


def applies_to(configuration: Configuration, schema: Schema, type_id: str) -> bool:
    """Whether ``configuration`` applies to entities of ``type_id`` (of the given schema), by
    ftrack's rules (`ftorm.schema.custom.rules.applies`; a project-specific one counts as
    applying, since a type's attributes cannot depend on the project)."""
    kind = configuration_entity_type(schema, type_id)
    entity = schema.types.get(type_id)
    if entity is None:
        return False
    if kind is None:  # ``Context`` itself: every project and typed context has hierarchical ones
        values = entity.properties.get("custom_attributes")
        target = values.target if values is not None else None
        return configuration.is_hierarchical and target == f"Context{VALUE_SUFFIX}"
    record = {
        "entity_type": configuration.entity_type,
        "object_type_id": configuration.object_type_id,
        "is_hierarchical": configuration.is_hierarchical,
    }
    return applies(record, kind, entity.classifiers.get("object_typeid"))


def conflicts(configurations: Sequence[Configuration], schema: Schema) -> list[str]:
    """One message per key that is both hierarchical and configured for an entity type
    itself (a known ftrack trap), naming the types and saying which one is read: the
    hierarchical one, raw (``shot.custom.fps``) and inherited (``shot.custom.inherited.fps``)
    alike; the other is only reachable through the entity's ``custom_attributes`` items."""
    hierarchical: dict[str, list[Configuration]] = {}
    for configuration in configurations:
        if configuration.is_hierarchical:
            hierarchical.setdefault(configuration.key, []).append(configuration)
    found: list[str] = []
    for configuration in sorted(configurations, key=lambda c: (c.key, c.id)):
        shadowing = hierarchical.get(configuration.key)
        if configuration.is_hierarchical or not shadowing:
            continue
        types = sorted(
            t
            for t in schema.types
            if applies_to(configuration, schema, t)
            and not any(applies_to(configuration, schema, b) for b in ancestors(schema, t))
        )
        if not types:
            continue
        names = ", ".join(types)
        found.append(
            f"custom attribute {configuration.key!r} is both hierarchical (configuration "
            f"{shadowing[0].id}) and configured for {names} (configuration {configuration.id}): "
            f"{types[0]}.custom.{configuration.key} and {types[0]}.custom.inherited."
            f"{configuration.key} read the hierarchical one; rename one of the two in ftrack"
        )
    return found


def dumps(configurations: Iterable[Configuration]) -> str:
    """The JSON document ``ftorm generate --dump-custom-attributes`` writes: stable order."""
    records = sorted((c.record() for c in configurations), key=lambda r: (r["key"], r["id"]))
    return json.dumps({"custom_attribute_configurations": records}, indent=2, sort_keys=True) + "\n"


def loads(text: str, where: str = "custom attributes") -> list[Configuration]:
    """Read a document written by `dumps` (or a bare list of records)."""
    try:
        document = json.loads(text)
    except ValueError as error:
        msg = f"{where}: not JSON ({error})"
        raise SchemaError(msg) from None
    records = (
        document.get("custom_attribute_configurations") if isinstance(document, dict) else document
    )
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        msg = f"{where}: expected a list of configurations under 'custom_attribute_configurations'"
        raise SchemaError(msg)
    return [from_record(record) for record in records]
