"""JSON value encoding of ftrack's API, shared by the client and the embedded server.

Datetimes travel as ``{"__type__": "datetime", "value": "<ISO 8601>"}``, dates as
``{"__type__": "date", "value": "YYYY-MM-DD"}``, entities as objects carrying
``__entity_type__`` and references as such objects with only the primary key.

Datetimes are normalised to UTC: `parse_datetime` accepts any ISO form (with or without a
fraction, ``Z`` or an offset; naive values mean UTC) and `format_datetime` writes the naive
``YYYY-MM-DDTHH:MM:SS`` form a real server sends (no microseconds, no offset).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ftorm._typing import JSON, JSONObject
from ftorm.errors import InvalidValueError

__all__ = [
    "DATE",
    "DATETIME",
    "ENTITY_TYPE",
    "decode",
    "encode",
    "encode_date",
    "encode_datetime",
    "entity_key",
    "entity_reference",
    "format_datetime",
    "is_entity",
    "is_reference",
    "parse_date",
    "parse_datetime",
]

ENTITY_TYPE: Final = "__entity_type__"
"""The key naming an entity's (concrete) schema id."""
DATETIME: Final = "datetime"
DATE: Final = "date"

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_datetime(text: str) -> _dt.datetime:
    """Read an ISO 8601 date or datetime as an aware UTC datetime (naive means UTC).

    Raises `InvalidValueError` for anything else.
    """
    match = _ISO.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidValueError(f"not an ISO 8601 date or datetime: {text!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz: _dt.tzinfo = _dt.timezone.utc
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise InvalidValueError(f"bad UTC offset in {text!r}")
        tz = _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        value = _dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=tz,
        )
    except ValueError as error:
        raise InvalidValueError(f"not a valid date or datetime: {text!r} ({error})") from None
    return value.astimezone(_dt.timezone.utc)


def parse_date(text: str) -> _dt.date:
    """Read ``YYYY-MM-DD`` (or an ISO datetime, keeping its UTC date)."""
    return parse_datetime(text).date()


def format_datetime(value: _dt.datetime | _dt.date) -> str:
    """The server's form of a datetime: naive UTC ``YYYY-MM-DDTHH:MM:SS``.

    Naive datetimes are taken as UTC; a date means its midnight UTC.
    """
    if not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    utc = value.astimezone(_dt.timezone.utc)
    return utc.replace(microsecond=0, tzinfo=None).isoformat()


def encode_datetime(value: _dt.datetime | _dt.date) -> JSONObject:
    """``{"__type__": "datetime", "value": ...}`` in the server's naive UTC form."""
    return {"__type__": DATETIME, "value": format_datetime(value)}


def encode_date(value: _dt.date) -> JSONObject:
    """``{"__type__": "date", "value": "YYYY-MM-DD"}``."""
    return {"__type__": DATE, "value": value.isoformat()[:10]}


def encode(value: Any) -> JSON:
    """Turn Python values into JSON-ready values: datetimes/dates (also inside lists and
    dicts) become typed objects; everything else is returned as is."""
    if isinstance(value, _dt.datetime):
        return encode_datetime(value)
    if isinstance(value, _dt.date):
        return encode_date(value)
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value: JSON) -> Any:
    """Inverse of `encode`: typed datetime/date objects become aware UTC datetimes / dates.

    Entity objects stay dicts (their values decoded). A typed object with a bad value raises
    `InvalidValueError`.
    """
    if isinstance(value, dict):
        kind = value.get("__type__")
        if kind == DATETIME and "value" in value:
            return parse_datetime(_text(value["value"]))
        if kind == DATE and "value" in value:
            return parse_date(_text(value["value"]))
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _text(value: JSON) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(f"a datetime value must be a string, got {value!r}")
    return value


def is_entity(value: JSON) -> bool:
    """True for a JSON object carrying ``__entity_type__``."""
    return isinstance(value, dict) and isinstance(value.get(ENTITY_TYPE), str)


def is_reference(value: JSON, primary_key: Sequence[str]) -> bool:
    """True for an entity object holding nothing but its type and ``primary_key``."""
    return is_entity(value) and set(value) == {ENTITY_TYPE, *primary_key}


def entity_reference(entity_type: str, key: Mapping[str, JSON]) -> JSONObject:
    """``{"__entity_type__": entity_type, **key}``: how an entity is referred to on the wire."""
    return {ENTITY_TYPE: entity_type, **key}


def entity_key(value: JSON, primary_key: Sequence[str]) -> tuple[str, ...]:
    """The primary-key values of an entity object, as strings in ``primary_key`` order.

    Raises `InvalidValueError` when a key attribute is missing or null.
    """
    if not isinstance(value, dict):
        raise InvalidValueError(f"expected an entity object, got {value!r}")
    key: list[str] = []
    for name in primary_key:
        item = value.get(name)
        if item is None or isinstance(item, (dict, list, bool)):
            raise InvalidValueError(
                f"entity reference {value!r} lacks a usable primary key value {name!r}"
            )
        key.append(str(item))
    return tuple(key)
