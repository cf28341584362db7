"""Rows of any standard type, made through the server's own ``create``: every required
attribute and every plain attribute gets a value of its type (an enum's last option, a
boolean against its default, a fixed date, text naming the attribute), and each required
foreign key an entity of its own, made the same way.

Used by ``test_standard_types.py`` to create each type and read its attributes back.
"""

from __future__ import annotations

import uuid
from typing import Any

from ftorm.schema.custom.rules import (
    VALUE_SUFFIX,
    configuration_entity_type,
    is_custom_attribute_value,
)
from ftorm.schema.hierarchy import ancestors
from ftorm.schema.standard import standard_schema
from ftorm.schema.types import EntityType, Kind, Property
from ftorm.server.integrity import REQUIRED_REFERENCES
from ftorm.server.storage import Layout
from tests.server.server_helpers import Call, configure

SCHEMA = standard_schema()
LAYOUT = Layout(SCHEMA)

STAND_INS = {"Context": "Project", "TypedContext": "Folder"}
"""The abstract types (the server refuses to create them): the concrete type made where one
of them is referred to."""

DATE = {"__type__": "datetime", "value": "2024-01-02T09:30:00"}
PLAIN = frozenset({"string", "boolean", "integer", "number"})
"""JSON types written and compared as they are (``variable`` and ``object`` values are
checked by the tests of what holds them)."""


def _value(type_id: str, prop: Property) -> Any:
    """A value of ``prop``'s type that is not its default."""
    if prop.enum:
        return [option for option in prop.enum if option != prop.default][-1]
    if prop.kind is Kind.DATETIME:
        return DATE
    if prop.type == "string":
        return f"{type_id}.{prop.name}"
    if prop.type == "boolean":
        return prop.default is not True
    if prop.type == "integer":
        return 7
    return 2.5


def written(type_id: str) -> list[str]:
    """The attributes `make` gives a value: the required ones and the plain writable ones
    (stored, not computed, not a foreign key left to the server)."""
    entity = SCHEMA[type_id]
    foreign = LAYOUT.foreign_keys(type_id)
    names = [n for n in entity.required if n in entity.properties]
    needed = REQUIRED_REFERENCES.get(type_id)  # refused empty though not marked required
    if needed is not None and needed not in names:
        names.append(needed)
    for prop in entity.scalars():
        if prop.name in names or prop.computed or prop.name in entity.computed:
            continue
        if not LAYOUT.stored(type_id, prop.name) or prop.name in foreign or prop.is_foreign_key:
            continue
        if prop.kind is Kind.DATETIME or prop.type in PLAIN:
            names.append(prop.name)
    return names


def key_of(entity: EntityType, data: dict[str, Any]) -> str:
    """Query criteria selecting ``data`` by its primary key."""
    parts = []
    for name in entity.primary_key:
        value = data[name]
        parts.append(f"{name} is {value}" if isinstance(value, int) else f'{name} is "{value}"')
    return " and ".join(parts)


class Maker:
    """Makes rows of standard types on a server (through ``call``)."""

    def __init__(self, call: Call) -> None:
        self.call = call

    def make(self, type_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Create one ``type_id`` (its stand-in when abstract): (what was sent, the echo)."""
        type_id = STAND_INS.get(type_id, type_id)
        entity = SCHEMA[type_id]
        foreign = LAYOUT.foreign_keys(type_id)
        data: dict[str, Any] = {}
        if "TypedContext" in ancestors(SCHEMA, type_id):
            data["parent_id"] = self.make("Project")[1]["id"]
        for name in written(type_id):
            prop = entity[name]
            if name in foreign:
                target = foreign[name]
                made = self.make(target)[1]
                data[name] = made[SCHEMA[made["__entity_type__"]].primary_key[0]]
            elif prop.generates_id:
                data[name] = str(uuid.uuid4())
            else:
                data[name] = _value(type_id, prop)
        if is_custom_attribute_value(type_id):
            self._configure(type_id, data)
        operation = {"action": "create", "entity_type": type_id, "entity_data": data}
        echoed: dict[str, Any] = self.call(operation)[0]["data"]
        return data, echoed

    def _configure(self, type_id: str, data: dict[str, Any]) -> None:
        """A value's configuration must apply to its entity: make one that does."""
        owner = self.make(type_id.removesuffix(VALUE_SUFFIX))[1]  # Asset, Context ...
        data["entity_id"] = owner["id"]
        kind = configuration_entity_type(SCHEMA, owner["__entity_type__"])
        if kind is None:  # no configuration names this kind of entity: any one will do
            return
        extra = {"object_type_id": owner["object_type_id"]} if kind == "task" else {}
        configuration = configure(self.call, f"{type_id}_key", kind, **extra)
        # ``key`` is the configuration's (the server fills it from there)
        data.update(configuration_id=configuration["id"], key=configuration["key"], value=7)
