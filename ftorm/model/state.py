"""Per-instance state: values, the attached tracker and the dirty record. The only owner.

Layout (chosen so that reading an attribute is an ordinary instance-dict load):

- **Values** live in the instance ``__dict__`` under their Python names. An attribute that is
  not in ``__dict__`` is *not loaded*. A fresh instance is filled with one ``__dict__.update``
  (`hydrate`), because filling it key by key makes later reads slower on 3.11/3.12.
- **``__dict__["_ftorm_hook"]``** (absent until a session attaches one) is a `Tracker`.
- **``__dict__["_ftorm_changes"]``** (absent until the first write) maps each attribute
  written since the last `mark_clean` to its value before that first write (`MISSING` when it
  had none). That is the whole dirty state: `changes` lists it, `rollback` restores it, and a
  write that puts the original value back removes the entry.
- **``__dict__["_ftorm_cohort"]``** (absent for objects not read from a server) is the cohort
  the object was last loaded with: an object of the session's own making
  (`ftorm.session.cohort.Cohort`), opaque here. It points from member to cohort only, so a
  cohort never keeps its members alive.

Only this module reads or writes those keys: `ftorm.model.relations` records writes with
`record`, `record_write` and `report_write`, and the session builds and merges instances with
`hydrate`, `refresh` and `set_committed`. Collections are wrapped in the model's
``__ftorm_collection__`` type (`ftorm.model.relations.Related`), so this module never imports
the relations module.

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
4. **Threads.** A tracker may have a ``lock`` attribute (a re-entrant lock, as
   ``Session.lock``): every write on an object it tracks (assignment, collection change,
   relationship sync) runs holding it (`guard`), so the write and its record are one step
   for other threads, and the tracker can hold the same lock while it reads the records.
5. **After a commit** call `mark_clean`; to undo, `rollback`; to fold in server values (ids,
   defaults, computed fields) without marking anything dirty, `merge` (or `refresh`, which
   keeps the user's pending changes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ftorm.errors import NotLoadedError
from ftorm.model.fields import MISSING, Many

if TYPE_CHECKING:
    from ftorm.model.base import Model
    from ftorm.schema.custom.configurations import Configuration

__all__ = [
    "MISSING",
    "CollectionType",
    "Tracker",
    "attach",
    "changes",
    "cohort_of",
    "detach",
    "guard",
    "hook_of",
    "hydrate",
    "is_dirty",
    "is_loaded",
    "join",
    "loaded",
    "mark_clean",
    "merge",
    "not_loaded",
    "record",
    "record_write",
    "refresh",
    "report_collection",
    "report_write",
    "rollback",
    "set_committed",
    "settle",
]

_HOOK = "_ftorm_hook"
"""Instance ``__dict__`` key of the attached `Tracker`."""

_CHANGES = "_ftorm_changes"
"""Instance ``__dict__`` key of the ``{name: original value}`` dirty record."""

_COHORT = "_ftorm_cohort"
"""Instance ``__dict__`` key of the cohort the object was last loaded with."""

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

    def custom_configurations(
        self, obj: Model, *, refresh: bool = False
    ) -> Sequence[Configuration]:
        """The custom attribute configurations that apply to ``obj`` (`ftorm.model.custom`
        makes the value entity of a key ``obj`` holds none for, and names the keys there are
        when one is unknown); ``refresh`` reads them from the server again."""
        ...


class CollectionType(Protocol):
    """The list type a model holds its collections in (``Model.__ftorm_collection__``)."""

    def __call__(self, items: Iterable[Any], owner: Model, field: Many[Any], /) -> list[Any]:
        """A collection of ``items`` for ``owner.<field>``."""
        ...


# --- building instances -------------------------------------------------------------------


_new = object.__new__
"""Makes the instance `hydrate` fills (models define no ``__new__``: they are declared)."""


def hydrate(
    cls: type[M],
    values: Mapping[str, object],
    hook: Tracker | None = None,
    cohort: object = None,
) -> M:
    """A new instance of ``cls`` holding ``values`` (Python names), loaded and clean.

    No validation and no constructor: this is how a session builds entities from rows. The
    values go in with one ``__dict__.update``. Collection values must already be collections
    of the model (``__ftorm_collection__``); or set them afterwards with `set_committed`.
    ``cohort`` (when not None) is remembered as the cohort the instance was loaded with.
    """
    obj = _new(cls)  # no class attribute read: on a model class each one costs a hook
    data = obj.__dict__
    data.update(values)
    if hook is not None:
        data[_HOOK] = hook
    if cohort is not None:
        data[_COHORT] = cohort
    return obj


def join(obj: Model, cohort: object) -> bool:
    """Remember ``cohort`` as the one ``obj`` was loaded with; False if it already was."""
    data = vars(obj)
    if data.get(_COHORT) is cohort:
        return False
    data[_COHORT] = cohort
    return True


def cohort_of(obj: Model) -> object:
    """The cohort ``obj`` was last loaded with (None when it was never loaded)."""
    return vars(obj).get(_COHORT)


def attach(obj: Model, hook: Tracker | None) -> None:
    """Attach ``hook`` to ``obj`` (None detaches)."""
    if hook is None:
        vars(obj).pop(_HOOK, None)
    else:
        vars(obj)[_HOOK] = hook


def detach(obj: Model) -> None:
    """Remove the tracker from ``obj``."""
    vars(obj).pop(_HOOK, None)


def hook_of(obj: Model) -> Tracker | None:
    """The tracker attached to ``obj``, if any."""
    hook: Tracker | None = vars(obj).get(_HOOK)
    return hook


_UNGUARDED: AbstractContextManager[object] = nullcontext()
"""What `guard` gives for an object whose tracker has no lock (or that has no tracker)."""


def guard(obj: object | None) -> AbstractContextManager[object]:
    """The lock writes on ``obj`` hold: its tracker's ``lock`` (a no-op when it has none)."""
    hook = None if obj is None else vars(obj).get(_HOOK)
    if hook is None:
        return _UNGUARDED
    lock: AbstractContextManager[object] | None = getattr(hook, "lock", None)
    return _UNGUARDED if lock is None else lock


