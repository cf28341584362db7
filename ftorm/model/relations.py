"""Writes on instances: validation, dirty records, and both sides of relationships in sync.

`assign` is what ``obj.name = value`` runs (``Model.__setattr__``). `Related` is the list a
`ftorm.model.fields.Many` field holds on an instance; its mutating methods validate the
elements, keep each element's back-reference (``backref``) pointing at the owner, and report
the change to the owner's tracker (see `ftorm.model.state`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, SupportsIndex, TypeVar, overload

from ftorm.errors import ImmutableAttributeError, InvalidValueError, NotInCollectionError
from ftorm.model.fields import MISSING, Attr, Field, Many, Ref
from ftorm.model.state import guard, record, record_write, report_collection, report_write

if TYPE_CHECKING:
    from typing import Self

    from ftorm.model.base import Model

__all__ = ["Related", "assign", "link_new", "set_collection", "set_ref", "set_scalar", "unlink"]

M = TypeVar("M")


def _guard_immutable(obj: Model, field: Field[Any], old: object, value: object) -> None:
    if old is MISSING or old is value:
        return
    if field.computed or field.immutable:
        if field.kind == "attr" and type(old) is type(value) and old == value:
            return
        what = "computed by the server" if field.computed else "immutable"
        msg = f"{type(obj).__name__}.{field.name} is {what} and already has a value ({old!r})"
        raise ImmutableAttributeError(msg)


def set_scalar(obj: Model, field: Attr[Any], value: object) -> None:
    """``obj.<field> = value`` for a scalar attribute (the hot path of ``__setattr__``)."""
    if not field._resolved:
        field.resolve()
    check = field._check
    if check is not None:
        try:
            value = check(value)
        except InvalidValueError as error:
            msg = f"{type(obj).__name__}.{field.name} {error}"
            raise InvalidValueError(msg) from None
    data: dict[str, Any] = obj.__dict__  # pyright: ignore[reportAssignmentType]
    name = field.name
    old = data.get(name, MISSING)
    if old is not MISSING and (field.immutable or field.computed):
        _guard_immutable(obj, field, old, value)
    data[name] = value
    record_write(obj, name, old, value)
    report_write(obj, name, old, value)


def _loaded_collection(obj: object, field: Many[Any]) -> Related[Any] | None:
    found = vars(obj).get(field.name)
    return found if isinstance(found, Related) else None


def set_ref(
    obj: Model, field: Ref[Any], value: object, *, check: bool = True, sync: bool = True
) -> None:
    """``obj.<field> = value`` for a reference, updating the inverse collections if loaded."""
    name = field.name
    if check:
        value = field.check(value, type(obj))
    data = vars(obj)
    old = data.get(name, MISSING)
    if old is value:
        return
    _guard_immutable(obj, field, old, value)
    data[name] = value
    record_write(obj, name, old, value, identity=True)
    if sync:
        inverse = field.inverse()
        if inverse is not None:
            if old is not MISSING and old is not None:
                previous = _loaded_collection(old, inverse)
                if previous is not None and obj in previous:
                    record(previous._ftorm_owner, inverse.name, tuple(previous))  # type: ignore[arg-type]
                    list.remove(previous, obj)
            if value is not None:
                current = _loaded_collection(value, inverse)
                if current is not None and obj not in current:
                    record(current._ftorm_owner, inverse.name, tuple(current))  # type: ignore[arg-type]
                    list.append(current, obj)
    report_write(obj, name, old, value)


def set_collection(obj: Model, field: Many[Any], values: object) -> None:
    """``obj.<field> = values``: replace a collection's elements."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        msg = (
            f"{type(obj).__name__}.{field.name} takes an iterable of "
            f"{field.target.__name__}, got {type(values).__name__}: {values!r}"
        )
        raise InvalidValueError(msg)
    items = [field.check(value, type(obj)) for value in values]
    current = _loaded_collection(obj, field)
    if current is not None:
        current[:] = items
        return
    created: Related[Any] = Related((), obj, field)
    unique = _unique(items, ())
    list.extend(created, unique)
    record(obj, field.name, MISSING)
    vars(obj)[field.name] = created
    created._ftorm_changed(unique, ())


