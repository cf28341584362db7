"""Custom attribute namespaces on models: ``shot.custom.fstart`` and ``Shot.custom.fstart >=
1001`` (the ftrack_api-style mapping ``shot["custom_attributes"]["fstart"]`` over the same
values is `ftorm.model.custom.mapping`).

A model whose entities carry custom attributes declares a *namespace*: a `CustomAttributes`
subclass listing the configured keys as `CustomAttr` descriptors (``ftorm generate`` writes one
per type from the server's configurations), attached with ``custom = custom_namespace(Ns)``.

- **Values live in the entity's ``custom_attributes`` collection**, one value entity
  (``ContextCustomAttributeValue`` ...) per configuration that applies, as ftrack serves them.
  Reading ``shot.custom.fstart`` finds the member with that key (loading the collection like
  any other when needed) and converts its value to the configured type; a key without a member
  reads the configured default.
- **Writing** sets that member's ``value``, a tracked change like any other, so the unit of
  work sends it with the next ``commit()`` and ``rollback()`` restores it. When there is no
  member yet (a new entity), one is made from the configuration the session resolves
  (`ftorm.model.state.Tracker.custom_configurations`) and appended; the session sends it as the
  update ftrack expects.
- **Class access** ``Shot.custom.fstart`` is a `CustomColumn`: comparing it builds
  ``custom_attributes any (key is "fstart" and value >= 1001)``.
- A namespace generated from configurations is *closed*: an unknown key raises
  `UnknownAttributeError` with the closest keys, when a query is built and at run time. The
  base `CustomAttributes` (models generated without configurations) is *open*: any key the
  entity's values or the session's configurations know works, untyped.
"""

from __future__ import annotations

import difflib
import warnings
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from ftorm.errors import (
    CustomAttributeConflictWarning,
    InvalidValueError,
    NotLoadedError,
    UnknownAttributeError,
)
from ftorm.model.custom.columns import COLLECTION, CustomColumn, CustomStrColumn
from ftorm.model.custom.inheritance import Inherited, source_of
from ftorm.model.custom.values import check_value, read_value
from ftorm.model.fields import Many
from ftorm.model.state import guard, hook_of
from ftorm.schema.custom.configurations import Configuration
from ftorm.schema.custom.rules import TEXT_KINDS

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = [
    "CustomAttr",
    "CustomAttributes",
    "CustomNamespace",
    "custom_attr",
    "custom_namespace",
    "declared_namespace",
    "namespace_of",
]

T = TypeVar("T")
C = TypeVar("C", bound="CustomAttributes", covariant=True)


# --- descriptors --------------------------------------------------------------------------


class _OnlyAny:
    """Never a value type: only ``CustomAttr[Any]`` matches ``CustomAttr[_OnlyAny]``."""