def is_loaded(obj: Model, name: str) -> bool:
    """True when ``obj.name`` holds a value (reading it will not load anything)."""
    return name in vars(obj)


def loaded(obj: Model) -> tuple[str, ...]:
    """The Python names of the fields ``obj`` holds values for."""
    data = vars(obj)
    return tuple(name for name in type(obj).__ftorm_fields__ if name in data)


# --- recording writes ---------------------------------------------------------------------


def record(obj: Model, name: str, old: object) -> None:
    """Remember ``old`` as the original value of ``name`` unless already recorded."""
    data = vars(obj)
    found: dict[str, object] | None = data.get(_CHANGES)
    if found is None:
        data[_CHANGES] = {name: old}
    elif name not in found:
        found[name] = old


def record_write(
    obj: Model, name: str, old: object, value: object, *, identity: bool = False
) -> None:
    """Record that ``obj.name`` went from ``old`` to ``value``.

    The first write remembers ``old`` as the original; a write that puts the original back
    forgets the entry. Values are compared by equality (same type), or by identity only when
    ``identity`` is true (references: two equal entities are still different rows).
    """
    data: dict[str, Any] = obj.__dict__  # pyright: ignore[reportAssignmentType]
    found: dict[str, object] | None = data.get(_CHANGES)
    if found is None or name not in found:
        if old is value or (not identity and type(old) is type(value) and old == value):
            return  # no change
        if found is None:
            data[_CHANGES] = {name: old}
        else:
            found[name] = old
    else:
        original = found[name]
        if original is value or (
            not identity and type(original) is type(value) and original == value
        ):
            del found[name]


def report_write(obj: Model, name: str, old: object, value: object) -> None:
    """Tell ``obj``'s tracker, if any, that ``obj.name`` went from ``old`` to ``value``."""
    hook: Tracker | None = obj.__dict__.get(_HOOK)
    if hook is not None:
        hook.changed(obj, name, old, value)