def assign(obj: Model, name: str, value: object) -> bool:
    """Run ``obj.name = value`` for a field; False when ``name`` is not a field."""
    field = type(obj).__ftorm_fields__.get(name)
    if field is None:
        return False
    if isinstance(field, Attr):
        set_scalar(obj, field, value)
    elif isinstance(field, Ref):
        set_ref(obj, field, value)
    elif isinstance(field, Many):
        set_collection(obj, field, value)
    return True


def link_new(obj: Model) -> None:
    """After construction: add ``obj`` to the loaded inverse collections of its references."""
    data = vars(obj)
    for field in type(obj).__ftorm_fields__.values():
        if isinstance(field, Ref):
            value = data.get(field.name)
            if value is None or value is MISSING:
                continue
            inverse = field.inverse()
            if inverse is None:
                continue
            with guard(value):
                current = _loaded_collection(value, inverse)
                if current is not None and obj not in current:
                    record(value, inverse.name, tuple(current))
                    list.append(current, obj)


def _unique(items: Iterable[Any], existing: Sequence[Any]) -> list[Any]:
    seen = {id(item) for item in existing}
    result = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result


def _diff(before: Sequence[Any], after: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    before_ids = {id(item) for item in before}
    after_ids = {id(item) for item in after}
    added = [item for item in after if id(item) not in before_ids]
    removed = [item for item in before if id(item) not in after_ids]
    return added, removed


class Related(list[M]):
    """The elements of a collection field on one instance (a `list` subclass).

    Adding an element sets its back-reference to the owner (``seq.parent = project`` for
    ``project.children.append(seq)``), removing one clears it; elements already present are
    not added twice. Changes are recorded for rollback and reported to the owner's tracker.
    """

    __slots__ = ("_ftorm_field", "_ftorm_owner")

    def __init__(
        self,
        items: Iterable[M] = (),
        owner: Model | None = None,
        field: Many[Any] | None = None,
    ) -> None:
        super().__init__(items)
        self._ftorm_owner = owner
        self._ftorm_field = field

    def __repr__(self) -> str:
        return f"Related({list.__repr__(self)})"

    # --- internals -----------------------------------------------------------------------

    def _ftorm_check(self, items: Iterable[M]) -> list[M]:
        field = self._ftorm_field
        if field is None:
            return list(items)
        model = type(self._ftorm_owner)
        return [field.check(item, model) for item in items]  # type: ignore[misc]

    def _ftorm_changing(self) -> None:
        owner, field = self._ftorm_owner, self._ftorm_field
        if owner is not None and field is not None:
            record(owner, field.name, tuple(self))

    def _ftorm_changed(self, added: Sequence[Any], removed: Sequence[Any]) -> None:
        owner: Model | None = self._ftorm_owner
        field: Many[Any] | None = self._ftorm_field
        if owner is None or field is None or not (added or removed):
            return
        inverse = field.inverse()
        if inverse is not None:
            for item in removed:
                if vars(item).get(inverse.name) is owner:
                    set_ref(item, inverse, None, check=False, sync=False)
            for item in added:
                set_ref(item, inverse, owner)
        report_collection(owner, field.name, tuple(added), tuple(removed))

    # --- list API --------------------------------------------------------------------------

    def append(self, item: M) -> None:
        """Add ``item`` (no-op when already present)."""
        with guard(self._ftorm_owner):
            (item,) = self._ftorm_check((item,))
            if item in self:
                return
            self._ftorm_changing()
            list.append(self, item)
            self._ftorm_changed((item,), ())

    def extend(self, items: Iterable[M]) -> None:
        """Add each of ``items`` not already present."""
        with guard(self._ftorm_owner):
            new = _unique(self._ftorm_check(items), self)
            if not new:
                return
            self._ftorm_changing()
            list.extend(self, new)
            self._ftorm_changed(new, ())

    def __iadd__(self, items: Iterable[M]) -> Self:  # type: ignore[override,misc]
        self.extend(items)
        return self

    def insert(self, index: SupportsIndex, item: M) -> None:
        """Insert ``item`` at ``index`` (no-op when already present)."""
        with guard(self._ftorm_owner):
            (item,) = self._ftorm_check((item,))
            if item in self:
                return
            self._ftorm_changing()
            list.insert(self, index, item)
            self._ftorm_changed((item,), ())

    def remove(self, item: M) -> None:
        """Remove ``item`` (`ValueError` when absent)."""
        with guard(self._ftorm_owner):
            if item not in self:
                msg = f"{item!r} is not in the collection"
                raise NotInCollectionError(msg)
            self._ftorm_changing()
            list.remove(self, item)
            self._ftorm_changed((), (item,))

    def pop(self, index: SupportsIndex = -1) -> M:
        """Remove and return the element at ``index``."""
        with guard(self._ftorm_owner):
            if not self:
                msg = "pop from an empty collection"
                raise IndexError(msg)
            self._ftorm_changing()
            item = list.pop(self, index)
            self._ftorm_changed((), (item,))
            return item

    def clear(self) -> None:
        """Remove every element."""
        with guard(self._ftorm_owner):
            before = tuple(self)
            if not before:
                return
            self._ftorm_changing()
            list.clear(self)
            self._ftorm_changed((), before)

    @overload
    def __setitem__(self, key: SupportsIndex, value: M) -> None: ...
    @overload
    def __setitem__(self, key: slice, value: Iterable[M]) -> None: ...
    def __setitem__(self, key: SupportsIndex | slice, value: Any) -> None:
        with guard(self._ftorm_owner):
            before = tuple(self)
            if isinstance(key, slice):
                items = self._ftorm_check(value)
                kept = [
                    item
                    for index, item in enumerate(before)
                    if index not in range(*key.indices(len(before)))
                ]
                items = _unique(items, kept)
            else:
                items = self._ftorm_check((value,))
            self._ftorm_changing()
            if isinstance(key, slice):
                list.__setitem__(self, key, items)
            else:
                list.__setitem__(self, key, items[0])
            added, removed = _diff(before, self)
            self._ftorm_changed(added, removed)

    def __delitem__(self, key: SupportsIndex | slice) -> None:
        with guard(self._ftorm_owner):
            before = tuple(self)
            self._ftorm_changing()
            list.__delitem__(self, key)
            added, removed = _diff(before, self)
            self._ftorm_changed(added, removed)

    def keyed(self) -> dict[Any, Any]:
        """For mapped arrays (``key_value=``): ``{key: value}`` of the loaded elements."""
        field = self._ftorm_field
        if field is None or field.key_value is None:
            msg = "keyed() is for key/value collections such as metadata"
            raise InvalidValueError(msg)
        key, value = field.key_value
        target = field.target
        fields = target.__ftorm_fields__
        by_key = target.__ftorm_keys__
        key_name = by_key.get(key, key) if key not in fields else key
        value_name = by_key.get(value, value) if value not in fields else value
        return {getattr(item, key_name): getattr(item, value_name) for item in self}


def unlink(obj: Model) -> None:
    """Take ``obj`` out of the loaded collections that list it, recording no change (for an
    object a session forgets: deleted, or created and dropped)."""
    for name, field in type(obj).__ftorm_fields__.items():
        if isinstance(field, Ref):
            target = obj.__dict__.get(name)
            inverse = field.inverse()
            if target is not None and inverse is not None:
                current = target.__dict__.get(inverse.name)
                if isinstance(current, list) and obj in current:
                    list.remove(current, obj)
