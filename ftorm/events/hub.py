"""`EventHub`: ftrack's event hub client (``session.events``).

Wire-compatible with ftrack's server and ``ftorm serve`` (socket.io 0.9, see
`ftorm.protocol.socketio`); for a `ftorm.Session.local` session it attaches to the embedded
server's hub in the same process, with the same packets.

This module holds the connection; which subscriber gets an event is
`ftorm.events.routing`'s, and where events are dispatched `ftorm.events.dispatch`'s.

Threads. Connecting starts one reading thread (``ftorm-events-reader``) that answers
heartbeats and acknowledgements and queues incoming events. Callbacks run only where events
are dispatched: in the thread calling `EventHub.wait`, or in the hub's dispatching thread
(``ftorm-events-dispatch``) once `EventHub.start` was called; one at a time, in order. An
exception in a callback is logged (``ftorm.events.hub``) and the next callback runs. The
unsubscribing thread (``ftorm-events-unsubscribe``, started by `EventHub.start` or the first
``unsubscribe(wait=False)``) tells the hub of subscribers removed without waiting.

Reconnection. A lost connection is reopened with backoff (0.1 s doubling to 5 s, at most
``reconnect_attempts`` tries); every subscriber is subscribed again with the same id, and
events published but not yet acknowledged are sent again. The server keeps a dropped
connection's matching events for a while and hands them to the connection that
resubscribes, and events are delivered once per event id: a subscriber neither misses nor
sees twice an event published while it reconnected (``tests/events/test_reconnect.py``).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import platform
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from ftorm.errors import (
    EXCERPT,
    EventHubConnectionError,
    EventHubError,
    EventRejectedError,
    SubscriptionSyntaxError,
    excerpt,
)
from ftorm.events.channel import Channel
from ftorm.events.dispatch import Dispatcher
from ftorm.events.event import Event
from ftorm.events.routing import Callback, Router, Subscription
from ftorm.protocol import socketio
from ftorm.protocol.events import (
    CONNECTED,
    DISCONNECTED,
    REPLY,
    SUBSCRIBE,
    UNSUBSCRIBE,
    RecentIds,
    check_event,
    from_wire,
    to_wire,
)
from ftorm.protocol.socketio import Code, Packet
from ftorm.query.subscription import parse, topic_is

if TYPE_CHECKING:
    from ftorm.events.changes import Change
    from ftorm.model.base import Model
    from ftorm.session.session import Session

    M = TypeVar("M", bound=Model)

__all__ = ["Callback", "EventHub", "Subscription"]

logger: logging.Logger = logging.getLogger(__name__)

MAX_PENDING: Final = 10_000
"""Events kept for sending (while disconnected, or sent and not yet acknowledged)."""
_SEEN: Final = 20_000  # event ids remembered to deliver each event once
_BACKOFF: Final = (0.1, 5.0)  # first delay, longest delay (seconds)
ACK_EVERY: Final = 64
"""Events received between two acknowledgements (and one whenever the connection is idle)."""


def _reason(message: object) -> str:
    """A server's message of refusal, as quoted (its repr, cut, unless short plain text)."""
    if not message:
        return "no reason given"
    if isinstance(message, str) and len(message) <= EXCERPT and message.isprintable():
        return message
    return excerpt(message)