class CustomAttr(Generic[T]):
    """One configured custom attribute of a namespace:
    ``fstart: CustomAttr[int | None] = custom_attr("fstart", "number")``.

    Class access is a typed `CustomColumn`; instance access reads and writes the value.
    """

    __slots__ = ("decimal", "default", "key", "kind", "name")

    def __init__(self, key: str, kind: str, *, decimal: bool = False, default: Any = None) -> None:
        self.key: str = key
        """The configuration key (the server-side name)."""
        self.kind: str = kind
        """The ``CustomAttributeType`` name (``number``, ``text`` ...)."""
        self.decimal: bool = decimal
        """For numbers: floats rather than integers."""
        self.default: Any = read_value(kind, decimal, default)
        """The configured default (read when no value is stored), as the configured type."""
        self.name: str = key
        """The Python attribute name."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<CustomAttr {self.key!r} ({self.kind})>"

    @classmethod
    def of(cls, configuration: Configuration) -> CustomAttr[Any]:
        """The descriptor for a configuration read from a server."""
        return cls(
            configuration.key,
            configuration.kind,
            decimal=configuration.decimal,
            default=configuration.default,
        )

    if TYPE_CHECKING:

        @overload
        def __get__(self: CustomAttr[_OnlyAny], obj: None, owner: Any) -> CustomColumn[Any]: ...
        @overload
        def __get__(self: CustomAttr[str], obj: None, owner: Any) -> CustomStrColumn[str]: ...
        @overload
        def __get__(
            self: CustomAttr[str | None], obj: None, owner: Any
        ) -> CustomStrColumn[str | None]: ...
        @overload
        def __get__(self, obj: None, owner: Any) -> CustomColumn[T]: ...
        @overload
        def __get__(self, obj: CustomAttributes, owner: Any) -> T: ...
        @overload
        def __get__(self, obj: object, owner: Any) -> T: ...
        def __get__(self, obj: object, owner: Any) -> Any: ...

    else:

        def __get__(self, obj, owner):
            if obj is None:
                return owner.__ftorm_column__(self.key)
            return obj[self.key]

    def __set__(self, obj: CustomAttributes, value: T) -> None:
        obj[self.key] = value


def custom_attr(key: str, kind: str, *, decimal: bool = False, default: Any = None) -> Any:
    """Declare a configured custom attribute in a namespace (typed by its annotation)."""
    return CustomAttr(key, kind, decimal=decimal, default=default)


class _NamespaceMeta(type):
    """Class-level access on namespaces: an unknown key raises `UnknownAttributeError`."""

    if not TYPE_CHECKING:

        def __getattr__(cls, name):
            if name.startswith("_"):
                raise AttributeError(name)
            if cls.__ftorm_closed__:
                raise cls.__ftorm_unknown__(name)
            return cls.__ftorm_column__(name)


class CustomAttributes(metaclass=_NamespaceMeta):
    """Base of the custom attribute namespaces: ``shot.custom`` is an instance bound to
    ``shot``, ``Shot.custom`` the class bound to ``Shot``.

    Item access (``shot.custom["fstart"]``) works for any key, typed `Any`.
    """

    __slots__ = ("_ftorm_entity",)

    _ftorm_entity: Model

    __ftorm_model__: ClassVar[type[Any] | None] = None
    """The model class the namespace is bound to."""
    __ftorm_specs__: ClassVar[dict[str, CustomAttr[Any]]] = {}
    """The declared attributes by key (inherited ones included)."""
    __ftorm_closed__: ClassVar[bool] = False
    """True when generated from configurations: no other key exists."""

    def __init_subclass__(cls, *, closed: bool | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specs: dict[str, CustomAttr[Any]] = {}
        for base in reversed(cls.__mro__):
            for value in vars(base).values():
                if isinstance(value, CustomAttr):
                    specs[value.key] = value
        cls.__ftorm_specs__ = specs
        if closed is not None:
            cls.__ftorm_closed__ = closed

    def __init__(self, entity: Model) -> None:
        object.__setattr__(self, "_ftorm_entity", entity)

    inherited = Inherited()
    """The same attributes, hierarchical ones inherited: ``shot.custom.inherited.fps`` is the
    shot's own stored value, else its nearest ancestor's (`ftorm.model.custom.inheritance`)."""

    def source(self, key: str) -> Model | None:
        """The entity whose stored value ``inherited`` reads for ``key`` (None: the default)."""
        return source_of(self, key)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._ftorm_entity!r}>"

    @classmethod
    def __ftorm_label__(cls) -> str:
        model = cls.__ftorm_model__
        return f"{model.__name__ if model is not None else cls.__name__}.custom"

    @classmethod
    def __ftorm_unknown__(cls, key: str, known: list[str] | None = None) -> UnknownAttributeError:
        names = known if known is not None else list(cls.__ftorm_specs__)
        candidates = tuple(difflib.get_close_matches(key, names, n=3))
        return UnknownAttributeError(cls.__ftorm_label__(), key, candidates)

    @classmethod
    def column(cls, key: str) -> CustomColumn[Any]:
        """The query column of ``key`` by its configuration key: ``Shot.custom.column("fstart")
        >= 1001`` (untyped; for keys a model without configurations does not declare, or keys
        that are not Python names). A generated namespace refuses a key it does not declare."""
        return cls.__ftorm_column__(key)

    @classmethod
    def __ftorm_column__(cls, key: str) -> CustomColumn[Any]:
        # One column per key and namespace class (each model has its own bound class).
        cache: dict[str, CustomColumn[Any]] | None = cls.__dict__.get("__ftorm_column_cache__")
        found = None if cache is None else cache.get(key)
        if found is not None:
            return found
        spec = cls.__ftorm_specs__.get(key)
        if spec is None and cls.__ftorm_closed__:
            raise cls.__ftorm_unknown__(key)
        model = cls.__ftorm_model__ or cls
        kind = spec.kind if spec is not None else None
        column_class = CustomStrColumn if kind is None or kind in TEXT_KINDS else CustomColumn
        found = column_class(model, key, kind, spec.decimal if spec is not None else False)
        if cache is None:
            cache = {}
            type.__setattr__(cls, "__ftorm_column_cache__", cache)
        cache[key] = found
        return found

    # --- instance access --------------------------------------------------------------------

    def _ftorm_members(self) -> list[Any]:
        return list(getattr(self._ftorm_entity, _collection_name(self._ftorm_entity)))

    def _ftorm_member(self, key: str) -> Any:
        found = [m for m in self._ftorm_members() if m.__dict__.get("key") == key]
        if len(found) > 1:  # a key both hierarchical and not: the hierarchical one is read
            hook = hook_of(self._ftorm_entity)
            configurations = [] if hook is None else hook.custom_configurations(self._ftorm_entity)
            hierarchical = {c.id for c in configurations if c.is_hierarchical}
            found.sort(key=lambda m: m.__dict__.get("configuration_id") not in hierarchical)
            label = f"{type(self).__ftorm_label__()}.{key}"
            message = (
                f"{label}: the key is both hierarchical and configured for the type itself; "
                "the hierarchical value is read (raw and inherited alike)"
            )
            warnings.warn(message, CustomAttributeConflictWarning, stacklevel=4)
        return found[0] if found else None

    def _ftorm_configuration(self, key: str) -> Configuration | None:
        """The configuration of ``key`` for the entity: one of its project before a global
        one; the session's configurations are read again once when none has the key."""
        entity = self._ftorm_entity
        hook = hook_of(entity)
        if hook is None:
            return None
        project = _project_of(entity)
        for refresh in (False, True):
            found = [c for c in hook.custom_configurations(entity, refresh=refresh) if c.key == key]
            found.sort(key=lambda c: c.project_id != project)
            if found and found[0].project_id in (None, project):
                return found[0]
        return None

    def _ftorm_spec(self, key: str) -> CustomAttr[Any] | None:
        spec = type(self).__ftorm_specs__.get(key)
        if spec is None:
            configuration = self._ftorm_configuration(key)
            if configuration is not None:
                spec = CustomAttr.of(configuration)
        return spec

    def _ftorm_keys(self) -> list[str]:
        """The keys declared or present among the entity's values (for a new entity, which
        holds no values yet, those of the configurations the session knows)."""
        found = list(type(self).__ftorm_specs__)
        members = self._ftorm_members()
        if not members and not type(self).__ftorm_closed__:
            hook = hook_of(self._ftorm_entity)
            if hook is not None:
                found += [c.key for c in hook.custom_configurations(self._ftorm_entity)]
        for member in members:
            key = member.__dict__.get("key")
            if isinstance(key, str) and key not in found:
                found.append(key)
        return list(dict.fromkeys(found))

    def __getitem__(self, key: str) -> Any:
        member = self._ftorm_member(key)
        spec = type(self).__ftorm_specs__.get(key)
        if member is not None:
            value = member.value
            if spec is None and type(self).__ftorm_closed__:
                raise type(self).__ftorm_unknown__(key)
            return value if spec is None else read_value(spec.kind, spec.decimal, value)
        spec = spec or self._ftorm_spec(key)
        if spec is None:
            if hook_of(self._ftorm_entity) is None:
                msg = (
                    f"{type(self).__ftorm_label__()}.{key}: the entity is in no session, so "
                    "which custom attributes it has is not known (the session reads them)"
                )
                raise NotLoadedError(msg)
            raise type(self).__ftorm_unknown__(key, self._ftorm_keys())
        default = spec.default
        return list(default) if isinstance(default, list) else default

    def __setitem__(self, key: str, value: Any) -> None:
        with guard(self._ftorm_entity):  # finding or adding the value entity is one step
            self._ftorm_set(key, value)

    def _ftorm_set(self, key: str, value: Any) -> None:
        cls = type(self)
        spec = cls.__ftorm_specs__.get(key)
        if spec is None and cls.__ftorm_closed__:
            raise cls.__ftorm_unknown__(key)
        member = self._ftorm_member(key)
        configuration = None
        if spec is None:
            configuration = self._ftorm_configuration(key)
            spec = CustomAttr.of(configuration) if configuration is not None else None
        if spec is not None:
            value = check_value(f"{cls.__ftorm_label__()}.{key}", spec.kind, spec.decimal, value)
        if member is not None:
            member.value = value
            return
        if configuration is None:
            configuration = self._ftorm_configuration(key)
        if configuration is None:
            entity = self._ftorm_entity
            if hook_of(entity) is None:
                msg = (
                    f"{cls.__ftorm_label__()}.{key}: add the entity to a session before "
                    "setting a custom attribute it has no value for yet"
                )
                raise NotLoadedError(msg)
            raise cls.__ftorm_unknown__(key, self._ftorm_keys())
        self._ftorm_add(configuration, value)

    def _ftorm_add(self, configuration: Configuration, value: object) -> None:
        entity = self._ftorm_entity
        name = _collection_name(entity)
        field = type(entity).__ftorm_fields__[name]
        assert isinstance(field, Many)
        target: Any = field.target  # a value type: configuration_id, entity_id, key, value
        (key_name,) = type(entity).__ftorm_primary_key__
        member = target(
            configuration_id=configuration.id,
            entity_id=entity.__dict__[key_name],
            key=configuration.key,
            value=value,
        )
        getattr(entity, name).append(member)

    if not TYPE_CHECKING:

        def __getattr__(self, name):
            if name.startswith("_"):
                raise AttributeError(name)
            return self[name]

        def __setattr__(self, name, value):
            declared = any(isinstance(vars(k).get(name), CustomAttr) for k in type(self).__mro__)
            if declared or name.startswith("_"):
                object.__setattr__(self, name, value)  # the descriptor (its key may differ)
            else:
                self[name] = value


