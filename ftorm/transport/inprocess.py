"""A transport that hands batches straight to a server in this process.

The server is anything that answers a decoded batch (`Handler`): ftorm's embedded
`ftorm.server.handlers.Server` is one. The transport is typed against that protocol, not
against the server, so it does not depend on the server layer; ``transport.server`` keeps the
type it was given (``InProcessTransport(Server(...)).server`` is a `Server`).

No sockets: the batch is encoded to JSON text and decoded again on the way in, and so is the
answer on the way out, so the client and the server never share a mutable object. An error
object is raised as the matching `ftorm.errors.ServerError` subclass, exactly as over HTTP.

The server runs on the caller's thread, so a session reads the pages of a query one after
another here (``threaded`` is false) instead of fetching the next one on another thread.

Files go through the server's own HTTP endpoints (its WSGI application, called without a
socket; a `FileHandler` gives it): ``PUT /upload/<token>`` at the URL
``get_upload_metadata`` answered, ``GET /component/get`` and ``POST /component/remove``,
with the server's credentials. So a file takes the same path in-process as over HTTP, checks
included.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Generic, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlencode, urlsplit

from ftorm._typing import JSON, JSONObject
from ftorm.errors import (
    ConfigurationError,
    DownloadError,
    NotFoundError,
    SessionClosedError,
    TransportError,
    ValidationError,
    server_error_from_payload,
)
from ftorm.protocol.operations import OperationLike, encode_batch
from ftorm.transport.base import error_message

__all__ = ["FileHandler", "Handler", "InProcessTransport"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
"""A WSGI application: what `FileHandler.app` gives."""


class Handler(Protocol):
    """A server in this process: it answers one decoded batch, and can be closed.

    `ftorm.server.handlers.Server` is one (``tests/transport/test_inprocess.py``).
    """

    def handle(self, operations: Any) -> list[JSON] | JSONObject:
        """Answer a decoded batch: one result per operation, in order, or one error
        object (``{"exception": ..., "content": ...}``) when the batch failed."""
        ...

    def close(self) -> None:
        """Release what the server holds; later batches are refused."""
        ...


@runtime_checkable
class FileHandler(Protocol):
    """A `Handler` that also stores files: what the in-process file operations need.

    `ftorm.server.handlers.Server` is one.
    """

    api_user: str
    """The user its HTTP endpoints take."""
    api_key: str
    """The key its HTTP endpoints take."""

    def app(self) -> WSGIApp:
        """Its HTTP endpoints as a WSGI application."""
        ...

    def file_path(self, component_id: str) -> Path | None:
        """The stored file of ``component_id``, or None when there is none."""
        ...


H = TypeVar("H", bound=Handler)


def _copy(value: Any, what: str) -> Any:
    """``value`` through a JSON round trip: a copy made only of JSON values."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as error:
        msg = f"the {what} is not JSON-encodable: {error}"
        raise ValidationError(msg) from None


