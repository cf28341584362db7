"""JSON bodies of the HTTP server, decoded and encoded a piece at a time.

`json.loads` and `json.dumps` hold the interpreter's lock for a whole document: the 27 MB
of a 200,000-create batch take about a second to decode, and its 80 MB answer longer to
encode, and no other thread of the server runs meanwhile (every other client waits). A batch
and its answer are arrays: a large one is decoded and encoded one member at a time, so other
threads run between members. The result is exactly `json.loads`'s and `json.dumps`'s.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["PIECEWISE_BYTES", "PIECEWISE_ITEMS", "decode", "encode"]

PIECEWISE_BYTES = 1 << 20
"""Texts at least this long (characters) that hold an array are decoded member by member."""

PIECEWISE_ITEMS = 256
"""Arrays of at least this many members are encoded member by member."""

_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as `json` skips it
_DECODER = json.JSONDecoder()


def _skip(text: str, at: int) -> int:
    """Where the whitespace from ``at`` ends."""
    found = _SPACE.match(text, at)
    return at if found is None else found.end()


def decode(text: str, piecewise: int = PIECEWISE_BYTES) -> Any:
    """``json.loads(text)``; a top-level array of a text of ``piecewise`` characters or more
    is decoded one member at a time. `json.JSONDecodeError` (a `ValueError`) as `json.loads`
    raises it, `RecursionError` for nesting deeper than it allows."""
    start = _skip(text, 0)
    if len(text) < piecewise or not text.startswith("[", start):
        return json.loads(text)
    members: list[Any] = []
    at = _skip(text, start + 1)
    if text.startswith("]", at):
        at += 1
    else:
        while True:
            member, at = _DECODER.raw_decode(text, at)
            members.append(member)
            at = _skip(text, at)
            if text.startswith(",", at):
                at = _skip(text, at + 1)
            elif text.startswith("]", at):
                at += 1
                break
            else:
                msg = "Expecting ',' delimiter"
                raise json.JSONDecodeError(msg, text, at)
    end = _skip(text, at)
    if end != len(text):
        msg = "Extra data"
        raise json.JSONDecodeError(msg, text, end)
    return members


def encode(value: Any, piecewise: int = PIECEWISE_ITEMS) -> bytes:
    """``json.dumps(value).encode("utf-8")``; a list of ``piecewise`` members or more is
    encoded one member at a time."""
    if isinstance(value, list) and len(value) >= piecewise:
        text = "[" + ", ".join([json.dumps(member) for member in value]) + "]"
    else:
        text = json.dumps(value)
    return text.encode("utf-8")
