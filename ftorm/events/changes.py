"""``ftrack.update`` as typed change records, and handlers typed by model class.

`changes_of(event, Task)` reads an ``ftrack.update`` event (`ftorm.server.changes` describes
its shape) into `Change[Task]` records: the entity's class, id, action, the changed
attributes with their old and new values (keyed by attribute name: ftrack's legacy
``statusid`` is ``status_id``), and its parents. Records of other types are skipped; a
subtype counts (``TypedContext`` matches tasks and shots).

`on_change(hub, Task, Task.status)` subscribes a handler that receives each `Change[Task]`
whose entity changed one of the given attributes (any attribute when none is given); with
``session=`` it also loads the changed entities through that session, one query per event
and model, before the handler runs (`Change.entity`). mypy and pyright check the handler
against the model: ``Callable[[Change[Task]], object]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import attrs

from ftorm.errors import InvalidValueError
from ftorm.events.event import Event
from ftorm.events.hub import EventHub, Subscription
from ftorm.model.base import Model
from ftorm.protocol.events import UPDATE

if TYPE_CHECKING:
    from ftorm.session.session import Session

__all__ = [
    "Change",
    "ChangeAction",
    "Parent",
    "ValueChange",
    "changes_of",
    "load_entities",
    "on_change",
]

M = TypeVar("M", bound=Model)
M_co = TypeVar("M_co", bound=Model, covariant=True)

ChangeAction = Literal["add", "update", "remove"]
"""What happened to an entity."""


@attrs.frozen
class ValueChange:
    """One attribute's values before and after the batch."""

    old: Any
    new: Any


@attrs.frozen
class Parent:
    """An entity of a change's ``parents``: the entity itself first, then its ancestors."""

    id: str
    entity_type: str
    parent_id: str | None


@attrs.frozen
class Change(Generic[M_co]):
    """One entity's change in a committed batch."""

    model: type[M_co]
    """The entity's class (the payload's type, or the model asked for when unknown)."""
    id: str
    action: ChangeAction
    changes: Mapping[str, ValueChange]
    """Changed attributes by name (``status_id``), with old and new values."""
    parents: tuple[Parent, ...]
    event: Event
    """The ``ftrack.update`` event this change came in."""
    entity: M_co | None = attrs.field(default=None, eq=False)
    """The entity, when the handler asked for it to be loaded (None when removed)."""

    @property
    def entity_type(self) -> str:
        """The entity's type name (``"Task"``)."""
        return str(self.model.__ftorm_entity__)

    def changed(self, *attributes: object) -> bool:
        """Whether any of ``attributes`` (``Task.status``, or names) changed."""
        return any(key in self.changes for key in _keys(attributes))


def _name(attribute: object) -> str:
    if isinstance(attribute, str):
        return attribute
    segments = getattr(getattr(attribute, "_ftorm_path", None), "segments", None)
    if not isinstance(segments, tuple) or len(segments) != 1:
        msg = f"not an attribute of a model class (Task.status): {attribute!r}"
        raise InvalidValueError(msg)
    return str(segments[0].name)


def _keys(attributes: tuple[object, ...]) -> set[str]:
    """The change keys ``attributes`` stand for: a reference's id column too."""
    keys: set[str] = set()
    for attribute in attributes:
        name = _name(attribute)
        keys.update((name, f"{name}_id"))
    return keys


def _attribute(key: str, model: type[Model]) -> str:
    """The attribute name of change key ``key`` (``statusid`` -> ``status_id``)."""
    fields = model.__ftorm_fields__
    if key in fields or not key.endswith("id"):
        return key
    candidate = f"{key[:-2]}_id"
    return candidate if candidate in fields else key


def changes_of(event: Mapping[str, Any], model: type[M]) -> list[Change[M]]:
    """The changes of ``model`` (or its subtypes) in an ``ftrack.update`` event; an
    event of another topic, or malformed entries, give none."""
    if event.get("topic") != UPDATE:
        return []
    data = event.get("data")
    entities = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(entities, list):
        return []
    registry = model.__ftorm_registry__
    source = event if isinstance(event, Event) else Event.of(dict(event))
    found: list[Change[M]] = []
    for entry in entities:
        if not isinstance(entry, dict) or entry.get("action") not in ("add", "update", "remove"):
            continue
        type_name = entry.get("entity_type")
        cls = registry[type_name] if isinstance(type_name, str) and type_name in registry else None
        if cls is None or not issubclass(cls, model):
            continue
        raw = entry.get("changes")
        changes = {
            _attribute(str(key), cls): ValueChange(value.get("old"), value.get("new"))
            for key, value in (raw.items() if isinstance(raw, dict) else ())
            if isinstance(value, dict)
        }
        parents = tuple(
            Parent(str(p.get("entityId")), str(p.get("entity_type")), p.get("parentId"))
            for p in entry.get("parents") or ()
            if isinstance(p, dict)
        )
        found.append(
            Change(cls, str(entry.get("entityId")), entry["action"], changes, parents, source)
        )
    return found


def load_entities(session: Session, changes: list[Change[M]]) -> list[Change[M]]:
    """``changes`` with their entities loaded, one query per model (removed ones stay None)."""
    by_model: dict[type[Model], list[str]] = {}
    for change in changes:
        if change.action != "remove":
            by_model.setdefault(change.model, []).append(change.id)
    loaded: dict[str, Model] = {}
    for cls, ids in by_model.items():
        id_column: Any = cls.id  # type: ignore[attr-defined]
        for entity in session.query(cls).where(id_column.in_(ids)).all():
            loaded[str(entity.id)] = entity  # type: ignore[attr-defined]
    return [
        attrs.evolve(change, entity=loaded.get(change.id))  # type: ignore[arg-type]
        for change in changes
    ]


def on_change(
    hub: EventHub,
    model: type[M],
    *attributes: object,
    session: Session | None = None,
    priority: int = 100,
) -> Callable[[Callable[[Change[M]], object]], Subscription]:
    """A decorator subscribing its handler to ``model``'s changes (of ``attributes``, when
    given); with ``session``, `Change.entity` is loaded first (one query per event)."""
    keys = _keys(attributes)

    def register(handler: Callable[[Change[M]], object]) -> Subscription:
        def callback(event: Event) -> None:
            changes = [
                change
                for change in changes_of(event, model)
                if not keys or change.action != "update" or keys & set(change.changes)
            ]
            if changes and session is not None:
                changes = load_entities(session, changes)
            for change in changes:
                handler(change)

        return hub.subscribe(f"topic={UPDATE}", callback, priority=priority)

    return register
