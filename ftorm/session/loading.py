"""Turning the server's entity objects into model instances, and back.

`Hydrator` reads the ``data`` of query, create and update results: every object with
``__entity_type__`` becomes (or is merged into) the one instance the identity map holds for
that row; references and collections inside it are hydrated the same way, so a normalised
response (later occurrences sent as bare references) resolves to the same objects.

Merging never overwrites an attribute the user changed and has not committed yet.

Given a `ftorm.session.cohort.Cohort`, the top-level entities join it (unless ``member`` is
false: a lazy load or a populate re-reads objects that keep their own cohort) and the
entities under a reference or collection join the cohort's child for that attribute.

An answer is checked as it is read, against the model's annotations: a scalar's JSON type
must suit its field (``str`` for ``Attr[str]``, an integer for ``Attr[int]``, a typed
datetime object for ``Attr[arrow.Arrow]``; ``null`` is accepted for every attribute but the
primary key, and ``Attr[Any]`` takes anything), a reference must be an entity object or
``null``, a collection a list of entity objects, and the primary key must be a string or an
integer. Anything else raises `ftorm.ServerError` naming the entity type, its key and the
attribute, and so does an answer nested too deeply to hydrate. A row of text and nulls is
checked as a whole with two set operations; other rows key by key.

`encode_entity` and `reference` go the other way, for create and update payloads.

What hydration needs to know about a model class (`ClassInfo`) is computed once and kept on
the class itself, so classes built for one session's schema go away with that session.
"""

from __future__ import annotations

import datetime
import decimal
import typing
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from ftorm._typing import JSONObject, arrow_class
from ftorm.errors import InvalidValueError, ServerError, excerpt
from ftorm.model.checks import NONE_TYPE, union_members
from ftorm.model.fields import MISSING, Many, Ref
from ftorm.model.state import Tracker, hydrate, join, refresh, set_committed
from ftorm.protocol.codec import ENTITY_TYPE, decode_value, encode, entity_reference
from ftorm.session.identity import IdentityMap, family_of

if TYPE_CHECKING:
    from ftorm.model.base import Model
    from ftorm.session.cohort import Cohort

__all__ = ["ClassInfo", "Hydrator", "class_info", "encode_entity", "reference"]


class ClassInfo:
    """What hydration needs to know about one model class, computed once."""

    __slots__ = (
        "accepted",
        "dated",
        "family",
        "manys",
        "name",
        "pk_keys",
        "pk_names",
        "plain",
        "pooled",
        "refs",
        "scalars",
        "text",
        "typed",
    )

    def __init__(self, cls: type[Model]) -> None:
        self.name: str = cls.__ftorm_entity__ or cls.__name__
        """The entity type, as errors name it."""
        self.family: str = family_of(cls)
        """The identity-map family of the class."""
        self.scalars: dict[str, str] = {}
        """Wire key -> Python name of every scalar attribute."""
        self.refs: dict[str, str] = {}
        """Wire key -> Python name of every reference."""
        self.manys: dict[str, str] = {}
        """Wire key -> Python name of every collection."""
        for name, field in cls.__ftorm_fields__.items():
            if isinstance(field, Many):
                self.manys[field.key] = name
            elif isinstance(field, Ref):
                self.refs[field.key] = name
            else:
                self.scalars[field.key] = name
        self.pk_names: tuple[str, ...] = cls.__ftorm_primary_key__
        """Python names of the primary key attributes."""
        fields = cls.__ftorm_fields__
        self.pk_keys: tuple[str, ...] = tuple(fields[name].key for name in self.pk_names)
        """Wire keys of the primary key attributes."""
        # Keys that can be copied into the instance dict as they are.
        self.plain: frozenset[str] = frozenset(
            {ENTITY_TYPE} | {key for key, name in self.scalars.items() if key == name}
        )
        # Columns whose values repeat across rows (foreign keys, discriminators): one string
        # object per distinct value instead of one per row.
        self.pooled: tuple[str, ...] = tuple(
            key
            for key in self.scalars
            if key not in self.pk_keys and key.endswith(("_id", "_type"))
        )
        # Plain keys whose values may come as {"__type__": "datetime", ...} objects.
        self.typed: tuple[str, ...] = tuple(
            key
            for key, name in self.scalars.items()
            if key == name and _may_be_typed(fields[name].annotated_type())
        )
        # Wire key -> the JSON types its value may have (keys absent: anything goes).
        self.accepted: dict[str, frozenset[type]] = {ENTITY_TYPE: frozenset({str})}
        for key, name in self.scalars.items():
            found = _json_types(fields[name].annotated_type())
            if key in self.pk_keys:
                self.accepted[key] = found or frozenset({str, int})
            elif found is not None:
                self.accepted[key] = found | {NONE_TYPE}
        # Plain keys whose objects must be typed dates (no plain JSON object suits them).
        self.dated: frozenset[str] = frozenset(
            key for key, name in self.scalars.items() if _dates_only(fields[name].annotated_type())
        )
        # The plain keys that take text: a row of text (and nulls) under these keys alone
        # is checked by two set operations. (A null primary key is refused where the key is
        # read.)
        self.text: frozenset[str] = frozenset(
            key for key in self.plain if str in self.accepted.get(key, _JSON_TYPES)
        )


