"""ftrack's rules for custom attributes: which configurations apply to an entity, how their
values are written, and which values each configuration type accepts.

Shared by the embedded server (`ftorm.server.custom`) and the client side, so both read
the same facts:

- an entity's ``custom_attributes`` are keyed collections of ``<X>CustomAttributeValue``
  items (``ContextCustomAttributeValue``, ``AssetVersionCustomAttributeValue`` ...), one per
  configuration that applies to it; the official client writes them as ``update``
  operations keyed ``[configuration_id, entity_id]`` whether or not a value was ever stored,
  so the server upserts them (`is_custom_attribute_value`). The bare
  ``CustomAttributeValue`` is created like any other entity.
- a configuration applies through its ``entity_type``, ftrack's legacy name for a kind of
  entity (`CONFIGURATION_ENTITY_TYPES`): ``task`` ones only to typed contexts of its
  ``object_type_id``, the others only when ``object_type_id`` is unset; a hierarchical one
  (``is_hierarchical``) to every kind in `HIERARCHICAL_ENTITY_TYPES`; a project-specific one
  (``project_id`` set) only inside that project (`applies`).
- a value must suit its configuration's type (`check_value`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from ftorm.errors import InvalidValueError, excerpt
from ftorm.schema.hierarchy import VALUE_SUFFIX, ancestors
from ftorm.schema.types import Schema

__all__ = [
    "CONFIGURATION_ENTITY_TYPES",
    "CONFIGURATION_TYPE",
    "DATE_KIND",
    "ENUMERATOR_KINDS",
    "HIERARCHICAL_ENTITY_TYPES",
    "KIND_TYPE",
    "TEXT_KINDS",
    "VALUE_SUFFIX",
    "applies",
    "check_value",
    "configuration_entity_type",
    "is_custom_attribute_value",
]

CONFIGURATION_ENTITY_TYPES: Final[Mapping[str, str]] = {
    "Project": "show",
    "TypedContext": "task",
    "AssetVersion": "assetversion",
    "Asset": "asset",
    "User": "user",
    "List": "list",
}
"""Schema type (its subtypes included) -> the ``CustomAttributeConfiguration.entity_type``
naming it."""

HIERARCHICAL_ENTITY_TYPES: Final = frozenset({"show", "task", "asset", "assetversion"})
"""The kinds of entity a hierarchical configuration applies to (as the official client
reads them): projects, every typed context, assets and asset versions."""


DATE_KIND: Final = "date"
"""The configuration type whose values are dates (sent in a date envelope, ISO text inside)."""

CONFIGURATION_TYPE: Final = "CustomAttributeConfiguration"
"""The entity type whose rows say which custom attributes exist."""

KIND_TYPE: Final = "CustomAttributeType"
"""The entity type naming a configuration's kind of value (its ``type``: ``number``,
``text`` ... `DATE_KIND`, `TEXT_KINDS`, `ENUMERATOR_KINDS`)."""

TEXT_KINDS: Final = frozenset({"text", "url"})
"""Configuration types whose values are text: for the others an empty default means no
value (ftrack's default ``default`` is ``""``)."""

ENUMERATOR_KINDS: Final = frozenset({"enumerator", "dynamic enumerator"})
"""Configuration types whose values are lists of the configured options."""


def is_custom_attribute_value(type_id: str) -> bool:
    """Whether ``type_id`` holds custom attribute values written as updates, upserted when
    missing: ``<X>CustomAttributeValue``, not the bare ``CustomAttributeValue``."""
    return type_id.endswith(VALUE_SUFFIX) and type_id != VALUE_SUFFIX


def configuration_entity_type(schema: Schema, type_id: str) -> str | None:
    """The configuration ``entity_type`` of entities of ``type_id`` (``Shot`` -> ``task``),
    or None when no configuration can apply to them."""
    for candidate in (type_id, *ancestors(schema, type_id)):
        found = CONFIGURATION_ENTITY_TYPES.get(candidate)
        if found is not None:
            return found
    return None


def applies(
    configuration: Mapping[str, Any],
    entity_type: str,
    object_type_id: str | None = None,
    project_id: str | None = None,
) -> bool:
    """Whether ``configuration`` (its ``entity_type``, ``object_type_id``, ``project_id``
    and ``is_hierarchical``) applies to an entity of configuration entity type
    ``entity_type`` with ``object_type_id`` (typed contexts) in project ``project_id``."""
    scope = configuration.get("project_id")
    if scope is not None and scope != project_id:
        return False
    if configuration.get("entity_type") == entity_type and configuration.get("object_type_id") == (
        object_type_id if entity_type == "task" else None
    ):
        return True
    return bool(configuration.get("is_hierarchical")) and entity_type in HIERARCHICAL_ENTITY_TYPES


def _options(config: Mapping[str, Any]) -> tuple[bool, list[str] | None]:
    """(multiple choices allowed, the allowed values or None) of an enumerator's config."""
    data = config.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            data = None
    values = None
    if isinstance(data, list):
        values = [str(o.get("value")) for o in data if isinstance(o, Mapping)]
    return bool(config.get("multiSelect")), values


def _is_date(value: Any) -> bool:
    """Whether ``value`` reads as an ISO date (a date envelope is unwrapped by the caller,
    `ftorm.server.custom.writes`)."""
    return isinstance(value, str) and len(value) >= 10 and value[4:5] == "-"


def check_value(type_name: str | None, config: str | None, value: Any, where: str) -> None:
    """`InvalidValueError` when ``value`` does not suit a configuration of type
    ``type_name`` (``number``, ``text``, ``boolean``, ``date``, ``enumerator`` ...) whose
    ``config`` is the JSON text given; None clears a value and always suits. Types without
    a rule here (``expression``, ``url`` ...) take any value."""
    if value is None:
        return
    ok = True
    if type_name == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif type_name == "text":
        ok = isinstance(value, str)
    elif type_name == "boolean":
        ok = isinstance(value, bool)
    elif type_name == DATE_KIND:
        ok = _is_date(value)
    elif type_name in ENUMERATOR_KINDS:
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        if ok and type_name == "enumerator":
            try:
                parsed = json.loads(config or "{}")
            except ValueError:
                parsed = {}
            multiple, allowed = _options(parsed if isinstance(parsed, Mapping) else {})
            if len(value) > 1 and not multiple:
                msg = f"{where}: {excerpt(value)} has several values for a single-select enumerator"
                raise InvalidValueError(msg)
            unknown = [item for item in value if allowed is not None and item not in allowed]
            if unknown:
                msg = f"{where}: {excerpt(unknown)} not among the options {excerpt(allowed)}"
                raise InvalidValueError(msg)
    if not ok:
        msg = f"{where}: {excerpt(value)} is not a valid {type_name} value"
        raise InvalidValueError(msg)
