"""Opening the event hub's websocket from a client: ``ws(s)://<server>/socket.io/1/websocket/<id>``.

The socket is plain TCP for ``http://`` servers and TLS (verified with the system's
certificates) for ``https://``; the upgrade handshake and the framing are wsproto's
(`ftorm.protocol.websocket`).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Event, RejectConnection, RejectData, Request

from ftorm.errors import EventHubConnectionError
from ftorm.protocol.socketio import WEBSOCKET_PATH
from ftorm.protocol.websocket import WebSocket

__all__ = ["open_websocket"]

_MAX_HANDSHAKE = 64 * 1024


def open_websocket(
    server_url: str,
    session_id: str,
    *,
    timeout: float = 10.0,
    headers: dict[str, str] | None = None,
) -> WebSocket:
    """The event hub's websocket for a handshake's ``session_id``; `EventHubConnectionError`
    when it cannot be opened."""
    parts = urlsplit(server_url)
    secure = parts.scheme == "https"
    host = parts.hostname or "localhost"
    port = parts.port or (443 if secure else 80)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as error:
        msg = f"cannot open the event hub's websocket at {host}:{port}: {error}"
        raise EventHubConnectionError(msg) from None
    try:
        if secure:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        ws = WSConnection(ConnectionType.CLIENT)
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
        sock.sendall(
            ws.send(Request(host=netloc, target=WEBSOCKET_PATH + session_id, extra_headers=extra))
        )
        pending = _accepted(sock, ws)
    except (OSError, EventHubConnectionError) as error:
        with contextlib.suppress(OSError):
            sock.close()
        if isinstance(error, EventHubConnectionError):
            raise
        msg = f"cannot open the event hub's websocket at {host}:{port}: {error}"
        raise EventHubConnectionError(msg) from None
    return WebSocket(sock, ws, pending)


def _accepted(sock: socket.socket, ws: WSConnection) -> list[Event]:
    received = 0
    while received < _MAX_HANDSHAKE:
        data = sock.recv(4096)
        received += len(data)
        ws.receive_data(data or None)
        events = list(ws.events())
        for index, event in enumerate(events):
            if isinstance(event, AcceptConnection):
                return events[index + 1 :]
            if isinstance(event, (RejectConnection, RejectData)):
                status = getattr(event, "status_code", "")
                msg = f"the event hub refused the websocket (HTTP {status})"
                raise EventHubConnectionError(msg)
        if not data:
            break
    msg = "the event hub closed the connection during the websocket handshake"
    raise EventHubConnectionError(msg)
