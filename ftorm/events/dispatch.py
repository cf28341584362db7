"""Where an event hub client's received events are dispatched: a queue, and the loops that
empty it into the `ftorm.events.routing.Router`.

The connection (`ftorm.events.connection.Connection`'s reading thread) puts each event received once
into the `Dispatcher`; the subscribers run only where the events are dispatched: in a thread
calling `Dispatcher.run`, `Dispatcher.pending` or `Dispatcher.settle` (``EventHub.wait``,
``process_pending``, ``settle``), or in the dispatching thread (``ftorm-events-dispatch``)
once `Dispatcher.start` was called; one event at a time, in order.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from ftorm.events.event import Event
from ftorm.events.routing import Router, Subscription
from ftorm.protocol.events import DISCONNECTED

__all__ = ["Dispatcher"]

Reply = Callable[[Event, Any, Subscription], None]
"""Publishes a subscriber's result as the reply to an event."""


class Dispatcher:
    """The received events of one hub client, and their dispatching to ``router``
    (``reply`` publishes the subscribers' results; ``closed`` tells when to stop)."""

    def __init__(
        self, router: Router, reply: Reply, closed: Callable[[], bool], hub_id: str
    ) -> None:
        self._hub_id = hub_id
        self._router = router
        self._reply = reply
        self._closed = closed
        self._inbox: queue.Queue[Event] = queue.Queue()
        self._running = threading.Lock()  # one dispatching loop at a time
        self.thread: threading.Thread | None = None
        """The dispatching thread, once `start` was called."""

    def put(self, event: Event) -> None:
        """Queue an event for dispatching (from any thread)."""
        self._inbox.put(event)

    def dispatch(self, event: Event) -> list[Any]:
        """Run the subscribers ``event`` matches now, replying with their results."""
        return self._router.dispatch(event, self._reply)

    def gave_up(self, event: Event) -> bool:
        """Whether ``event`` is this client's own ``ftrack.meta.disconnected`` (it gave up
        reconnecting), not one with that topic received from the server."""
        source = event.get("source")
        return (
            event.topic == DISCONNECTED
            and isinstance(source, dict)
            and source.get("id") == self._hub_id
        )

    def run(self, deadline: float | None, *, until_given_up: bool = True) -> None:
        """Dispatch until ``deadline`` (`time.monotonic`; None: until closed), or (with
        ``until_given_up``) until the client gave up reconnecting (its own
        ``ftrack.meta.disconnected``). The dispatching thread goes on after that: a later
        `ftorm.events.EventHub.connect` brings events again."""
        with self._running:
            while not self._closed():
                timeout = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if timeout <= 0:
                    return
                try:
                    event = self._inbox.get(timeout=timeout)
                except queue.Empty:
                    continue
                self.dispatch(event)
                if until_given_up and self.gave_up(event):
                    return

    def pending(self) -> int:
        """Dispatch the events already received; how many."""
        count = 0
        with self._running:
            while True:
                try:
                    event = self._inbox.get_nowait()
                except queue.Empty:
                    return count
                self.dispatch(event)
                count += 1

    def settle(self, timeout: float, quiet: float) -> int:
        """Dispatch until no event arrived for ``quiet`` seconds (or ``timeout`` passed);
        how many were dispatched."""
        count = 0
        deadline = time.monotonic() + timeout
        with self._running:
            while time.monotonic() < deadline:
                try:
                    event = self._inbox.get(timeout=quiet)
                except queue.Empty:
                    return count
                self.dispatch(event)
                count += 1
        return count

    def start(self) -> None:
        """Dispatch on the dispatching thread from now on (once; the caller serialises)."""
        if self.thread is None:
            self.thread = threading.Thread(
                target=self.run,
                args=(None,),
                kwargs={"until_given_up": False},
                name="ftorm-events-dispatch",
                daemon=True,
            )
            self.thread.start()

    def join(self, timeout: float) -> None:
        """Wait for the dispatching thread to end (unless it is the caller)."""
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=timeout)
