"""Hierarchical custom attributes, inherited: ``shot.custom.inherited.fps``,
``shot.custom.source("fps")`` and ``session.populate(shots, Shot.custom.inherited)``.

ftrack serves custom attribute values *raw*: a shot that has no ``fps`` of its own reads the
configured default, whatever its sequence or project holds. ``shot.custom`` keeps reading them
so. ``shot.custom.inherited`` is the same namespace (the same class, so type checkers give every
attribute the raw attribute's type) whose reads resolve hierarchical attributes: the entity's
own stored value, else the nearest ancestor's, up to and including the project, else the
configured default. Attributes that are not hierarchical read as ``shot.custom`` does.

The values come from the session the entity belongs to (`InheritedSource`, implemented by
`ftorm.session.custom.inheritance`): the model layer only asks. ``Shot.custom.inherited`` (class
access) is an `InheritedPath`, a path for `Session.populate`; it is no query column: ftrack's
server cannot filter on inherited values, so building a query from it raises
`QueryCompileError` rather than sending a filter that would mean the raw value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from ftorm.errors import InvalidValueError, NotLoadedError, QueryCompileError
from ftorm.model.state import hook_of

if TYPE_CHECKING:
    from ftorm.model.base import Model
    from ftorm.model.custom.namespace import CustomAttributes

__all__ = [
    "Inherited",
    "InheritedPath",
    "InheritedSource",
    "Resolved",
    "source_of",
]

C = TypeVar("C", bound="CustomAttributes")


class Resolved:
    """What a session found for one key of one entity: ``hierarchical`` (False: the key is
    not hierarchical for the entity, read it raw), ``value`` (as stored, or the default),
    ``holder`` (the entity holding the value; None for a default)."""

    __slots__ = ("hierarchical", "holder", "value")

    def __init__(self, hierarchical: bool, value: object = None, holder: Model | None = None):
        self.hierarchical = hierarchical
        self.value = value
        self.holder = holder

    def __repr__(self) -> str:
        return f"Resolved(hierarchical={self.hierarchical}, value={self.value!r})"


class InheritedSource(Protocol):
    """What a session offers the inherited view (`ftorm.session.Session.inherited_value`)."""

    def inherited_value(self, obj: Model, key: str) -> Resolved:
        """The inherited value of ``key`` for ``obj`` (loading what it lacks, or raising
        `NotLoadedError` under ``lazy="raise"``)."""
        ...


def _source_for(entity: Model, label: str) -> InheritedSource:
    hook = hook_of(entity)
    resolver = getattr(hook, "inherited_value", None)
    if hook is None or resolver is None:
        msg = (
            f"{label}: the entity is in no session, so the values of its ancestors are not "
            "known (the session reads them)"
        )
        raise NotLoadedError(msg)
    return hook  # type: ignore[return-value]


def resolve(namespace: CustomAttributes, key: str) -> Resolved:
    """The session's answer for ``key`` of the namespace's entity (unknown keys of a closed
    namespace raise `UnknownAttributeError` first)."""
    cls = type(namespace)
    if cls.__ftorm_closed__ and key not in cls.__ftorm_specs__:
        raise cls.__ftorm_unknown__(key)
    entity = namespace._ftorm_entity
    return _source_for(entity, f"{cls.__ftorm_label__()}.{key}").inherited_value(entity, key)


def source_of(namespace: CustomAttributes, key: str) -> Model | None:
    """``shot.custom.source(key)``: the entity whose stored value ``shot.custom.inherited``
    reads for ``key`` (the entity itself, an ancestor), or None when it reads the default.
    For a key that is not hierarchical: the entity itself when it stores a value."""
    return resolve(namespace, key).holder


class InheritedPath:
    """``Shot.custom.inherited``: what `Session.populate` resolves for many entities at
    once. Not a query column (see the module docstring)."""

    __slots__ = ("model",)

    def __init__(self, model: type[Any] | None) -> None:
        self.model = model
        """The model class whose namespace it was read from."""

    def __repr__(self) -> str:
        name = self.model.__name__ if self.model is not None else "?"
        return f"<InheritedPath {name}.custom.inherited>"

    if not TYPE_CHECKING:  # no attributes for type checkers: ``.inherited.fps`` is an error

        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            model = self.model.__name__ if self.model is not None else "Model"
            msg = (
                f"{model}.custom.inherited.{name}: ftrack's server filters and sorts on raw "
                f"values only; query on {model}.custom.{name} (the raw value), or load the "
                f"entities, session.populate(entities, {model}.custom.inherited), and filter "
                "in Python"
            )
            raise QueryCompileError(msg)


class _View:
    """Mixed into a namespace class to make its inherited view (see `Inherited`)."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        found = resolve(self, key)  # type: ignore[arg-type]
        if not found.hierarchical:
            return super().__getitem__(key)  # type: ignore[misc]
        return found.value

    def __setitem__(self, key: str, value: Any) -> None:
        label = f"{type(self).__ftorm_label__()}.inherited.{key}"  # type: ignore[attr-defined]
        msg = f"{label}: inherited values are read-only; set the value on the entity that holds it"
        raise InvalidValueError(msg)

    def __repr__(self) -> str:
        return f"<inherited {type(self).__name__} of {self._ftorm_entity!r}>"  # type: ignore[attr-defined]


def _view_class(cls: type[CustomAttributes]) -> type[CustomAttributes]:
    """The inherited view of namespace class ``cls`` (a subclass, made once per class)."""
    found = cls.__dict__.get("__ftorm_inherited__")
    if found is None:
        found = type(
            cls.__name__,
            (_View, cls),
            {"__slots__": (), "__module__": cls.__module__, "__qualname__": cls.__qualname__},
        )
        type.__setattr__(cls, "__ftorm_inherited__", found)
    return found


class Inherited:
    """The ``inherited`` attribute of every namespace: ``shot.custom.inherited`` is the
    namespace's inherited view (typed as the namespace itself), ``Shot.custom.inherited`` an
    `InheritedPath`."""

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: Any) -> InheritedPath: ...
    @overload
    def __get__(self, obj: C, owner: Any) -> C: ...
    def __get__(self, obj: Any, owner: Any) -> Any:
        if obj is None:
            return InheritedPath(getattr(owner, "__ftorm_model__", None))
        cls = type(obj)
        if isinstance(obj, _View):
            return obj
        return _view_class(cls)(obj._ftorm_entity)
