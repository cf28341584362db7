"""One client's connection to the embedded server's event hub (`ftorm.server.eventhub`).

A `Connection` is a socket.io session seen from the server, apart from how its packets
travel (`ftorm.server.websocket` reads and writes them over a websocket, or a client in the
same process attaches directly): it parses and answers the client's packets (acknowledgements,
heartbeats, ``ftrack.meta.subscribe`` / ``unsubscribe``, events handed to the hub to route),
holds its subscribers, and queues what it sends in a bounded queue (`MAX_QUEUED` packets,
`MAX_QUEUED_BYTES` bytes) so that routing never waits for a client. A lost connection's
subscribers and the events they match wait for a new connection as a `Parked` backlog.
The hub (`Router`) routes events between connections.
"""

from __future__ import annotations

import collections
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

from ftorm.errors import EventRejectedError, SubscriptionSyntaxError, excerpt
from ftorm.protocol import socketio
from ftorm.protocol.events import (
    MAX_EVENT_BYTES,
    MAX_SUBSCRIPTIONS,
    META_PREFIX,
    REPLY,
    SUBSCRIBE,
    UNSUBSCRIBE,
    RecentIds,
    check_event,
)
from ftorm.protocol.socketio import Code, Packet
from ftorm.query.subscription import Expression, parse

__all__ = [
    "CLOSE_TIMEOUT",
    "MAX_QUEUED",
    "MAX_QUEUED_BYTES",
    "MAX_UNACKNOWLEDGED",
    "Connection",
    "Parked",
    "Router",
    "Subscribers",
    "logger",
    "wanted",
]

logger: logging.Logger = logging.getLogger("ftorm.server.eventhub")
"""The event hub's log (connections and routing alike log under the hub's name)."""

CLOSE_TIMEOUT: Final = 60
"""Seconds a handshake's session id stays valid for opening the websocket."""
MAX_QUEUED: Final = 10_000
"""Packets waiting for one slow client before it is disconnected."""
MAX_UNACKNOWLEDGED: Final = 10_000
"""Events sent to an acknowledging client (`Connection.acking`) and not yet acknowledged
before it is disconnected as too slow."""
MAX_QUEUED_BYTES: Final = 32 * 1024 * 1024
"""Bytes waiting for one slow client before it is disconnected."""
_RECENT: Final = 10_000  # event ids a connection remembers, to send each event once


Subscribers = dict[str, tuple[dict[str, Any], Expression]]
"""A connection's subscribers: subscriber id to (metadata, subscription)."""


class Router(Protocol):
    """What a connection asks of the hub that routes its events (`ftorm.server.eventhub.Hub`)."""

    def publish(self, event: dict[str, Any]) -> int:
        """Route ``event`` to the connections that want it; how many."""
        ...

    def forget(
        self, connection: Connection, subscribers: Subscribers, unsent: list[tuple[str, str]]
    ) -> None:
        """Drop the closed ``connection``; park its ``subscribers`` (a lost connection) with
        the ``unsent`` (event id, packet) pairs, or hand them at once to an open connection
        of the same user that already holds one of those subscribers (its client
        reconnected before the loss was noticed)."""
        ...

    def claim_parked(self, subscriber_id: str, connection: Connection) -> bool:
        """Give ``connection`` the lost connection that held ``subscriber_id``, if any."""
        ...


