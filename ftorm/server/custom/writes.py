"""Custom attribute values being written: where a bare value is stored, and what a value
must satisfy.

A value written (created, or updated and so upserted) must belong to a configuration that
applies to its entity (the items `ftorm.server.custom.reads.members_source` serves), takes the
configuration's ``key``, and must suit the configuration's type
(`ftorm.schema.custom.rules.check_value`): `check_value_write`. A value created as the bare
``CustomAttributeValue`` is stored as the ``<X>CustomAttributeValue`` type its entity holds
(`value_type_for`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from ftorm.errors import InvalidValueError, ValidationError, excerpt
from ftorm.protocol.codec import unwrap_date
from ftorm.schema.custom.rules import (
    CONFIGURATION_TYPE,
    DATE_KIND,
    KIND_TYPE,
    check_value,
    is_custom_attribute_value,
)
from ftorm.server.custom.reads import effective, members_source, owners
from ftorm.server.fragments import positional
from ftorm.server.rows import find
from ftorm.server.storage import Layout

__all__ = ["check_value_write", "value_type_for"]


def value_type_for(layout: Layout, connection: sqlite3.Connection, entity_id: object) -> str | None:
    """The ``<X>CustomAttributeValue`` type whose items the entity ``entity_id`` holds in its
    ``custom_attributes`` (``ContextCustomAttributeValue`` for a task), or None when no
    entity with that id has custom attributes. A value created as the bare
    ``CustomAttributeValue`` is stored as this type, so the entity's collection shows it."""
    if entity_id is None:
        return None
    for value_type in sorted(t for t in layout.schema.types if is_custom_attribute_value(t)):
        holders = owners(layout, value_type)
        for root in sorted({layout.table(owner).root for owner in holders}):
            if len(layout.schema.types[root].primary_key) != 1:
                continue
            row = find(layout, connection, root, (str(entity_id),))
            if row is not None and any(layout.is_a(row.type_id, o) for o in holders):
                return value_type
    return None


def check_value_write(
    layout: Layout, connection: sqlite3.Connection, type_id: str, columns: dict[str, Any]
) -> None:
    """For a value of ``type_id`` being written with ``columns`` (its key columns
    included): `ValidationError` unless its configuration applies to its entity and the
    value suits the configuration's type; fills ``key`` from the configuration."""
    if not is_custom_attribute_value(type_id) or CONFIGURATION_TYPE not in layout.schema.types:
        return
    coll = next(
        (c for c in layout.collections.values() if c.target == type_id and effective(layout, c)),
        None,
    )
    if coll is None:
        return
    config_id, entity_id = columns.get("configuration_id"), columns.get("entity_id")
    config = find(layout, connection, CONFIGURATION_TYPE, (str(config_id),))
    if config is None:
        msg = f"{type_id}: no {CONFIGURATION_TYPE} {excerpt(config_id)}"
        raise ValidationError(msg)
    params: list[Any] = []
    source = members_source(layout, coll, positional(params))
    found = connection.execute(
        f"SELECT 1 FROM {source} AS m WHERE m.configuration_id = ? AND m.entity_id = ? LIMIT 1",
        [*params, str(config_id), str(entity_id)],
    ).fetchone()
    key = config.columns.get("key")
    if found is None:
        msg = (
            f"{type_id}: the custom attribute {excerpt(key)} ({config.columns.get('entity_type')}"
            f") does not apply to entity {excerpt(entity_id)}"
        )
        raise ValidationError(msg)
    if layout.stored(type_id, "key"):
        columns["key"] = key
    if "value" in columns:
        _check(layout, connection, config.columns, columns["value"], f"{type_id}.value ({key})")


def _check(
    layout: Layout,
    connection: sqlite3.Connection,
    config: Mapping[str, Any],
    stored: Any,
    where: str,
) -> None:
    type_name = None
    type_key = config.get("type_id")
    if type_key is not None and KIND_TYPE in layout.schema.types:
        found = find(layout, connection, KIND_TYPE, (str(type_key),))
        type_name = None if found is None else found.columns.get("name")
    try:
        value = json.loads(stored) if isinstance(stored, str) else stored
    except ValueError:
        value = stored
    if type_name == DATE_KIND:
        value = unwrap_date(value)
    try:
        check_value(type_name, config.get("config"), value, where)
    except InvalidValueError as error:
        raise ValidationError(str(error)) from None
