"""Per-instance state, and the hooks a session uses to load and track entities.

Layout (chosen so that reading an attribute is an ordinary instance-dict load):

- **Values** live in the instance ``__dict__`` under their Python names. An attribute that is
  not in ``__dict__`` is *not loaded*. Fill a fresh instance with one ``__dict__.update`` —
  `hydrate` does that — because filling it key by key makes later reads slower on 3.11/3.12.
- **``__dict__["_ftorm_hook"]``** (absent until a session attaches one) is a `Tracker`.
- **``__dict__["_ftorm_changes"]``** (absent until the first write) maps each attribute
  written since the last `mark_clean` to its value before that first write (`MISSING` when it
  had none). That is the whole dirty state: `changes` lists it, `rollback` restores it, and a
  write that puts the original value back removes the entry.

Hooks for the session (``ftorm.session``):

1. **Loading.** Reading a field that is not in ``__dict__`` calls ``Model.__getattr__``, which
   calls `Tracker.load` on the attached tracker. The tracker fetches the value, stores it with
   `set_committed` (or `merge`) and returns True; `NotLoadedError` naming the model and
   attribute is raised when there is no tracker, when it returns False (``lazy="raise"`` may
   also raise `NotLoadedError` itself, with its own message).
2. **Changes.** Every write through ``obj.attr = v`` / ``obj["attr"] = v`` is validated
   (`ftorm.InvalidValueError`, `ftorm.ImmutableAttributeError`), recorded in the changes and
   reported with `Tracker.changed`. Mutating a `ftorm.model.relations.Related` collection is
   reported with `Tracker.collection_changed` (added and removed elements).
3. **Both sides of a relationship** are kept in sync where the backref is known: setting
   ``seq.parent = project`` appends ``seq`` to ``project.children`` *if that list is loaded*
   and removes it from the old parent's loaded list; ``project.children.append(seq)`` sets
   ``seq.parent`` (a tracked, reported write). The collection side is recorded in the changes
   too (so `rollback` restores it), but the reference side is what carries the change to the
   server: a session can persist relationships from `Tracker.changed` on references alone.
4. **After a commit** call `mark_clean`; to undo, `rollback`; to fold in server values (ids,
   defaults, computed fields) without marking anything dirty, `merge`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ftorm.errors import NotLoadedError
from ftorm.model.fields import MISSING, Many, Ref

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = [
    "CHANGES",
    "HOOK",
    "MISSING",
    "Tracker",
    "attach",
    "changes",
    "detach",
    "hook_of",
    "hydrate",
    "is_dirty",
    "is_loaded",
    "loaded",
    "mark_clean",
    "merge",
    "not_loaded",
    "record",
    "rollback",
    "set_committed",
]

HOOK = "_ftorm_hook"
"""Instance ``__dict__`` key of the attached `Tracker`."""

CHANGES = "_ftorm_changes"
"""Instance ``__dict__`` key of the ``{name: original value}`` dirty record."""

M = TypeVar("M", bound="Model")


class Tracker(Protocol):
    """What a session attaches to the instances it manages (see the module docstring)."""

    def load(self, obj: Model, name: str) -> bool:
        """Load ``name`` into ``obj`` (e.g. with `set_committed`); False to refuse.

        May raise `ftorm.NotLoadedError` itself (``lazy="raise"``).
        """
        ...

    def changed(self, obj: Model, name: str, old: object, new: object) -> None:
        """``obj.name`` was written: ``old`` is the previous value (`MISSING` if none)."""
        ...

    def collection_changed(
        self, obj: Model, name: str, added: Sequence[Model], removed: Sequence[Model]
    ) -> None:
        """The collection ``obj.name`` gained ``added`` and lost ``removed``."""
        ...


def hydrate(cls: type[M], values: Mapping[str, object], hook: Tracker | None = None) -> M:
    """A new instance of ``cls`` holding ``values`` (Python names), loaded and clean.

    No validation and no constructor: this is how a session builds entities from rows. The
    values go in with one ``__dict__.update``. `ftorm.model.relations.Related` values for
    collections should be built with ``Related(items, owner, field)`` by the caller, or set
    afterwards with `set_committed`.
    """
    obj = cls.__new__(cls)
    if hook is None:
        vars(obj).update(values)
    else:
        data = dict(values)
        data[HOOK] = hook
        vars(obj).update(data)
    return obj


def attach(obj: Model, hook: Tracker | None) -> None:
    """Attach ``hook`` to ``obj`` (None detaches)."""
    if hook is None:
        vars(obj).pop(HOOK, None)
    else:
        vars(obj)[HOOK] = hook


def detach(obj: Model) -> None:
    """Remove the tracker from ``obj``."""
    vars(obj).pop(HOOK, None)


def hook_of(obj: Model) -> Tracker | None:
    """The tracker attached to ``obj``, if any."""
    hook: Tracker | None = vars(obj).get(HOOK)
    return hook


def is_loaded(obj: Model, name: str) -> bool:
    """True when ``obj.name`` holds a value (reading it will not load anything)."""
    return name in vars(obj)


def loaded(obj: Model) -> tuple[str, ...]:
    """The Python names of the fields ``obj`` holds values for."""
    data = vars(obj)
    return tuple(name for name in type(obj).__ftorm_fields__ if name in data)


def record(obj: Model, name: str, old: object) -> None:
    """Remember ``old`` as the original value of ``name`` unless already recorded."""
    data = vars(obj)
    found: dict[str, object] | None = data.get(CHANGES)
    if found is None:
        data[CHANGES] = {name: old}
    elif name not in found:
        found[name] = old


def forget_if_original(obj: Model, name: str, value: object, *, identity: bool) -> None:
    """Drop the dirty record of ``name`` when ``value`` is its original value again."""
    found: dict[str, object] | None = vars(obj).get(CHANGES)
    if not found or name not in found:
        return
    original = found[name]
    if original is value or (
        not identity
        and original is not MISSING
        and type(original) is type(value)
        and original == value
    ):
        del found[name]


def changes(obj: Model) -> dict[str, object]:
    """``{name: original value}`` for every attribute written since the last `mark_clean`.

    For collections the original is a tuple of the elements; `MISSING` means "had no value".
    """
    found: dict[str, object] | None = vars(obj).get(CHANGES)
    return dict(found) if found else {}


def is_dirty(obj: Model) -> bool:
    """True when ``obj`` has changes not yet marked clean."""
    return bool(vars(obj).get(CHANGES))


def mark_clean(obj: Model) -> None:
    """Forget the recorded changes: the current values become the committed ones."""
    vars(obj).pop(CHANGES, None)


def rollback(obj: Model) -> None:
    """Restore every changed attribute of ``obj`` to its original value (or unset it).

    Only ``obj`` is touched: a session rolls back each of its dirty objects, which restores
    both sides of every relationship change.
    """
    from ftorm.model.relations import Related

    found: dict[str, object] | None = vars(obj).pop(CHANGES, None)
    if not found:
        return
    data = vars(obj)
    fields = type(obj).__ftorm_fields__
    for name, original in found.items():
        if original is MISSING:
            data.pop(name, None)
            continue
        field = fields.get(name)
        current = data.get(name)
        if isinstance(field, Many) and isinstance(current, Related):
            list.__setitem__(current, slice(None), list(_items(original)))
        elif isinstance(field, Many):
            data[name] = Related(_items(original), obj, field)
        else:
            data[name] = original


def _items(value: object) -> Iterable[Any]:
    return value if isinstance(value, Iterable) else ()


def set_committed(obj: Model, name: str, value: object) -> None:
    """Store a loaded value: no validation, not dirty, not reported, no relationship sync.

    For collections pass the list of elements; it is wrapped in a
    `ftorm.model.relations.Related` bound to ``obj``.
    """
    from ftorm.model.relations import Related

    field = type(obj).__ftorm_fields__.get(name)
    if isinstance(field, Many) and not isinstance(value, Related):
        value = Related(_items(value), obj, field)
    vars(obj)[name] = value


def merge(obj: Model, values: Mapping[str, object]) -> None:
    """`set_committed` for several values at once (a server's echo after a commit)."""
    for name, value in values.items():
        set_committed(obj, name, value)


def not_loaded(obj: Model, name: str) -> Any:
    """Called by ``Model.__getattr__`` for a field missing from ``obj.__dict__``.

    Asks the attached tracker to load it; raises `NotLoadedError` otherwise.
    """
    data = vars(obj)
    hook: Tracker | None = data.get(HOOK)
    if hook is not None and hook.load(obj, name) and name in data:
        return data[name]
    model = type(obj).__name__
    if hook is None:
        hint = (
            "the object is not attached to a session, and this attribute was never set "
            "(new objects get server defaults on commit)"
        )
    else:
        hint = "the session did not load it (select it or populate() it first)"
    raise NotLoadedError(f"{model}.{name} is not loaded: {hint}")


def is_reference(obj: Model, name: str) -> bool:
    """True when ``name`` is a `Ref` field of ``obj``'s model."""
    return isinstance(type(obj).__ftorm_fields__.get(name), Ref)
