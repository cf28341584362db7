"""Value checks built from a field's Python type: ``str | None``, ``Literal["a", "b"]``,
``arrow.Arrow``.

`make_scalar_check` turns the ``T`` of ``Attr[T]`` into the function that validates (and
normalises) a value before it is stored or compared in a query; `union_members` splits a
union type into its members. Nothing here knows about models.
"""

from __future__ import annotations

import datetime
import decimal
import types
import typing
from typing import Any, Literal

from ftorm._typing import arrow_class
from ftorm.errors import InvalidValueError
from ftorm.query.expressions import ValueCheck

__all__ = ["NONE_TYPE", "make_scalar_check", "union_members"]

NONE_TYPE: type[None] = type(None)
"""The type of None, as it appears among the members of ``T | None``."""


def union_members(tp: Any) -> tuple[Any, ...]:
    """The members of a union type (``str | None`` -> ``(str, NoneType)``), or ``(tp,)``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return (tp,)


def _describe(tp: Any) -> str:
    text = repr(tp) if not isinstance(tp, type) else tp.__qualname__
    return text.replace("typing.", "").replace("arrow.arrow.", "")


def make_scalar_check(tp: Any) -> ValueCheck | None:
    """A validator for values of type ``tp`` (None when anything goes).

    The validator returns the value, converted where ftorm accepts a near type (a
    `datetime.datetime` for an ``arrow.Arrow``, an int for a float), and raises
    `InvalidValueError` otherwise.
    """
    if tp is Any or tp is object:
        return None
    allow_none = False
    literals: list[object] = []
    classes: list[type] = []
    for member in union_members(tp):
        origin = typing.get_origin(member)
        if member is None or member is NONE_TYPE:
            allow_none = True
        elif member is Any or member is object:
            return None
        elif origin is Literal:
            literals.extend(typing.get_args(member))
        elif isinstance(origin, type):
            classes.append(origin)
        elif isinstance(member, type):
            classes.append(member)
        else:
            return None
    accepted = tuple(classes)
    wants_arrow = arrow_class() in accepted
    wants_float = float in accepted or decimal.Decimal in accepted
    strict_int = int in accepted and bool not in accepted
    expected = _describe(tp)

    def check(value: object) -> object:
        if value is None:
            if allow_none:
                return None
        elif (literals and value in literals) or (
            isinstance(value, accepted) and not (strict_int and isinstance(value, bool))
        ):
            return value
        elif wants_arrow and isinstance(value, datetime.datetime):
            import arrow  # imported already: the annotation named it

            return arrow.get(value)
        elif wants_float and isinstance(value, int) and not isinstance(value, bool):
            return value
        msg = f"expects {expected}, got {type(value).__name__}: {value!r}"
        raise InvalidValueError(msg)

    return check