class EventHub:
    """A client of ftrack's event hub. ``connect`` opens a `Channel` (a new one per
    (re)connection); ``user`` is named as the events' source."""

    def __init__(
        self,
        connect: Callable[[], Channel],
        *,
        user: str,
        reconnect_attempts: int = 30,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.id: str = uuid.uuid4().hex
        """This hub's id: the ``source.id`` of what it publishes, the target of replies."""
        self.user: str = user
        self.reconnect_attempts: int = reconnect_attempts
        """Tries to reopen a lost connection before giving up (``ftrack.meta.disconnected``)."""
        self._open = connect
        self._sleep = sleep
        self._lock = threading.RLock()
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
        self.session: Session | None = None
        """The session this hub belongs to (`ftorm.Session.events`): typed handlers load
        entities through it."""
        self._acked = threading.Condition(self._lock)  # notified on each acknowledgement
        self.router: Router = Router(
            Subscription(self, topic_is(REPLY), self._handle_reply, {"id": self.id}, 0)
        )
        """The subscribers and reply callbacks (`ftorm.events.routing.Router`)."""
        self._dispatcher = Dispatcher(self.router, self._reply, lambda: self._closed, self.id)
        # subscribers removed whose unsubscribe is not sent yet (`unsubscribe(wait=False)`,
        # `release`): sent under the lock by the unsubscribing thread, or before anything
        # else is sent under it; ``deque.append`` and ``SimpleQueue.put`` take no lock
        self._leaving: collections.deque[Subscription] = collections.deque()
        self._leaving_wake: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._leaving_thread: threading.Thread | None = None
        self._leaving_start = threading.Lock()

    # --- connection -----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether a connection is open."""
        return self._channel is not None

    @property
    def gave_up(self) -> bool:
        """Whether the client gave up reconnecting after a lost connection (it has then
        dispatched ``ftrack.meta.disconnected``); false again once `connect` succeeds."""
        return self._gave_up

    def connect(self) -> None:
        """Open the connection (idempotent): subscribe every subscriber and send what
        waits. `EventHubConnectionError` when the hub cannot be reached. After the client
        gave up reconnecting, this is how to try again."""
        self._connect(retry=True)

    def _connect(self, *, retry: bool) -> None:
        """`connect`; with ``retry`` false, nothing once the client gave up reconnecting
        (`wait` and `settle` then dispatch what was received, which ends with
        ``ftrack.meta.disconnected``, instead of racing the give-up with a new attempt)."""
        with self._lock:
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
        """Use ``channel`` (under the lock): subscribe, resend, start its reader."""
        self._flush_leaving()  # (not connected: a new connection has nothing to be told)
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
        for subscription in self.router.all():
            self._send_subscribe(subscription)
        waiting = [*unacked, *self._outbox]
        self._outbox.clear()
        for event in waiting:
            self._send_event(event)
        self._dispatcher.put(Event(CONNECTED, source={"id": self.id}))

    def _send(self, packet: Packet) -> None:
        channel = self._channel
        if channel is None:
            msg = "the event hub is not connected"
            raise EventHubConnectionError(msg)
        channel.send(str(packet))

    def _send_subscribe(self, subscription: Subscription) -> None:
        subscription.refused = None  # (asked again: the server answers again)
        event = Event(
            SUBSCRIBE,
            {"subscriber": subscription.metadata, "subscription": str(subscription.expression)},
            source=self._source(),
        )
        self._send_tracked("subscribe", event)

    def _send_event(self, event: dict[str, Any]) -> None:
        self._send_tracked("event", event)

    def _send_tracked(self, kind: str, event: dict[str, Any]) -> None:
        ident = next(self._packet_ids)
        self._unacked[ident] = (kind, event)
        with contextlib.suppress(EventHubConnectionError):  # kept: sent again on reconnecting
            self._send(socketio.event(to_wire(event), ident))

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
            with self._lock:
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
                self._send(Packet(Code.HEARTBEAT))
        elif packet.code is Code.EVENT:
            payload = socketio.read_event(packet)
            if not isinstance(payload, dict):
                msg = f"an event that is not an object: {excerpt(payload)}"
                raise EventRejectedError(msg)
            event = Event.of(from_wire(payload))
            if self._first_time(event.id):
                self._dispatcher.put(event)
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
            with self._lock:
                sent = self._unacked.pop(ident, None)
                if sent is not None and refused and sent[0] == "subscribe":
                    self._refused(sent[1], reason)
                self._acked.notify_all()
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

    def _refused(self, sent: dict[str, Any], reason: str) -> None:
        """The server refused the subscribe event ``sent`` (under the lock): its subscriber
        records why (`Subscription.refused`)."""
        ident = sent["data"]["subscriber"]["id"]
        for subscription in self.router.all():
            if subscription.id == ident:
                subscription.refused = reason

    def _acknowledge(self) -> None:
        """Acknowledge every event received so far: the server takes an acknowledgement of
        packet ``n`` as one of all its events up to ``n`` (`ftorm.protocol.socketio`)."""
        if self._to_ack is not None and self._unacked_count:
            self._unacked_count = 0
            with contextlib.suppress(EventHubConnectionError):
                self._send(socketio.ack(self._to_ack))

    def _first_time(self, event_id: str) -> bool:
        with self._lock:
            return self._seen.add(event_id)

    def _lost(self, generation: int, reason: str) -> None:
        """The connection of ``generation`` is gone: reconnect with backoff."""
        with self._lock:
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
            with self._lock:
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
                with self._lock:
                    if not self._settled():
                        self.reconnects += 1
                        self._attach(channel)
                        logger.info("event hub: reconnected after %d attempt(s)", attempt)
                        return
                channel.close()  # closed, or connected by another thread meanwhile
                return
            self._sleep(delay)
            delay = min(delay * 2, _BACKOFF[1])
        with self._lock:
            self._gave_up = True
        logger.error("event hub: gave up reconnecting after %d attempts", self.reconnect_attempts)
        self._dispatcher.put(Event(DISCONNECTED, source={"id": self.id}))

    def _settled(self) -> bool:
        """Closed, or connected again (by another thread): nothing to reconnect."""
        return self._closed or self._channel is not None

    def drop(self) -> None:
        """Drop the connection as a network failure would (the hub then reconnects); for
        tests of reconnection."""
        with self._lock:
            channel = self._channel
        if channel is not None:
            channel.abort()

    def close(self) -> None:
        """Unsubscribe everything and disconnect; the hub cannot be used afterwards."""
        with self._lock:
            if self._closed:
                return
            self._flush_leaving()
            channel = self._channel
            if channel is not None:
                for subscription in self.router.all():
                    event = Event(UNSUBSCRIBE, {"subscriber": subscription.metadata})
                    try:
                        self._send(socketio.event(to_wire(event)))
                    except EventHubConnectionError:
                        break
                with contextlib.suppress(EventHubConnectionError):
                    self._send(Packet(Code.DISCONNECT))
            self._closed = True
            self._channel = None
            self._generation += 1
            self._acked.notify_all()
        self._leaving_wake.put(False)  # the unsubscribing thread ends
        if channel is not None:
            channel.close()
        self._dispatcher.join(timeout=5)

    # --- subscribing ----------------------------------------------------------------------

    def subscribe(
        self,
        expression: str,
        callback: Callback,
        *,
        subscriber: dict[str, Any] | None = None,
        priority: int = 100,
    ) -> Subscription:
        """Call ``callback`` for every event matching ``expression`` (ftrack's event
        expressions, `ftorm.query.subscription`); `SubscriptionSyntaxError` for a bad one.

        ``subscriber`` is this subscriber's metadata (an ``id`` is generated when missing;
        `EventHubError` if the id is taken); targeted events (replies, actions) match
        against it. Lower ``priority`` runs first. Connects when not connected.
        """
        try:
            parsed = parse(expression)
        except SubscriptionSyntaxError:
            raise
        metadata = dict(subscriber or {})
        metadata.setdefault("id", uuid.uuid4().hex)
        subscription = Subscription(self, parsed, callback, metadata, priority)
        with self._lock:
            self._flush_leaving()  # (a subscriber that left with this id: told first)
            self.router.add(subscription)
            if self._channel is not None:
                self._send_subscribe(subscription)
            elif not self._reconnecting:  # (reconnecting: subscribed on reconnecting)
                self.connect()
        return subscription

    def unsubscribe(self, subscription: Subscription | str, *, wait: bool = True) -> None:
        """Remove a subscriber (or the subscriber with that id); `EventHubError` when there
        is none.

        ``wait=False`` never waits for this client's lock or the connection (which another
        thread may hold while it connects): the subscriber is removed at once (no event
        reaches it from then on), and the hub is told by this client's unsubscribing thread
        (``ftorm-events-unsubscribe``), before anything else this client sends afterwards.
        """
        ident = subscription if isinstance(subscription, str) else subscription.id
        if not wait:
            self._leaving.append(self.router.remove(ident))
            self._start_leaving()
            self._leaving_wake.put(True)
            return
        with self._lock:
            found = self.router.remove(ident)
            self._acked.notify_all()  # (`confirmed` waits no longer)
            self._tell_unsubscribed(found)

    def release(self, subscription: Subscription) -> None:
        """Remove ``subscription`` later, on the unsubscribing thread (started by `start` or
        ``unsubscribe(wait=False)``); takes no lock, so it is safe in a finaliser (which the
        garbage collector may run on a thread holding any lock)."""
        self._leaving.append(subscription)
        self._leaving_wake.put(True)

    def _tell_unsubscribed(self, subscription: Subscription) -> None:
        """Tell the hub ``subscription`` left (under the lock; nothing when not connected,
        since a new connection does not subscribe it, nor when the hub refused it)."""
        event = Event(UNSUBSCRIBE, {"subscriber": subscription.metadata}, source=self._source())
        if self._channel is not None and subscription.refused is None:
            self._send_tracked("unsubscribe", event)

    def _flush_leaving(self) -> None:
        """Tell the hub of every subscriber that left and was not told yet (under the lock)."""
        while self._leaving:
            try:
                leaving = self._leaving.popleft()
            except IndexError:  # (emptied by another thread)
                return
            if leaving in self.router.all():  # `release`d: still routed
                with contextlib.suppress(EventHubError):
                    self.router.remove(leaving.id)
            self._acked.notify_all()  # (`confirmed` waits no longer)
            self._tell_unsubscribed(leaving)

    def _start_leaving(self) -> None:
        with self._leaving_start:
            if self._leaving_thread is None and not self._closed:
                self._leaving_thread = threading.Thread(
                    target=self._leave, name="ftorm-events-unsubscribe", daemon=True
                )
                self._leaving_thread.start()

    def _leave(self) -> None:
        """The unsubscribing thread: tells the hub of the subscribers that left."""
        while self._leaving_wake.get() and not self._closed:
            with self._lock:
                if not self._closed:
                    self._flush_leaving()

    def confirmed(self, subscription: Subscription, timeout: float) -> bool:
        """Wait until the hub acknowledged ``subscription`` (events published from then on
        reach it), at most ``timeout`` seconds; whether it did (False when the server
        refused it: `Subscription.refused` says why)."""

        def done() -> bool:
            if self._closed or subscription not in self.router.all():
                return True
            if subscription.refused is not None:
                return True
            if self._channel is None:
                return False
            return not any(
                kind == "subscribe" and event["data"]["subscriber"]["id"] == subscription.id
                for kind, event in self._unacked.values()
            )

        with self._acked:
            return (
                self._acked.wait_for(done, timeout)
                and not self._closed
                and subscription.refused is None
            )

    def on_change(
        self, model: type[M], *attributes: object, load: bool = False, priority: int = 100
    ) -> Callable[[Callable[[Change[M]], object]], Subscription]:
        """Decorate a handler of ``model``'s changes (`ftorm.events.changes.on_change`):
        it receives each `Change[model]` whose entity changed one of ``attributes`` (any,
        when none is given); ``load=True`` loads `Change.entity` through `session` first,
        one query per ``ftrack.update`` event.

        ::

            @session.events.on_change(Task, Task.status)
            def status_changed(change: Change[Task]) -> None: ...
        """
        from ftorm.events.changes import on_change

        if load and self.session is None:
            msg = "load=True needs the hub of a session (session.events)"
            raise EventHubError(msg)
        return on_change(
            self, model, *attributes, session=self.session if load else None, priority=priority
        )

    @property
    def subscriptions(self) -> list[Subscription]:
        """The current subscribers (without the hub's own reply subscriber)."""
        with self._lock:
            return self.router.subscriptions()

    # --- publishing -----------------------------------------------------------------------

    def _source(self) -> dict[str, Any]:
        return {"id": self.id, "user": {"username": self.user}, "host": platform.node()}

    def publish(
        self,
        event: dict[str, Any],
        *,
        synchronous: bool = False,
        on_reply: Callback | None = None,
        on_error: Literal["raise", "ignore"] = "raise",
    ) -> list[Any] | None:
        """Publish ``event`` (an `Event`, or a mapping with at least a ``topic``).

        ``synchronous=True`` runs this hub's own matching subscribers now, on this thread,
        and returns their results (nothing is sent: ftrack's behaviour). Otherwise the event
        goes to the hub (queued while reconnecting) and ``on_reply`` is called, where events
        are dispatched, with every reply to it. An event the hub would refuse (not JSON, too
        large, no topic) raises `EventRejectedError`, and a closed client
        `EventHubConnectionError`, unless ``on_error="ignore"``.
        """
        try:
            return self._publish(event, synchronous, on_reply)
        except EventHubError:
            if on_error == "ignore":
                return None
            raise

    def _publish(
        self, event: dict[str, Any], synchronous: bool, on_reply: Callback | None
    ) -> list[Any] | None:
        checked = Event.of(check_event(to_wire(dict(event))))
        source = checked.setdefault("source", {})
        source.setdefault("id", self.id)
        source.setdefault("user", {"username": self.user})
        source.setdefault("host", platform.node())
        if isinstance(event, dict):
            event.setdefault("id", checked.id)  # the caller can match replies to its event
        if synchronous:
            return self.router.dispatch(checked, None)
        with self._lock:
            if self._closed:
                msg = "the event hub client is closed"
                raise EventHubConnectionError(msg)
            if on_reply is not None:
                self.router.expect_reply(checked.id, on_reply)
            if self._channel is None:
                try:
                    if self._reconnecting:
                        msg = "reconnecting"
                        raise EventHubConnectionError(msg)
                    self.connect()
                except EventHubConnectionError:
                    if len(self._outbox) >= MAX_PENDING:
                        raise
                    self._outbox.append(checked)  # sent once connected
                    return None
            if len(self._unacked) >= MAX_PENDING:
                msg = f"{MAX_PENDING:,} events wait for the hub's acknowledgement"
                raise EventHubConnectionError(msg)
            self._send_event(checked)
        return None

    def publish_reply(
        self, source_event: dict[str, Any], data: Any, *, source: dict[str, Any] | None = None
    ) -> None:
        """Reply to ``source_event`` with ``data`` (``ftrack.meta.reply``, targeted at the
        hub that published it)."""
        reply = Event(
            REPLY,
            data,
            target=f"id={source_event.get('source', {}).get('id', '')}",
            in_reply_to_event=str(source_event.get("id", "")),
            source=source,
        )
        self.publish(reply)

    # --- dispatching ----------------------------------------------------------------------

    def _handle_reply(self, event: Event) -> None:
        self.router.handle_reply(event)

    def _reply(self, event: Event, result: Any, subscription: Subscription) -> None:
        try:
            self.publish_reply(event, result, source=subscription.metadata)
        except EventHubError:
            logger.exception("event hub: cannot publish the reply of %r", subscription)

    def _dispatch(self, event: Event) -> list[Any]:
        """Run the matching subscribers for ``event`` (replying with their results)."""
        return self._dispatcher.dispatch(event)

    def wait(self, duration: float | None = None) -> None:
        """Dispatch events on this thread for ``duration`` seconds (None: until the client
        is closed or gives up reconnecting). Connects when not connected, unless the client
        gave up reconnecting: then it dispatches what was received, ending with
        ``ftrack.meta.disconnected`` (call `connect` to try again)."""
        if self._dispatcher.thread is not None:
            msg = "events are dispatched by the hub's own thread (start() was called)"
            raise EventHubError(msg)
        self._connect(retry=False)
        self._dispatcher.run(None if duration is None else time.monotonic() + duration)

    def process_pending(self) -> int:
        """Dispatch the events already received, on this thread; how many."""
        return self._dispatcher.pending()

    def settle(self, timeout: float = 5.0, *, quiet: float = 0.05) -> int:
        """Dispatch on this thread until no event has arrived for ``quiet`` seconds (or
        ``timeout`` passed); how many were dispatched. For tests: after a commit,
        ``settle()`` runs the listeners it triggers."""
        self._connect(retry=False)
        return self._dispatcher.settle(timeout, quiet)

    def is_own_disconnection(self, event: Event) -> bool:
        """Whether ``event`` is the ``ftrack.meta.disconnected`` this client dispatched when
        it gave up reconnecting (an event of that topic from the server is not)."""
        return self._dispatcher.gave_up(event)

    def start(self) -> None:
        """Dispatch events on the hub's own thread (``ftorm-events-dispatch``) from now on."""
        self._start_leaving()
        with self._lock:
            if self._dispatcher.thread is not None:
                return
            self.connect()
            self._dispatcher.start()

    def __enter__(self) -> EventHub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
