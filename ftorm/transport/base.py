"""The transport seam: how a session's batches and files reach a server.

A transport sends one batch and returns one result per operation, in order. The batch holds
typed operations of `ftorm.protocol.operations` (and raw JSON objects for actions ftorm does
not model); the transport turns it into JSON with `ftorm.protocol.operations.encode_batch`.

It also moves the files of the ``ftrack.server`` location, through the same endpoints for
every transport: ``PUT`` to the URL ``get_upload_metadata`` answered, ``/component/get``,
``/component/remove``. A caller never needs to know which transport it holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import BinaryIO, Protocol

from ftorm._typing import JSON
from ftorm.protocol.operations import OperationLike

__all__ = ["Transport", "error_message"]


def error_message(body: bytes) -> str:
    """The server's message in the start of an error body (the ``content`` of a JSON error
    object), else the body's text; whitespace folded, at most 200 characters."""
    text = body[:2000].decode("utf-8", "replace")
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("content"), str):
        text = payload["content"]
    return " ".join(text.split())[:200]


class Transport(Protocol):
    """Sends one batch of operations and returns one result per operation, in order.

    Implementations raise `ftorm.errors.ServerError` (or a subclass) when the server answers
    with an error object, and `ftorm.errors.ConnectError` when it cannot be reached.
    """

    def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Send ``operations`` as one request; one result per operation, in order."""
        ...

    def put_file(self, url: str, stream: BinaryIO, headers: Mapping[str, str]) -> None:
        """Send a file's bytes to an upload URL the server answered (``get_upload_metadata``),
        with the headers it named.

        Raises:
            TransportError: when the bytes cannot be sent or are refused.
        """
        ...

    def download(self, component_id: str, write: Callable[[bytes], object]) -> int:
        """Stream the file of ``component_id`` in the ``ftrack.server`` location to
        ``write``, block by block; the number of bytes written.

        Raises:
            DownloadError: when the file cannot be read whole.
        """
        ...

    def remove_file(self, component_id: str) -> None:
        """Delete the file of ``component_id`` from the ``ftrack.server`` location.

        Raises:
            TransportError: when the server refuses or cannot be reached.
        """
        ...

    def file_url(self, component_id: str, *, thumbnail_size: int | None = None) -> str:
        """Where the file of ``component_id`` in the ``ftrack.server`` location can be read;
        with ``thumbnail_size``, its thumbnail scaled to fit that many pixels (where the server
        scales)."""
        ...

    def close(self) -> None:
        """Release the connection (further calls may fail)."""
        ...
