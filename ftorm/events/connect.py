"""The `EventHub` of a session's transport: a websocket over HTTP, a direct attachment to
an embedded server in this process; for an asynchronous transport, an `AsyncEventHub`
driving one (`ftorm.events.aio`).

Reaching ``session.events`` imports neither the websocket protocol (wsproto: imported when
the hub connects) nor asyncio (with the asynchronous hub only): a synchronous program that
never connects pays for neither (`benchmarks/bench_loading.py`, "Start-up").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftorm.errors import EventHubConnectionError, EventHubError, EventRejectedError
from ftorm.events.channel import Channel, LocalChannel, WebSocketChannel
from ftorm.events.hub import EventHub
from ftorm.protocol.socketio import ACKING_QUERY, TRANSPORT, Handshake
from ftorm.transport.endpoint import Endpoint
from ftorm.transport.inprocess import InProcessTransport

if TYPE_CHECKING:
    from ftorm.events.aio import AsyncEventHub

__all__ = ["async_hub_for", "hub_for", "local_channel", "websocket_channel"]


def websocket_channel(transport: Endpoint) -> Channel:
    """Handshake with the server of ``transport`` and open its websocket."""
    try:
        handshake = Handshake.parse(transport.socketio_handshake())
    except EventRejectedError as error:
        raise EventHubConnectionError(str(error)) from None
    if TRANSPORT not in handshake.transports:
        msg = f"the event hub offers no websocket transport ({', '.join(handshake.transports)})"
        raise EventHubConnectionError(msg)
    from ftorm.transport.websocket import open_websocket  # wsproto: on connecting only

    timeout = transport.timeout[0] if isinstance(transport.timeout, tuple) else transport.timeout
    websocket = open_websocket(
        transport.server_url, handshake.session_id + ACKING_QUERY, timeout=timeout
    )
    return WebSocketChannel(websocket, float(handshake.heartbeat_timeout))


def local_channel(server: Any) -> Channel:
    """A channel to the hub of ``server`` (`ftorm.server.handlers.Server`) in this process."""
    try:
        return LocalChannel(server.events.attach(server.api_user, server.api_key, acking=True))
    except EventRejectedError as error:
        raise EventHubConnectionError(str(error)) from None


def async_hub_for(transport: Any) -> AsyncEventHub:
    """An (unconnected) `AsyncEventHub` reaching the hub behind an asynchronous transport
    (`ftorm.transport.aio.AsyncTransport`): it drives the `EventHub` `hub_for` makes for
    the same server."""
    from ftorm.events.aio import AsyncEventHub  # asyncio: for asynchronous sessions only
    from ftorm.transport.aio import AsyncInProcessTransport

    if isinstance(transport, AsyncInProcessTransport):
        return AsyncEventHub(hub_for(transport.sync))
    return AsyncEventHub(hub_for(transport))


def hub_for(transport: Any) -> EventHub:
    """An (unconnected) `EventHub` reaching the hub behind ``transport``."""
    if isinstance(transport, Endpoint):
        http = transport
        return EventHub(lambda: websocket_channel(http), user=http.credentials[0])
    if isinstance(transport, InProcessTransport):
        server = transport.server
        return EventHub(lambda: local_channel(server), user=server.api_user)
    msg = f"{type(transport).__name__} has no event hub (HTTP and in-process sessions have one)"
    raise EventHubError(msg)
