"""`Model`, the base of every entity class, and its metaclass `ModelMeta`.

What type checkers see and what runs differ on purpose (``guides/typing.md``):

- Checkers see `dataclass_transform` fields with typed descriptors, a synthesized keyword-only
  constructor, and the class-level query API (``where``, ``select``, ``has``, ``any``,
  ``as_``) on the metaclass, so it never shows up on instances.
- At runtime the field objects are removed from the class (kept in ``__ftorm_fields__``), so
  ``shot.name`` is a plain instance-dict read; ``Shot.name`` reaches the metaclass
  ``__getattr__`` once, which builds a column or relationship path and keeps it in the
  class's own ``__dict__`` (the column's ``__get__`` answers class reads of that class
  only). The instance-level ``__init__``, ``__getattr__`` (loading, `ftorm.NotLoadedError`)
  and ``__setattr__`` (validation, dirty tracking, relationship sync) are defined only when
  not type checking, so checkers keep reporting unknown attributes and wrong value types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar, overload

from ftorm._typing import dataclass_transform
from ftorm.errors import InvalidValueError, UnknownKeyError
from ftorm.model.custom.columns import COLLECTION
from ftorm.model.custom.mapping import CustomAttributeMapping
from ftorm.model.custom.namespace import namespace_of
from ftorm.model.fields import MISSING, UNSET, Attr, Field, Many, attr, many, ref
from ftorm.model.paths import RelationPath, column_for, unknown_attribute
from ftorm.model.registry import REGISTRY, Registry
from ftorm.model.relations import Related, assign, link_new, set_scalar
from ftorm.model.state import CollectionType, guard, not_loaded
from ftorm.query.builder import KeywordQuery, Query
from ftorm.query.expressions import Column, Expr
from ftorm.schema.naming import RESERVED_NAMES

__all__ = ["RESERVED_NAMES", "Model", "ModelMeta", "label_field"]

M = TypeVar("M")
S = TypeVar("S")
P = ParamSpec("P")

_LABELS = ("name", "username", "key", "title")
"""The attributes a person tells entities apart by, in order (`label_field`)."""


def label_field(cls: type[Model]) -> str | None:
    """The attribute a person tells ``cls``'s entities apart by: the first of ``name``,
    ``username``, ``key`` and ``title`` the model has (its repr shows it beside the primary
    key, and a session loads it with the defaults); None when it has none of them."""
    return next((n for n in _LABELS if n in cls.__ftorm_fields__), None)


# RESERVED_NAMES (from ftorm.schema.naming): field names that would be shadowed by the
# class-level API or the mapping methods; declare them with a trailing underscore and
# ``name=`` (``where_: Attr[str] = attr(name="where")``).


class ModelMeta(type):
    """Metaclass of models: the class-level query API and class attribute access."""

    if not TYPE_CHECKING:

        def __getattr__(cls, name):
            # Reached once per class and field: the column (or path) is then kept in the
            # class's own dict, where the next ``cls.name`` finds it (`Column.__get__` gives
            # it back for that class only, so subclasses and instances are unaffected).
            if name.startswith("__") and name.endswith("__"):
                raise AttributeError(name)
            result = column_for(cls, name, (), cls)
            type.__setattr__(cls, name, result)
            return result

    @overload
    def where(cls: Callable[P, M], *criteria: Expr) -> KeywordQuery[M, P]: ...
    @overload
    def where(cls: Callable[P, M], *args: P.args, **kwargs: P.kwargs) -> KeywordQuery[M, P]: ...
    def where(cls: Any, *criteria: Any, **equals: Any) -> Any:
        """A query for this model with criteria (``Shot.name == "x"``) or keyword equalities."""
        return Query.of(cls, *criteria, **equals)

    if TYPE_CHECKING:

        def select(cls: Callable[P, M], *fields: Column[Any] | type[Model]) -> KeywordQuery[M, P]:
            """A query for this model loading the given attribute paths."""
            ...

    else:
        select = Query.selecting  # the class is its model: one call fewer per query

    def has(cls, *criteria: Expr) -> Expr:
        """``Shot.status.has(...)``: only meaningful on a reference path."""
        msg = (
            f"has() applies to a reference path such as {cls.__name__}.<reference>.has(...), "
            f"not to the model {cls.__name__}; use {cls.__name__}.where(...)"
        )
        raise InvalidValueError(msg)

    def any(cls, *criteria: Expr) -> Expr:
        """``Project.children.any(...)``: only meaningful on a collection path."""
        msg = (
            f"any() applies to a collection path such as {cls.__name__}.<collection>.any(...), "
            f"not to the model {cls.__name__}; use {cls.__name__}.where(...)"
        )
        raise InvalidValueError(msg)

    def as_(cls, subtype: type[S]) -> type[S]:
        """``Shot.parent.as_(Sequence)``: only meaningful on a relationship path."""
        msg = (
            f"as_() casts a relationship path such as Shot.parent.as_(Sequence), "
            f"not the model {cls.__name__}"
        )
        raise InvalidValueError(msg)


class _EntityType:
    """``entity.entity_type`` and ``Shot.entity_type``: the entity type name (``"Shot"``).

    A non-data descriptor, so a field of that name (``CustomAttributeConfiguration``'s)
    takes over on its class: its value, once loaded, is in the instance dict, which wins.
    """

    def __get__(self, obj: Model | None, owner: type[Model]) -> Any:
        if "entity_type" in owner.__ftorm_fields__:
            if obj is None:  # the field's column, as for any other field
                return ModelMeta.__getattr__(owner, "entity_type")  # type: ignore[attr-defined]
            return obj.__getattr__("entity_type")  # type: ignore[attr-defined]  # not loaded
        return owner.__ftorm_entity__ or owner.__name__


def _keep_inherited_attributes(cls: type, fields: Mapping[str, Field[Any]]) -> None:
    """Copy into ``cls`` what its bases define under a field's name, other than columns.

    A model class keeps the columns read from it in its own ``__dict__`` (`ModelMeta`). A
    column kept by a model base must not hide what a later class of ``cls``'s MRO defines
    under that name (a mixin's property, say): the attribute found is the same whether or
    not the base's column was read first.
    """
    for name in fields:
        if name in cls.__dict__:
            continue
        for klass in cls.__mro__[1:]:
            found = klass.__dict__.get(name, MISSING)
            if found is MISSING or isinstance(found, (Column, RelationPath, Field)):
                continue  # absent, or a base's kept column: not an attribute of its own
            type.__setattr__(cls, name, found)
            break


@dataclass_transform(kw_only_default=True, eq_default=False, field_specifiers=(attr, ref, many))
class Model(metaclass=ModelMeta):
    """Base class of entity models.

    Declare ``class Shot(TypedContext, entity="Shot"):`` with fields ``name: Attr[str] =
    attr(default="")``; pass ``registry=`` on a root class to keep a model set apart from the
    default `ftorm.model.registry.REGISTRY`. Instances compare by identity.
    """

    __ftorm_entity__: ClassVar[str | None] = None
    __ftorm_fields__: ClassVar[dict[str, Field[Any]]] = {}
    __ftorm_keys__: ClassVar[dict[str, str]] = {}
    __ftorm_primary_key__: ClassVar[tuple[str, ...]] = ()
    __ftorm_registry__: ClassVar[Registry] = REGISTRY
    __ftorm_collection__: ClassVar[CollectionType] = Related
    """The list type instances hold their collections in (`ftorm.model.state` builds them)."""
    __ftorm_cache__: ClassVar[dict[str, Any]] = {}
    """Values other layers compute once per class (the session's hydration plan): kept on
    the class, so they live exactly as long as the class does."""

    def __init_subclass__(
        cls, *, entity: str | None = None, registry: Registry | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        fields: dict[str, Field[Any]] = {}
        for base in reversed(cls.__mro__[1:]):
            inherited = base.__dict__.get("__ftorm_fields__")
            if inherited:
                fields.update(inherited)
        # its own annotations (on 3.10+ a class never shows its bases' ones here)
        annotations: dict[str, Any] = dict(getattr(cls, "__annotations__", None) or {})
        for name, value in list(cls.__dict__.items()):
            if isinstance(value, Field):
                if name in RESERVED_NAMES:
                    msg = (
                        f"{cls.__name__}.{name}: {name!r} is reserved by the model API; "
                        f"declare it as {name}_ = ...(name={name!r})"
                    )
                    raise InvalidValueError(msg)
                value.bind(cls, name, annotations.get(name))
                delattr(cls, name)
                fields[name] = value
        for name, annotation in annotations.items():
            if (
                name not in fields
                and isinstance(annotation, str)
                and annotation.startswith(("Attr[", "Ref[", "Many["))
            ):
                msg = (
                    f"{cls.__name__}.{name} is annotated {annotation} but has no attr()/ref()/"
                    "many() specifier"
                )
                raise InvalidValueError(msg)
        cls.__ftorm_fields__ = fields
        cls.__ftorm_keys__ = {field.key: name for name, field in fields.items()}
        cls.__ftorm_primary_key__ = tuple(n for n, f in fields.items() if f.primary_key)
        _keep_inherited_attributes(cls, fields)
        cls.__ftorm_cache__ = {}
        if registry is not None:
            cls.__ftorm_registry__ = registry
        if entity is not None:
            cls.__ftorm_entity__ = entity
            cls.__ftorm_registry__.register(entity, cls)

    if not TYPE_CHECKING:

        def __init__(self, **values):
            cls = type(self)
            data = {}
            missing = []
            for name, field in cls.__ftorm_fields__.items():
                if isinstance(field, Many):
                    if name in values:
                        msg = (
                            f"{cls.__name__}.{name} is a collection: add to "
                            f"obj.{name} after creating the object"
                        )
                        raise InvalidValueError(msg)
                    data[name] = Related((), self, field)
                    continue
                if name in values:
                    data[name] = field.check(values.pop(name), cls)
                elif field.factory is not None:
                    data[name] = field.factory()
                elif field.default is MISSING:
                    missing.append(name)
                elif field.default is not UNSET:
                    data[name] = field.check(field.default, cls)
            if values:
                raise unknown_attribute(cls, next(iter(values)))
            if missing:
                msg = f"{cls.__name__}() missing required keyword argument(s): " + ", ".join(
                    missing
                )
                raise InvalidValueError(msg)
            self.__dict__.update(data)
            link_new(self)

        def __getattr__(self, name):
            if name in type(self).__ftorm_fields__:
                return not_loaded(self, name)
            if name.startswith("__") and name.endswith("__"):
                raise AttributeError(name)
            raise unknown_attribute(type(self), name)

        def __setattr__(self, name, value):
            field = type(self).__ftorm_fields__.get(name)
            with guard(self):  # one step for other threads (`ftorm.model.state.guard`)
                if type(field) is Attr:
                    set_scalar(self, field, value)
                elif not assign(self, name, value):
                    if name.startswith("_"):
                        object.__setattr__(self, name, value)
                    else:
                        raise unknown_attribute(type(self), name)

        def __dir__(self):
            # The fields loaded, not the columns the class keeps once read (`ModelMeta`):
            # tools that read every name dir() gives (inspect.getmembers, completion) must
            # not load the others from the server.
            data = self.__dict__
            fields = type(self).__ftorm_fields__
            return [n for n in object.__dir__(self) if n in data or n not in fields]

    # --- ftrack_api habits ------------------------------------------------------------------

    if TYPE_CHECKING:

        @property
        def entity_type(self) -> str:
            """The entity type name (``"Shot"``), as ftrack_api's ``entity.entity_type``."""
            ...

    else:
        entity_type = _EntityType()

    def _ftorm_name(self, key: str) -> str:
        cls = type(self)
        name = cls.__ftorm_keys__.get(key)
        if name is None:
            if key in cls.__ftorm_fields__:
                return key
            found = unknown_attribute(cls, key)
            raise UnknownKeyError(found.model, found.attribute, found.candidates)
        return name

    def keys(self) -> list[str]:
        """The server-side names of every attribute of this entity type."""
        return list(type(self).__ftorm_keys__)

    def __getitem__(self, key: str) -> Any:
        """``shot["name"]``: the attribute with that server-side name (loading it if needed).

        ``shot["custom_attributes"]`` is a mutable mapping of the custom attributes by key,
        as in ftrack_api (`ftorm.model.custom.CustomAttributeMapping`).
        """
        if key == COLLECTION and key in type(self).__ftorm_keys__:
            return CustomAttributeMapping(namespace_of(self))
        return getattr(self, self._ftorm_name(key))

    def __setitem__(self, key: str, value: Any) -> None:
        """``shot["name"] = "x"``: same as setting the attribute."""
        if key == COLLECTION and key in type(self).__ftorm_keys__ and isinstance(value, Mapping):
            CustomAttributeMapping(namespace_of(self)).update(value)
            return
        setattr(self, self._ftorm_name(key), value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in type(self).__ftorm_keys__

    def __iter__(self) -> Iterator[str]:
        return iter(type(self).__ftorm_keys__)

    def __ftorm_key_of__(self) -> object:
        """The value of the single-attribute primary key (for ``where(parent=entity)``)."""
        cls = type(self)
        names = cls.__ftorm_primary_key__
        if len(names) != 1:
            msg = (
                f"{cls.__name__} has a {len(names)}-attribute key; compare its key attributes "
                "explicitly"
            )
            raise InvalidValueError(msg)
        value = self.__dict__.get(names[0])
        if value is None:
            msg = f"this {cls.__name__} has no {names[0]} yet"
            raise InvalidValueError(msg)
        return value

    def __repr__(self) -> str:
        cls = type(self)
        data = self.__dict__
        label = label_field(cls)
        shown = [*cls.__ftorm_primary_key__, *((label,) if label else ())]
        parts = [f"{n}={data[n]!r}" for n in dict.fromkeys(shown) if n in data]
        return f"<{cls.__name__}{' ' if parts else ''}{' '.join(parts)}>"
