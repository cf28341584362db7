"""The embedded server's event hub: ftrack's event routing over socket.io 0.9.

A client asks ``GET /socket.io/1/`` with its credentials (`Hub.handshake`: a session id),
opens the websocket (`ftorm.server.websocket`) or, in the same process, attaches directly
(`Hub.attach`), and then exchanges packets (`ftorm.protocol.socketio`) through a
`Connection` (`ftorm.server.connections`, which also holds the bounds of its queue):

- ``ftrack.meta.subscribe`` / ``ftrack.meta.unsubscribe`` events add and remove the
  connection's subscribers (``data.subscriber`` with its ``id``, ``data.subscription`` an
  expression, `ftorm.query.subscription`); each is acknowledged ``{"success": true}`` or
  ``{"success": false, "message": ...}``.
- Any other event is routed, once per connection, to every connection with a subscriber
  whose subscription matches the event and whose metadata matches the event's ``target``
  (replies, ``ftrack.meta.reply``, target the asking hub: ``id=<hub id>``), the sender
  included. Events asking for an acknowledgement get ``{"success": true}``.
- The server publishes ``ftrack.update`` for every committed batch (`Hub.publish`).

Bounds: an event larger than `MAX_EVENT_BYTES`, a packet that is not socket.io, another
socket.io event than ``ftrack.event``, a client publishing the hub's own ``ftrack.meta.*``
topics, or more than `MAX_SUBSCRIPTIONS` subscribers on one connection get an error
(acknowledgement or error packet) and change nothing. Each connection's outgoing packets wait
in a bounded queue (`MAX_QUEUED` packets, `MAX_QUEUED_BYTES` bytes): routing never waits for a
client, and a client that falls that far behind is disconnected, with a warning in the log.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from ftorm.errors import EventRejectedError
from ftorm.protocol import socketio
from ftorm.protocol.events import to_wire
from ftorm.protocol.socketio import Code, Handshake, Packet
from ftorm.server.connections import (
    CLOSE_TIMEOUT,
    Connection,
    Parked,
    Subscribers,
    addressable,
    logger,
    wanted,
)
from ftorm.server.connections import MAX_QUEUED as MAX_QUEUED
from ftorm.server.connections import MAX_QUEUED_BYTES as MAX_QUEUED_BYTES
from ftorm.server.connections import MAX_UNACKNOWLEDGED as MAX_UNACKNOWLEDGED

__all__ = [
    "HEARTBEAT_INTERVAL",
    "HEARTBEAT_TIMEOUT",
    "MAX_CONNECTIONS",
    "MAX_QUEUED",
    "MAX_QUEUED_BYTES",
    "MAX_UNACKNOWLEDGED",
    "Connection",
    "Hub",
]

HEARTBEAT_TIMEOUT: Final = 60
"""Seconds a connection may stay silent (no packet, no heartbeat) before it is dropped; the
handshake tells clients."""
HEARTBEAT_INTERVAL: Final = 25.0
"""Seconds between the server's heartbeats on an idle connection."""
MAX_CONNECTIONS: Final = 256
"""Connections (and session ids waiting to be used) the hub holds at once."""


