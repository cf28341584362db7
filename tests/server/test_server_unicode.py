"""Arbitrary text survives the trip: rendered into query text, parsed, bound into SQL, stored
and encoded back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ftorm.query import ast
from ftorm.server.handlers import Server
from tests.profiles import scaled

_SERVER = Server(api_key="k")
_SERVER.handle(
    [{"action": "create", "entity_type": "Project", "entity_data": {"id": "p", "name": "root"}}]
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@settings(max_examples=scaled(60), deadline=None)
@given(st.text(min_size=1, max_size=20))
def test_names_round_trip_through_query_text(name: str) -> None:
    batch = [
        {
            "action": "update",
            "entity_type": "Project",
            "entity_key": ["p"],
            "entity_data": {"full_name": name},
        }
    ]
    assert isinstance(_SERVER.handle(batch), list)
    for operator, value in (
        (ast.Operator.EQ, name),
        (ast.Operator.LIKE, _escape_like(name)),
    ):
        query = ast.Select(
            "Project",
            (ast.Path.of("full_name"),),
            ast.Comparison(ast.Path.of("full_name"), operator, ast.String(value)),
        )
        result = _SERVER.handle([{"action": "query", "expression": str(query)}])
        assert isinstance(result, list), (str(query), result)
        assert [row["full_name"] for row in result[0]["data"]] == [name]
