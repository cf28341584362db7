"""Which subscriber gets an event: subscriptions, reply callbacks, and dispatching.

A `Router` holds an event hub client's subscribers (`Subscription`) and the callbacks
waiting for replies to published events; `Router.dispatch` runs the subscribers an event
matches (its target matched against each subscriber's metadata, its fields against each
subscription expression, lowest priority first, until one stops it). It neither sends nor
receives (`ftorm.events.connection` moves the packets): `ftorm.events.hub.EventHub` calls
it, and so do the asynchronous streams of `ftorm.events.aio` (one subscriber per stream).
Thread-safe.
"""

from __future__ import annotations

import collections
import logging
import operator
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from ftorm.errors import EventHubError, SubscriptionSyntaxError, excerpt
from ftorm.events.event import Event
from ftorm.query.subscription import Expression, parse

if TYPE_CHECKING:
    from ftorm.events.hub import EventHub

__all__ = ["REPLIES", "Callback", "Router", "Subscription"]

logger: logging.Logger = logging.getLogger("ftorm.events.hub")

Callback = Callable[[Event], Any]
"""A subscriber: called with each matching event; a result other than None is published as
the reply (`ftorm.events.EventHub.publish_reply`)."""

REPLIES: Final = 10_000
"""``on_reply`` callbacks kept (the oldest is forgotten beyond)."""


class Subscription:
    """One subscriber of an `EventHub`: its expression, callback and metadata."""

    def __init__(
        self,
        hub: EventHub,
        expression: Expression,
        callback: Callback,
        metadata: dict[str, Any],
        priority: int,
    ) -> None:
        self.hub: EventHub = hub
        self.expression: Expression = expression
        """The parsed subscription (``str`` gives its text)."""
        self.callback: Callback = callback
        self.metadata: dict[str, Any] = metadata
        """The subscriber's metadata, with its ``id`` (targets match against it)."""
        self.priority: int = priority
        """Lower runs first."""
        self.refused: str | None = None
        """Why the server refused this subscription (its message), or None: it was not
        refused (yet). A refused subscriber gets no events from the server; the refusal is
        also logged (``ftorm.events.hub``), and asked again on reconnecting."""

    @property
    def id(self) -> str:
        """The subscriber's id."""
        return str(self.metadata["id"])

    def unsubscribe(self) -> None:
        """Stop receiving events (`EventHubError` if already)."""
        self.hub.unsubscribe(self)

    def __repr__(self) -> str:
        return f"<Subscription {self.id} {self.expression}>"


class Router:
    """The subscribers of one hub client and the reply callbacks of what it published.

    ``own`` is the hub's own subscriber (replies to its events), which is always first,
    cannot be removed and is not listed by `subscriptions`; so are the ones added with
    ``internal=True`` (an asynchronous hub's watcher of ``ftrack.meta.disconnected``).
    """

    def __init__(self, own: Subscription) -> None:
        self._lock = threading.Lock()
        self._own = own
        self._subscriptions: list[Subscription] = [own]
        self._internal: list[Subscription] = [own]
        self._replies: collections.OrderedDict[str, Callback] = collections.OrderedDict()

    @property
    def own(self) -> Subscription:
        """The hub's reply subscriber."""
        return self._own

    def all(self) -> list[Subscription]:
        """Every subscriber, the hub's own first (subscribed again on reconnecting)."""
        with self._lock:
            return list(self._subscriptions)

    def subscriptions(self) -> list[Subscription]:
        """The subscribers, without the hub's own."""
        with self._lock:
            return [s for s in self._subscriptions if s not in self._internal]

    def add(self, subscription: Subscription, *, internal: bool = False) -> None:
        """Add a subscriber (``internal``: not listed, not removable); `EventHubError`
        when its id is taken."""
        with self._lock:
            if any(s.id == subscription.id for s in self._subscriptions):
                msg = f"a subscriber with id {excerpt(subscription.id)} already exists"
                raise EventHubError(msg)
            self._subscriptions.append(subscription)
            if internal:
                self._internal.append(subscription)

    def remove(self, ident: str) -> Subscription:
        """Remove the subscriber with id ``ident``; `EventHubError` when there is none."""
        with self._lock:
            found = [s for s in self._subscriptions if s.id == ident]
            if not found or found[0] in self._internal:
                msg = f"no subscriber with id {excerpt(ident)}"
                raise EventHubError(msg)
            self._subscriptions.remove(found[0])
            return found[0]

    def expect_reply(self, event_id: str, callback: Callback) -> None:
        """Call ``callback`` with each reply to the event ``event_id``."""
        with self._lock:
            self._replies[event_id] = callback
            if len(self._replies) > REPLIES:
                self._replies.popitem(last=False)

    def handle_reply(self, event: Event) -> None:
        """Hand a reply to the callback waiting for it (the hub's own subscriber)."""
        with self._lock:
            callback = self._replies.get(str(event.get("in_reply_to_event", "")))
        if callback is not None:
            callback(event)

    def dispatch(
        self, event: Event, reply: Callable[[Event, Any, Subscription], None] | None
    ) -> list[Any]:
        """Run the subscribers ``event`` matches, lowest priority first, until one stops it;
        their results. ``reply(event, result, subscription)`` is called for each result
        other than None of a subscriber other than the hub's own (None: no replies).
        A subscriber that raises is logged and counts as answering None."""
        with self._lock:
            subscriptions = sorted(self._subscriptions, key=operator.attrgetter("priority"))
        target_text = event.get("target") or ""
        try:
            target = parse(target_text) if target_text else None
        except SubscriptionSyntaxError as error:
            logger.warning("event hub: ignored an event with a bad target: %s", error)
            return []
        results: list[Any] = []
        for subscription in subscriptions:
            if target is not None and not target.match(subscription.metadata):
                continue
            if not subscription.expression.match(event):
                continue
            try:
                result = subscription.callback(event)
            except Exception:
                logger.exception("event hub: subscriber %r failed on %r", subscription, event)
                result = None
            results.append(result)
            if result is not None and reply is not None and subscription is not self._own:
                reply(event, result, subscription)
            if event.is_stopped():
                break
        return results
