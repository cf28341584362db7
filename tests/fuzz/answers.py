"""Hostile server answers: rows for the session to hydrate, and whole answers for clone and
the HTTP transport.

`Answering` is a transport that answers schema discovery with ftorm's standard schema and
every query with the rows a test gives it, as JSON text decoded again (as HTTP would).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from ftorm.protocol.operations import OperationLike, encode_batch
from ftorm.schema.standard import standard_documents, standard_schema

_DOCUMENTS = standard_documents()
_HASH = standard_schema().hash


class Answering:
    """A transport answering every query with ``rows`` (one page) as JSON text would."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows

    def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        results: list[Any] = []
        for operation in encode_batch(operations):
            action = operation["action"]
            if action == "query_server_information":
                results.append({"version": "4.13.8", "schema_hash": _HASH})
            elif action == "query_schemas":
                results.append(_DOCUMENTS)
            else:
                page = {
                    "action": "query",
                    "data": self.rows,
                    "metadata": {"next": {"offset": None}},
                }
                results.append(page)
        decoded: list[Any] = json.loads(json.dumps(results))
        return decoded

    def close(self) -> None:
        pass


json_scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
"""Any JSON scalar."""

json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=6), inner, max_size=3),
    ),
    max_leaves=8,
)
"""Any JSON value, nested a little."""

_TYPED = st.fixed_dictionaries(
    {
        "__type__": st.sampled_from(["datetime", "date", "nope"]),
        "value": st.one_of(
            st.sampled_from(["2026-01-02T03:04:05", "2026-01-02", "junk"]), json_scalars
        ),
    }
)

PRIORITY_ROW: dict[str, Any] = {
    "__entity_type__": "Priority",
    "id": "p-1",
    "name": "High",
    "sort": 3,
    "value": 1.5,
}
"""A well-formed row: a string key, text, an integer and a number."""
PROJECT_ROW: dict[str, Any] = {
    "__entity_type__": "Project",
    "id": "show-1",
    "name": "show",
    "full_name": "The Show",
    "is_global": False,
    "end_date": {"__type__": "datetime", "value": "2026-05-01T10:00:00"},
    "children": [{"__entity_type__": "Sequence", "id": "sq-1", "name": "sq01"}],
    "project_schema": {"__entity_type__": "ProjectSchema", "id": "schema-1"},
}
"""A well-formed row with a datetime, a boolean, a collection and a reference."""


@st.composite
def malformed_rows(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """The type queried and a well-formed row of it with one to three attributes replaced
    by any JSON value (or a typed object) or dropped."""
    row = dict(draw(st.sampled_from([PRIORITY_ROW, PROJECT_ROW])))
    queried = str(row["__entity_type__"])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        key = draw(st.sampled_from(sorted(row)))
        change = draw(st.sampled_from(["replace", "typed", "drop"]))
        if change == "drop" and key != "__entity_type__":
            row.pop(key)
        elif change == "typed":
            row[key] = draw(_TYPED)
        else:
            row[key] = draw(json_values)
    return queried, row


def nested_text(depth: int, opener: str = "[") -> str:
    """JSON text nested ``depth`` levels deep (arrays, or objects under key "a")."""
    if opener == "[":
        return "[" * depth + "]" * depth
    return '{"a": ' * depth + "null" + "}" * depth


hostile_answers: st.SearchStrategy[Any] = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "action": st.just("query"),
            "data": st.one_of(json_values, st.lists(json_values, max_size=3)),
            "metadata": st.one_of(
                json_values,
                st.fixed_dictionaries({"next": st.fixed_dictionaries({"offset": json_scalars})}),
            ),
        }
    ),
)
"""What a hostile server may answer to one query operation."""
