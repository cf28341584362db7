"""Text messages over a websocket on a connected socket, for both ends of the event hub.

The framing is `wsproto`'s (python-hyper's sans-I/O websocket implementation): this module
only moves bytes between it and the socket, caps the size of a message, and makes sending
thread-safe (one thread reads, any thread sends). `ftorm.server.websocket` accepts with it,
`ftorm.transport.websocket` connects with it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Final

from wsproto import WSConnection
from wsproto.events import (
    CloseConnection,
    Event,
    Message,
    Ping,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError

from ftorm.errors import EventHubConnectionError, EventRejectedError

__all__ = ["MAX_MESSAGE_BYTES", "WebSocket"]

MAX_MESSAGE_BYTES: Final = 2 * 1024 * 1024
"""The longest message either end accepts (characters of text): a longer one closes the
connection (status 1009)."""

_READ = 65536


class WebSocket:
    """An open websocket: `send` from any thread, `receive` from one."""

    def __init__(self, sock: socket.socket, connection: WSConnection, pending: list[Event]) -> None:
        self.socket: socket.socket = sock
        self._ws = connection
        self._events: list[Event] = list(pending)
        self._parts: list[str] = []
        self._size = 0
        self._protocol = threading.Lock()  # wsproto's state
        self._sending = threading.Lock()  # the socket's writes, in order
        self.closed: bool = False
        """The websocket is closed (by either end)."""

    def _write(self, event: Event) -> None:
        with self._sending:
            with self._protocol:
                try:
                    data = self._ws.send(event)
                except LocalProtocolError as error:  # closing, or closed
                    self.closed = True
                    msg = f"the websocket is closed: {error}"
                    raise EventHubConnectionError(msg) from None
            try:
                self.socket.sendall(data)
            except OSError as error:
                self.closed = True
                msg = f"the websocket is closed: {error}"
                raise EventHubConnectionError(msg) from None

    def send(self, text: str) -> None:
        """Send one text message; `EventHubConnectionError` once the connection is gone."""
        if self.closed:
            msg = "the websocket is closed"
            raise EventHubConnectionError(msg)
        self._write(TextMessage(data=text))

    def receive(self) -> str:
        """The next text message (waiting up to the socket's timeout: `TimeoutError`).
        `EOFError` when the other end closed; `EventRejectedError` for a message larger
        than `MAX_MESSAGE_BYTES` (the connection is then closed)."""
        while True:
            while self._events:
                event = self._events.pop(0)
                text = self._handle(event)
                if text is not None:
                    return text
            if self.closed:
                msg = "the websocket is closed"
                raise EOFError(msg)
            try:
                data = self.socket.recv(_READ)
            except TimeoutError:
                raise
            except OSError as error:
                self.closed = True
                raise EOFError(str(error)) from None
            with self._protocol:
                self._ws.receive_data(data or None)
                self._events.extend(self._ws.events())
            if not data:
                self.closed = True

    def _handle(self, event: Event) -> str | None:
        if isinstance(event, TextMessage):
            self._parts.append(event.data)
            self._size += len(event.data)
            if self._size > MAX_MESSAGE_BYTES:
                self._parts, self._size = [], 0
                self.close(1009, "message too big")
                msg = f"a websocket message longer than {MAX_MESSAGE_BYTES:,} characters"
                raise EventRejectedError(msg)
            if event.message_finished:
                text = "".join(self._parts)
                self._parts, self._size = [], 0
                return text
        elif isinstance(event, Message):  # binary: socket.io 0.9 sends text only
            self.close(1003, "text messages only")
            msg = "binary message"
            raise EOFError(msg)
        elif isinstance(event, Ping):
            with contextlib.suppress(EventHubConnectionError):
                self._write(event.response())
        elif isinstance(event, CloseConnection):
            with contextlib.suppress(Exception):  # the other end may already be gone
                self._write(event.response())
            self.closed = True
            msg = f"closed by the other end ({event.code})"
            raise EOFError(msg)
        return None

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the websocket (idempotent); the socket itself is the caller's."""
        if self.closed:
            return
        self.closed = True
        try:
            with self._sending:
                with self._protocol:
                    data = self._ws.send(CloseConnection(code=code, reason=reason))
                self.socket.sendall(data)
        except Exception:  # closing a dead connection
            pass
