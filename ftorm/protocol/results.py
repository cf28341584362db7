"""Reading what a server answers to a ``query``: its rows and where the next page starts.

A client must not trust the shape of an answer: `read_query` raises
`ftorm.errors.ServerError` for anything that is not ``{"data": [objects...], "metadata":
{"next": {"offset": int | null}}}`` (``metadata`` may be absent: no next page).
"""

from __future__ import annotations

from typing import Any

import attrs

from ftorm._typing import JSON, JSONObject
from ftorm.errors import ServerError

__all__ = ["QueryResult", "read_query"]

_EXCERPT = 200
"""Characters of a malformed answer quoted in the error."""


@attrs.frozen(slots=True)
class QueryResult:
    """One page of a query's answer."""

    data: list[JSONObject]
    """The entities (or aggregate rows) of the page."""
    next_offset: int | None
    """The offset of the next page; None when this is the last one."""


def _malformed(what: str, result: object) -> ServerError:
    return ServerError(f"malformed query result ({what}): {str(result)[:_EXCERPT]}")


def read_query(result: JSON) -> QueryResult:
    """The checked rows and next offset of one ``query`` result."""
    if not isinstance(result, dict):
        msg = "not an object"
        raise _malformed(msg, result)
    data: Any = result.get("data")
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        msg = "data is not a list of objects"
        raise _malformed(msg, result)
    metadata: Any = result.get("metadata") or {}
    following: Any = metadata.get("next") if isinstance(metadata, dict) else None
    offset: Any = following.get("offset") if isinstance(following, dict) else None
    if offset is not None and (
        not isinstance(offset, int) or isinstance(offset, bool) or offset < 0
    ):
        msg = "next.offset is not a non-negative integer"
        raise _malformed(msg, result)
    return QueryResult(data, offset)
