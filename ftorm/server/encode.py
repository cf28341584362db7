"""Records of one response written as ftrack's JSON, normalised.

Each entity is written in full the first time it appears in an answer and as a reference
(``__entity_type__`` plus its primary key) afterwards, the way ftrack answers; with
``denormalize`` (ftrack's ``ftrack-api-options: denormalize``) it is written in full every
time, and as a reference only where an entity would contain itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from ftorm._typing import JSON, JSONObject
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.schema.types import Schema
from ftorm.server.fetch import Record
from ftorm.server.values import to_wire

__all__ = ["encode", "encode_one"]

_Seen = set[tuple[str, tuple[str, ...]]]


def encode(schema: Schema, records: Iterable[Record], *, denormalize: bool = False) -> list[JSON]:
    """Every record in full on its first appearance in this call, later as a reference;
    with ``denormalize`` in full every time (a reference only where an entity would
    contain itself)."""
    seen: _Seen = set()
    return [_encode(schema, r, seen, denormalize) for r in records]


def encode_one(schema: Schema, record: Record) -> JSONObject:
    """One record in full, with what it contains."""
    return _encode(schema, record, set(), False)


def _reference(schema: Schema, record: Record) -> JSONObject:
    entity = schema.types[record.type_id]
    out: JSONObject = {ENTITY_TYPE: record.type_id}
    for name, value in zip(entity.primary_key, record.key, strict=True):
        out[name] = to_wire(entity.properties[name], value) if name in entity else value
    return out


def _encode(schema: Schema, record: Record, seen: _Seen, denormalize: bool) -> JSONObject:
    if record.ident in seen:
        return _reference(schema, record)
    seen.add(record.ident)
    out = _encode_body(schema, record, seen, denormalize)
    if denormalize:
        seen.discard(record.ident)  # only the path from the root is remembered
    return out


def _encode_body(schema: Schema, record: Record, seen: _Seen, denormalize: bool) -> JSONObject:
    properties = schema.types[record.type_id].properties
    out: JSONObject = {ENTITY_TYPE: record.type_id}
    columns = record.columns
    computed = record.computed
    for name in record.fields:
        if name in computed:
            out[name] = computed[name]
            continue
        prop = properties.get(name)
        if prop is not None:
            out[name] = to_wire(prop, columns.get(name))
    for name, value in record.relations.items():
        if value is None:
            out[name] = None
        elif isinstance(value, list):
            out[name] = [_encode(schema, v, seen, denormalize) for v in value]
        else:
            out[name] = _encode(schema, value, seen, denormalize)
    return out
