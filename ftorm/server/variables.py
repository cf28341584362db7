"""Criteria on ``variable`` attributes (custom attribute values, configuration defaults).

A ``variable`` value is any JSON value, stored as JSON text. A criterion compares the
decoded value with the literal read the way that suits the value:

- a text value compares with the literal's text (``"1001"``, ``1001`` and ``1001`` as a
  bare word all read as the text ``1001``; ``true`` as ``true``);
- a number compares numerically with the literal's number, when it has one (a number, or a
  string or bare word that is one): ``value >= 1001`` holds for 1001 and 1001.5, never
  for the text ``"abc"``;
- a boolean compares as 0/1 with the literal's truth, when it has one (``true``,
  ``false``, in any case, quoted or not); no other value is true or false;
- lists and objects compare their JSON text with the literal's text;
- ``is none`` holds for a missing value and for JSON ``null``, which nothing else matches.

``like`` matches the text of a text value and the JSON text of any other value. The
negated operators are complements, as everywhere (`ftorm.server.sql`).
"""

from __future__ import annotations

from typing import Any

from ftorm.errors import InvalidValueError, ValidationError
from ftorm.protocol.codec import DATE_TYPES, format_datetime, parse_datetime
from ftorm.query import ast
from ftorm.server.fragments import SYMBOLS, Bind
from ftorm.server.values import readings

__all__ = ["compare_variable", "variable_in"]

_DATE_TYPES = ", ".join(f"'{kind}'" for kind in DATE_TYPES)
"""The date envelopes' ``__type__`` values as SQL text (constants, never input)."""


def _missing(key: str) -> str:
    return f"({key} IS NULL OR json_type({key}) = 'null')"


def compare_variable(
    key: str, operator: ast.Operator, operand: ast.Value, bind: Bind, where: str
) -> str:
    """The condition ``key`` (a JSON text column) ``operator`` ``operand`` holds."""
    decoded = f"json_extract({key}, '$')"
    kind = f"json_type({key})"
    if operator is ast.Operator.LIKE:
        if isinstance(operand, ast.Null):
            msg = f"{where}: 'like' needs a pattern, got none"
            raise ValidationError(msg)
        text, _, _ = readings(operand)
        if (len(text) - len(text.rstrip("\\"))) % 2 == 1:
            text += "\\"
        return (
            f"(CASE {kind} WHEN 'null' THEN NULL WHEN 'text' THEN {decoded} ELSE {key} END) "
            f"LIKE {bind(text)} ESCAPE '\\'"
        )
    if isinstance(operand, ast.Null):
        if operator is ast.Operator.EQ:
            return _missing(key)
        msg = f"{where}: '{operator}' cannot compare with none"
        raise ValidationError(msg)
    symbol = SYMBOLS[operator]
    text, number, truth = readings(operand)
    as_number = "0" if number is None else f"{decoded} {symbol} {bind(number)}"
    as_truth = "0" if truth is None else f"{bind(int(truth))}"
    when = _as_datetime(text)
    # A date value is stored as {"__type__": "datetime", "value": "<ISO>"}: compared by its
    # text, in the wire's one format, with a literal that reads as a date or datetime.
    as_datetime = (
        "0"
        if when is None
        else f"(CASE WHEN json_extract({key}, '$.__type__') IN ({_DATE_TYPES}) "
        f"THEN json_extract({key}, '$.value') {symbol} {bind(when)} ELSE 0 END)"
    )
    return (
        f"(CASE {kind} WHEN 'null' THEN 0 "
        f"WHEN 'text' THEN {decoded} {symbol} {bind(text)} "
        f"WHEN 'integer' THEN {as_number} WHEN 'real' THEN {as_number} "
        f"WHEN 'true' THEN {'0' if truth is None else f'1 {symbol} {as_truth}'} "
        f"WHEN 'false' THEN {'0' if truth is None else f'0 {symbol} {as_truth}'} "
        f"WHEN 'object' THEN {as_datetime} "
        f"ELSE {key} {symbol} {bind(text)} END)"
    )


def _as_datetime(text: str) -> str | None:
    """``text`` in the wire's datetime form when it reads as an ISO date or datetime."""
    if len(text) < 10 or text[4:5] != "-":
        return None
    try:
        return format_datetime(parse_datetime(text))
    except InvalidValueError:
        return None


def variable_in(key: str, values: tuple[ast.Value, ...], bind: Bind, where: str) -> str:
    """The condition ``key`` (a JSON text column) equals one of ``values`` (``none``
    matching a missing value)."""
    parts: list[Any] = [compare_variable(key, ast.Operator.EQ, v, bind, where) for v in values]
    return "(" + " OR ".join(parts) + ")" if parts else "0"
