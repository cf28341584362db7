"""No input, however malformed, gets a traceback: every bad batch answers one error object
and leaves the database unchanged."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ftorm.server.handlers import Server
from tests.profiles import scaled

_SERVER = Server(api_key="k")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=10,
)
actions = st.sampled_from(
    ["query", "create", "update", "delete", "query_schemas", "query_server_information", "x"]
)
keys = st.sampled_from(
    ["action", "expression", "entity_type", "entity_key", "entity_data", "values"]
)
entity_types = st.sampled_from(["Project", "Shot", "User", "Nope", "Context", "Metadata"])
operations = st.one_of(
    json_values,
    st.dictionaries(keys, json_values, max_size=4),
    st.fixed_dictionaries(
        {"action": actions, "entity_type": entity_types},
        optional={
            "entity_data": st.dictionaries(
                st.sampled_from(["name", "id", "parent", "bid", "status", "children", "x"]),
                json_values,
                max_size=3,
            ),
            "entity_key": json_values,
            "expression": st.text(max_size=30) | st.just("Shot where name is"),
        },
    ),
)


def _snapshot(server: Server) -> list[Any]:
    rows = []
    for table in server.layout.tables.values():
        rows.append(server.connection.execute(f'SELECT * FROM "{table.name}"').fetchall())
    return rows


@settings(max_examples=scaled(150), deadline=None)
@given(st.lists(operations, max_size=4) | json_values)
def test_junk_never_crashes(batch: Any) -> None:
    before = _snapshot(_SERVER)
    result = _SERVER.handle(batch)
    json.dumps(result)  # always a JSON answer
    if isinstance(result, dict):
        assert set(result) == {"exception", "content", "error_code"}
        assert "Traceback" not in result["content"]
        assert result["exception"] != "ServerError" or "Invalid action" in result["content"], result
        assert _snapshot(_SERVER) == before
    else:
        assert isinstance(result, list)
        assert len(result) == len(batch)
        # undo anything a valid batch created, to keep the examples independent
        for op in batch:
            if isinstance(op, dict) and op.get("action") in ("create", "update", "delete"):
                _SERVER.close()
                globals()["_SERVER"] = Server(api_key="k")
                break


def test_specific_bad_inputs() -> None:
    server = Server(api_key="k")
    cases: list[tuple[Any, str]] = [
        ({"action": "query"}, "ValidationError"),
        ([{"action": "launch"}], "ServerError"),
        ([{"no": "action"}], "ValidationError"),
        ([{"action": "query", "expression": "Shot where ("}], "ValidationError"),
        ([{"action": "query", "expression": 5}], "ValidationError"),
        ([{"action": "create", "entity_type": "Nope", "entity_data": {}}], "ValidationError"),
        (
            [{"action": "create", "entity_type": "Project", "entity_data": {"nope": 1}}],
            "ValidationError",
        ),
        (
            [{"action": "create", "entity_type": "Project", "entity_data": {"name": 5}}],
            "ValidationError",
        ),
        ([{"action": "create", "entity_type": "Project", "entity_data": []}], "ValidationError"),
        (
            [
                {
                    "action": "create",
                    "entity_type": "Shot",
                    "entity_data": {"parent": {"__entity_type__": "Project", "id": "missing"}},
                }
            ],
            "ValidationError",
        ),
        (
            [
                {
                    "action": "update",
                    "entity_type": "Project",
                    "entity_key": ["x"],
                    "entity_data": {},
                }
            ],
            "ValidationError",
        ),
        ([{"action": "update", "entity_type": "Project", "entity_data": {}}], "ValidationError"),
        (
            [{"action": "delete", "entity_type": "Project", "entity_key": [["x"]]}],
            "ValidationError",
        ),
    ]
    for batch, exception in cases:
        result = server.handle(batch)
        assert isinstance(result, dict), batch
        assert result["exception"] == exception, (batch, result)
        assert result["content"]
    assert "Invalid action u'launch'" in server.handle([{"action": "launch"}])["content"]  # type: ignore[call-overload,index]
    server.close()
