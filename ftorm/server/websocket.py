"""The event hub's websocket on the HTTP server's port: ``/socket.io/1/websocket/<id>``.

`upgrade` takes over a connection whose request the HTTP server has already read: wsproto
checks the upgrade request and writes the ``101`` answer (or the refusal), then this thread
reads the client's packets into the `ftorm.server.eventhub.Connection` while a second thread
writes the connection's queued packets, and a heartbeat when idle. A client silent for the
hub's heartbeat timeout is dropped.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, RejectConnection, Request

from ftorm.errors import EventHubConnectionError, EventRejectedError
from ftorm.protocol.socketio import ACKING_QUERY, WEBSOCKET_PATH, Code, Packet
from ftorm.protocol.websocket import WebSocket
from ftorm.server.eventhub import Connection, Hub

__all__ = ["handshake_reply", "is_upgrade", "upgrade"]

logger: logging.Logger = logging.getLogger(__name__)


def is_upgrade(handler: BaseHTTPRequestHandler) -> bool:
    """Whether the request read by ``handler`` opens the event hub's websocket."""
    path = handler.path.partition("?")[0]
    upgrade_header = str(handler.headers.get("Upgrade", "")).strip().lower()
    return path.startswith(WEBSOCKET_PATH) and upgrade_header == "websocket"


def upgrade(handler: BaseHTTPRequestHandler, hub: Hub) -> None:
    """Serve the websocket ``handler`` asks for until either end closes it."""
    sock: socket.socket = handler.connection
    session_id = handler.path.partition("?")[0][len(WEBSOCKET_PATH) :].strip("/")
    ws = WSConnection(ConnectionType.SERVER)
    lines = [handler.requestline, *(f"{k}: {v}" for k, v in handler.headers.items())]
    ws.receive_data(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    events = list(ws.events())
    if not events or not isinstance(events[0], Request):
        sock.sendall(ws.send(RejectConnection(status_code=400)))
        return
    connection = hub.claim(session_id, acking=handler.path.endswith(ACKING_QUERY))
    if connection is None:
        sock.sendall(ws.send(RejectConnection(status_code=403)))
        logger.info("event hub: refused websocket for unknown session id")
        return
    sock.sendall(ws.send(AcceptConnection()))
    sock.settimeout(hub.heartbeat_timeout)
    websocket = WebSocket(sock, ws, events[1:])

    def shut() -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    connection.on_close = shut
    writer = threading.Thread(
        target=_write, args=(websocket, connection, hub), name="ftorm-events-writer", daemon=True
    )
    writer.start()
    try:
        _read(websocket, connection)
    finally:
        connection.close(connection.closed_reason or "the websocket closed")
        writer.join(timeout=5)
        websocket.close()


def _read(websocket: WebSocket, connection: Connection) -> None:
    while connection.closed_reason is None:
        try:
            text = websocket.receive()
        except TimeoutError:
            connection.close("no heartbeat within the heartbeat timeout", lost=True)
            return
        except EventRejectedError as error:
            connection.close(str(error))
            return
        except EOFError:
            connection.close("the websocket closed without a disconnect packet", lost=True)
            return
        connection.receive(text)


def _write(websocket: WebSocket, connection: Connection, hub: Hub) -> None:
    heartbeat = str(Packet(Code.HEARTBEAT))
    while True:
        try:
            text = connection.next_outgoing(hub.heartbeat_interval)
        except EOFError:
            break
        try:
            websocket.send(heartbeat if text is None else text)
        except (EventHubConnectionError, OSError) as error:
            connection.close(f"cannot write to the client: {error}", lost=True)
            break
    websocket.close()
    with contextlib.suppress(OSError):  # wake the reader: nothing more is read now
        websocket.socket.shutdown(socket.SHUT_RD)


def handshake_reply(
    hub: Hub, method: str, user: str | None, key: str | None
) -> tuple[str, list[tuple[str, str]], bytes]:
    """The answer to ``GET /socket.io/1/``: status, headers and body (the handshake text, or
    the reason it is refused)."""
    if method not in ("GET", "POST"):
        return "405 Method Not Allowed", [("Allow", "GET"), ("Content-Length", "0")], b""
    try:
        body = str(hub.handshake(user, key)).encode("ascii")
        status = "200 OK"
    except PermissionError as error:
        body, status = str(error).encode("utf-8"), "401 Unauthorized"
    except EventRejectedError as error:
        body, status = str(error).encode("utf-8"), "503 Service Unavailable"
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    return status, headers, body
