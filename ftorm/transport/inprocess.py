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
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from ftorm._typing import JSON, JSONObject
from ftorm.errors import SessionClosedError, ValidationError, server_error_from_payload
from ftorm.protocol.operations import OperationLike, encode_batch

__all__ = ["Handler", "InProcessTransport"]


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

    def close(self) -> None:
        """Refuse further batches (the server stays open: it belongs to the caller)."""
        self._closed = True