def report_collection(
    obj: Model, name: str, added: Sequence[Model], removed: Sequence[Model]
) -> None:
    """Tell ``obj``'s tracker, if any, that the collection ``obj.name`` changed."""
    hook: Tracker | None = obj.__dict__.get(_HOOK)
    if hook is not None:
        hook.collection_changed(obj, name, added, removed)


def changes(obj: Model) -> dict[str, object]:
    """``{name: original value}`` for every attribute written since the last `mark_clean`.

    For collections the original is a tuple of the elements; `MISSING` means "had no value".
    """
    found: dict[str, object] | None = vars(obj).get(_CHANGES)
    return dict(found) if found else {}


def is_dirty(obj: Model) -> bool:
    """True when ``obj`` has changes not yet marked clean."""
    return bool(vars(obj).get(_CHANGES))


def settle(obj: Model, name: str) -> None:
    """Forget the recorded change of ``name`` alone: its current value is the committed one."""
    found: dict[str, object] | None = vars(obj).get(_CHANGES)
    if found is not None:
        found.pop(name, None)
        if not found:
            del vars(obj)[_CHANGES]


def mark_clean(obj: Model) -> None:
    """Forget the recorded changes: the current values become the committed ones."""
    vars(obj).pop(_CHANGES, None)


def rollback(obj: Model) -> None:
    """Restore every changed attribute of ``obj`` to its original value (or unset it).

    Only ``obj`` is touched: a session rolls back each of its dirty objects, which restores
    both sides of every relationship change.
    """
    found: dict[str, object] | None = vars(obj).pop(_CHANGES, None)
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
        if isinstance(field, Many) and isinstance(current, list):
            list.__setitem__(current, slice(None), list(_items(original)))
        elif isinstance(field, Many):
            data[name] = _collection(obj, field, original)
        else:
            data[name] = original


# --- storing loaded values ----------------------------------------------------------------


def _items(value: object) -> Iterable[Any]:
    return value if isinstance(value, Iterable) else ()


def _collection(obj: Model, field: Many[Any], value: object) -> list[Any]:
    make: CollectionType = type(obj).__ftorm_collection__
    return make(_items(value), obj, field)


def set_committed(obj: Model, name: str, value: object) -> None:
    """Store a loaded value: no validation, not dirty, not reported, no relationship sync.

    For collections pass the list of elements; it is wrapped in the model's collection type
    (`ftorm.model.relations.Related`) bound to ``obj``.
    """
    cls = type(obj)
    field = cls.__ftorm_fields__.get(name)
    collection: object = cls.__ftorm_collection__
    if isinstance(field, Many) and type(value) is not collection:
        value = _collection(obj, field, value)
    vars(obj)[name] = value


def merge(obj: Model, values: Mapping[str, object]) -> None:
    """`set_committed` for several values at once (a server's echo after a commit)."""
    for name, value in values.items():
        set_committed(obj, name, value)


def refresh(
    obj: Model, values: Mapping[str, object], collections: Mapping[str, object] | None = None
) -> None:
    """Fold values read again from the server into ``obj``, keeping its pending changes.

    ``values`` are stored as they are, ``collections`` (lists of elements) with
    `set_committed`; an attribute the user changed and has not committed is left alone.
    """
    data = obj.__dict__
    changed: dict[str, object] = data.get(_CHANGES) or {}
    if changed:
        data.update({name: value for name, value in values.items() if name not in changed})
    else:
        data.update(values)
    for name, items in (collections or {}).items():
        if name not in changed:
            set_committed(obj, name, items)


def not_loaded(obj: Model, name: str) -> Any:
    """Called by ``Model.__getattr__`` for a field missing from ``obj.__dict__``.

    Asks the attached tracker to load it.

    Raises:
        NotLoadedError: when there is no tracker or it did not load the value.
    """
    data = vars(obj)
    hook: Tracker | None = data.get(_HOOK)
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
    msg = f"{model}.{name} is not loaded: {hint}"
    raise NotLoadedError(msg)