class Connection:
    """One client's socket.io session: its subscribers and its outgoing queue.

    `receive` takes the client's packets (on the thread reading them); `next_outgoing` gives
    the packets to send (to the thread writing them). Thread-safe.
    """

    def __init__(self, hub: Router, session_id: str, user: str, *, acking: bool = False) -> None:
        self.hub: Router = hub
        """The hub routing this connection's events (`ftorm.server.eventhub.Hub`)."""
        self.acking: bool = acking
        """The client acknowledges each event (ftorm's client asks for it): events stay in
        flight until acknowledged, and a lost connection's are sent again on resuming."""
        self.session_id: str = session_id
        """The handshake's session id."""
        self.user: str = user
        """The API user the handshake authenticated."""
        self.subscribers: Subscribers = {}
        """Subscriber id to (metadata, subscription)."""
        self.closed_reason: str | None = None
        """Why the connection closed (None while open)."""
        self.last_seen: float = time.monotonic()
        """When the client last sent anything."""
        self._queue: collections.deque[str] = collections.deque()
        self._queued_bytes = 0
        self._ready = threading.Condition()
        self._recent = RecentIds(_RECENT)
        self._ids = itertools.count(1)
        self.on_close: Callable[[], None] | None = None
        """Called once when the connection closes (the websocket shuts its socket, so a
        thread blocked writing to a client that stopped reading is freed at once)."""
        self._inflight: dict[int, tuple[str, str]] = {}  # packet id -> event id, packet

    def __repr__(self) -> str:
        return f"<Connection {self.session_id} {self.user}>"

    # --- outgoing -------------------------------------------------------------------------

    def send(self, packet: Packet | str) -> bool:
        """Queue ``packet`` for the client; never waits. False (and the connection closed)
        when the client has fallen too far behind, or it is closed."""
        text = str(packet)
        with self._ready:
            if self.closed_reason is not None:
                return False
            waiting = len(self._queue)
            if waiting < MAX_QUEUED and self._queued_bytes + len(text) <= MAX_QUEUED_BYTES:
                self._queue.append(text)
                self._queued_bytes += len(text)
                self._ready.notify()
                return True
        self.close(f"too slow: {waiting:,} packets were waiting to be read")
        return False

    def send_event(self, event_id: str, packet: str) -> bool:
        """`send` an event packet (``5:::...``) unless this connection was sent that event
        already; to an `acking` client with a packet id, kept until acknowledged."""
        with self._ready:
            if not self._recent.add(event_id):
                return True
            if self.acking:
                if len(self._inflight) >= MAX_UNACKNOWLEDGED:
                    waiting = len(self._inflight)
                else:
                    ident = next(self._ids)
                    self._inflight[ident] = (event_id, packet)
                    waiting = -1
                    packet = f"{int(Code.EVENT)}:{ident}::{packet[len(_EVENT_PREFIX) + 2 :]}"
        if self.acking and waiting >= 0:
            self.close(f"too slow: {waiting:,} events were not acknowledged")
            return False
        return self.send(packet)

    def next_outgoing(self, timeout: float | None) -> str | None:
        """The next packet to send, waiting at most ``timeout`` seconds (None: nothing came).
        Raises `EOFError` once the connection is closed and its queue is empty."""
        with self._ready:
            if not self._queue and self.closed_reason is None:
                self._ready.wait(timeout)
            if self._queue:
                text = self._queue.popleft()
                self._queued_bytes -= len(text)
                return text
            if self.closed_reason is not None:
                raise EOFError(self.closed_reason)
            return None

    def close(self, reason: str, *, lost: bool = False) -> None:
        """Close the connection (idempotent); its subscribers stop receiving at once.

        ``lost``: the connection broke (no heartbeat, the socket closed without the client
        saying goodbye): its subscribers are kept for `CLOSE_TIMEOUT` seconds with the events
        they match (the newest, at most half of `MAX_QUEUED` and of `MAX_QUEUED_BYTES`), for
        the connection that subscribes one of them again (`Hub.publish`).
        """
        with self._ready:
            if self.closed_reason is not None:
                return
            self.closed_reason = reason
            if self.acking:
                unsent = list(self._inflight.values())
            else:
                unsent = [
                    (_event_id(text), text)
                    for text in self._queue
                    if text.startswith(_EVENT_PREFIX)
                ]
            self._inflight.clear()
            self._queue.clear()
            self._queued_bytes = 0
            self._ready.notify_all()
            subscribers = dict(self.subscribers) if lost else {}
        self.hub.forget(self, subscribers, unsent if lost else [])
        if self.on_close is not None:
            try:
                self.on_close()
            except Exception:
                logger.exception("event hub: closing %r failed", self)
        if reason.startswith("too slow"):
            logger.warning("event hub: disconnected %r: %s", self, reason)
        else:
            logger.info("event hub: %r closed: %s", self, reason)

    # --- incoming -------------------------------------------------------------------------

    def receive(self, text: str) -> None:
        """Handle one packet from the client; a bad one is answered with an error and
        changes nothing."""
        self.last_seen = time.monotonic()
        if self.closed_reason is not None:
            return
        packet: Packet | None = None
        try:
            packet = socketio.parse_packet(text)
            self._receive(packet)
        except Exception as error:  # a bug must not kill the connection's reader
            if not isinstance(error, EventRejectedError):
                logger.exception("event hub: %r: internal error", self)
                error = EventRejectedError(f"internal error: {type(error).__name__}")
            logger.warning("event hub: %r: %s", self, error)
            if packet is not None and packet.id is not None:
                self.send(socketio.ack(packet.id, {"success": False, "message": str(error)}))
            else:
                self.send(Packet(Code.ERROR, data=str(error)))

    def _receive(self, packet: Packet) -> None:
        if packet.code is Code.ACK:
            ident, _ = socketio.read_ack(packet)
            with self._ready:  # cumulative: every event up to ``ident`` arrived
                for done in [key for key in self._inflight if key <= ident]:
                    del self._inflight[done]
            return
        if packet.code in (Code.HEARTBEAT, Code.NOOP, Code.CONNECT):
            return
        if packet.code is Code.DISCONNECT:
            self.close("the client disconnected")
            return
        if packet.code is not Code.EVENT:
            msg = f"unexpected socket.io packet type {int(packet.code)} ({packet.code.name})"
            raise EventRejectedError(msg)
        size = len(packet.data.encode("utf-8"))
        if size > MAX_EVENT_BYTES + 64:
            msg = f"the event is {size:,} bytes; the hub accepts at most {MAX_EVENT_BYTES:,}"
            raise EventRejectedError(msg)
        event = check_event(socketio.read_event(packet), size=size)
        answer = self._handle(event)
        if packet.id is not None:
            self.send(socketio.ack(packet.id, answer))

    def _handle(self, event: dict[str, Any]) -> dict[str, Any]:
        topic = event["topic"]
        data = event.get("data")
        if topic == SUBSCRIBE:
            return self._subscribe(data)
        if topic == UNSUBSCRIBE:
            return self._unsubscribe(data)
        if topic.startswith(META_PREFIX) and topic != REPLY:
            msg = f"{topic!r} is the hub's own topic; clients publish {SUBSCRIBE!r}, "
            msg += f"{UNSUBSCRIBE!r} and {REPLY!r} only"
            raise EventRejectedError(msg)
        self.hub.publish(event)
        return {"success": True}

    def _subscriber(self, data: Any) -> dict[str, Any]:
        subscriber = data.get("subscriber") if isinstance(data, dict) else None
        if not isinstance(subscriber, dict) or not isinstance(subscriber.get("id"), str):
            msg = "data.subscriber must be an object with a string id"
            raise EventRejectedError(msg)
        return subscriber

    def _subscribe(self, data: Any) -> dict[str, Any]:
        subscriber = self._subscriber(data)
        text = data.get("subscription")
        if not isinstance(text, str):
            msg = "data.subscription must be an expression (a string)"
            raise EventRejectedError(msg)
        try:
            expression = parse(text)
        except SubscriptionSyntaxError as error:
            msg = f"bad subscription: {error}"
            raise EventRejectedError(msg) from None
        ident = subscriber["id"]
        with self._ready:
            held = self.subscribers.get(ident)
            if held is not None and str(held[1]) != str(expression):
                msg = f"subscriber {excerpt(ident)} already exists on this connection"
                raise EventRejectedError(msg)
            if held is None:
                if len(self.subscribers) >= MAX_SUBSCRIPTIONS:
                    msg = f"a connection holds at most {MAX_SUBSCRIPTIONS:,} subscribers"
                    raise EventRejectedError(msg)
                self.subscribers[ident] = (subscriber, expression)
        # Held first, then claimed: a lost connection that held the same subscriber is
        # either parked before the claim looks, or finds this connection holding it and
        # hands its events over (`Router.forget`): never parked for nobody.
        self.hub.claim_parked(ident, self)
        return {"success": True}  # also when subscribed again after a reconnection

    def _unsubscribe(self, data: Any) -> dict[str, Any]:
        ident = self._subscriber(data)["id"]
        with self._ready:
            found = self.subscribers.pop(ident, None)
        if found is None:
            return {"success": False, "message": f"no subscriber {excerpt(ident)}"}
        return {"success": True}

    def wants(self, event: dict[str, Any]) -> bool:
        """Whether one of the subscribers matches ``event`` (and its ``target``)."""
        with self._ready:
            subscribers = list(self.subscribers.values())
        return wanted(subscribers, event)

    def adopt(self, subscribers: Subscribers) -> None:
        """Take over a lost connection's ``subscribers`` (`Router.claim_parked`)."""
        with self._ready:
            for ident, entry in subscribers.items():
                self.subscribers.setdefault(ident, entry)


