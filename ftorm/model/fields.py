"""Field specifiers (``attr``, ``ref``, ``many``) and the annotations they pair with.

A model field is written ``name: Attr[str] = attr(default="")``: the annotation (`Attr`,
`Ref`, `Many`) tells type checkers what class access (a typed column or path) and instance
access (the value) give; the right-hand side is a PEP 681 field specifier that carries the
runtime metadata (server name, primary key, default, immutability, relation target).

The specifiers return the field objects of `ftorm.model.attributes`, whose names are
importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

from ftorm.model.attributes import MISSING, UNSET, Attr, Field, Many, Ref, new_id

__all__ = [
    "MISSING",
    "UNSET",
    "Attr",
    "Field",
    "Many",
    "Ref",
    "attr",
    "many",
    "new_id",
    "ref",
]

T = TypeVar("T")


@overload
def attr(
    *,
    primary_key: bool = False,
    default: T,
    name: str | None = None,
    immutable: bool = False,
    computed: bool = False,
) -> Attr[T]: ...
@overload
def attr(
    *,
    primary_key: bool = False,
    factory: Callable[[], T],
    name: str | None = None,
    immutable: bool = False,
    computed: bool = False,
) -> Attr[T]: ...
@overload
def attr(
    *,
    primary_key: bool = False,
    name: str | None = None,
    immutable: bool = False,
    computed: bool = False,
) -> Attr[Any]: ...
def attr(
    *,
    primary_key: bool = False,
    default: Any = MISSING,
    factory: Callable[[], Any] | None = None,
    name: str | None = None,
    immutable: bool = False,
    computed: bool = False,
) -> Attr[Any]:
    """Declare a scalar attribute.

    Args:
        primary_key: part of the entity's key.
        default: value when the constructor is not given one; ``UNSET`` leaves it unset.
        factory: called for a fresh default (``factory=new_id``).
        name: the server-side name when the Python name differs (``from_`` for ``from``).
        immutable: may not change once it has a value (`ftorm.ImmutableAttributeError`);
            primary keys always are.
        computed: set by the server; may not be written once it has a value.

    Without ``default=`` or ``factory=`` the attribute is required by the constructor.
    """
    return Attr(
        primary_key=primary_key,
        default=default,
        factory=factory,
        name=name,
        immutable=immutable,
        computed=computed,
    )


@overload
def ref(
    target: str | None = None,
    *,
    default: T,
    name: str | None = None,
    immutable: bool = False,
) -> Ref[T]: ...
@overload
def ref(
    target: str | None = None,
    *,
    name: str | None = None,
    immutable: bool = False,
) -> Ref[Any]: ...
def ref(
    target: str | None = None,
    *,
    default: Any = MISSING,
    name: str | None = None,
    immutable: bool = False,
) -> Ref[Any]:
    """Declare a reference to one entity of type ``target`` (an entity name).

    Without ``target`` the class is taken from the annotation (``Ref[Project]``) when first
    needed. ``default=None`` or ``default=UNSET`` makes it optional in the constructor.
    """
    return Ref(target, default=default, name=name, immutable=immutable)


def many(
    target: str | None = None,
    *,
    backref: str | None = None,
    name: str | None = None,
    key_value: tuple[str, str] | None = None,
    init: Literal[False] = False,
) -> Many[Any]:
    """Declare a collection of entities of type ``target`` (an entity name).

    Args:
        backref: the `ref` field on the target that points back (``"parent"`` for
            ``children``); both sides are then kept in sync on change.
        name: the server-side name when the Python name differs.
        key_value: for ftrack's mapped arrays (``metadata``, ``custom_attributes``): the
            ``(key attribute, value attribute)`` of each element.
        init: always False: collections are not constructor arguments.
    """
    return Many(target, backref=backref, key_value=key_value, name=name)
