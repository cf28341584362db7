"""One validated operation of a batch, answered: the embedded server's dispatch.

`answer` matches the operation over the closed union `ftorm.protocol.operations.Operation`
and ends in ``assert_never``: mypy refuses an operation class nobody answers. A `Batch`
carries what the batch's operations share: its options, the log line's parts, what it
changed (for ``ftrack.update``) and a new API key.
"""

from __future__ import annotations

from typing import Any

from ftorm._typing import JSON, assert_never
from ftorm.errors import FtormError
from ftorm.protocol import operations as ops
from ftorm.server.actions import (
    API_KEY,
    complete_upload,
    reset_remote,
    upload_metadata,
    widget_url,
)
from ftorm.server.answers import answer_parsed, parse_query
from ftorm.server.changes import Changes
from ftorm.server.echo import echo
from ftorm.server.encoding import encode_media
from ftorm.server.rows import StoredRow
from ftorm.server.served import Answering
from ftorm.server.writes import Writer

__all__ = ["Batch", "answer"]


class Batch:
    """What one batch carries besides its operations."""

    __slots__ = ("base_url", "changes", "denormalize", "done", "new_key")

    def __init__(self, denormalize: bool, base_url: str) -> None:
        self.denormalize = denormalize
        self.base_url = base_url
        self.done: list[str] = []  # what was answered, for the log line
        self.new_key: str | None = None  # the API user's new key, once the batch commits
        self.changes: Changes | None = None  # what a write batch changed (ftrack.update)


def _peek(writer: Writer, type_id: str, key: Any) -> StoredRow | None:
    """The stored row an update or delete is about to change (None when there is none: the
    operation itself then reports what is wrong)."""
    if type_id not in writer.schema.types:
        return None
    try:
        return writer.find(type_id, key)
    except (FtormError, LookupError, TypeError, ValueError):
        return None


def answer(server: Answering, writer: Writer, operation: JSON, batch: Batch) -> JSON:
    """Validate ``operation`` (`ftorm.protocol.operations.validate`) and answer it."""
    valid = ops.validate(operation)
    done, changes = batch.done, batch.changes
    match valid:
        case ops.QueryOp():
            select = parse_query(valid.expression)
            done.append(f"{valid.action} {select.entity_type}")
            base_url = batch.base_url
            return answer_parsed(
                server.layout,
                writer.connection,
                valid.expression,
                select,
                batch.denormalize,
                lambda component: server.thumbnails.url(base_url, component),
            )
        case ops.CreateOp():
            done.append(f"{valid.action} {valid.entity_type}")
            type_id, key = writer.create(valid.entity_type, valid.data, valid.key)
            if changes is not None and (row := writer.find(type_id, key)) is not None:
                changes.record_add(row)
            data = echo(server.layout, writer, type_id, key, valid.data)
            return {"action": valid.action, "data": data}
        case ops.UpdateOp():
            done.append(f"{valid.action} {valid.entity_type}")
            before = _peek(writer, valid.entity_type, valid.key) if changes is not None else None
            type_id, key = writer.update(valid.entity_type, valid.key, valid.data)
            if changes is not None and (after := writer.find(type_id, key)) is not None:
                if before is None:  # an upsert created it
                    changes.record_add(after)
                else:
                    changes.record_update(before, after)
            data = echo(server.layout, writer, type_id, key, valid.data)
            return {"action": valid.action, "data": data}
        case ops.DeleteOp():
            done.append(f"{valid.action} {valid.entity_type}")
            if changes is not None and (doomed := _peek(writer, valid.entity_type, valid.key)):
                changes.record_remove(doomed)
            writer.delete(valid.entity_type, valid.key)
            return {"action": valid.action, "data": True}
        case ops.SchemasOp():
            done.append(valid.action)
            return server.documents
        case ops.ServerInformationOp():
            done.append(valid.action)
            return server.server_information(valid.values)
        case ops.ResetRemoteOp():
            done.append(f"{valid.action} {valid.reset_type}")
            value = reset_remote(writer, valid)
            if valid.reset_type == API_KEY and valid.key == server.user_id:
                batch.new_key = str(value)  # the old key stops working, as on ftrack
            return {"action": valid.action, "data": value}
        case ops.UploadMetadataOp():
            done.append(f"{valid.action} {valid.component_id}")
            return upload_metadata(server.uploads, valid, batch.base_url)
        case ops.CompleteUploadOp():
            done.append(f"{valid.action} {valid.component_id}")
            return complete_upload(server.uploads, valid, batch.base_url)
        case ops.WidgetUrlOp():
            done.append(f"{valid.action} {valid.name}")
            return {"widget_url": widget_url(writer, valid, batch.base_url)}
        case ops.EncodeMediaOp():
            done.append(f"{valid.action} {valid.component_id}")
            return encode_media(writer, server.files, valid, server.user_id)
        case _:
            assert_never(valid)