_EVENT_PREFIX = f"{int(Code.EVENT)}:"


def _event_id(packet: str) -> str:
    try:
        return str(socketio.read_event(socketio.parse_packet(packet)).get("id"))
    except (EventRejectedError, AttributeError):
        return ""


def addressable(event: dict[str, Any]) -> bool:
    """Whether ``event``'s ``target`` (if any) is an expression, so that it may reach a
    subscriber. Checked once per event before `wanted` runs for each connection: a target
    that does not parse is not parsed again for each one (failures are not cached)."""
    target_text = event.get("target") or ""
    if not target_text:
        return True
    try:
        parse(target_text)
    except SubscriptionSyntaxError:
        return False
    return True


def wanted(subscribers: list[tuple[dict[str, Any], Expression]], event: dict[str, Any]) -> bool:
    """Whether one of ``subscribers`` (metadata, subscription) matches ``event`` and its
    ``target``."""
    target_text = event.get("target") or ""
    try:
        target = parse(target_text) if target_text else None
    except SubscriptionSyntaxError:
        return False
    for metadata, expression in subscribers:
        if target is not None and not target.match(metadata):
            continue
        if expression.match(event):
            return True
    return False


class Parked:
    """A lost connection's subscribers and the events they match, until a new connection
    subscribes one of them again (then it takes them all, and the events) or time runs out."""

    def __init__(self, user: str, subscribers: Subscribers) -> None:
        self.user: str = user
        """The API user of the lost connection (only the same user takes it over)."""
        self.deadline: float = time.monotonic() + CLOSE_TIMEOUT
        """When the subscribers are forgotten (`time.monotonic`)."""
        self.subscribers: Subscribers = subscribers
        """The lost connection's subscribers."""
        self.events: collections.deque[tuple[str, str]] = collections.deque()
        """(event id, packet) of the events kept for them, oldest first."""
        self.size: int = 0
        """Characters held in `events`."""
        self.overflowed: bool = False
        """The oldest events were dropped (logged once)."""
        self.target: Connection | None = None
        """The connection that took the subscribers over (then events go straight to it)."""
        self.lock: threading.Lock = threading.Lock()
        """Held while events are kept or handed over."""

    def deliver(self, event_id: str, packet: str) -> None:
        """Keep the event for the connection that takes the subscribers over (the newest
        events only, within half a connection's bounds), or send it to that connection."""
        with self.lock:
            target = self.target
            if target is None:
                self.events.append((event_id, packet))
                self.size += len(packet)
                # half a connection's queue: the resuming connection takes it all at once
                while len(self.events) > MAX_QUEUED // 2 or self.size > MAX_QUEUED_BYTES // 2:
                    self.size -= len(self.events.popleft()[1])
                    if not self.overflowed:
                        self.overflowed = True
                        logger.warning("event hub: a lost connection's backlog is full")
                return
        target.send_event(event_id, packet)

    def hand_over(self, connection: Connection) -> None:
        """Give ``connection`` the subscribers and the events kept for them."""
        with self.lock:
            connection.adopt(self.subscribers)
            for event_id, packet in self.events:
                connection.send_event(event_id, packet)
            self.events.clear()
            self.target = connection
