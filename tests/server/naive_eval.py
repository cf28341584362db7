"""A naive, obviously-correct evaluator of query criteria over an in-memory entity graph.

The embedded server renders `ftorm.query.ast` criteria to SQL; this module answers the same
question by brute force in plain Python, so a property test can compare the two
(`tests/test_sql_differential.py`). It is deliberately slow and direct: every path is walked
entity by entity, every collection is recomputed from the foreign keys each time.

The data: a `World` holds entities by concrete type and id; an `Entity` is its concrete type
plus a dict of stored attribute values (scalars, datetimes as naive UTC `datetime`, and the
foreign-key columns ``parent_id``, ``status_id`` ...). Relations are never stored; they are
derived from the keys by the rules in `MODEL`, the same rules the server's relationship map
uses (reference section e):

- a reference ``x`` reads the key ``x_id`` (``Status.state`` reads the hidden ``state_id``);
- ``children`` are the contexts whose ``parent_id`` is this entity's id;
- ``ancestors`` are the typed contexts up the parent chain (nearest first, the project is not
  a typed context so it is not included); ``descendants`` are the typed contexts below, at any
  depth (the transitive closure of ``children``, again typed contexts only);
- every other collection is the members whose key column holds this entity's id: a context's
  ``assets`` (``Asset.context_id``) and ``timelogs`` (``Timelog.context_id``), an asset's
  ``versions``, a version's ``components``, a user's ``timelogs``.

Beyond the project tree the model has users, time logs, and assets with their versions and
file components: the types whose rows are plain values and keys, with nothing derived but a
component's ``system_type``.

Polymorphism: a type matches its subtypes (``Context`` covers ``Project`` and every typed
context; ``TypedContext`` covers ``Sequence``, ``Shot``, ``Task``; ``Component`` covers
``FileComponent``). The static type of a path
step is the relation's target, narrowed by a cast.

Semantic choices (the same ones `ftorm.server.sql` documents; where the reference is silent,
notably on missing values, they are the simplest consistent reading; `select` returns exactly
the entities whose criteria hold):

- **Two-valued logic.** Every criterion is True or False. ``not c`` holds exactly when ``c``
  does not; ``and``/``or`` are the usual ones.
- **Missing values (None).** ``is none`` / ``is_not none`` test for a missing value. ``is`` with
  a value is False on a missing value and ``is_not`` True; orderings (``<``, ``before`` ...) and
  ``like`` are False; ``not_like`` is True. Any operator but ``is``/``is_not`` with a ``none``
  operand is False (``not_in``/``not_like`` True, as negations).
- **Negated operators are the complements of their positive forms, at the attribute**:
  ``is_not``, ``not_in`` and ``not_like`` hold exactly when ``is``, ``in`` and ``like`` do not,
  for the one value compared. Through relations the negation stays at the attribute, inside
  the existential: ``children.name is_not "a"`` is "some child is not named a", not "no child
  is named a" (that is ``not children.name is "a"``).
- **Paths through relations are existential.** ``a.b.c op v`` holds when some entity reached
  through ``a`` then ``b`` (references give zero or one, collections any number) has a ``c``
  for which the comparison holds. So ``parent.name op v`` equals ``parent has (name op v)``
  for every operator, and a missing parent makes it False (also for ``parent.name is none``
  and ``parent.id is_not none``). Through a collection each dotted condition is existential on
  its own: ``children.name is "a" and children[Shot].bid > 1`` may be met by two children.
- **has / any.** ``path has (c)`` holds when some entity reached through the path satisfies
  ``c``; ``path any (c)`` likewise for a collection; an empty body ``()`` only asks that one
  exists, so ``not children any ()`` means "no children". ``has`` needs a reference and
  ``any`` a collection as the last segment (`InvalidValueError` otherwise, as the server).
- **A reference as the last segment** compares its key: ``parent is none`` is
  ``parent_id is none``, ``status is "<id>"`` is ``status_id is "<id>"``. A collection cannot
  end a comparison.
- **Type casts on segments.** ``parent[TypedContext]`` keeps only the related entities whose
  concrete type is the cast type or one of its subtypes, and makes that type's attributes
  available further down the path. A cast to a type that is not the target or one of its
  subtypes is an error, as is a cast on the last segment of a comparison.
- **Value coercion by attribute type.** Operands are converted to the attribute's type before
  comparing: strings take quoted strings, bare words and numbers (as their text); numbers take
  integers, decimals and numeric strings or bare words; booleans take ``true``/``false`` (also
  as strings) and 0/1; datetimes take ISO strings. An operand that cannot be converted raises
  `InvalidValueError`.
- **Datetimes.** Stored naive in UTC without microseconds. An operand may be a date
  (``"2024-01-02"`` means its midnight), a naive datetime (UTC) or one with a ``Z`` or
  ``+HH:MM`` offset (converted to UTC); a fraction of a second is dropped, as stored values
  have none. ``before`` is ``<`` and ``after`` is ``>``, strictly.
- **Strings.** ``is`` and the orderings are exact and case-sensitive (code point order).
  ``like`` is case-insensitive for ASCII letters only (as SQLite's ``LIKE``), ``%`` matches any
  run of characters, ``_`` exactly one, and a backslash makes the next character literal
  (``\\%``, ``\\_``, ``\\\\``); a trailing lone backslash matches a backslash.
- **in / not_in.** ``v in (a, b)`` holds when ``v`` equals a member; a ``none`` member matches a
  missing value. A subquery operand must project exactly one direct scalar attribute; ``v in
  (select ...)`` holds when ``v`` is present and equals one of the values the subquery yields
  (its missing values match nothing). ``not_in`` is the complement of ``in``.
- **Numbers** compare numerically whatever their literal form (``3``, ``3.0``, ``"3"``).

`ftorm.errors.UnknownAttributeError` is raised for a path that does not exist on its static
type, `UnknownTypeError` for an unknown type, `InvalidValueError` for a bad operand.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ftorm.errors import InvalidValueError, UnknownAttributeError, UnknownTypeError
from ftorm.query import ast
from tests.server.naive_custom import (
    VariableOperand,
    compare_variable,
    custom_items,
    variable_operand,
)

__all__ = [
    "BASES",
    "MODEL",
    "Attr",
    "Entity",
    "World",
    "is_subtype",
    "like_match",
    "matches",
    "parse_datetime",
    "select",
    "select_ids",
]

# --- the model ---------------------------------------------------------------------------

SCALAR_KINDS = frozenset({"string", "number", "boolean", "datetime", "id", "variable"})


@attrs.frozen
class Attr:
    """One attribute of the model.

    ``kind`` is ``string``, ``number``, ``boolean``, ``datetime`` or ``id`` (a key column,
    a string whose values are ids of ``target``) for scalars, ``ref`` for a reference read
    through the key attribute ``key``, and ``collection`` for a collection computed by the
    rule named ``rule`` (``children``, ``ancestors``, ``descendants``, or ``members``: the
    ``target`` entities whose key column ``key`` holds the owner's id).
    """

    kind: str
    target: str | None = None
    key: str | None = None
    rule: str | None = None

    @property
    def is_scalar(self) -> bool:
        return self.kind in SCALAR_KINDS


BASES: Mapping[str, str] = {
    "Project": "Context",
    "TypedContext": "Context",
    "Sequence": "TypedContext",
    "Shot": "TypedContext",
    "Task": "TypedContext",
    "FileComponent": "Component",
    "TypedContextList": "List",
    "AssetVersionList": "List",
}
"""Direct base of each derived type; the others are roots."""

CUSTOM_VALUE = "ContextCustomAttributeValue"
"""The type of a context's ``custom_attributes`` items (`tests.server.naive_custom`)."""

_CONTEXT: dict[str, Attr] = {
    "id": Attr("id", "Context"),
    "name": Attr("string"),
    "context_type": Attr("string"),
    "parent_id": Attr("id", "Context"),
    "parent": Attr("ref", "Context", key="parent_id"),
    "children": Attr("collection", "Context", rule="children"),
    "assets": Attr("collection", "Asset", key="context_id", rule="members"),
    "timelogs": Attr("collection", "Timelog", key="context_id", rule="members"),
    "custom_attributes": Attr("collection", CUSTOM_VALUE, rule="custom"),
    "notes": Attr("collection", "Note", key="parent_id", rule="members"),
}

_TYPED_CONTEXT: dict[str, Attr] = {
    **_CONTEXT,
    "description": Attr("string"),
    "bid": Attr("number"),
    "sort": Attr("number"),
    "start_date": Attr("datetime"),
    "end_date": Attr("datetime"),
    "project_id": Attr("id", "Project"),
    "project": Attr("ref", "Project", key="project_id"),
    "status_id": Attr("id", "Status"),
    "status": Attr("ref", "Status", key="status_id"),
    "type_id": Attr("id", "Type"),
    "type": Attr("ref", "Type", key="type_id"),
    "priority_id": Attr("id", "Priority"),
    "priority": Attr("ref", "Priority", key="priority_id"),
    "object_type_id": Attr("id", "ObjectType"),
    "object_type": Attr("ref", "ObjectType", key="object_type_id"),
    "ancestors": Attr("collection", "TypedContext", rule="ancestors"),
    "descendants": Attr("collection", "TypedContext", rule="descendants"),
    "lists": Attr("collection", "TypedContextList", rule="lists"),
}

_COMPONENT: dict[str, Attr] = {
    "id": Attr("id", "Component"),
    "name": Attr("string"),
    "size": Attr("number"),
    "file_type": Attr("string"),
    "system_type": Attr("string"),
    "version_id": Attr("id", "AssetVersion"),
    "version": Attr("ref", "AssetVersion", key="version_id"),
}

_LIST: dict[str, Attr] = {
    "id": Attr("id", "List"),
    "name": Attr("string"),
    "is_open": Attr("boolean"),
    "project_id": Attr("id", "Project"),
    "project": Attr("ref", "Project", key="project_id"),
    "category_id": Attr("id", "ListCategory"),
}

MODEL: Mapping[str, Mapping[str, Attr]] = {
    # Context.project_id exists in the schema but its value on a Project is unspecified, so
    # it is modelled on typed contexts only.
    "Context": _CONTEXT,
    "Project": {
        **_CONTEXT,
        "full_name": Attr("string"),
        "status": Attr("string"),
        "is_global": Attr("boolean"),
        "is_private": Attr("boolean"),
        "start_date": Attr("datetime"),
        "end_date": Attr("datetime"),
        "project_schema_id": Attr("id", "ProjectSchema"),
        "descendants": Attr("collection", "TypedContext", rule="descendants"),
    },
    "TypedContext": _TYPED_CONTEXT,
    "Sequence": _TYPED_CONTEXT,
    "Shot": _TYPED_CONTEXT,
    "Task": _TYPED_CONTEXT,
    "Status": {
        "id": Attr("id", "Status"),
        "name": Attr("string"),
        "is_active": Attr("boolean"),
        "sort": Attr("number"),
        "state": Attr("ref", "State", key="state_id"),
    },
    "State": {"id": Attr("id", "State"), "name": Attr("string"), "short": Attr("string")},
    "Type": {"id": Attr("id", "Type"), "name": Attr("string"), "sort": Attr("number")},
    "Priority": {
        "id": Attr("id", "Priority"),
        "name": Attr("string"),
        "sort": Attr("number"),
        "value": Attr("number"),
    },
    "ObjectType": {"id": Attr("id", "ObjectType"), "name": Attr("string")},
    "ProjectSchema": {"id": Attr("id", "ProjectSchema"), "name": Attr("string")},
    "User": {
        "id": Attr("id", "User"),
        "username": Attr("string"),
        "first_name": Attr("string"),
        "last_name": Attr("string"),
        "timelogs": Attr("collection", "Timelog", key="user_id", rule="members"),
    },
    "Timelog": {
        "id": Attr("id", "Timelog"),
        "comment": Attr("string"),
        "start": Attr("datetime"),
        "duration": Attr("number"),
        "context_id": Attr("id", "Context"),
        "context": Attr("ref", "Context", key="context_id"),
        "user_id": Attr("id", "User"),
        "user": Attr("ref", "User", key="user_id"),
    },
    "Asset": {
        "id": Attr("id", "Asset"),
        "name": Attr("string"),
        "context_id": Attr("id", "Context"),
        "parent": Attr("ref", "Context", key="context_id"),
        "versions": Attr("collection", "AssetVersion", key="asset_id", rule="members"),
    },
    "AssetVersion": {
        "id": Attr("id", "AssetVersion"),
        "version": Attr("number"),
        "comment": Attr("string"),
        "is_published": Attr("boolean"),
        "asset_id": Attr("id", "Asset"),
        "asset": Attr("ref", "Asset", key="asset_id"),
        "components": Attr("collection", "Component", key="version_id", rule="members"),
        "lists": Attr("collection", "AssetVersionList", rule="lists"),
    },
    "Component": _COMPONENT,
    "FileComponent": _COMPONENT,
    "Note": {
        "id": Attr("id", "Note"),
        "content": Attr("string"),
        "is_todo": Attr("boolean"),
        "parent_id": Attr("id", "Context"),
        "parent_type": Attr("string"),
        "user_id": Attr("id", "User"),
        "author": Attr("ref", "User", key="user_id"),
        "recipients": Attr("collection", "Recipient", key="note_id", rule="members"),
    },
    "Recipient": {
        "note_id": Attr("id", "Note"),
        "resource_id": Attr("id", "User"),
        "note": Attr("ref", "Note", key="note_id"),
    },
    "ListCategory": {"id": Attr("id", "ListCategory"), "name": Attr("string")},
    "List": _LIST,
    "TypedContextList": {**_LIST, "items": Attr("collection", "Task", rule="items")},
    "AssetVersionList": {**_LIST, "items": Attr("collection", "AssetVersion", rule="items")},
    "CustomAttributeConfiguration": {
        "id": Attr("id", "CustomAttributeConfiguration"),
        "key": Attr("string"),
        "entity_type": Attr("string"),
        "object_type_id": Attr("id", "ObjectType"),
        "project_id": Attr("id", "Project"),
        "is_hierarchical": Attr("boolean"),
        "default": Attr("variable"),
    },
    CUSTOM_VALUE: {
        "configuration_id": Attr("id", "CustomAttributeConfiguration"),
        "configuration": Attr("ref", "CustomAttributeConfiguration", key="configuration_id"),
        "entity_id": Attr("id", "Context"),
        "key": Attr("string"),
        "value": Attr("variable"),
    },
}
"""Attributes per type: the subset of the standard schema the differential test exercises."""

OBJECT_TYPE_IDS: Mapping[str, str] = {
    "Sequence": "e5139355-61da-4c8f-9db4-3abc870166bc",
    "Shot": "bad911de-3bd6-47b9-8b46-3476e237cb36",
    "Task": "11c137c0-ee7e-4f9c-91c5-8c77cec22b2c",
}
"""ftrack's fixed object type ids of the typed contexts modelled here (reference section e)."""


def is_subtype(type_id: str, base: str) -> bool:
    """Whether ``type_id`` is ``base`` or derives from it."""
    current: str | None = type_id
    while current is not None:
        if current == base:
            return True
        current = BASES.get(current)
    return False


def _attr(type_id: str, name: str) -> Attr:
    try:
        attributes = MODEL[type_id]
    except KeyError:
        msg = f"unknown entity type {type_id!r}"
        raise UnknownTypeError(msg) from None
    try:
        return attributes[name]
    except KeyError:
        raise UnknownAttributeError(type_id, name, tuple(sorted(attributes))) from None


# --- the data ----------------------------------------------------------------------------


@attrs.frozen(eq=False)
class Entity:
    """One stored entity: its concrete type and its attribute values."""

    type: str
    values: Mapping[str, Any]

    @property
    def id(self) -> str:
        value = self.values["id"]
        assert isinstance(value, str)
        return value


@attrs.define
class World:
    """Entities by id (ids are unique across types, as uuids are)."""

    by_id: dict[str, Entity] = attrs.field(factory=dict)
    custom_values: dict[tuple[str, str], Any] = attrs.field(factory=dict)
    """Stored custom attribute values by (configuration id, context id)."""
    keyed: list[Entity] = attrs.field(factory=list)
    """Entities with a composite key (a note's ``Recipient`` rows), in insertion order."""
    list_items: list[tuple[str, str]] = attrs.field(factory=list)
    """List membership (a list's ``items``, an entity's ``lists``): (list id, entity id)."""

    def add(self, type_id: str, values: Mapping[str, Any]) -> Entity:
        """Store an entity of concrete type ``type_id``: by its ``id``, else (a composite
        key) in `keyed`."""
        if type_id not in MODEL:
            msg = f"unknown entity type {type_id!r}"
            raise UnknownTypeError(msg)
        entity = Entity(type_id, dict(values))
        if "id" not in values:  # a composite key
            self.keyed.append(entity)
            return entity
        if entity.id in self.by_id:
            msg = f"duplicate id {entity.id!r}"
            raise ValueError(msg)
        self.by_id[entity.id] = entity
        return entity

    def of_type(self, type_id: str) -> Iterator[Entity]:
        """Every entity of ``type_id`` or a subtype, in insertion order."""
        if type_id not in MODEL:
            msg = f"unknown entity type {type_id!r}"
            raise UnknownTypeError(msg)
        if type_id == CUSTOM_VALUE:  # the stored rows, with their configuration's key
            return iter(
                Entity(
                    CUSTOM_VALUE,
                    {
                        "configuration_id": config,
                        "entity_id": owner,
                        "key": self.by_id[config].values.get("key"),
                        "value": value,
                    },
                )
                for (config, owner), value in self.custom_values.items()
            )
        return (
            entity
            for entity in (*self.by_id.values(), *self.keyed)
            if is_subtype(entity.type, type_id)
        )

    def get(self, entity_id: Any, type_id: str) -> Entity | None:
        """The entity ``entity_id`` if it exists and is a ``type_id``."""
        entity = self.by_id.get(entity_id) if isinstance(entity_id, str) else None
        if entity is None or not is_subtype(entity.type, type_id):
            return None
        return entity

    def related(self, entity: Entity, attr: Attr) -> list[Entity]:
        """The entities a reference or collection attribute of ``entity`` reaches."""
        assert attr.target is not None
        if attr.kind == "ref":
            assert attr.key is not None
            found = self.get(entity.values.get(attr.key), attr.target)
            return [] if found is None else [found]
        if attr.rule == "children":
            return [
                other
                for other in self.of_type(attr.target)
                if other.values.get("parent_id") == entity.id
            ]
        if attr.rule == "members":
            assert attr.key is not None
            return [
                other
                for other in self.of_type(attr.target)
                if other.values.get(attr.key) == entity.id
            ]
        if attr.rule in ("items", "lists"):
            pairs = (
                self.list_items
                if attr.rule == "items"
                else [(member, owner) for owner, member in self.list_items]
            )
            found_ids = dict.fromkeys(other for mine, other in pairs if mine == entity.id)
            reached = (self.get(other, attr.target) for other in found_ids)
            return [other for other in reached if other is not None]
        if attr.rule == "custom":
            configurations = [c.values for c in self.of_type("CustomAttributeConfiguration")]
            found = custom_items(entity.type, entity.values, configurations, self.custom_values)
            return [Entity(CUSTOM_VALUE, item) for item in found]
        if attr.rule == "ancestors":
            chain: list[Entity] = []
            current = self.get(entity.values.get("parent_id"), "Context")
            while current is not None and current not in chain:
                chain.append(current)
                current = self.get(current.values.get("parent_id"), "Context")
            return [other for other in chain if is_subtype(other.type, attr.target)]
        if attr.rule == "descendants":
            found_all: list[Entity] = []
            frontier = [entity]
            while frontier:
                parent = frontier.pop(0)
                for child in self.of_type("Context"):
                    if child.values.get("parent_id") == parent.id and child not in found_all:
                        found_all.append(child)
                        frontier.append(child)
            return [other for other in found_all if is_subtype(other.type, attr.target)]
        msg = f"unknown relation rule {attr.rule!r}"
        raise AssertionError(msg)

    def derive_fields(self) -> None:
        """Fill everything the server derives on create: the contexts' fields
        (`derive_context_fields`) and a file component's ``system_type`` (``file``)."""
        self.derive_context_fields()
        for entity in self.of_type("FileComponent"):
            values = entity.values
            assert isinstance(values, dict)
            values["system_type"] = "file"

    def derive_context_fields(self) -> None:
        """Fill what the server derives on create (reference section g): ``context_type``
        (``show`` for projects, ``task`` otherwise), ``object_type_id`` from the subtype,
        ``project_id`` from the parent chain of typed contexts, and a missing project
        ``full_name`` from its ``name`` (the embedded server's choice)."""
        for entity in self.of_type("Context"):
            values = entity.values
            assert isinstance(values, dict)
            if entity.type == "Project":
                values["context_type"] = "show"
                if values.get("full_name") is None:
                    values["full_name"] = values.get("name")
                continue
            values["context_type"] = "task"
            if entity.type in OBJECT_TYPE_IDS:
                values["object_type_id"] = OBJECT_TYPE_IDS[entity.type]
            root = entity
            seen: list[Entity] = []
            while root.type != "Project":
                parent = self.get(root.values.get("parent_id"), "Context")
                if parent is None or parent in seen:
                    break
                seen.append(parent)
                root = parent
            values["project_id"] = root.id if root.type == "Project" else None


# --- values ------------------------------------------------------------------------------

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)