class InProcessTransport(Generic[H]):
    """`ftorm.transport.base.Transport` over an in-process server (a `Handler`).

    ``copy=False`` skips both JSON round trips; the caller then must not change what it sent
    or received.
    """

    threaded: ClassVar[bool] = False
    """Whether a session may fetch pages ahead on another thread: no, the server works on
    the calling thread, so there is nothing to wait for in parallel."""

    def __init__(self, server: H, *, copy: bool = True) -> None:
        self.server: H = server
        """The embedded server the batches go to."""
        self.copy: bool = copy
        """Whether requests and answers go through a JSON round trip."""
        self._closed = False

    def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Run one batch on the server; one result per operation, in order.

        Raises:
            SessionClosedError: after `close`.
            ValidationError: when the batch holds a value JSON cannot encode.
            ServerError: when the server answers with an error object (a subclass by kind).
        """
        if self._closed:
            msg = "the transport is closed"
            raise SessionClosedError(msg)
        batch: Any = encode_batch(operations)
        if self.copy:
            batch = _copy(batch, "batch")
        result = self.server.handle(batch)
        if isinstance(result, dict):
            raise server_error_from_payload(result)
        if self.copy:
            result = _copy(result, "answer")
        return result

    def _files(self) -> FileHandler:
        """The server, as one that stores files.

        Raises:
            ConfigurationError: when the server is a plain `Handler` (it stores no files).
        """
        server: object = self.server
        if not isinstance(server, FileHandler):
            msg = f"{type(server).__name__} stores no files: files need an embedded Server"
            raise ConfigurationError(msg)
        return server

    def _request(
        self,
        method: str,
        path: str,
        query: str = "",
        body: BinaryIO | None = None,
        length: int = 0,
    ) -> tuple[int, dict[str, str], Iterable[bytes]]:
        """One request to the server's WSGI application: (status, headers, body)."""
        server = self._files()
        if self._closed:
            msg = "the transport is closed"
            raise SessionClosedError(msg)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(length),
            "wsgi.input": body if body is not None else io.BytesIO(b""),
            "HTTP_FTRACK_USER": server.api_user,
            "HTTP_FTRACK_API_KEY": server.api_key,
        }
        answered: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            answered.append((status, headers))

        reply = server.app()(environ, start_response)
        status, headers = answered[-1]
        return int(status.split()[0]), {k.lower(): v for k, v in headers}, reply

    def put_file(self, url: str, stream: BinaryIO, headers: Mapping[str, str]) -> None:
        """``PUT`` the file's bytes to the upload URL the server answered.

        Raises:
            TransportError: when the URL is not one of the server's uploads, or the server
                refuses the bytes (a wrong size or checksum, an expired upload).
        """
        path = urlsplit(url).path
        if not path.startswith("/upload/"):
            msg = f"not an upload URL of the embedded server: {url[:200]!r}"
            raise TransportError(msg)
        start = stream.tell()
        length = os.fstat(stream.fileno()).st_size - start if _has_fileno(stream) else None
        if length is None:
            data = stream.read()
            stream, length = io.BytesIO(data), len(data)
        status, _, reply = self._request("PUT", path, body=stream, length=length)
        text = b"".join(reply)
        if status >= 400:
            msg = f"the file was refused ({status}): {error_message(text)}"
            raise TransportError(msg)

    def download(self, component_id: str, write: Callable[[bytes], object]) -> int:
        """Stream the file of ``component_id`` from ``/component/get`` to ``write``.

        Raises:
            DownloadError: when the server has no such file or refuses.
        """
        query = urlencode({"id": component_id})
        status, headers, reply = self._request("GET", "/component/get", query)
        if status >= 400:
            text = b"".join(reply)
            msg = f"cannot download the file of the component {component_id}: {error_message(text)}"
            raise DownloadError(msg)
        written = 0
        for block in reply:
            write(block)
            written += len(block)
        announced = headers.get("content-length")
        if announced is not None and announced.isdigit() and int(announced) != written:
            msg = f"cannot download {component_id}: {written} of {announced} bytes arrived"
            raise DownloadError(msg)
        return written

    def remove_file(self, component_id: str) -> None:
        """``POST /component/remove?id=<id>``.

        Raises:
            TransportError: when the server refuses.
        """
        status, _, reply = self._request(
            "POST", "/component/remove", urlencode({"id": component_id})
        )
        text = b"".join(reply)
        if status >= 400:
            msg = f"the file of {component_id} could not be removed: {error_message(text)}"
            raise TransportError(msg)

    def file_url(self, component_id: str, *, thumbnail_size: int | None = None) -> str:
        """A ``file://`` URL of the stored file (the embedded server does not scale
        thumbnails, so ``thumbnail_size`` names the same file).

        Raises:
            NotFoundError: when no file is stored for the component.
        """
        path = self._files().file_path(component_id)
        if path is None:
            msg = f"no file is stored for the component {component_id}"
            raise NotFoundError(msg)
        return path.as_uri()

    def close(self) -> None:
        """Refuse further batches (the server stays open: it belongs to the caller)."""
        self._closed = True


def _has_fileno(stream: BinaryIO) -> bool:
    try:
        stream.fileno()
    except (OSError, AttributeError, io.UnsupportedOperation):
        return False
    return True
