"""`EventHub`: ftrack's event hub client (``session.events``).

Wire-compatible with ftrack's server and ``ftorm serve`` (socket.io 0.9, see
`ftorm.protocol.socketio`); for a `ftorm.Session.local` session it attaches to the embedded
server's hub in the same process, with the same packets.

This module holds publishing and subscribing; the connection (reading thread, heartbeats,
acknowledgements, reconnecting) is `ftorm.events.connection`'s, which subscriber gets an
event `ftorm.events.routing`'s, and where events are dispatched `ftorm.events.dispatch`'s.

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
import logging
import platform
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from ftorm.errors import EventHubConnectionError, EventHubError, SubscriptionSyntaxError
from ftorm.events.channel import Channel
from ftorm.events.connection import Connection
from ftorm.events.dispatch import Dispatcher
from ftorm.events.event import Event
from ftorm.events.routing import Callback, Router, Subscription
from ftorm.protocol import socketio
from ftorm.protocol.events import REPLY, SUBSCRIBE, UNSUBSCRIBE, check_event, to_wire
from ftorm.query.subscription import parse, topic_is

if TYPE_CHECKING:
    from ftorm.events.changes import Change
    from ftorm.model.base import Model
    from ftorm.session.session import Session

    M = TypeVar("M", bound=Model)

__all__ = ["Callback", "EventHub", "Subscription"]

logger: logging.Logger = logging.getLogger(__name__)

_SUBSCRIBE: Final = "subscribe"  # the kinds of tracked sends (`Connection.send_tracked`)
_UNSUBSCRIBE: Final = "unsubscribe"


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
        self.session: Session | None = None
        """The session this hub belongs to (`ftorm.Session.events`): typed handlers load
        entities through it."""
        self.router: Router = Router(
            Subscription(self, topic_is(REPLY), self._handle_reply, {"id": self.id}, 0)
        )
        """The subscribers and reply callbacks (`ftorm.events.routing.Router`)."""
        self._connection = Connection(
            connect,
            hub_id=self.id,
            deliver=self._deliver,
            resubscribe=self._resubscribe,
            refused=self._refused,
            reconnect_attempts=reconnect_attempts,
            sleep=sleep,
        )
        self._lock = self._connection.lock
        self._acked = self._connection.acked  # notified on each acknowledgement
        self._dispatcher = Dispatcher(
            self.router, self._reply, lambda: self._connection.closed, self.id
        )
        # subscribers removed whose unsubscribe is not sent yet (`unsubscribe(wait=False)`,
        # `release`): sent under the lock by the unsubscribing thread, or before anything
        # else is sent under it; ``deque.append`` and ``SimpleQueue.put`` take no lock
        self._leaving: collections.deque[Subscription] = collections.deque()
        self._leaving_wake: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._leaving_thread: threading.Thread | None = None
        self._leaving_start = threading.Lock()

    # --- connection (`ftorm.events.connection`) --------------------------------------------

    @property
    def reconnect_attempts(self) -> int:
        """Tries to reopen a lost connection before giving up (``ftrack.meta.disconnected``)."""
        return self._connection.reconnect_attempts

    @reconnect_attempts.setter
    def reconnect_attempts(self, attempts: int) -> None:
        self._connection.reconnect_attempts = attempts

    @property
    def reconnects(self) -> int:
        """Connections reopened after a loss."""
        return self._connection.reconnects

    @reconnects.setter
    def reconnects(self, count: int) -> None:
        self._connection.reconnects = count

    @property
    def connected(self) -> bool:
        """Whether a connection is open."""
        return self._connection.connected

    @property
    def gave_up(self) -> bool:
        """Whether the client gave up reconnecting after a lost connection (it has then
        dispatched ``ftrack.meta.disconnected``); false again once `connect` succeeds."""
        return self._connection.gave_up

    def connect(self) -> None:
        """Open the connection (idempotent): subscribe every subscriber and send what
        waits. `EventHubConnectionError` when the hub cannot be reached. After the client
        gave up reconnecting, this is how to try again."""
        self._connection.connect(retry=True)

    def _connect(self, *, retry: bool) -> None:
        """`connect`; with ``retry`` false, nothing once the client gave up reconnecting
        (`wait` and `settle` then dispatch what was received, which ends with
        ``ftrack.meta.disconnected``, instead of racing the give-up with a new attempt)."""
        self._connection.connect(retry=retry)

    def _deliver(self, event: Event) -> None:
        """An event received (or the connection's own): dispatched where events are."""
        self._dispatcher.put(event)

    def _resubscribe(self) -> None:
        """A new connection is open (under the lock): subscribe every subscriber on it."""
        self._flush_leaving(tell=False)  # (a new connection has nothing to be told)
        for subscription in self.router.all():
            self._send_subscribe(subscription)

    def _send_subscribe(self, subscription: Subscription) -> None:
        subscription.refused = None  # (asked again: the server answers again)
        event = Event(
            SUBSCRIBE,
            {"subscriber": subscription.metadata, "subscription": str(subscription.expression)},
            source=self._source(),
        )
        self._connection.send_tracked(_SUBSCRIBE, event)

    def _refused(self, kind: str, sent: dict[str, Any], reason: str) -> None:
        """The server refused the tracked send ``sent`` (under the lock): a refused
        subscriber records why (`Subscription.refused`)."""
        if kind != _SUBSCRIBE:
            return
        ident = sent["data"]["subscriber"]["id"]
        for subscription in self.router.all():
            if subscription.id == ident:
                subscription.refused = reason

    def drop(self) -> None:
        """Drop the connection as a network failure would (the hub then reconnects); for
        tests of reconnection."""
        self._connection.drop()

    def close(self) -> None:
        """Unsubscribe everything and disconnect; the hub cannot be used afterwards."""
        with self._lock:
            if self._connection.closed:
                return
            self._flush_leaving()
            if self._connection.connected:
                for subscription in self.router.all():
                    event = Event(UNSUBSCRIBE, {"subscriber": subscription.metadata})
                    try:
                        self._connection.send(socketio.event(to_wire(event)))
                    except EventHubConnectionError:
                        break
            channel = self._connection.shut()
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
            if self._connection.connected:
                self._send_subscribe(subscription)
            elif not self._connection.reconnecting:  # (reconnecting: subscribed on reconnecting)
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
        if self._connection.connected and subscription.refused is None:
            self._connection.send_tracked(_UNSUBSCRIBE, event)

    def _flush_leaving(self, *, tell: bool = True) -> None:
        """Tell the hub of every subscriber that left and was not told yet (under the lock;
        without ``tell``, only forget them: a new connection never subscribed them)."""
        while self._leaving:
            try:
                leaving = self._leaving.popleft()
            except IndexError:  # (emptied by another thread)
                return
            if leaving in self.router.all():  # `release`d: still routed
                with contextlib.suppress(EventHubError):
                    self.router.remove(leaving.id)
            self._acked.notify_all()  # (`confirmed` waits no longer)
            if tell:
                self._tell_unsubscribed(leaving)

    def _start_leaving(self) -> None:
        with self._leaving_start:
            if self._leaving_thread is None and not self._connection.closed:
                self._leaving_thread = threading.Thread(
                    target=self._leave, name="ftorm-events-unsubscribe", daemon=True
                )
                self._leaving_thread.start()

    def _leave(self) -> None:
        """The unsubscribing thread: tells the hub of the subscribers that left."""
        while self._leaving_wake.get() and not self._connection.closed:
            with self._lock:
                if not self._connection.closed:
                    self._flush_leaving()

    def confirmed(self, subscription: Subscription, timeout: float) -> bool:
        """Wait until the hub acknowledged ``subscription`` (events published from then on
        reach it), at most ``timeout`` seconds; whether it did (False when the server
        refused it: `Subscription.refused` says why)."""

        def done() -> bool:
            if self._connection.closed or subscription not in self.router.all():
                return True
            if subscription.refused is not None:
                return True
            if not self._connection.connected:
                return False
            return not any(
                event["data"]["subscriber"]["id"] == subscription.id
                for event in self._connection.pending(_SUBSCRIBE)
            )

        with self._acked:
            return (
                self._acked.wait_for(done, timeout)
                and not self._connection.closed
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
            if self._connection.closed:
                msg = "the event hub client is closed"
                raise EventHubConnectionError(msg)
            if on_reply is not None:
                self.router.expect_reply(checked.id, on_reply)
            self._connection.publish(checked)
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