def parse_datetime(text: str) -> dt.datetime:
    """An ISO date or datetime as a naive UTC datetime without microseconds.

    A date means its midnight; a naive datetime is taken as UTC; ``Z`` and ``+HH:MM``
    offsets are converted to UTC.
    """
    match = _DATETIME.fullmatch(text.strip())
    if match is None:
        msg = f"not an ISO date or datetime: {text!r}"
        raise InvalidValueError(msg)
    year, month, day, hour, minute, second, _fraction, zone = match.groups()
    try:
        value = dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError as error:
        msg = f"not a valid date: {text!r} ({error})"
        raise InvalidValueError(msg) from None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value -= sign * offset
    return value


def _raw(value: ast.Value) -> Any:
    if isinstance(value, ast.String):
        return value.value
    if isinstance(value, ast.Bare):
        return value.text
    if isinstance(value, ast.Integer | ast.Decimal | ast.Boolean):
        return value.value
    return None


def _coerce(value: ast.Value, attr: Attr) -> Any:
    """The operand as a value of ``attr``'s type (None for ``none``)."""
    if isinstance(value, ast.Null):
        return None
    raw = _raw(value)
    kind = "id" if attr.kind == "ref" else attr.kind
    if kind in ("string", "id"):
        if isinstance(raw, bool):
            msg = f"a boolean is not a string: {raw!r}"
            raise InvalidValueError(msg)
        return raw if isinstance(raw, str) else str(raw)
    if kind == "number":
        if isinstance(raw, bool):
            msg = f"a boolean is not a number: {raw!r}"
            raise InvalidValueError(msg)
        try:
            return float(decimal.Decimal(str(raw).strip()))
        except decimal.InvalidOperation:
            msg = f"not a number: {raw!r}"
            raise InvalidValueError(msg) from None
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        msg = f"not a boolean: {raw!r}"
        raise InvalidValueError(msg)
    if kind == "variable":
        return variable_operand(value)
    if kind == "datetime":
        if not isinstance(raw, str):
            msg = f"not a datetime: {raw!r}"
            raise InvalidValueError(msg)
        return parse_datetime(raw)
    msg = f"cannot compare a {attr.kind} attribute"
    raise InvalidValueError(msg)


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def like_match(value: str, pattern: str) -> bool:
    """SQL ``LIKE`` with a backslash escape, case-insensitive for ASCII letters."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(_ascii_lower(pattern[index + 1])))
            index += 2
            continue
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(_ascii_lower(char)))
        index += 1
    return re.fullmatch("".join(parts), _ascii_lower(value), re.DOTALL) is not None


_NEGATED = {
    ast.Operator.NE: ast.Operator.EQ,
    ast.Operator.NOT_IN: ast.Operator.IN,
    ast.Operator.NOT_LIKE: ast.Operator.LIKE,
}


def _compare(value: Any, operator: ast.Operator, operand: Any) -> bool:
    """One stored value against a coerced operand (a list for ``in``), two-valued."""
    op = ast.Operator
    if operator in _NEGATED:
        return not _compare(value, _NEGATED[operator], operand)
    if operator is op.IN:
        members, subquery = operand
        if any(isinstance(m, VariableOperand) for m in members):
            return any(
                value is None if m is None else compare_variable(value, op.EQ, m) for m in members
            )
        if subquery:
            return value is not None and value in [m for m in members if m is not None]
        return value in members  # a none member matches a missing value
    if isinstance(operand, VariableOperand):
        return compare_variable(value, operator, operand)
    if operator is op.EQ:
        return bool(value == operand)  # None == None for ``is none``
    if value is None or operand is None:
        return False
    if operator is op.LIKE:
        if not isinstance(value, str) or not isinstance(operand, str):
            msg = "like needs a string attribute and a string pattern"
            raise InvalidValueError(msg)
        return like_match(value, operand)
    if operator in (op.LT, op.BEFORE):
        return bool(value < operand)
    if operator in (op.GT, op.AFTER):
        return bool(value > operand)
    if operator is op.LE:
        return bool(value <= operand)
    if operator is op.GE:
        return bool(value >= operand)
    msg = f"unknown operator {operator!r}"
    raise AssertionError(msg)


# --- evaluation --------------------------------------------------------------------------


def _step(static_type: str, segment: ast.Segment) -> tuple[Attr, str]:
    """The relation ``segment`` names on ``static_type`` and the static type after it."""
    attr = _attr(static_type, segment.name)
    if attr.is_scalar or attr.target is None:
        # Walking on from a scalar: ``name.first`` asks ``name`` for an attribute.
        msg = f"{static_type}.{segment.name}"
        raise UnknownAttributeError(msg, "(any)")
    if segment.cast is None:
        return attr, attr.target
    if segment.cast not in MODEL:
        msg = f"unknown entity type {segment.cast!r}"
        raise UnknownTypeError(msg)
    if not is_subtype(segment.cast, attr.target):
        msg = f"{segment.cast} is not a kind of {attr.target}"
        raise UnknownTypeError(msg)
    return attr, segment.cast


def _walk(
    world: World, entity: Entity, static_type: str, segments: Iterable[ast.Segment]
) -> tuple[list[Entity], str]:
    """The entities reached through relation ``segments`` and the static type they end on.

    The path is checked against the model first, whatever the data."""
    reached = [entity]
    for segment in segments:
        attr, static_type = _step(static_type, segment)
        reached = [
            other
            for current in reached
            for other in world.related(current, attr)
            if is_subtype(other.type, static_type)
        ]
    return reached, static_type


def _exists(results: Iterable[bool]) -> bool:
    return any(results)


def _operand_values(world: World, comparison: ast.Comparison, attr: Attr) -> Any:
    operand = comparison.operand
    if isinstance(operand, ast.ValueList):
        return [_coerce(value, attr) for value in operand.values], False
    if isinstance(operand, ast.Subquery):
        return _subquery_values(world, operand.query), True
    if comparison.operator in (ast.Operator.IN, ast.Operator.NOT_IN):
        return [_coerce(operand, attr)], False
    return _coerce(operand, attr)


def _subquery_values(world: World, query: ast.Select) -> list[Any]:
    if len(query.projections) != 1 or not isinstance(query.projections[0], ast.Path):
        msg = "a subquery must project exactly one attribute"
        raise InvalidValueError(msg)
    path = query.projections[0]
    if len(path.segments) != 1 or path.segments[0].cast is not None:
        msg = "a subquery must project a direct attribute"
        raise InvalidValueError(msg)
    name = path.segments[0].name
    attr = _attr(query.entity_type, name)
    if not attr.is_scalar:
        msg = f"a subquery must project a scalar attribute, not {name!r}"
        raise InvalidValueError(msg)
    return [entity.values.get(name) for entity in select(world, query)]


def _comparison(world: World, entity: Entity, static_type: str, comparison: ast.Comparison) -> bool:
    *hops, leaf = comparison.path.segments
    if leaf.cast is not None:
        msg = f"a cast cannot end a comparison: {leaf.name}[{leaf.cast}]"
        raise InvalidValueError(msg)

    reached, end_type = _walk(world, entity, static_type, hops)
    attr = _attr(end_type, leaf.name)
    if attr.kind == "collection":
        msg = f"{end_type}.{leaf.name} is a collection"
        raise InvalidValueError(msg)
    key = attr.key if attr.kind == "ref" else leaf.name
    assert key is not None
    operand = _operand_values(world, comparison, attr)
    results = [_compare(other.values.get(key), comparison.operator, operand) for other in reached]
    if not hops:
        return results[0]
    return _exists(results)


def matches(world: World, entity: Entity, static_type: str, criterion: ast.Criterion) -> bool:
    """Whether ``criterion`` holds for ``entity`` seen as a ``static_type``."""
    if isinstance(criterion, ast.Comparison):
        return _comparison(world, entity, static_type, criterion)
    if isinstance(criterion, ast.Relation):
        *hops, last = criterion.path.segments
        _, owner = _walk(world, entity, static_type, hops)
        kind = _attr(owner, last.name).kind
        wanted = "ref" if criterion.kind is ast.RelationKind.HAS else "collection"
        if kind != wanted:
            noun = "reference" if wanted == "ref" else "collection"
            msg = f"{criterion.kind.value!r} needs a {noun}: {owner}.{last.name}"
            raise InvalidValueError(msg)
        reached, end_type = _walk(world, entity, static_type, criterion.path.segments)
        body = criterion.criteria
        if body is None:
            return bool(reached)
        return _exists(matches(world, other, end_type, body) for other in reached)
    if isinstance(criterion, ast.And):
        return all(matches(world, entity, static_type, part) for part in criterion.operands)
    if isinstance(criterion, ast.Or):
        return any(matches(world, entity, static_type, part) for part in criterion.operands)
    if isinstance(criterion, ast.Not):
        return not matches(world, entity, static_type, criterion.operand)
    msg = f"not a criterion: {criterion!r}"
    raise TypeError(msg)


def select(world: World, query: ast.Select) -> list[Entity]:
    """The entities of ``query.entity_type`` (subtypes included) its criteria hold for.

    Only ``entity_type`` and ``where`` are used: projections, ordering and paging are not.
    """
    candidates = list(world.of_type(query.entity_type))
    if query.where is None:
        return candidates
    where = query.where
    return [entity for entity in candidates if matches(world, entity, query.entity_type, where)]


def select_ids(world: World, entity_type: str, where: ast.Criterion | None) -> set[str]:
    """Ids of the ``entity_type`` entities ``where`` holds for."""
    return {entity.id for entity in select(world, ast.Select(entity_type, where=where))}