class Hub:
    """Routes events between connections; one per `ftorm.server.handlers.Server`."""

    def __init__(
        self,
        check_credentials: Callable[[str | None, str | None], bool],
        *,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
    ) -> None:
        self._check = check_credentials
        self.heartbeat_interval: float = heartbeat_interval
        """Seconds between heartbeats on an idle websocket."""
        self.heartbeat_timeout: float = heartbeat_timeout
        """Seconds of client silence before a websocket is dropped."""
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[float, str]] = {}  # session id -> (deadline, user)
        self._connections: dict[str, Connection] = {}
        self._parked: dict[str, Parked] = {}  # subscriber id -> its lost connection's
        self._published: list[Callable[[dict[str, Any]], None]] = []
        self._closed = False

    @property
    def connections(self) -> list[Connection]:
        """The open connections."""
        with self._lock:
            return list(self._connections.values())

    def handshake(self, user: str | None, key: str | None) -> Handshake:
        """A session id for ``user``; `PermissionError` for bad credentials,
        `EventRejectedError` when the hub holds `MAX_CONNECTIONS` already."""
        if not self._check(user, key):
            msg = "The supplied API key is not valid." if user else "Missing ftrack-user header."
            raise PermissionError(msg)
        now = time.monotonic()
        with self._lock:
            if self._closed:
                msg = "the server is closed"
                raise EventRejectedError(msg)
            for sid, (deadline, _) in list(self._pending.items()):
                if deadline < now:
                    del self._pending[sid]
            self._expire()
            parked = len({id(group) for group in self._parked.values()})
            if len(self._pending) + len(self._connections) + parked >= MAX_CONNECTIONS:
                msg = f"the event hub holds {MAX_CONNECTIONS} connections already"
                raise EventRejectedError(msg)
            sid = secrets.token_hex(16)
            self._pending[sid] = (now + CLOSE_TIMEOUT, str(user))
        return Handshake(sid, max(1, math.ceil(self.heartbeat_timeout)), CLOSE_TIMEOUT)

    def claim(self, session_id: str, *, acking: bool = False) -> Connection | None:
        """The connection for a handshake's ``session_id`` (each id is used once); None
        for an unknown or expired one. ``acking``: see `Connection.acking`."""
        with self._lock:
            pending = self._pending.pop(session_id, None)
            if pending is None or pending[0] < time.monotonic() or self._closed:
                return None
            connection = Connection(self, session_id, pending[1], acking=acking)
            self._connections[session_id] = connection
        connection.send(Packet(Code.CONNECT))
        return connection

    def attach(self, user: str | None, key: str | None, *, acking: bool = False) -> Connection:
        """A connection for a client in this process (handshake and claim in one)."""
        connection = self.claim(self.handshake(user, key).session_id, acking=acking)
        if connection is None:  # closed in between
            msg = "the server is closed"
            raise EventRejectedError(msg)
        return connection

    def forget(
        self,
        connection: Connection,
        subscribers: Subscribers,
        unsent: list[tuple[str, str]],
    ) -> None:
        """Drop the closed ``connection``; park its ``subscribers`` (a lost connection) with
        the ``unsent`` (event id, packet) pairs, or hand them to the open connection of the
        same user that already holds one of them (`ftorm.server.connections.Router.forget`)."""
        heir: Connection | None = None
        with self._lock:
            if self._connections.get(connection.session_id) is connection:
                del self._connections[connection.session_id]
            if not subscribers or self._closed:
                return
            self._expire()
            parked = Parked(connection.user, subscribers)
            for event_id, packet in unsent:  # not known to have arrived: kept
                parked.deliver(event_id, packet)
            # The client may have reconnected, and subscribed again, before this loss was
            # noticed: then its new connection (same user, holding one of the subscribers)
            # takes the events now; nobody would claim them later. A connection is never
            # closed or robbed by another's subscription.
            heir = next(
                (
                    other
                    for other in self._connections.values()
                    if other.user == connection.user
                    and not other.subscribers.keys().isdisjoint(subscribers)
                ),
                None,
            )
            if heir is None:
                for ident in subscribers:
                    self._parked[ident] = parked
        if heir is not None:
            parked.hand_over(heir)

    def _expire(self) -> None:
        """Forget lost connections' subscribers whose time ran out (under the lock)."""
        now = time.monotonic()
        for ident, parked in list(self._parked.items()):
            if parked.deadline < now or parked.target is not None:
                del self._parked[ident]

    def claim_parked(self, subscriber_id: str, connection: Connection) -> bool:
        """Give ``connection`` the lost connection that held ``subscriber_id``, if any
        (`ftorm.server.connections.Router.claim_parked`)."""
        with self._lock:
            parked = self._parked.get(subscriber_id)
            if parked is None or parked.user != connection.user:
                return False
            if parked.deadline < time.monotonic():
                self._expire()
                return False
            for ident in parked.subscribers:
                self._parked.pop(ident, None)
        parked.hand_over(connection)
        return True

    def on_publish(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call ``callback`` with every event the hub routes (`ftorm.testing` records them)."""
        with self._lock:
            self._published.append(callback)

    def remove_on_publish(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Stop calling ``callback`` (see `on_publish`)."""
        with self._lock:
            if callback in self._published:
                self._published.remove(callback)

    def publish(self, event: dict[str, Any]) -> int:
        """Route ``event`` (already checked, `ftorm.protocol.events.check_event`) to the
        connections that want it; how many. Never waits for a client."""
        with self._lock:
            connections = list(self._connections.values())
            watchers = list(self._published)
            parked = list({id(p): p for p in self._parked.values()}.values())
        for watcher in watchers:
            try:
                watcher(event)
            except Exception:
                logger.exception("event hub: a publish watcher failed")
        if not addressable(event):
            return 0  # a target that does not parse matches no subscriber
        packet: str | None = None
        sent = 0
        event_id = str(event.get("id"))
        for connection in connections:
            if connection.wants(event):
                if packet is None:
                    packet = str(socketio.event(to_wire(event)))
                if connection.send_event(event_id, packet):
                    sent += 1
        for lost in parked:
            if wanted(list(lost.subscribers.values()), event):
                if packet is None:
                    packet = str(socketio.event(to_wire(event)))
                lost.deliver(event_id, packet)
        return sent

    def close(self) -> None:
        """Close every connection; later handshakes are refused."""
        with self._lock:
            self._closed = True
            connections = list(self._connections.values())
            self._pending.clear()
            self._parked.clear()
        for connection in connections:
            connection.close("the server is closing")
