"""What the embedded server answers for a created or updated entity (ftrack's echo)."""

from __future__ import annotations

from ftorm._typing import JSONObject
from ftorm.errors import ValidationError
from ftorm.server.encode import encode_one
from ftorm.server.fetch import Fetcher, Record, build_tree
from ftorm.server.storage import LINK, Layout
from ftorm.server.writes import Writer

__all__ = ["echo"]


def echo(
    layout: Layout, writer: Writer, type_id: str, key: tuple[str, ...], sent: JSONObject
) -> JSONObject:
    """The stored entity with the scalar attributes that have a value (an unset one stays
    unset in a client's cache, as ftrack answers), its ``link`` when its type has one, and
    the relations that were written (so a client merging the answer sees their new
    members)."""
    row = writer.find(type_id, key)
    if row is None:  # deleted again later in a batch never reaches here
        msg = f"{type_id} {list(key)!r} does not exist"
        raise ValidationError(msg)
    schema = layout.schema
    fetcher = Fetcher(layout, writer.connection)
    record: Record = fetcher.record(row.type_id, row.columns)
    keep = set(schema.types[row.type_id].primary_key)
    record.fields = {n: None for n in record.fields if n in keep or row.columns.get(n) is not None}
    record.fields.update(
        dict.fromkeys(
            name
            for name in sorted(layout.stored_names(row.type_id))
            if row.columns.get(name) is not None
        )
    )
    entity = schema.types[row.type_id]
    written = [(name,) for name in sent if name in entity.properties and entity[name].is_relation]
    if LINK in entity.properties:
        written.append((LINK,))
    if written:
        fetcher.load([record], build_tree(written))
    return encode_one(schema, record)
