"""The unit of work: what a session has to send on ``commit()``, and in which order.

The session records objects here as the user creates, changes and deletes them; `plan`
turns the records into one batch:

1. creates, parents before children (a new object that references another new object comes
   after it), each with every attribute the object holds; a new custom attribute value is
   sent as an update of its ``value`` instead, which is how ftrack creates one;
2. updates, one per changed object, carrying only the attributes changed since the last
   commit (the model layer keeps ``{name: original}`` per object, so nothing is diffed);
3. deletes, children before parents.

Each step of the plan pairs the operation with the object it was made for, so the server's
answer to an operation is merged into that object by the pairing, never by list position.
Planning looks only at the recorded objects, so its cost follows the number of changes, not
the number of objects the session holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ftorm.model.base import Model
from ftorm.model.fields import Many, Ref
from ftorm.model.state import changes
from ftorm.protocol.operations import CreateOp, DeleteOp, UpdateOp
from ftorm.schema.custom.configurations import VALUE
from ftorm.schema.custom.rules import is_custom_attribute_value
from ftorm.session.loading import class_info, encode_entity

__all__ = ["Plan", "Step", "UnitOfWork", "create_names", "update_names"]


Step = tuple[CreateOp | UpdateOp | DeleteOp, "Model"]
"""One operation of a plan and the object it was made for."""


class Plan:
    """The batch `UnitOfWork.plan` made: (operation, object) steps in the order to send."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: list[Step] = []
        """Creates parents first, then updates, then deletes children first."""

    @property
    def deleted(self) -> list[Model]:
        """The objects the plan deletes."""
        return [obj for operation, obj in self.steps if isinstance(operation, DeleteOp)]


def _entity_key(obj: Model) -> tuple[str, ...]:
    data = obj.__dict__
    return tuple(str(data.get(name)) for name in class_info(type(obj)).pk_names)


def _sent_with_the_object(field: Any) -> bool:
    """Collections whose other side is a reference travel with that reference instead, and
    key/value collections (metadata, custom attributes) are written as their own entities."""
    if isinstance(field, Many):
        return field.inverse() is None and field.key_value is None
    return True


def _drop_shadowed_keys(obj: Model, payload: dict[str, Any]) -> None:
    """A reference ``x`` set in the payload wins over a stale ``x_id`` column value."""
    for field in type(obj).__ftorm_fields__.values():
        if isinstance(field, Ref) and field.key in payload:
            payload.pop(field.key + "_id", None)


