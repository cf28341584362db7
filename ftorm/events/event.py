"""`Event`: one ftrack event, a mapping as it travels, with helpers."""

from __future__ import annotations

from typing import Any

from ftorm.protocol.events import new_event

__all__ = ["Event"]


class Event(dict[str, Any]):
    """An ftrack event: ``topic``, ``data``, ``source``, ``target``, ``id`` (and
    ``in_reply_to_event`` for a reply), as the mapping ftrack clients use.

    ``Event("my.topic", {"answer": 42})`` makes a new one with a fresh id.
    """

    def __init__(
        self,
        topic: str,
        data: Any = None,
        *,
        source: dict[str, Any] | None = None,
        target: str = "",
        in_reply_to_event: str | None = None,
        **rest: Any,
    ) -> None:
        fields = new_event(
            topic, data, source=source, target=target, in_reply_to_event=in_reply_to_event
        )
        fields.update(rest)
        super().__init__(fields)
        self._stopped = False

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Event:
        """An `Event` holding a copy of ``payload`` (its id kept)."""
        event = cls.__new__(cls)
        dict.__init__(event, payload)
        event._stopped = False
        return event

    @property
    def topic(self) -> str:
        """The event's topic."""
        return str(self.get("topic", ""))

    @property
    def id(self) -> str:
        """The event's id."""
        return str(self.get("id", ""))

    @property
    def data(self) -> Any:
        """The event's payload."""
        return self.get("data")

    def stop(self) -> None:
        """Stop this event reaching the subscribers after the current one (in this hub)."""
        self._stopped = True

    def is_stopped(self) -> bool:
        """Whether a subscriber called `stop`."""
        return self._stopped

    def __repr__(self) -> str:
        return f"<Event {self.topic} {self.id}>"
