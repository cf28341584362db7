"""How an `ftorm.events.EventHub` reaches a hub: a websocket, or an embedded server's hub.

A channel moves socket.io packets (text) both ways: `Channel.send` from any thread,
`Channel.receive` from the hub's reading thread.
"""

from __future__ import annotations

import contextlib
import socket
from typing import TYPE_CHECKING, Protocol

from ftorm.errors import EventHubConnectionError

if TYPE_CHECKING:  # wsproto is imported when a websocket opens, not with the hub
    from ftorm.protocol.websocket import WebSocket

__all__ = ["Channel", "LocalChannel", "LocalConnection", "WebSocketChannel"]


class Channel(Protocol):
    """One connection to a hub."""

    heartbeat_timeout: float
    """Seconds of silence from the hub after which the connection counts as lost (0: none)."""

    def send(self, text: str) -> None:
        """Send one packet; `EventHubConnectionError` once the connection is lost."""

    def receive(self, timeout: float) -> str | None:
        """The next packet, None after ``timeout`` seconds; `EOFError` once closed."""

    def close(self) -> None:
        """Close the connection (idempotent)."""

    def abort(self) -> None:
        """Break the connection as a network failure would (no goodbye)."""


class WebSocketChannel:
    """A websocket to ``ftorm serve`` or an ftrack server."""

    def __init__(self, websocket: WebSocket, heartbeat_timeout: float) -> None:
        self._ws = websocket
        self.heartbeat_timeout: float = heartbeat_timeout

    def send(self, text: str) -> None:
        self._ws.send(text)

    def receive(self, timeout: float) -> str | None:
        try:
            self._ws.socket.settimeout(timeout)
            return self._ws.receive()
        except TimeoutError:
            return None
        except Exception as error:  # a message too large, a reset: the connection is lost
            raise EOFError(str(error)) from None

    def close(self) -> None:
        self._ws.close()
        self.abort()

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._ws.socket.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._ws.socket.close()


class LocalConnection(Protocol):
    """An embedded server hub's connection (`ftorm.server.eventhub.Connection`)."""

    closed_reason: str | None

    def receive(self, text: str) -> None: ...

    def next_outgoing(self, timeout: float | None) -> str | None: ...

    def close(self, reason: str, *, lost: bool = False) -> None: ...


class LocalChannel:
    """A connection to the hub of a server in this process: the same packets, no socket."""

    heartbeat_timeout: float = 0.0

    def __init__(self, connection: LocalConnection) -> None:
        self._connection = connection

    def send(self, text: str) -> None:
        if self._connection.closed_reason is not None:
            msg = f"the event hub connection is closed: {self._connection.closed_reason}"
            raise EventHubConnectionError(msg)
        self._connection.receive(text)

    def receive(self, timeout: float) -> str | None:
        return self._connection.next_outgoing(timeout)

    def close(self) -> None:
        self._connection.close("the client disconnected")

    def abort(self) -> None:
        self._connection.close("the connection broke", lost=True)
