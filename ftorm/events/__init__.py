"""ftrack's events: the event hub client (``session.events``), typed changes and actions.

See `ftorm.events.hub` for the client and its threads, `ftorm.events.connection` for its
connection, `ftorm.events.changes` for ``ftrack.update`` as typed records,
`ftorm.events.actions` for actions.
"""

from __future__ import annotations

from ftorm.events.actions import Action, ActionResult, Selected
from ftorm.events.changes import Change, ChangeAction, Parent, ValueChange, changes_of
from ftorm.events.event import Event
from ftorm.events.hub import Callback, EventHub, Subscription

__all__ = [
    "Action",
    "ActionResult",
    "Callback",
    "Change",
    "ChangeAction",
    "Event",
    "EventHub",
    "Parent",
    "Selected",
    "Subscription",
    "ValueChange",
    "changes_of",
]