_JSON_TYPES: frozenset[type] = frozenset({str, int, float, bool, dict, list, NONE_TYPE})
"""The Python types of decoded JSON values."""

_TEXT: frozenset[type] = frozenset({str, NONE_TYPE})
"""The types of a row of text and nulls."""

_JSON_OF: dict[Any, frozenset[type]] = {
    str: frozenset({str}),
    int: frozenset({int}),
    float: frozenset({float, int}),
    decimal.Decimal: frozenset({float, int}),
    bool: frozenset({bool}),
    datetime.datetime: frozenset({dict}),
    datetime.date: frozenset({dict}),
    dict: frozenset({dict}),
    list: frozenset({list}),
}
"""A field's Python type -> the JSON types of the values that decode to it (and
``arrow.Arrow``: objects, see `_json_of`)."""


def _json_of(origin: Any) -> frozenset[type] | None:
    """`_JSON_OF` of ``origin``; ``arrow.Arrow`` arrives as an object (arrow is not imported
    for the lookup: an annotation that names it has imported it)."""
    found = _JSON_OF.get(origin)
    if found is None and origin is arrow_class():
        return frozenset({dict})
    return found


def _json_types(annotation: Any) -> frozenset[type] | None:
    """The JSON types a value of ``annotation`` may arrive as (None: anything)."""
    if annotation is MISSING or annotation is Any or annotation is object:
        return None
    found: set[type] = set()
    for member in union_members(annotation):
        if member is None or member is NONE_TYPE:
            continue
        if typing.get_origin(member) is Literal:
            found.update(type(value) for value in typing.get_args(member))
            continue
        origin = typing.get_origin(member) or member
        types = _json_of(origin)
        if types is None:
            return None  # a type ftorm does not map: not checked
        found |= types
    return frozenset(found)


_DATE_TYPES: frozenset[Any] = frozenset({datetime.datetime, datetime.date})


def _dates_only(annotation: Any) -> bool:
    """True when the only JSON objects ``annotation`` takes are typed dates (``Attr[Arrow]``,
    not ``Attr[Any]`` or ``Attr[dict]``)."""
    if annotation is MISSING or annotation is Any or annotation is object:
        return False
    members = {
        typing.get_origin(m) or m for m in union_members(annotation) if m not in (None, NONE_TYPE)
    }
    dates = _DATE_TYPES | {arrow_class()}
    return bool(members & dates) and not any(
        m not in dates and (_json_of(m) or frozenset({dict})) & {dict} for m in members
    )


def _may_be_typed(annotation: Any) -> bool:
    """True unless the annotation rules out a datetime: str, int, float, bool and Literal."""
    if annotation is MISSING or annotation is Any:
        return True
    if isinstance(annotation, type):
        return annotation not in (str, int, float, bool, type(None))
    if typing.get_origin(annotation) is Literal:
        return False
    members = typing.get_args(annotation)
    return not members or any(_may_be_typed(member) for member in members)


def class_info(cls: type[Model]) -> ClassInfo:
    """The `ClassInfo` of ``cls`` (computed on first use, kept on the class)."""
    cache = cls.__ftorm_cache__
    info: ClassInfo | None = cache.get("info")
    if info is None:
        info = cache["info"] = ClassInfo(cls)
    return info


def reference(obj: Model) -> JSONObject:
    """``{"__entity_type__": ..., <primary key>}`` of an entity."""
    cls = type(obj)
    info = class_info(cls)
    data = obj.__dict__
    key = {k: data.get(name) for name, k in zip(info.pk_names, info.pk_keys, strict=True)}
    return entity_reference(cls.__ftorm_entity__ or "", key)


