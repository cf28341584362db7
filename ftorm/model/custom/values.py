"""Custom attribute values: checked against their configuration's type when written, and
read back as that type (for instances, `ftorm.model.custom.namespace`, and query columns,
`ftorm.model.custom.columns`)."""

from __future__ import annotations

import datetime
import json

from ftorm._typing import is_arrow
from ftorm.errors import InvalidValueError
from ftorm.schema.custom.rules import ENUMERATOR_KINDS, TEXT_KINDS

__all__ = ["check_value", "fail", "read_value"]


def fail(label: str, expected: str, value: object) -> InvalidValueError:
    """``<label> expects <expected>, got <type>: <value>``."""
    return InvalidValueError(f"{label} expects {expected}, got {type(value).__name__}: {value!r}")


def check_value(label: str, kind: str, decimal: bool, value: object) -> object:
    """``value`` in the form stored for a custom attribute of ``kind``; `InvalidValueError`
    (naming ``label``) when it does not fit. None always fits (no value)."""
    if value is None:
        return None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(label, "a number", value)
        if decimal:
            return float(value)
        if isinstance(value, float):
            if not value.is_integer():
                raise fail(label, "a whole number (the attribute is not decimal)", value)
            return int(value)
        return value
    if kind in TEXT_KINDS:
        if not isinstance(value, str):
            raise fail(label, "text", value)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise fail(label, "True or False", value)
        return value
    if kind == "date":
        if is_arrow(value):
            return value
        if isinstance(value, datetime.datetime | datetime.date):
            import arrow

            return arrow.get(value)
        raise fail(label, "a date (arrow.Arrow or datetime)", value)
    if kind in ENUMERATOR_KINDS:
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise fail(label, "a list of values", value)
        if not all(isinstance(item, str) for item in value):
            raise fail(label, "a list of text values", value)
        return list(value)
    return value


def read_value(kind: str, decimal: bool, value: object) -> object:
    """A stored value as the configured Python type (lenient: what the server sends)."""
    if value is None or (value == "" and kind not in TEXT_KINDS):
        return None  # ftrack's "no value" for a configuration without a default
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if decimal else (int(value) if float(value).is_integer() else value)
    if kind == "date":
        if is_arrow(value):
            return value
        if isinstance(value, str | datetime.datetime | datetime.date):
            import arrow

            try:
                return arrow.get(value)
            except (arrow.parser.ParserError, ValueError, TypeError):
                return value
    if kind in ENUMERATOR_KINDS and isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return parsed if isinstance(parsed, list) else [value]
    return value
