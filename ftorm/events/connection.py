"""An event hub client's connection: opening it, reading it, keeping it alive, reopening it.

A `Connection` moves the packets of one `ftorm.events.EventHub` through a `Channel` (a new
one per (re)connection; how a channel is opened is `ftorm.events.connect`'s): it sends
events and remembers those the hub has not acknowledged yet, answers heartbeats,
acknowledges the events received, hands each event on once (``deliver``), and reopens a
lost connection with backoff. Which subscriber gets an event is `ftorm.events.routing`'s;
what the hub sends to subscribe, the client's (``resubscribe`` and ``refused`` tell it).

Threads. Opening a connection starts its reading thread (``ftorm-events-reader``), which
answers heartbeats and acknowledgements, delivers incoming events, and reconnects when the
connection is lost. Everything else runs on the caller's thread, under `Connection.lock`
(the client's lock too).

Reconnection. A lost connection is reopened with backoff (0.1 s doubling to 5 s, at most
``reconnect_attempts`` tries); ``resubscribe`` subscribes every subscriber again, and events
sent but not yet acknowledged are sent again. After the last failed try the connection
gives up (`Connection.gave_up`) and delivers ``ftrack.meta.disconnected``.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from ftorm.errors import (
    EXCERPT,
    EventHubConnectionError,
    EventHubError,
    EventRejectedError,
    excerpt,
)
from ftorm.events.channel import Channel
from ftorm.events.event import Event
from ftorm.protocol import socketio
from ftorm.protocol.events import CONNECTED, DISCONNECTED, RecentIds, from_wire, to_wire
from ftorm.protocol.socketio import Code, Packet

__all__ = ["ACK_EVERY", "MAX_PENDING", "Connection"]

logger: logging.Logger = logging.getLogger("ftorm.events.hub")  # (the client's log)

MAX_PENDING: Final = 10_000
"""Events kept for sending (while disconnected, or sent and not yet acknowledged)."""
_SEEN: Final = 20_000  # event ids remembered to deliver each event once
_BACKOFF: Final = (0.1, 5.0)  # first delay, longest delay (seconds)
ACK_EVERY: Final = 64
"""Events received between two acknowledgements (and one whenever the connection is idle)."""
_EVENT: Final = "event"  # the kind of a published event among the tracked sends


def _reason(message: object) -> str:
    """A server's message of refusal, as quoted (its repr, cut, unless short plain text)."""
    if not message:
        return "no reason given"
    if isinstance(message, str) and len(message) <= EXCERPT and message.isprintable():
        return message
    return excerpt(message)


