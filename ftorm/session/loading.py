"""Turning the server's entity objects into model instances, and back.

`Hydrator` reads the ``data`` of query, create and update results: every object with
``__entity_type__`` becomes (or is merged into) the one instance the identity map holds for
that row; references and collections inside it are hydrated the same way, so a normalised
response (later occurrences sent as bare references) resolves to the same objects.

Merging never overwrites an attribute the user changed and has not committed yet.

Given a `ftorm.session.cohort.Cohort`, the top-level entities join it (unless ``member`` is
false: a lazy load or a populate re-reads objects that keep their own cohort) and the
entities under a reference or collection join the cohort's child for that attribute.

`encode_entity` and `reference` go the other way, for create and update payloads.

What hydration needs to know about a model class (`ClassInfo`) is computed once and kept on
the class itself, so classes built for one session's schema go away with that session.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from ftorm._typing import JSONObject
from ftorm.errors import UnknownTypeError
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
        "family",
        "manys",
        "pk_keys",
        "pk_names",
        "plain",
        "pooled",
        "refs",
        "scalars",
        "typed",
    )

    def __init__(self, cls: type[Model]) -> None:
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
            {"__entity_type__"} | {key for key, name in self.scalars.items() if key == name}
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
        """The instances for a list of wire entities (joining ``cohort``, see the module)."""
        entity = self.entity
        if cohort is None:
            return [entity(item) for item in items]
        return [entity(item, None, cohort, member) for item in items]

    def _class(self, type_name: object) -> tuple[type[Model], ClassInfo]:
        cls = self.types(type_name) if isinstance(type_name, str) else None
        if cls is None or not isinstance(type_name, str):
            msg = f"the server sent an entity of unknown type {type_name!r}"
            raise UnknownTypeError(msg)
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
        found = self._classes.get(type_name)  # type: ignore[arg-type]
        cls, info = found if found is not None else self._class(type_name)
        pk_keys = info.pk_keys
        if len(pk_keys) == 1:
            key: object = data.get(pk_keys[0])
            if type(key) is not str:
                key = str(key)
        else:
            key = tuple(str(data.get(k)) for k in pk_keys)
        identity_key = (info.family, key)
        objects = self._objects
        obj = objects.get(identity_key) if into is None else into
        # Fast path: a new row made only of plain scalar values (no relations).
        if obj is None and info.plain.issuperset(data):
            for typed in info.typed:
                value = data.get(typed)
                if type(value) is dict:
                    data[typed] = decode_value(value)
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
        for wire_key, value in data.items():
            name = scalars.get(wire_key)
            if name is not None:
                values[name] = decode_value(value) if type(value) is dict else value
                continue
            name = refs.get(wire_key)
            if name is not None:
                if value is None:
                    values[name] = None
                else:
                    inner = None if cohort is None else cohort.child(name)
                    values[name] = self.entity(value, None, inner)
                continue
            name = manys.get(wire_key)
            if name is not None:
                inner = None if cohort is None else cohort.child(name)
                collections[name] = [self.entity(item, None, inner) for item in value or ()]
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
