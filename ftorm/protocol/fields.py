"""Reading and checking the fields of a received operation (`ftorm.protocol.operations`).

A server turns each JSON object of a batch into a typed operation with
`ftorm.protocol.operations.validate`, which reads the action from the one action table and
hands the object to that class's ``from_json``. What those read and check lives here: each
reader takes the received object and a field's name, and returns the field's value or raises
`ftorm.errors.ValidationError` with a message naming the action, the field and what it got;
`check_values` refuses what no ftrack value can be, anywhere in an operation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ftorm._typing import JSON, JSONObject
from ftorm.errors import ServerCompatibilityError, ValidationError, excerpt

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "check_integer",
    "check_values",
    "entity_data",
    "entity_id",
    "entity_key",
    "flag",
    "invalid_action",
    "optional_string",
    "string",
    "string_list",
    "upload_parts",
    "whole_number",
]

INT64_MIN: int = -(2**63)
"""The smallest integer a value may be (ftrack's integers are 64-bit)."""
INT64_MAX: int = 2**63 - 1
"""The largest integer a value may be."""


def invalid_action(action: object) -> ServerCompatibilityError:
    """ftrack's answer to an action it does not know (the client matches this text)."""
    msg = f"Invalid action u'{action}'"
    return ServerCompatibilityError(msg, exception="ServerError")


def string(operation: Mapping[str, Any], name: str) -> str:
    """The non-empty string ``operation[name]``."""
    value = operation.get(name)
    if not isinstance(value, str) or not value:
        msg = f"{operation.get('action')}: {name!r} must be a non-empty string, got {value!r}"
        raise ValidationError(msg)
    return value


def optional_string(operation: Mapping[str, Any], name: str) -> str | None:
    """`string` ``operation[name]``, or None when it is absent or null."""
    if operation.get(name) is None:
        return None
    return string(operation, name)


def entity_key(operation: Mapping[str, Any]) -> tuple[str, ...]:
    """The primary key values of ``entity_key`` (one value, or a list of them), as text."""
    value = operation.get("entity_key")
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (str(value),)
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)
    ):
        return tuple(str(v) for v in value)
    msg = (
        f"{operation.get('action')}: 'entity_key' must be a list of primary key values, "
        f"got {value!r}"
    )
    raise ValidationError(msg)


def entity_id(operation: Mapping[str, Any], action: str, *, empty: bool) -> str | None:
    """The entity id ``entity_key`` (a string, or a list of one, as ftrack's clients send
    it); None when absent. ``empty``: whether an empty string is accepted."""
    key = operation.get("entity_key")
    if isinstance(key, list) and len(key) == 1:  # a one-part key sent as a list
        key = key[0]
    if key is not None and not (isinstance(key, str) and (empty or key)):
        msg = f"{action}: 'entity_key' must be the entity's id, got {excerpt(key)}"
        raise ValidationError(msg)
    return key


def entity_data(operation: Mapping[str, Any]) -> JSONObject:
    """The object ``entity_data`` (empty when absent)."""
    value = operation.get("entity_data", {})
    if not isinstance(value, dict):
        msg = f"{operation.get('action')}: 'entity_data' must be an object, got {value!r}"
        raise ValidationError(msg)
    return value


def string_list(operation: Mapping[str, Any], name: str) -> tuple[str, ...] | None:
    """The list of strings ``operation[name]``, or None when it is absent or null."""
    values = operation.get(name)
    if values is None:
        return None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        msg = f"{name!r} must be a list of strings, got {excerpt(values)}"
        raise ValidationError(msg)
    return tuple(values)


def whole_number(operation: Mapping[str, Any], name: str, action: str) -> int:
    """The whole number (an int from 0, not a bool) ``operation[name]``."""
    value = operation.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        msg = f"{action}: {name!r} must be a whole number, got {excerpt(value)}"
        raise ValidationError(msg)
    return value


def flag(operation: Mapping[str, Any], name: str, action: str, default: bool) -> bool:
    """The boolean ``operation[name]`` (``default`` when absent)."""
    value = operation.get(name, default)
    if not isinstance(value, bool):
        msg = f"{action}: {name!r} must be true or false, got {excerpt(value)}"
        raise ValidationError(msg)
    return value


def upload_parts(operation: Mapping[str, Any], action: str) -> list[tuple[int, str]]:
    """``(part_number, e_tag)`` of each object of the list ``parts``."""
    parts = operation.get("parts")
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        msg = f"{action}: 'parts' must be a list of objects, got {excerpt(parts)}"
        raise ValidationError(msg)
    typed: list[tuple[int, str]] = []
    for part in parts:
        tag = part.get("e_tag")
        if not isinstance(tag, str) or not tag:
            msg = f"{action}: each part needs an 'e_tag' string, got {excerpt(part)}"
            raise ValidationError(msg)
        typed.append((whole_number(part, "part_number", action), tag))
    return typed


def _check_text(text: str, where: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        msg = (
            f"{where} holds a lone surrogate ({text[error.start]!r} at position {error.start}), "
            f"which is not valid Unicode: {excerpt(text)}"
        )
        raise ValidationError(msg) from None


def check_integer(value: int, where: str = "") -> None:
    """Refuse an integer beyond 64 bits (`ValidationError`, prefixed with ``where``)."""
    if not INT64_MIN <= value <= INT64_MAX:
        msg = (
            f"{where + ': ' if where else ''}the integer {excerpt(value)} is out of range: "
            f"integers must lie between {INT64_MIN} and {INT64_MAX}"
        )
        raise ValidationError(msg)


def check_values(value: JSON) -> None:
    """Refuse what no ftrack value can be, anywhere in ``value``: integers beyond 64 bits,
    NaN and infinities, and text (values or keys) holding lone surrogates.

    Raises:
        ValidationError: naming the first such value.
    """
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item, "a text")
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            check_integer(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                msg = f"{item!r} is not a number a value can hold"
                raise ValidationError(msg)
        elif isinstance(item, dict):
            for key, member in item.items():
                if isinstance(key, str):
                    _check_text(key, "an attribute name")
                stack.append(member)
        elif isinstance(item, list):
            stack.extend(item)