class Hydrator:
    """Builds and merges instances from wire entities for one session."""

    __slots__ = ("_classes", "_objects", "_pool", "count", "hook", "identity", "types")

    def __init__(
        self,
        types: Callable[[str], type[Model] | None],
        identity: IdentityMap,
        hook: Tracker,
    ) -> None:
        self.types: Callable[[str], type[Model] | None] = types
        """The session's model class for an entity type name (None when unknown)."""
        self.identity: IdentityMap = identity
        """The session's identity map."""
        self.hook: Tracker = hook
        """The tracker attached to every instance built."""
        self.count: int = 0
        """Entity objects read so far (for ``session.stats``)."""
        self._classes: dict[str, tuple[type[Model], ClassInfo]] = {}
        self._pool: dict[str, str] = {}
        self._objects = identity.objects

    def all(
        self, items: Iterable[Any], cohort: Cohort | None = None, *, member: bool = True
    ) -> list[Model]:
        """The instances for a list of wire entities (joining ``cohort``, see the module).

        Raises:
            ServerError: for a malformed entity (see the module).
        """
        entity = self.entity
        try:
            if cohort is None:
                return [entity(item) for item in items]
            return [entity(item, None, cohort, member) for item in items]
        except RecursionError:
            msg = "malformed answer: entities nested too deeply to read"
            raise ServerError(msg) from None

    def _class(self, type_name: object) -> tuple[type[Model], ClassInfo]:
        cls = self.types(type_name) if isinstance(type_name, str) else None
        if cls is None or not isinstance(type_name, str):
            msg = f"malformed answer: an entity of unknown type {excerpt(type_name, 80)}"
            raise ServerError(msg)
        found = self._classes[type_name] = (cls, class_info(cls))
        return found

    def entity(
        self,
        data: dict[str, Any],
        into: Model | None = None,
        cohort: Cohort | None = None,
        member: bool = True,
    ) -> Model:
        """The instance for one wire entity (created, or merged into the existing one).

        ``into`` names the instance to merge into (a commit's echo, paired with the object
        it was sent for) instead of looking it up by key. With a ``cohort`` the instance
        joins it when ``member`` is true, and related instances join its children.
        """
        self.count += 1
        type_name = data.get(ENTITY_TYPE)
        try:
            found = self._classes.get(type_name)  # type: ignore[arg-type]
        except TypeError:  # not a string (a list, say): malformed, said by _class
            found = None
        cls, info = found if found is not None else self._class(type_name)
        pk_keys = info.pk_keys
        if len(pk_keys) == 1:
            key: object = data.get(pk_keys[0])
            if type(key) is not str:
                key = _key_text(info, data, key, pk_keys[0])
        else:
            key = tuple(_key_text(info, data, data.get(k), k) for k in pk_keys)
        identity_key = (info.family, key)
        objects = self._objects
        obj = objects.get(identity_key) if into is None else into
        # Fast path: a new row made only of plain scalar values (no relations); a row of
        # text and nulls under keys that take text is checked as a whole, others key by key.
        plain = typed = False
        if obj is None:
            if info.text.issuperset(data) and _TEXT.issuperset(map(type, data.values())):
                plain = True
            elif info.plain.issuperset(data):
                _check_scalars(info, data)
                plain = typed = True
        if plain:
            if typed:
                for typed_key in info.typed:
                    value = data.get(typed_key)
                    if type(value) is dict:
                        data[typed_key] = _decoded(info, data, typed_key, value)
            get = data.get
            share = self._pool.setdefault
            for pooled in info.pooled:
                value = get(pooled)
                if type(value) is str:
                    data[pooled] = share(value, value)
            del data[ENTITY_TYPE]
            if cohort is None or not member:
                obj = objects[identity_key] = hydrate(cls, data, self.hook)
                return obj
            obj = objects[identity_key] = hydrate(cls, data, self.hook, cohort)
            cohort.keys.append(identity_key)
            return obj
        values: dict[str, Any] = {}
        collections: dict[str, list[Model]] = {}
        scalars, refs, manys = info.scalars, info.refs, info.manys
        accepted = info.accepted
        for wire_key, value in data.items():
            name = scalars.get(wire_key)
            if name is not None:
                kinds = accepted.get(wire_key)
                if kinds is not None and type(value) not in kinds:
                    raise _malformed(info, data, wire_key, value, kinds)
                values[name] = (
                    _decoded(info, data, wire_key, value) if type(value) is dict else value
                )
                continue
            name = refs.get(wire_key)
            if name is not None:
                if value is None:
                    values[name] = None
                elif type(value) is not dict:
                    raise _malformed(info, data, wire_key, value, "an entity object or null")
                else:
                    inner = None if cohort is None else cohort.child(name)
                    values[name] = self.entity(value, None, inner)
                continue
            name = manys.get(wire_key)
            if name is not None:
                if value is None:
                    value = ()
                elif type(value) is not list or not all(type(item) is dict for item in value):
                    raise _malformed(info, data, wire_key, value, "a list of entity objects")
                inner = None if cohort is None else cohort.child(name)
                collections[name] = [self.entity(item, None, inner) for item in value]
        if obj is None:
            obj = hydrate(cls, values, self.hook, cohort if member else None)
            self.identity.add(identity_key, obj)
            for name, items in collections.items():
                set_committed(obj, name, items)
            if cohort is not None and member:
                cohort.keys.append(identity_key)
        else:
            refresh(obj, values, collections)
            if cohort is not None and member and join(obj, cohort):
                cohort.keys.append(identity_key)
        return obj


