"""A transport that hands batches straight to an embedded `ftorm.server.handlers.Server`.

No sockets, no JSON text: the batch goes through a JSON round trip of plain values only
(so callers cannot share mutable objects with the server), and an error object is raised as
the matching `ftorm.errors.ServerError` subclass, exactly as over HTTP.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ftorm._typing import JSON, Operation
from ftorm.errors import SessionClosedError, ValidationError, server_error_from_payload

if TYPE_CHECKING:
    from ftorm.server.handlers import Server

__all__ = ["InProcessTransport"]


class InProcessTransport:
    """`ftorm._typing.Transport` over an in-process server."""

    def __init__(self, server: Server, *, copy: bool = True) -> None:
        self.server = server
        self.copy = copy
        self._closed = False

    def call(self, operations: list[Operation]) -> list[JSON]:
        if self._closed:
            raise SessionClosedError("the transport is closed")
        batch: Any = operations
        if self.copy:
            try:
                batch = json.loads(json.dumps(operations))
            except (TypeError, ValueError) as error:
                raise ValidationError(f"the batch is not JSON-encodable: {error}") from None
        result = self.server.handle(batch)
        if isinstance(result, dict):
            raise server_error_from_payload(result)
        return result

    def close(self) -> None:
        self._closed = True