def _project_of(entity: Model) -> str | None:
    """The id of the project ``entity`` lies in, from what it holds (nothing is loaded)."""
    seen = 0
    current: Any = entity
    while current is not None and seen < 100:  # bounded: a parent chain, not a cycle
        data = current.__dict__
        if type(current).__ftorm_entity__ == "Project":
            return str(data.get("id")) if data.get("id") is not None else None
        if data.get("project_id") is not None:
            return str(data["project_id"])
        current, seen = data.get("parent") or data.get("project"), seen + 1
    return None


def _collection_name(entity: Model) -> str:
    """The Python name of the entity's custom attribute collection."""
    name = type(entity).__ftorm_keys__.get(COLLECTION)
    if name is None:
        msg = f"{type(entity).__name__} entities carry no custom attributes"
        raise InvalidValueError(msg)
    return name


class CustomNamespace(Generic[C]):
    """The ``custom`` attribute of a model: ``custom = custom_namespace(ShotCustom)``.

    ``Shot.custom`` is the namespace class bound to ``Shot`` (typed columns);
    ``shot.custom`` an instance bound to ``shot`` (typed values).
    """

    __slots__ = ("namespace",)

    def __init__(self, namespace: type[C]) -> None:
        self.namespace: type[CustomAttributes] = namespace

    def bound(self, owner: type) -> type[CustomAttributes]:
        """The namespace class bound to ``owner`` (a subclass made once per model class)."""
        found = owner.__dict__.get("__ftorm_custom__")
        if found is None:
            found = type(
                self.namespace.__name__,
                (self.namespace,),
                {"__slots__": (), "__ftorm_model__": owner, "__module__": owner.__module__},
            )
            type.__setattr__(owner, "__ftorm_custom__", found)
        return found

    @overload
    def __get__(self, obj: None, owner: Any) -> type[C]: ...
    @overload
    def __get__(self, obj: object, owner: Any) -> C: ...
    def __get__(self, obj: object, owner: Any) -> Any:
        cls = self.bound(owner)
        return cls if obj is None else cls(obj)  # type: ignore[arg-type]


def custom_namespace(namespace: type[C]) -> CustomNamespace[C]:
    """Attach a custom attribute namespace to a model class (``custom = ...`` in its body)."""
    return CustomNamespace(namespace)


def declared_namespace(cls: type) -> CustomNamespace[CustomAttributes] | None:
    """The ``custom`` namespace ``cls`` declares or inherits, if any (no attribute lookup
    through the model metaclass, which would build a column)."""
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get("custom")
        if isinstance(descriptor, CustomNamespace):
            return descriptor
    return None


def namespace_of(entity: Model) -> CustomAttributes:
    """``entity.custom``, or an open namespace for models that declare none."""
    cls = type(entity)
    descriptor = declared_namespace(cls) or CustomNamespace(CustomAttributes)
    return descriptor.bound(cls)(entity)