def _where(info: ClassInfo, data: dict[str, Any]) -> str:
    """``Task "<id>"``: the entity a malformed value belongs to, as errors name it."""
    keys = [data.get(k) for k in info.pk_keys]
    if not all(type(key) in (str, int) for key in keys):
        return f"a {info.name} row"
    return f"{info.name} {', '.join(excerpt(key, 60) for key in keys)}"


def _malformed(
    info: ClassInfo, data: dict[str, Any], key: str, value: object, expected: object
) -> ServerError:
    if isinstance(expected, frozenset):
        names = sorted(
            "null" if t is NONE_TYPE else _JSON_NAMES.get(t, t.__name__) for t in expected
        )
        expected = " or ".join(names)
    msg = (
        f"malformed answer: {_where(info, data)} has {key} = {excerpt(value, 80)}, "
        f"expected {expected}"
    )
    return ServerError(msg)


_JSON_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    dict: "a typed object",
    list: "a list",
}


def _check_scalars(info: ClassInfo, data: dict[str, Any]) -> None:
    """Check each value of a row of plain scalars against its field, key by key."""
    accepted = info.accepted
    for key, value in data.items():
        kinds = accepted.get(key)
        if kinds is not None and type(value) not in kinds:
            raise _malformed(info, data, key, value, kinds)


def _decoded(info: ClassInfo, data: dict[str, Any], key: str, value: dict[str, Any]) -> Any:
    """`decode_value` of one attribute's object, its failure a `ServerError`."""
    try:
        decoded = decode_value(value)
    except InvalidValueError as error:
        msg = f"malformed answer: {_where(info, data)} has {key} = {excerpt(value, 80)}: {error}"
        raise ServerError(msg) from None
    if type(decoded) is dict and key in info.dated:
        msg = (
            f"malformed answer: {_where(info, data)} has {key} = {excerpt(value, 80)}, "
            "expected a datetime object or null"
        )
        raise ServerError(msg)
    return decoded


def _key_text(info: ClassInfo, data: dict[str, Any], value: object, key: str) -> str:
    """A primary key value as the identity map keys it: a string, or an integer's text
    where the field takes integers."""
    kinds = info.accepted.get(key, _KEY_TYPES)
    if type(value) is str and str in kinds:
        return value
    if type(value) is int and int in kinds:
        return str(value)
    raise _malformed(info, data, key, value, kinds & _KEY_TYPES or _KEY_TYPES)


_KEY_TYPES: frozenset[type] = frozenset({str, int})
"""The JSON types a primary key value may have."""


def encode_entity(obj: Model, names: Iterable[str]) -> JSONObject:
    """``entity_data`` for ``obj``: the given attributes under their server names."""
    cls = type(obj)
    fields = cls.__ftorm_fields__
    data = obj.__dict__
    payload: JSONObject = {ENTITY_TYPE: cls.__ftorm_entity__}
    for name in names:
        if name not in data:
            continue
        field = fields[name]
        value = data[name]
        if isinstance(field, Many):
            payload[field.key] = [reference(item) for item in value]
        elif isinstance(field, Ref):
            payload[field.key] = None if value is None else reference(value)
        else:
            payload[field.key] = encode(value)
    return payload