class UnitOfWork:
    """New, changed, touched and deleted objects of one session, in the order recorded."""

    __slots__ = ("deleted", "dirty", "new", "touched")

    def __init__(self) -> None:
        self.new: dict[Model, None] = {}
        """Objects added since the last commit (an ordered set)."""
        self.dirty: dict[Model, None] = {}
        """Loaded objects with changed attributes."""
        self.touched: dict[Model, None] = {}
        """Objects whose loaded collections changed as the other side of a reference change:
        nothing to send, but rollback and commit must reset them."""
        self.deleted: dict[Model, None] = {}
        """Objects to delete."""

    def __bool__(self) -> bool:
        return bool(self.new or self.dirty or self.touched or self.deleted)

    def clear(self) -> None:
        """Forget every record (after a commit or a rollback)."""
        self.new.clear()
        self.dirty.clear()
        self.touched.clear()
        self.deleted.clear()

    # --- recording -------------------------------------------------------------------------

    def written(self, obj: Model, name: str, old: object, new: object) -> list[Model]:
        """Record that ``obj.name`` was written; the objects it linked or unlinked (the
        session adds new ones)."""
        if obj not in self.new:
            self.dirty[obj] = None
        if isinstance(type(obj).__ftorm_fields__.get(name), Ref):
            return [other for other in (old, new) if isinstance(other, Model)]
        return []

    def collection_written(self, obj: Model, name: str, members: Iterable[object]) -> list[Model]:
        """Record that the collection ``obj.name`` gained or lost ``members``; those that are
        entities (the session adds new ones).

        A collection without a reference on the other side is sent with ``obj``; otherwise
        the references carry the change and ``obj`` is only touched.
        """
        field = type(obj).__ftorm_fields__.get(name)
        if obj not in self.new:
            if isinstance(field, Many) and field.inverse() is None:
                self.dirty[obj] = None
            else:
                self.touched[obj] = None
        return [item for item in members if isinstance(item, Model)]

    def new_members(self, obj: Model) -> list[Model]:
        """The new members of ``obj``'s key/value collections (custom attribute values,
        metadata): they belong to ``obj`` alone, so they go when a new ``obj`` is dropped."""
        found: list[Model] = []
        for name, field in type(obj).__ftorm_fields__.items():
            if isinstance(field, Many) and field.key_value is not None:
                found += [m for m in obj.__dict__.get(name) or () if m in self.new]
        return found

    # --- planning --------------------------------------------------------------------------

    def plan(self) -> Plan:
        """The batch for the recorded changes (see the module docstring)."""
        plan = Plan()
        steps = plan.steps
        upserts: list[Model] = []
        for obj in _parents_first(self.new):
            if is_custom_attribute_value(_entity_type(obj)):
                upserts.append(obj)  # ftrack creates these through an update
                continue
            payload = encode_entity(obj, create_names(obj))
            _drop_shadowed_keys(obj, payload)
            steps.append((CreateOp(_entity_type(obj), payload, _entity_key(obj)), obj))
        for obj in upserts:
            payload = encode_entity(obj, [VALUE])
            steps.append((UpdateOp(_entity_type(obj), _entity_key(obj), payload), obj))
        for obj in self.dirty:
            if obj in self.deleted or obj in self.new:
                continue
            names = update_names(obj)
            if not names:
                continue
            payload = encode_entity(obj, names)
            steps.append((UpdateOp(_entity_type(obj), _entity_key(obj), payload), obj))
        for obj in _children_first(self.deleted):
            steps.append((DeleteOp(_entity_type(obj), _entity_key(obj)), obj))
        return plan


def create_names(obj: Model) -> list[str]:
    """The attributes a create of ``obj`` sends: every one it holds a value for."""
    return [
        name
        for name, field in type(obj).__ftorm_fields__.items()
        if not field.computed
        and _sent_with_the_object(field)
        and obj.__dict__.get(name) not in (None, [])
    ]


def update_names(obj: Model) -> list[str]:
    """The attributes an update of ``obj`` sends: the ones changed since the last commit."""
    fields = type(obj).__ftorm_fields__
    return [
        name
        for name in changes(obj)
        if name in fields and not fields[name].computed and _sent_with_the_object(fields[name])
    ]


def _entity_type(obj: Model) -> str:
    return type(obj).__ftorm_entity__ or ""


def _references(obj: Model) -> Iterable[Model]:
    data = obj.__dict__
    for name, field in type(obj).__ftorm_fields__.items():
        if isinstance(field, Ref):
            value = data.get(name)
            if value is not None and hasattr(value, "__ftorm_fields__"):
                yield value


def _parents_first(objects: dict[Model, None]) -> list[Model]:
    """Objects ordered so that each comes after the objects of the set it references."""
    ordered: list[Model] = []
    placed: set[int] = set()
    visiting: set[int] = set()
    for start in objects:
        if id(start) in placed:
            continue
        stack: list[tuple[Model, bool]] = [(start, False)]
        while stack:
            obj, expanded = stack.pop()
            if id(obj) in placed:
                continue
            if expanded:
                visiting.discard(id(obj))
                placed.add(id(obj))
                ordered.append(obj)
                continue
            visiting.add(id(obj))
            stack.append((obj, True))
            for target in _references(obj):
                if target in objects and id(target) not in placed and id(target) not in visiting:
                    stack.append((target, False))
    return ordered


def _children_first(objects: dict[Model, None]) -> list[Model]:
    """Objects ordered so that each comes before the objects of the set it references."""
    return list(reversed(_parents_first(objects)))
