"""The transport seam: how a session's batches reach a server.

A transport sends one batch and returns one result per operation, in order. The batch holds
typed operations of `ftorm.protocol.operations` (and raw JSON objects for actions ftorm does
not model); the transport turns it into JSON with `ftorm.protocol.operations.encode_batch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ftorm._typing import JSON
from ftorm.protocol.operations import OperationLike

__all__ = ["Transport"]


class Transport(Protocol):
    """Sends one batch of operations and returns one result per operation, in order.

    Implementations raise `ftorm.errors.ServerError` (or a subclass) when the server answers
    with an error object, and `ftorm.errors.ConnectError` when it cannot be reached.
    """

    def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Send ``operations`` as one request; one result per operation, in order."""
        ...

    def close(self) -> None:
        """Release the connection (further calls may fail)."""
        ...
