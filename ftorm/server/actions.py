"""The actions beyond query and write: ``reset_remote`` and the ``ftrack.server`` uploads.

- ``reset_remote`` sets an attribute of one entity back to its schema default and answers
  ``{"action": "reset_remote", "data": <the new value>}``. ``api_key`` of a ``User`` is
  not an attribute: resetting it makes a new key (the caller decides what the key opens).
  An attribute without a default, a primary key, or no entity at all is refused.
- ``get_upload_metadata`` answers where to ``PUT`` a component's file: a URL on this server
  carrying the token of a registered upload (`ftorm.server.uploads`), with the headers to
  send; with ``parts``, one URL per part and the ``upload_id`` to finish with.
- ``complete_multipart_upload`` joins the parts and answers the file's download URL.
- ``get_widget_url`` answers a URL on this server naming the widget (no widget is served).
"""

from __future__ import annotations

import mimetypes
import uuid
from urllib.parse import urlencode

from ftorm._typing import JSON, JSONObject
from ftorm.errors import ValidationError, excerpt
from ftorm.protocol.operations import (
    CompleteUploadOp,
    ResetRemoteOp,
    UploadMetadataOp,
    WidgetUrlOp,
)
from ftorm.schema.types import NO_DEFAULT
from ftorm.server.uploads import Uploads
from ftorm.server.writes import Writer

__all__ = ["API_KEY", "complete_upload", "reset_remote", "upload_metadata", "widget_url"]

API_KEY = "api_key"
"""The reset type that makes a user a new API key."""


def reset_remote(writer: Writer, op: ResetRemoteOp) -> JSON:
    """Reset ``op.reset_type`` of the entity named; the new value.

    Raises:
        ValidationError: for no entity, an unknown one, or an attribute that cannot be reset.
        PermissionDeniedError: for an immutable attribute that has a value.
    """
    if op.entity_type is None or op.key is None:
        msg = f"reset_remote {excerpt(op.reset_type)}: name the entity to reset"
        raise ValidationError(msg)
    entity = writer.entity(op.entity_type)
    row = writer.find(entity.id, (op.key,))
    if row is None:
        msg = f"{entity.id} {excerpt(op.key)} does not exist"
        raise ValidationError(msg)
    concrete = writer.schema.types[row.type_id]
    if op.reset_type == API_KEY and writer.layout.is_a(row.type_id, "User"):
        return str(uuid.uuid4())
    prop = concrete.properties.get(op.reset_type)
    if (
        prop is None
        or prop.default is NO_DEFAULT
        or prop.default == "{uid}"
        or prop.name in concrete.primary_key
        or prop.name in concrete.computed
    ):
        msg = f"{row.type_id}.{op.reset_type} cannot be reset: it has no default"
        raise ValidationError(msg)
    default: JSON = prop.default
    writer.update(row.type_id, (op.key,), {prop.name: default})
    return default


def widget_url(writer: Writer, op: WidgetUrlOp, base_url: str) -> str:
    """``get_widget_url``: a URL on this server naming the widget, its theme and entity.

    The embedded server has no web widgets: the URL only says what was asked (nothing is
    served there). ftrack answers an authenticated link to its web app.

    Raises:
        ValidationError: for an entity that does not exist.
    """
    query = {"theme": op.theme or "light"}
    if op.entity_type is not None and op.key is not None:
        entity = writer.entity(op.entity_type)
        if writer.find(entity.id, (op.key,)) is None:
            msg = f"{entity.id} {excerpt(op.key)} does not exist"
            raise ValidationError(msg)
        query.update(entity_type=entity.id, entity_id=op.key)
    return f"{base_url.rstrip('/')}/widget/{op.name}?{urlencode(query)}"


def upload_metadata(uploads: Uploads, op: UploadMetadataOp, base_url: str) -> JSONObject:
    """Register an upload for ``op.component_id``; where and how to ``PUT`` it. The component
    need not be stored yet: the official client uploads before it commits the component.

    Raises:
        ValidationError: for an upload the server refuses (`Uploads.start`).
    """
    token = uploads.start(op.component_id, op.file_size, op.checksum, op.parts)
    url = f"{base_url.rstrip('/')}/upload/{token}"
    if op.parts is not None:
        urls: list[JSON] = [
            {"signed_url": f"{url}/{n}", "part_number": n} for n in range(1, op.parts + 1)
        ]
        return {"urls": urls, "upload_id": token, "component_id": op.component_id}
    content_type = mimetypes.guess_type(op.file_name)[0] or "application/octet-stream"
    headers: JSONObject = {"Content-Length": str(op.file_size), "Content-Type": content_type}
    if op.checksum is not None:
        headers["Content-MD5"] = op.checksum
    return {"url": url, "headers": headers, "component_id": op.component_id}


def complete_upload(uploads: Uploads, op: CompleteUploadOp, base_url: str) -> JSONObject:
    """Join a multipart upload's parts into the component's file; its download URL.

    Raises:
        PermissionDeniedError: for an unknown, expired or spent upload.
        ValidationError: for parts that do not make the promised file.
    """
    uploads.complete(op.component_id, op.upload_id, op.parts)
    return {
        "action": op.action,
        "component_id": op.component_id,
        "url": f"{base_url.rstrip('/')}/component/get?id={op.component_id}",
    }
