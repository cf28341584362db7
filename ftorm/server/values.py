"""Conversions between wire values, query literals and stored SQLite values.

Storage forms: text for strings, 0/1 for booleans, numbers as numbers, datetimes as UTC
``YYYY-MM-DDTHH:MM:SS`` text with ``.ffffff`` when they have microseconds
(`ftorm.protocol.codec.format_datetime`: text order stays time order, and a value without
microseconds is stored as before),
``variable``/``object`` values as JSON text.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
from typing import Any, Final

from ftorm._typing import assert_never
from ftorm.errors import InvalidValueError, ValidationError, excerpt
from ftorm.protocol.codec import encode_datetime, format_datetime, parse_datetime, unwrap_date
from ftorm.protocol.fields import check_integer
from ftorm.query import ast
from ftorm.schema.types import Kind, Property

__all__ = ["JSON_TYPES", "from_literal", "from_wire", "now_text", "readings", "to_wire"]

JSON_TYPES: Final = ("variable", "object")
"""The attribute types stored as JSON text."""


def _text(value: str, where: str) -> str:
    """``value`` unless it cannot be stored as UTF-8 text (a lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        msg = f"{where}: not valid Unicode text (a lone surrogate): {excerpt(value)}"
        raise ValidationError(msg) from None
    return value


def _datetime_text(value: str, where: str) -> str:
    try:
        return format_datetime(parse_datetime(value))
    except InvalidValueError as error:
        msg = f"{where}: {error}"
        raise ValidationError(msg) from None


def from_wire(prop: Property, value: Any, where: str) -> Any:
    """A decoded JSON value sent for scalar ``prop`` as its stored form; `ValidationError`
    for a value of the wrong type."""
    if value is None:
        return None
    if prop.kind is Kind.DATETIME:
        value = unwrap_date(value)
        if isinstance(value, str):
            return _datetime_text(value, where)
        msg = f"{where}: expected a datetime, got {excerpt(value)}"
        raise ValidationError(msg)
    kind = prop.type
    if kind in JSON_TYPES:
        try:
            return json.dumps(value, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            msg = f"{where}: not a JSON value: {excerpt(value)}"
            raise ValidationError(msg) from None
    if kind == "boolean":
        if isinstance(value, bool):
            return int(value)
        msg = f"{where}: expected a boolean, got {excerpt(value)}"
        raise ValidationError(msg)
    if kind == "integer":
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 3.0 is 3; 1e19 is then out of range
        if isinstance(value, int) and not isinstance(value, bool):
            check_integer(value, where)
            return value
        msg = f"{where}: expected an integer, got {excerpt(value)}"
        raise ValidationError(msg)
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                msg = f"{where}: expected a finite number, got {excerpt(value)}"
                raise ValidationError(msg)
            if isinstance(value, int):
                check_integer(value, where)
            return value
        msg = f"{where}: expected a number, got {excerpt(value)}"
        raise ValidationError(msg)
    # strings and untyped key columns
    if isinstance(value, str):
        if prop.enum is not None and value not in prop.enum:
            msg = f"{where}: {excerpt(value)} is not one of {excerpt(list(prop.enum))}"
            raise ValidationError(msg)
        return _text(value, where)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and prop.is_foreign_key:
        return str(value)
    msg = f"{where}: expected a string, got {excerpt(value)}"
    raise ValidationError(msg)


def to_wire(prop: Property, value: Any) -> Any:
    """A stored value of scalar ``prop`` as its JSON form."""
    if value is None:
        return None
    if prop.kind is Kind.DATETIME:
        return encode_datetime(parse_datetime(str(value)))
    kind = prop.type
    if kind in JSON_TYPES:
        try:
            return json.loads(value) if isinstance(value, str) else value
        except ValueError:
            return value
    if kind == "boolean":
        return bool(value)
    if kind == "number" and isinstance(value, int):
        return value
    return value


def _python(node: ast.Value) -> Any:
    match node:
        case ast.String() | ast.Integer() | ast.Decimal() | ast.Boolean():
            return node.value
        case ast.Bare():
            return node.text
        case ast.Null():
            return None
        case _:
            assert_never(node)


def from_literal(prop: Property | None, node: ast.Value, where: str) -> Any:
    """A query literal compared with ``prop`` (None: a key column) as a stored value."""
    if isinstance(node, ast.Null):
        return None
    raw = _python(node)
    if prop is None:
        return _as_text(raw)
    if prop.kind is Kind.DATETIME:
        if isinstance(raw, str):
            return _datetime_text(raw, where)
        msg = f"{where}: expected a date or datetime string, got {node}"
        raise ValidationError(msg)
    kind = prop.type
    if kind in JSON_TYPES:
        if isinstance(raw, decimal.Decimal):
            raw = float(raw)
        return json.dumps(raw)
    if kind == "boolean":
        if isinstance(raw, bool):
            return int(raw)
        text = str(raw).strip().lower()
        if text in ("true", "1"):
            return 1
        if text in ("false", "0"):
            return 0
        msg = f"{where}: expected a boolean, got {node}"
        raise ValidationError(msg)
    if kind in ("integer", "number"):
        if isinstance(raw, bool):
            msg = f"{where}: expected a number, got {node}"
            raise ValidationError(msg)
        try:
            number = decimal.Decimal(str(raw).strip())
        except decimal.InvalidOperation:
            msg = f"{where}: expected a number, got {node}"
            raise ValidationError(msg) from None
        if not number.is_finite():
            msg = f"{where}: expected a finite number, got {node}"
            raise ValidationError(msg)
        if number == number.to_integral_value():
            return int(number)
        return float(number)
    return _as_text(raw)


def _as_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def readings(node: ast.Value) -> tuple[str, int | float | None, bool | None]:
    """A non-null literal read as text, as a number (None unless it is one or spells one)
    and as a truth value (None unless it is a boolean or spells ``true``/``false``)."""
    raw = _python(node)
    text = _as_text(raw)
    number: int | float | None = None
    if not isinstance(raw, bool):
        try:
            parsed = decimal.Decimal(text.strip())
        except decimal.InvalidOperation:
            parsed = None
        if parsed is not None and parsed.is_finite():
            number = int(parsed) if parsed == parsed.to_integral_value() else float(parsed)
    truth = raw if isinstance(raw, bool) else {"true": True, "false": False}.get(text.lower())
    return text, number, truth


def now_text() -> str:
    """The current time in storage form."""
    return format_datetime(_dt.datetime.now(_dt.timezone.utc))
