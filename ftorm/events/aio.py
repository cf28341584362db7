"""`AsyncEventHub`: ``session.events`` of an `ftorm.AsyncSession`.

::

    async for event in session.events.stream("topic=ftrack.update"):
        ...
    await session.events.publish(Event("my.topic", {"n": 1}))

One core. An `AsyncEventHub` drives an `ftorm.events.EventHub`: the connection (a
websocket, or the embedded server's hub in this process), heartbeats, acknowledgements,
reconnection and the delivery of each event once are that client's, and so is the routing
(`ftorm.events.routing`). Each stream is one subscriber of it, whose callback hands the
events to the stream's buffer. The blocking steps (opening the connection, waiting for the
hub to acknowledge a subscription) run on a worker thread (`asyncio.to_thread`); events are
dispatched by the hub's dispatching thread (``ftorm-events-dispatch``, started with the
first stream), which wakes the waiting task through its event loop.

A stream subscribes when it is first awaited (``async for`` or ``async with``), and its
first event is awaited only once the hub acknowledged the subscription: an event published
after that reaches it.

Buffering. Each stream holds at most ``buffer`` events not yet read (`DEFAULT_BUFFER`).
When its reader falls further behind, ``overflow`` decides:

- ``"raise"`` (the default): nothing more is buffered; the reader gets the buffered events,
  then `ftorm.EventStreamOverflowError` (the stream is closed). No event is skipped silently.
- ``"drop_oldest"``: the oldest buffered event is dropped for each new one, and
  `EventStream.dropped` counts them (the stream stays open).

The hub's dispatching thread never waits for a slow stream.

Closing. `EventStream.close` (``await stream.aclose()``), the end of its ``async with``
block, and closing the session (or `AsyncEventHub.close`) close a stream; so does releasing
it unclosed (``break`` out of a bare ``async for``: at once in CPython), through a finaliser
that takes no lock and leaves the work to the hub's unsubscribing thread. A closed stream
ends (`StopAsyncIteration`). Closing never blocks the event loop: the subscriber is removed
at once (no event reaches the stream from then on), and the hub is told by the event hub
client's unsubscribing thread (``ftorm-events-unsubscribe``), which may wait for the
connection. When the hub gives up reconnecting (``ftrack.meta.disconnected``), every open
stream raises `ftorm.EventHubConnectionError`; when it refuses the subscription, the stream
raises `ftorm.EventSubscriptionRefusedError` where it is first awaited.

Cancellation. A cancelled read (``await asyncio.wait_for(anext(stream), 5)`` timing out, a
cancelled task) does not close the stream: the events it buffered stay buffered, later
events are buffered too, and the next read gets them; a read cancelled while the stream
subscribes leaves the subscription going on, and the next read waits for it. Use
``async with`` (or `aclose`) to close a stream with the task that reads it: cancelling a
task inside ``async with stream:`` leaves the block, which closes it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
import uuid
import weakref
from typing import TYPE_CHECKING, Any, Final, Literal

from ftorm.errors import (
    EventHubConnectionError,
    EventHubError,
    EventStreamOverflowError,
    EventSubscriptionRefusedError,
    InvalidValueError,
)
from ftorm.events.event import Event
from ftorm.events.routing import Subscription
from ftorm.protocol.events import DISCONNECTED
from ftorm.query.subscription import parse, topic_is

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Self

    from ftorm.events.hub import EventHub

__all__ = ["DEFAULT_BUFFER", "AsyncEventHub", "EventStream", "Overflow"]

DEFAULT_BUFFER: Final = 1_000
"""Events a stream holds for its reader, by default (``stream(..., buffer=)``)."""

Overflow = Literal["raise", "drop_oldest"]
"""What a stream does when its buffer is full (see the module docstring)."""

_SUBSCRIBE_TIMEOUT: Final = 30.0
"""Seconds a stream waits for the hub to acknowledge its subscription."""


class EventStream:
    """The events matching one subscription, awaited: ``async for event in stream``.

    Made by `AsyncEventHub.stream`; see the module docstring for buffering and closing.
    """

    def __init__(
        self,
        owner: AsyncEventHub,
        expression: str,
        *,
        subscriber: dict[str, Any] | None,
        priority: int,
        buffer: int,
        overflow: Overflow,
    ) -> None:
        parse(expression)  # `SubscriptionSyntaxError` here, where the stream is asked for
        if isinstance(buffer, bool) or not isinstance(buffer, int) or buffer < 1:
            msg = f"buffer must be a positive int, not {buffer!r}"
            raise InvalidValueError(msg)
        if overflow not in ("raise", "drop_oldest"):
            msg = f"overflow must be 'raise' or 'drop_oldest', not {overflow!r}"
            raise InvalidValueError(msg)
        self._owner = owner
        self.expression: str = expression
        """The subscription expression."""
        self.buffer: int = buffer
        """At most this many events wait for the reader."""
        self.overflow: Overflow = overflow
        """What happens when the buffer is full."""
        self.dropped: int = 0
        """Events this stream did not buffer (its reader was ``buffer`` events behind)."""
        self._subscriber = subscriber
        self._priority = priority
        self._lock = threading.Lock()
        self._events: collections.deque[Event] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscription: Subscription | None = None
        self._opening: asyncio.Future[None] | None = None
        self._opened = False
        self._failure: EventHubError | None = None
        self._closed = False
        # what the finaliser of a stream released unclosed removes (it cannot hold the stream)
        self._held: list[Subscription] = []
        self._finalizer = weakref.finalize(self, _release, owner.hub, self._held)
        self._finalizer.atexit = False

    @property
    def subscription(self) -> Subscription | None:
        """The hub subscriber of this stream (None before it is first awaited, and after it
        is closed)."""
        return self._subscription

    @property
    def closed(self) -> bool:
        """True once the stream was closed (by its reader, an overflow, or the session)."""
        return self._closed

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._events)} buffered"
        return f"<EventStream {self.expression!r} {state}>"

    # --- opening ------------------------------------------------------------------------

    async def _open(self) -> None:
        if self._opened:
            return
        if self._opening is None:
            if self._closed:
                return
            self._loop = asyncio.get_running_loop()
            self._opening = asyncio.ensure_future(asyncio.to_thread(self._subscribe))
            self._opening.add_done_callback(_retrieve)
        try:
            await asyncio.shield(self._opening)
        except asyncio.CancelledError:
            if self._opening.cancelled():  # (the loop is shutting down)
                self.close()
            raise  # the reader was cancelled: the subscription goes on, the next read waits
        except BaseException:
            self.close()  # failed: the worker thread unsubscribed if it did
            raise
        self._opened = True

    def _subscribe(self) -> None:
        """Subscribe on the hub and wait for its acknowledgement (on a worker thread)."""
        hub = self._owner.hub
        held = weakref.ref(self)  # the hub's subscriber does not keep the stream alive

        def deliver(event: Event) -> None:
            stream = held()
            if stream is not None:
                stream._deliver(event)

        metadata = dict(self._subscriber or {})
        metadata.setdefault("id", uuid.uuid4().hex)
        try:
            subscription = hub.subscribe(
                self.expression, deliver, subscriber=metadata, priority=self._priority
            )
        except EventHubConnectionError:  # registered, not connected: no stream to feed
            with contextlib.suppress(EventHubError):
                hub.unsubscribe(str(metadata["id"]))
            raise
        with self._lock:
            closed = self._closed
            if not closed:
                self._subscription = subscription
                self._held.append(subscription)
        if closed:  # closed while subscribing
            self._unsubscribe(subscription)
            return
        try:
            hub.start()
            confirmed = hub.confirmed(subscription, _SUBSCRIBE_TIMEOUT)
        except BaseException:
            self.close()
            raise
        if confirmed or self._closed:
            return
        self.close()
        reason = subscription.refused
        if reason is not None:
            msg = f"the event hub refused the subscription {self.expression!r}: {reason}"
            raise EventSubscriptionRefusedError(msg, reason=reason)
        msg = f"the event hub did not acknowledge the subscription {self.expression!r}"
        raise EventHubConnectionError(msg)

    # --- delivering (the hub's dispatching thread) ---------------------------------------

    def _deliver(self, event: Event) -> None:
        with self._lock:
            if self._closed:
                return
            if self._failure is not None or len(self._events) >= self.buffer:
                self.dropped += 1
                if self._failure is not None:
                    return
                if self.overflow == "raise":
                    msg = (
                        f"the stream {self.expression!r} fell {self.buffer:,} events behind: "
                        f"the next events were dropped (read faster, or pass a larger "
                        f"buffer=, or overflow='drop_oldest')"
                    )
                    self._failure = EventStreamOverflowError(msg)
                    self._wake()
                    return
                self._events.popleft()
            self._events.append(Event.of(event))
            self._wake()

    def _fail(self, error: EventHubError) -> None:
        with self._lock:
            if not self._closed and self._failure is None:
                self._failure = error
                self._wake()

    def _wake(self) -> None:
        """Wake the waiting reader (under the lock)."""
        waiter, self._waiter = self._waiter, None
        if waiter is not None and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                self._loop.call_soon_threadsafe(_resolve, waiter)

    # --- reading ------------------------------------------------------------------------

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        await self._open()
        while True:
            with self._lock:
                if self._events:
                    return self._events.popleft()
                failure = self._failure
                if failure is None and self._closed:
                    raise StopAsyncIteration
                if failure is None:
                    assert self._loop is not None  # set by `_open`
                    waiter = self._waiter = self._loop.create_future()
            if failure is not None:
                self.close()
                raise failure
            try:
                await waiter
            except BaseException:  # cancelled: the stream stays open, its events buffered
                with self._lock:
                    if self._waiter is waiter:
                        self._waiter = None
                raise

    async def __aenter__(self) -> Self:
        try:
            await self._open()
        except BaseException:  # (cancelled too: the block never ran, nothing will close it)
            self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- closing ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the stream: remove its subscriber and end its iteration. Idempotent; the
        events still buffered are dropped. Never waits for the connection (call it on the
        event loop): the subscriber is removed at once, and the hub is told by the event
        hub client's unsubscribing thread (`ftorm.events.EventHub.unsubscribe`)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subscription, self._subscription = self._subscription, None
            self._held.clear()
            self._events.clear()
            self._wake()
        self._finalizer.detach()
        self._owner._forget(self)
        if subscription is not None:
            self._unsubscribe(subscription)

    async def aclose(self) -> None:
        """`close`."""
        self.close()

    def _unsubscribe(self, subscription: Subscription) -> None:
        with contextlib.suppress(EventHubError):  # removed meanwhile (the hub was closed)
            self._owner.hub.unsubscribe(subscription, wait=False)


def _release(hub: EventHub, held: list[Subscription]) -> None:
    """The finaliser of a stream released unclosed (``break`` out of ``async for``): the
    hub removes its subscriber on its own thread. The garbage collector may run this on any
    thread, holding any lock: it takes none."""
    for subscription in held:
        hub.release(subscription)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _retrieve(opening: asyncio.Future[None]) -> None:
    """Mark a failed subscription's error as seen: a reader cancelled meanwhile reads it
    (again) on its next step, or nobody does (the stream is closed)."""
    if not opening.cancelled():
        opening.exception()


class AsyncEventHub:
    """ftrack's event hub for an `ftorm.AsyncSession` (``session.events``): `stream` and
    awaitable `publish` over one `ftorm.events.EventHub` (see the module docstring)."""

    def __init__(self, hub: EventHub) -> None:
        self.hub: EventHub = hub
        """The event hub client doing the work (its blocking methods block: await this
        object's instead)."""
        self._streams: weakref.WeakSet[EventStream] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._watching: Subscription | None = None

    def stream(
        self,
        expression: str,
        *,
        subscriber: dict[str, Any] | None = None,
        priority: int = 100,
        buffer: int = DEFAULT_BUFFER,
        overflow: Overflow = "raise",
    ) -> EventStream:
        """The events matching ``expression`` (ftrack's subscription expressions), as an
        asynchronous iterator; `ftorm.SubscriptionSyntaxError` for a bad expression.

        ``subscriber`` is the subscriber's metadata (targeted events match against it),
        ``priority`` its place among this session's subscribers, ``buffer`` and
        ``overflow`` what happens when the reader falls behind (module docstring).
        Nothing is sent until the stream is first awaited.
        """
        stream = EventStream(
            self,
            expression,
            subscriber=subscriber,
            priority=priority,
            buffer=buffer,
            overflow=overflow,
        )
        with self._lock:
            self._streams.add(stream)
            if self._watching is None:  # hub-side only: subscribed with the others
                self._watching = Subscription(
                    self.hub,
                    topic_is(DISCONNECTED),
                    self._disconnected,
                    {"id": uuid.uuid4().hex},
                    0,
                )
                self.hub.router.add(self._watching, internal=True)
        return stream

    @property
    def streams(self) -> list[EventStream]:
        """The open streams."""
        with self._lock:
            return [s for s in self._streams if not s.closed]

    def _forget(self, stream: EventStream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def _disconnected(self, event: Event) -> None:
        """The hub gave up reconnecting: every open stream fails (not on an event of that
        topic from the server)."""
        if not self.hub.is_own_disconnection(event):
            return
        msg = "the event hub connection was lost and could not be reopened"
        for stream in self.streams:
            stream._fail(EventHubConnectionError(msg))

    async def publish(
        self,
        event: dict[str, Any],
        *,
        on_reply: Callable[[Event], object] | None = None,
        on_error: Literal["raise", "ignore"] = "raise",
    ) -> None:
        """Publish ``event`` (see `ftorm.events.EventHub.publish`; connects first when not
        connected). ``on_reply`` is called on this event loop with each reply to it."""
        callback = None
        if on_reply is not None:
            loop = asyncio.get_running_loop()
            reply = on_reply

            def callback(answer: Event) -> None:
                with contextlib.suppress(RuntimeError):  # the loop is closed
                    loop.call_soon_threadsafe(reply, answer)

        await asyncio.to_thread(self._publish, event, callback, on_error)

    def _publish(
        self,
        event: dict[str, Any],
        on_reply: Callable[[Event], object] | None,
        on_error: Literal["raise", "ignore"],
    ) -> None:
        if on_reply is not None:  # replies are dispatched by the hub's dispatching thread
            try:
                self.hub.start()
            except EventHubError:
                if on_error == "raise":
                    raise
        self.hub.publish(event, on_reply=on_reply, on_error=on_error)

    async def publish_reply(
        self, source_event: dict[str, Any], data: Any, *, source: dict[str, Any] | None = None
    ) -> None:
        """Reply to ``source_event`` with ``data`` (`ftorm.events.EventHub.publish_reply`)."""
        await asyncio.to_thread(self.hub.publish_reply, source_event, data, source=source)

    async def close(self) -> None:
        """Close every stream, unsubscribe and disconnect (the session does it on close)."""
        for stream in self.streams:
            stream.close()
        await asyncio.to_thread(self.hub.close)
