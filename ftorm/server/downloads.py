"""The ``ftrack.server`` location's files over HTTP: ``/component/{get,thumbnail,remove}``.

As on ftrack, the request names the component (``?id=<component id>``) and carries the API
user's credentials, in the query (``username`` and ``apiKey``, as the official client's
``ftrack.server`` accessor sends them) or in the ``ftrack-user`` and ``ftrack-api-key``
headers; a thumbnail may instead carry the ``token`` of a ``thumbnail_url`` the server
answered (`ftorm.server.thumbnails`).

- ``get`` answers the stored file, streamed, with a content type guessed from the
  component's name and ``file_type``;
- ``thumbnail`` answers the same file (it is not scaled: ``size`` is accepted and ignored);
- ``remove`` deletes the stored file (the component and its ``ComponentLocation`` stay: the
  client deletes those through the API). Removing a file that is not there succeeds.

Failures answer an error status with the error object: 401 for bad credentials, 404 for a
component without a stored file, 400 for a malformed request.
"""

from __future__ import annotations

import json
import mimetypes
import os
from collections.abc import Iterator
from typing import BinaryIO, Final
from urllib.parse import parse_qs

import attrs

from ftorm.errors import AuthenticationError, ServerError, ValidationError
from ftorm.protocol.operations import QueryOp, encode_batch
from ftorm.server.files import CHUNK
from ftorm.server.served import Endpoint

__all__ = ["COMPONENT_PREFIX", "Reply", "component_reply"]

COMPONENT_PREFIX: Final = "/component/"
"""The path prefix of the file routes."""

_THUMBNAIL: Final = "thumbnail"
_READS: Final = ("get", _THUMBNAIL)
_REMOVE: Final = "remove"
_OCTET: Final = "application/octet-stream"


@attrs.frozen
class Reply:
    """An HTTP answer: status line, headers and body."""

    status: str
    """The status line, e.g. ``"200 OK"``."""
    headers: list[tuple[str, str]]
    """The response headers."""
    body: Iterator[bytes]
    """The body, in blocks."""


def component_reply(
    server: Endpoint,
    route: str,
    method: str,
    query_string: str,
    header_user: str | None = None,
    header_key: str | None = None,
) -> Reply:
    """Answer ``<method> /component/<route>?<query_string>`` for ``server``."""
    if route not in (*_READS, _REMOVE):
        return _failure("404 Not Found", ValidationError(f"no such endpoint /component/{route}"))
    allowed = ("GET", "HEAD") if route in _READS else ("GET", "POST", "DELETE")
    if method not in allowed:
        return Reply(
            "405 Method Not Allowed",
            [("Allow", ", ".join(allowed)), ("Content-Length", "0")],
            iter([b""]),
        )
    params = parse_qs(query_string)
    user = _first(params, "username") or header_user
    key = _first(params, "apiKey") or header_key
    component_id = _first(params, "id")
    signed = route == _THUMBNAIL and server.thumbnails.valid(
        component_id or "", _first(params, "token")
    )
    if not signed and not server.check_credentials(user, key):
        denied = AuthenticationError("The supplied API key is not valid.")
        return _failure("401 Unauthorized", denied)
    if not component_id:
        return _failure("400 Bad Request", ValidationError("name the component: ?id=<id>"))
    try:
        if route == _REMOVE:
            server.files.remove(component_id)
            return Reply("200 OK", [("Content-Length", "0")], iter([b""]))
        path = server.files.path(component_id)
        stream = path.open("rb")
    except ServerError as error:
        return _failure("400 Bad Request", error)
    except (FileNotFoundError, IsADirectoryError):
        missing = ValidationError(f"no file is stored for the component {component_id}")
        return _failure("404 Not Found", missing)
    size = os.fstat(stream.fileno()).st_size
    headers = [
        ("Content-Type", _content_type(server, component_id)),
        ("Content-Length", str(size)),
    ]
    if method == "HEAD":
        stream.close()
        return Reply("200 OK", headers, iter([b""]))
    return Reply("200 OK", headers, _blocks(stream))


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _failure(status: str, error: ServerError) -> Reply:
    data = json.dumps(error.to_payload()).encode("utf-8")
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    return Reply(status, headers, iter([data]))


def _blocks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while block := stream.read(CHUNK):
            yield block


def _content_type(server: Endpoint, component_id: str) -> str:
    """The type of the component's file, from its name and ``file_type`` (the id is a
    checked file name, so it is safe in the query text)."""
    expression = f'select name, file_type from Component where id is "{component_id}"'
    answer = server.handle(encode_batch([QueryOp(expression)]))
    if not isinstance(answer, list) or not isinstance(answer[0], dict):
        return _OCTET
    rows = answer[0].get("data")
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
        return _OCTET
    file_type = str(rows[0].get("file_type") or "")
    name = f"{rows[0].get('name') or 'file'}.{file_type.lstrip('.')}"
    return mimetypes.guess_type(name)[0] or _OCTET
