"""`Action`: one of ftrack's actions, answering ``ftrack.action.discover`` and running on
``ftrack.action.launch``.

ftrack (or any client) publishes ``ftrack.action.discover`` with ``data.selection`` (a list
of ``{entityId, entityType}``); every action that applies replies ``{"items": [{label,
variant, description, icon, actionIdentifier}]}``. Choosing one publishes
``ftrack.action.launch`` with ``data.actionIdentifier`` and the selection; the action runs
and replies ``{"success": bool, "message": str}``.

::

    class Publish(Action):
        identifier = "studio.publish"
        label = "Publish"

        def discover(self, selection: list[Selected]) -> bool:
            return all(item.entity_type == "task" for item in selection)

        def launch(self, selection: list[Selected], event: Event) -> ActionResult:
            ...
            return {"success": True, "message": "Published"}

    Publish().register(session.events)
"""

from __future__ import annotations

from typing import Any, ClassVar, TypedDict

import attrs

from ftorm.events.event import Event
from ftorm.events.hub import EventHub, Subscription
from ftorm.model.base import Model
from ftorm.protocol.events import ACTION_DISCOVER, ACTION_LAUNCH
from ftorm.query.subscription import Condition

__all__ = ["Action", "ActionResult", "Selected"]

_LEGACY: dict[str, str] = {"show": "Project", "task": "TypedContext"}


class ActionResult(TypedDict, total=False):
    """What a launch answers."""

    success: bool
    message: str


@attrs.frozen
class Selected:
    """One selected entity: its id and ftrack's legacy type name (``task``, ``show``,
    ``assetversion``...), and the model class it maps to in ``models`` (None if unknown)."""

    id: str
    entity_type: str
    model: type[Model] | None

    def is_a(self, model: type[Model]) -> bool:
        """Whether the selection's class is ``model`` or one of its subtypes (a ``task``
        selection is any context: check a loaded entity for the exact type)."""
        return self.model is not None and issubclass(self.model, model)


def _selection(event: Event, registry: Any) -> list[Selected]:
    data = event.get("data")
    raw = data.get("selection") if isinstance(data, dict) else None
    if raw is None and isinstance(data, dict):  # older events nest it in context
        context = data.get("context")
        raw = context.get("selection") if isinstance(context, dict) else None
    selected: list[Selected] = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, dict):
            continue
        legacy = str(item.get("entityType", ""))
        name = _LEGACY.get(legacy) or next(
            (entity for entity in registry if entity.lower() == legacy.lower()), None
        )
        model = registry[name] if name is not None and name in registry else None
        selected.append(Selected(str(item.get("entityId", "")), legacy, model))
    return selected


class Action:
    """An ftrack action; subclasses set `identifier` and `label` and define `launch`."""

    identifier: ClassVar[str]
    """Unique name of the action (``actionIdentifier``)."""
    label: ClassVar[str]
    """What the UI shows."""
    variant: ClassVar[str | None] = None
    description: ClassVar[str | None] = None
    icon: ClassVar[str | None] = None

    def __init__(self, models: Any = None) -> None:
        from ftorm.models import Project

        self.registry: Any = models if models is not None else Project.__ftorm_registry__
        """The model classes selections map to (``ftorm.models`` by default)."""

    def discover(self, selection: list[Selected]) -> bool:
        """Whether the action applies to ``selection`` (by default: always)."""
        return True

    def launch(self, selection: list[Selected], event: Event) -> ActionResult | None:
        """Run the action; the reply (``{"success": ..., "message": ...}``)."""
        raise NotImplementedError

    def item(self) -> dict[str, Any]:
        """This action's entry in a discover reply."""
        entry: dict[str, Any] = {"label": self.label, "actionIdentifier": self.identifier}
        for name in ("variant", "description", "icon"):
            if getattr(self, name) is not None:
                entry[name] = getattr(self, name)
        return entry

    def _discover(self, event: Event) -> dict[str, Any] | None:
        if not self.discover(_selection(event, self.registry)):
            return None
        return {"items": [self.item()]}

    def _launch(self, event: Event) -> ActionResult | None:
        return self.launch(_selection(event, self.registry), event)

    def register(self, hub: EventHub, *, priority: int = 100) -> list[Subscription]:
        """Subscribe this action's discover and launch handlers to ``hub``."""
        launch = (
            f"topic={ACTION_LAUNCH} and {Condition('data.actionIdentifier', '=', self.identifier)}"
        )
        return [
            hub.subscribe(f"topic={ACTION_DISCOVER}", self._discover, priority=priority),
            hub.subscribe(launch, self._launch, priority=priority),
        ]