class Connection:
    """The connection of the client ``hub_id``: ``opener`` opens a `Channel`; ``deliver``
    takes each event received (once per event id) and the connection's own
    ``ftrack.meta.connected``/``disconnected``; ``resubscribe`` sends the subscriptions on
    a new connection, and ``refused`` hears of a tracked send the server refused (its kind,
    event and quoted reason); both run under `lock`."""

    def __init__(
        self,
        opener: Callable[[], Channel],
        *,
        hub_id: str,
        deliver: Callable[[Event], None],
        resubscribe: Callable[[], None],
        refused: Callable[[str, dict[str, Any], str], None],
        reconnect_attempts: int,
        sleep: Callable[[float], None],
    ) -> None:
        self._open = opener
        self._hub_id = hub_id
        self._deliver = deliver
        self._resubscribe = resubscribe
        self._on_refused = refused
        self.reconnect_attempts: int = reconnect_attempts
        """Tries to reopen a lost connection before giving up."""
        self._sleep = sleep
        self.lock: threading.RLock = threading.RLock()
        """Guards the connection's state (and the client's)."""
        self.acked: threading.Condition = threading.Condition(self.lock)
        """Notified on each acknowledgement (and when the connection closes)."""
        self._channel: Channel | None = None
        self._generation = 0  # which connection the reader thread serves
        self._closed = False
        self._packet_ids = itertools.count(1)
        self._unacked: dict[int, tuple[str, dict[str, Any]]] = {}  # packet id -> kind, event
        self._outbox: collections.deque[dict[str, Any]] = collections.deque()
        self._seen = RecentIds(_SEEN)
        self.reconnects: int = 0
        """Connections reopened after a loss."""
        self._reconnecting = False  # the reading thread is reopening the connection
        self._gave_up = False  # reconnecting failed every attempt; `connect` tries again
        self._to_ack: int | None = None  # the last event packet id received
        self._unacked_count = 0

    @property
    def connected(self) -> bool:
        """Whether a connection is open."""
        return self._channel is not None

    @property
    def closed(self) -> bool:
        """Whether the connection was closed for good (`shut`)."""
        return self._closed

    @property
    def reconnecting(self) -> bool:
        """Whether the reading thread is reopening a lost connection."""
        return self._reconnecting

    @property
    def gave_up(self) -> bool:
        """Whether reconnecting failed every attempt (false again once `connect` succeeds)."""
        return self._gave_up

    def connect(self, *, retry: bool) -> None:
        """Open the connection (idempotent); with ``retry`` false, nothing once it gave up
        reconnecting. `EventHubConnectionError` when closed or when the hub cannot be
        reached."""
        with self.lock:
            if self._closed:
                msg = "the event hub client is closed"
                raise EventHubConnectionError(msg)
            if self._channel is not None or self._reconnecting:
                return  # (reconnecting: the reading thread reopens it)
            if self._gave_up and not retry:
                return
            self._attach(self._open())
            self._gave_up = False

    def _attach(self, channel: Channel) -> None:
        """Use ``channel`` (under the lock): start its reader, subscribe, resend."""
        self._channel = channel
        self._generation += 1
        self._to_ack, self._unacked_count = None, 0
        unacked = [event for _, event in self._unacked.values()]
        self._unacked.clear()
        reader = threading.Thread(
            target=self._read,
            args=(channel, self._generation),
            name="ftorm-events-reader",
            daemon=True,
        )
        reader.start()
        self._resubscribe()
        waiting = [*unacked, *self._outbox]
        self._outbox.clear()
        for event in waiting:
            self._send_event(event)
        self._deliver(Event(CONNECTED, source={"id": self._hub_id}))

    def send(self, packet: Packet) -> None:
        """Send ``packet``; `EventHubConnectionError` when not connected."""
        channel = self._channel
        if channel is None:
            msg = "the event hub is not connected"
            raise EventHubConnectionError(msg)
        channel.send(str(packet))

    def send_tracked(self, kind: str, event: dict[str, Any]) -> None:
        """Send ``event`` (under the lock) and keep it, as ``kind``, until the hub
        acknowledges it: a lost connection sends it again on reconnecting."""
        ident = next(self._packet_ids)
        self._unacked[ident] = (kind, event)
        with contextlib.suppress(EventHubConnectionError):  # kept: sent again on reconnecting
            self.send(socketio.event(to_wire(event), ident))

    def _send_event(self, event: dict[str, Any]) -> None:
        self.send_tracked(_EVENT, event)

    def publish(self, event: dict[str, Any]) -> None:
        """Send a published ``event`` (under the lock): connects when not connected, queues
        it while reconnecting or when the hub cannot be reached; `EventHubConnectionError`
        when `MAX_PENDING` events wait already."""
        if self._channel is None:
            try:
                if self._reconnecting:
                    msg = "reconnecting"
                    raise EventHubConnectionError(msg)
                self.connect(retry=True)
            except EventHubConnectionError:
                if len(self._outbox) >= MAX_PENDING:
                    raise
                self._outbox.append(event)  # sent once connected
                return
        if len(self._unacked) >= MAX_PENDING:
            msg = f"{MAX_PENDING:,} events wait for the hub's acknowledgement"
            raise EventHubConnectionError(msg)
        self._send_event(event)

    def pending(self, kind: str) -> list[dict[str, Any]]:
        """The events of ``kind`` sent and not acknowledged yet (under the lock)."""
        return [event for sent, event in self._unacked.values() if sent == kind]

    def _read(self, channel: Channel, generation: int) -> None:
        """The reading thread of one connection."""
        silence = channel.heartbeat_timeout
        last = time.monotonic()
        while True:
            try:
                text = channel.receive(1.0 if silence else 5.0)
            except EOFError as error:
                self._lost(generation, str(error) or "the connection closed")
                return
            with self.lock:
                if generation != self._generation or self._closed:
                    return
            if text is None:
                self._acknowledge()  # quiet: acknowledge what came
                if silence and time.monotonic() - last > silence:
                    self._lost(generation, "no heartbeat from the hub")
                    return
                continue
            last = time.monotonic()
            try:
                self._packet(socketio.parse_packet(text))
            except EventRejectedError as error:
                logger.warning("event hub: ignored a bad packet: %s", error)
            except Exception:  # a hostile or broken server never kills the reader
                logger.exception("event hub: ignored a packet that could not be handled")

    def _packet(self, packet: Packet) -> None:
        if packet.code is Code.HEARTBEAT:
            with contextlib.suppress(EventHubConnectionError):
                self.send(Packet(Code.HEARTBEAT))
        elif packet.code is Code.EVENT:
            payload = socketio.read_event(packet)
            if not isinstance(payload, dict):
                msg = f"an event that is not an object: {excerpt(payload)}"
                raise EventRejectedError(msg)
            event = Event.of(from_wire(payload))
            if self._first_time(event.id):
                self._deliver(event)
            if packet.id is not None:  # received: acknowledged in batches (`_acknowledge`)
                self._to_ack = packet.id
                self._unacked_count += 1
                if self._unacked_count >= ACK_EVERY:
                    self._acknowledge()
        elif packet.code is Code.ACK:
            ident, args = socketio.read_ack(packet)
            answer = args[0] if args and isinstance(args[0], dict) else {}
            refused = answer.get("success") is False
            reason = _reason(answer.get("message"))
            with self.lock:
                sent = self._unacked.pop(ident, None)
                if sent is not None and refused:
                    self._on_refused(sent[0], sent[1], reason)
                self.acked.notify_all()
            if sent is not None and refused:
                logger.error(
                    "event hub: the server refused %s %s: %s",
                    sent[0],
                    excerpt(sent[1].get("topic")),
                    reason,
                )
        elif packet.code is Code.ERROR:
            logger.error("event hub: the server reported: %s", packet.data)
        elif packet.code is Code.DISCONNECT:
            msg = "the server disconnected"
            raise EventRejectedError(msg)

    def _acknowledge(self) -> None:
        """Acknowledge every event received so far: the server takes an acknowledgement of
        packet ``n`` as one of all its events up to ``n`` (`ftorm.protocol.socketio`)."""
        if self._to_ack is not None and self._unacked_count:
            self._unacked_count = 0
            with contextlib.suppress(EventHubConnectionError):
                self.send(socketio.ack(self._to_ack))

    def _first_time(self, event_id: str) -> bool:
        with self.lock:
            return self._seen.add(event_id)

    def _lost(self, generation: int, reason: str) -> None:
        """The connection of ``generation`` is gone: reconnect with backoff."""
        with self.lock:
            if generation != self._generation or self._closed:
                return
            channel, self._channel = self._channel, None
            self._reconnecting = True  # publish and subscribe queue meanwhile, never block
        if channel is not None:
            channel.close()
        logger.warning("event hub: connection lost (%s); reconnecting", reason)
        try:
            self._reconnect()
        finally:
            with self.lock:
                self._reconnecting = False

    def _reconnect(self) -> None:
        delay = _BACKOFF[0]
        for attempt in range(1, self.reconnect_attempts + 1):
            if self._settled():
                return
            try:
                channel = self._open()  # outside the lock: publishers never wait on it
            except EventHubError as error:
                logger.info("event hub: reconnect attempt %d failed: %s", attempt, error)
            else:
                with self.lock:
                    if not self._settled():
                        self.reconnects += 1
                        self._attach(channel)
                        logger.info("event hub: reconnected after %d attempt(s)", attempt)
                        return
                channel.close()  # closed, or connected by another thread meanwhile
                return
            self._sleep(delay)
            delay = min(delay * 2, _BACKOFF[1])
        with self.lock:
            self._gave_up = True
        logger.error("event hub: gave up reconnecting after %d attempts", self.reconnect_attempts)
        self._deliver(Event(DISCONNECTED, source={"id": self._hub_id}))

    def _settled(self) -> bool:
        """Closed, or connected again (by another thread): nothing to reconnect."""
        return self._closed or self._channel is not None

    def drop(self) -> None:
        """Break the connection as a network failure would (it then reconnects)."""
        with self.lock:
            channel = self._channel
        if channel is not None:
            channel.abort()

    def shut(self) -> Channel | None:
        """Say goodbye to the hub and close for good (under the lock); the channel that was
        open, for the caller to close once it let go of the lock."""
        with self.lock:
            channel = self._channel
            if channel is not None:
                with contextlib.suppress(EventHubConnectionError):
                    self.send(Packet(Code.DISCONNECT))
            self._closed = True
            self._channel = None
            self._generation += 1
            self.acked.notify_all()
        return channel
