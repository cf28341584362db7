"""Reading what a server answers to a ``query``: its rows and where the next page starts.

A client must not trust the shape of an answer: `read_query` raises
`ftorm.errors.ServerError` for anything that is not ``{"data": [objects...], "metadata":
{"next": {"offset": int | null}}}`` (``metadata`` may be absent: no next page).
"""

from __future__ import annotations

from typing import Any

import attrs

from ftorm._typing import JSON, JSONObject
from ftorm.errors import ServerError, excerpt

__all__ = ["QueryResult", "read_query"]


@attrs.frozen(slots=True)
class QueryResult:
    """One page of a query's answer."""

    data: list[JSONObject]
    """The entities (or aggregate rows) of the page."""
    next_offset: int | None
    """The offset of the next page; None when this is the last one."""

    def following(self, offset: int) -> int | None:
        """Where the page after this one starts, this page having been asked for at
        ``offset``; None when this page is the last (no ``next.offset``, or no rows).

        Every reader that pages through answers asks here, so a server that does not move
        forward ends every paging loop the same way.

        Raises:
            ServerError: when ``next.offset`` is not past ``offset`` (reading on would ask
                for the same rows again, forever).
        """
        following = self.next_offset
        if following is None or not self.data:
            return None
        if following <= offset:
            msg = (
                f"the server answered next.offset {following} for the page at "
                f"offset {offset}: paging stopped instead of reading the same rows again"
            )
            raise ServerError(msg)
        return following


def _malformed(what: str, result: object) -> ServerError:
    return ServerError(f"malformed query result ({what}): {excerpt(result)}")


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
