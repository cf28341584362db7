"""ftrack's events as they travel: the envelope, the reserved topics, and the bounds.

An event is a JSON object::

    {"id": "<uuid hex>", "topic": "ftrack.update", "data": {...},
     "source": {"id": "<hub id>", "user": {"username": "..."}, ...},
     "target": "<expression over subscriber metadata, or empty>",
     "sent": null, "inReplyToEvent": "<id of the event answered, or absent>"}

On the wire the reply link is ``inReplyToEvent``; clients call it ``in_reply_to_event``
(`from_wire` and `to_wire` convert). Topics under ``ftrack.meta.`` are the hub's own.
"""

from __future__ import annotations

import collections
import json
import uuid
from typing import Any, Final

from ftorm.errors import EventRejectedError, excerpt

__all__ = [
    "ACTION_DISCOVER",
    "ACTION_LAUNCH",
    "CONNECTED",
    "DISCONNECTED",
    "MAX_EVENT_BYTES",
    "MAX_SUBSCRIPTIONS",
    "META_PREFIX",
    "REPLY",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "UPDATE",
    "RecentIds",
    "check_event",
    "from_wire",
    "new_event",
    "to_wire",
]

SUBSCRIBE: Final = "ftrack.meta.subscribe"
"""``data: {subscriber: {id, ...}, subscription: "<expression>"}``."""
UNSUBSCRIBE: Final = "ftrack.meta.unsubscribe"
"""``data: {subscriber: {id, ...}}``."""
REPLY: Final = "ftrack.meta.reply"
"""A reply: ``target`` names the asking hub, ``inReplyToEvent`` the event answered."""
CONNECTED: Final = "ftrack.meta.connected"
"""Raised locally by a client when its connection opens."""
DISCONNECTED: Final = "ftrack.meta.disconnected"
"""Raised locally by a client when its connection is lost for good."""
META_PREFIX: Final = "ftrack.meta."
"""The hub's own topics: a client publishes only `SUBSCRIBE`, `UNSUBSCRIBE` and `REPLY`."""
UPDATE: Final = "ftrack.update"
"""Published by the server for every committed batch that changed entities."""
ACTION_DISCOVER: Final = "ftrack.action.discover"
"""Asks every action for its items for a selection."""
ACTION_LAUNCH: Final = "ftrack.action.launch"
"""Runs one action (``data.actionIdentifier``) on a selection."""

MAX_EVENT_BYTES: Final = 1024 * 1024
"""The largest event (its JSON text, in bytes) a hub accepts: a larger one is refused."""
MAX_SUBSCRIPTIONS: Final = 1000
"""The most subscribers one connection may hold."""

_WIRE_REPLY = "inReplyToEvent"
_REPLY = "in_reply_to_event"


def new_event(
    topic: str,
    data: Any = None,
    *,
    source: dict[str, Any] | None = None,
    target: str = "",
    in_reply_to_event: str | None = None,
) -> dict[str, Any]:
    """A fresh event (a new id; ``sent`` is left for the hub)."""
    event: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "topic": topic,
        "data": {} if data is None else data,
        "source": dict(source or {}),
        "target": target,
        "sent": None,
    }
    if in_reply_to_event is not None:
        event[_REPLY] = in_reply_to_event
    return event


def to_wire(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``event`` with the reply link named as on the wire."""
    wire = dict(event)
    if _REPLY in wire:
        wire[_WIRE_REPLY] = wire.pop(_REPLY)
    return wire


def from_wire(payload: dict[str, Any]) -> dict[str, Any]:
    """A copy of a received event with the reply link named as clients name it."""
    event = dict(payload)
    if _WIRE_REPLY in event:
        event[_REPLY] = event.pop(_WIRE_REPLY)
    return event


def check_event(payload: Any, *, size: int | None = None) -> dict[str, Any]:
    """``payload`` as an event (`from_wire`), after checking its shape and size;
    `EventRejectedError` naming what is wrong. ``size`` is its JSON text's length in bytes
    when known (else it is measured)."""
    if not isinstance(payload, dict):
        msg = f"an event is a JSON object, not {type(payload).__name__}"
        raise EventRejectedError(msg)
    if size is None:
        try:
            size = len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        except (TypeError, ValueError, RecursionError) as error:
            msg = f"the event is not JSON-encodable: {error}"
            raise EventRejectedError(msg) from None
    if size > MAX_EVENT_BYTES:
        msg = f"the event is {size:,} bytes; the hub accepts at most {MAX_EVENT_BYTES:,}"
        raise EventRejectedError(msg)
    topic = payload.get("topic")
    if not isinstance(topic, str) or not topic or len(topic) > 255:
        msg = f"an event needs a topic (a non-empty string), got {excerpt(topic)}"
        raise EventRejectedError(msg)
    for name, kind in (("id", str), ("target", str), ("source", dict)):
        value = payload.get(name)
        if value is not None and not isinstance(value, kind):
            msg = f"the event's {name} must be a {kind.__name__}, not {excerpt(value)}"
            raise EventRejectedError(msg)
    event = from_wire(payload)
    event.setdefault("id", uuid.uuid4().hex)
    event.setdefault("data", {})
    event.setdefault("source", {})
    event.setdefault("target", "")
    if event["source"] is None:
        event["source"] = {}
    if event["target"] is None:
        event["target"] = ""
    return event


class RecentIds:
    """The last ``size`` event ids seen (not thread-safe: the owner locks)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._ids: collections.OrderedDict[str, None] = collections.OrderedDict()

    def add(self, event_id: str) -> bool:
        """Remember ``event_id``; False when it was seen already."""
        if event_id in self._ids:
            return False
        self._ids[event_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True
