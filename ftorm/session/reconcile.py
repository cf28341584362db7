"""After a commit whose fate is unknown: find out what took effect, keep only the rest.

When the connection dies after a write batch was sent, the server may or may not have
applied it. ftorm makes the ids of new entities on the client, so it can ask. Before the
next commit, `reconcile` sends one request of chunked ``id in (...)`` queries for every
pending create, update and delete, and then:

- a create whose row exists already took effect: the object becomes an ordinary committed
  one, and only the attributes whose stored value differs from the pending one stay pending
  (as an update);
- an update keeps pending only the attributes whose stored value differs;
- a delete whose row is gone took effect: the object is forgotten.

The commit that follows sends only what is missing, so every change is applied exactly
once, with no action from the user.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ftorm._typing import JSON, JSONObject
from ftorm.model.attributes import Many, Ref
from ftorm.model.state import MISSING, record, settle
from ftorm.protocol.codec import decode_value
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.protocol.results import read_query
from ftorm.query import ast
from ftorm.session.batches import CHUNK
from ftorm.session.core import Steps, drive
from ftorm.session.identity import IdentityKey, identity_key
from ftorm.session.loading import class_info, encode_entity
from ftorm.session.queries import by_keys, key_of
from ftorm.session.unit_of_work import UnitOfWork, create_names, update_names

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = ["reconcile", "reconcile_steps"]


def reconcile(
    work: UnitOfWork,
    call: Callable[[Sequence[OperationLike]], list[JSON]],
    forget: Callable[[Model], None],
) -> None:
    """Settle ``work`` against what the server holds (see the module docstring).

    ``call`` sends one batch of queries; ``forget`` drops an object the server deleted.
    """
    drive(reconcile_steps(work, forget), call)


def reconcile_steps(work: UnitOfWork, forget: Callable[[Model], None]) -> Steps[None]:
    """`reconcile` as core steps (`ftorm.session.core`): yields its one batch of queries."""
    compared: dict[Model, list[str]] = {}
    for obj in work.new:
        compared[obj] = create_names(obj)
    for obj in work.dirty:
        if obj not in work.new and obj not in work.deleted:
            compared[obj] = update_names(obj)
    operations, classes = _stored_queries([*compared, *work.deleted], compared)
    rows = _stored_rows(classes, (yield operations)) if operations else {}
    for obj in list(work.deleted):
        if _key(obj) not in rows:
            del work.deleted[obj]
            work.dirty.pop(obj, None)
            forget(obj)
    for obj, names in compared.items():
        row = rows.get(_key(obj))
        if row is None:
            continue
        if obj in work.new:  # created already: from now on an ordinary, stored object
            del work.new[obj]
            for name in names:
                record(obj, name, MISSING)
            work.dirty[obj] = None
        for name in _unchanged(obj, names, row):
            settle(obj, name)
        if not update_names(obj):
            work.dirty.pop(obj, None)


def _key(obj: Model) -> IdentityKey:
    return identity_key(type(obj), key_of(obj))


def _stored_queries(
    objects: Iterable[Model], compared: dict[Model, list[str]]
) -> tuple[list[QueryOp], list[type[Model]]]:
    """The queries for the server's rows of ``objects`` (with the compared attributes), and
    the class each one asks about."""
    by_class: dict[type[Model], list[Model]] = defaultdict(list)
    for obj in dict.fromkeys(objects):
        by_class[type(obj)].append(obj)
    operations: list[QueryOp] = []
    classes: list[type[Model]] = []  # the class each operation asks about
    for cls, group in by_class.items():
        fields = cls.__ftorm_fields__
        for start in range(0, len(group), CHUNK):
            chunk = group[start : start + CHUNK]
            keys = dict.fromkeys(
                fields[name].key for obj in chunk for name in compared.get(obj, ())
            )
            projections = [ast.Path.of(key) for key in keys]
            operations.append(QueryOp(str(by_keys(cls, projections, [key_of(o) for o in chunk]))))
            classes.append(cls)
    return operations, classes


def _stored_rows(classes: list[type[Model]], answers: list[JSON]) -> dict[IdentityKey, JSONObject]:
    """The rows the queries of `_stored_queries` answered, by identity key."""
    rows: dict[IdentityKey, JSONObject] = {}
    for cls, result in zip(classes, answers, strict=True):
        pk_keys = class_info(cls).pk_keys
        for row in read_query(result).data:
            rows[identity_key(cls, tuple(row.get(key) for key in pk_keys))] = row
    return rows


def _unchanged(obj: Model, names: Sequence[str], row: JSONObject) -> list[str]:
    """The attributes among ``names`` whose pending value is what ``row`` stores."""
    fields = type(obj).__ftorm_fields__
    pending = encode_entity(obj, names)
    same = []
    for name in names:
        field = fields[name]
        if field.key in row and _same(field, row[field.key], pending.get(field.key)):
            same.append(name)
    return same


def _same(field: Any, stored: JSON, pending: JSON) -> bool:
    """Whether a stored wire value and a pending one mean the same."""
    if isinstance(field, (Ref, Many)):
        keys = class_info(field.target).pk_keys
        if isinstance(field, Ref):
            return _ref_key(stored, keys) == _ref_key(pending, keys)
        return {_ref_key(item, keys) for item in stored or ()} == {
            _ref_key(item, keys) for item in pending or ()
        }
    if isinstance(stored, dict) or isinstance(pending, dict):
        return _value(stored) == _value(pending)
    return bool(stored == pending)


def _ref_key(value: JSON, keys: Sequence[str]) -> tuple[str, ...] | None:
    """The primary key of a wire entity or reference; None for no entity."""
    if not isinstance(value, dict):
        return None
    return tuple(str(value.get(key)) for key in keys)


def _value(value: JSON) -> object:
    return decode_value(value) if isinstance(value, dict) else value
