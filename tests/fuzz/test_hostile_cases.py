"""The hostile inputs found by probing the server, one by one: each is refused with a
`ValidationError` (or works), never an internal error, and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ftorm.server.handlers import Server
from tests.fuzz.strategies import MAX_ERROR
from tests.fuzz.test_fuzz_server import check_answer, snapshot


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, Path, str]]:
    path = tmp_path / "cases.db"
    server = Server(database=str(path), api_key="k")
    result = server.handle(
        [
            {
                "action": "create",
                "entity_type": "Project",
                "entity_data": {"name": "p", "full_name": "P"},
            }
        ]
    )
    assert isinstance(result, list)
    yield server, path, result[0]["data"]["id"]
    server.close()


def _query(text: str) -> list[dict[str, Any]]:
    return [{"action": "query", "expression": text}]


def _update(key: Any, data: dict[str, Any], entity_type: str = "Project") -> list[dict[str, Any]]:
    return [
        {"action": "update", "entity_type": entity_type, "entity_key": key, "entity_data": data}
    ]


def _create(entity_type: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"action": "create", "entity_type": entity_type, "entity_data": data}]


DATE_SHIFT = {"__type__": "datetime", "value": "0001-01-01T00:00:00+05:00"}
OR_TERMS = " or ".join(f'name is "{i}"' for i in range(1000))

CASES: dict[str, Any] = {
    "int 2**63 in a value": lambda pid: _update([pid], {"name": "x", "priority": 2**63}),
    "int 2**63 in limit": lambda pid: _query("Project limit 9223372036854775807"),
    "int 2**63 in offset": lambda pid: _query("Project offset 9223372036854775808"),
    "int 2**63 as a literal": lambda pid: _query("Project where name is 9223372036854775808"),
    "float 1e19 on an integer": lambda pid: _create("Priority", {"name": "p", "sort": 1e19}),
    "float -1e19 on an integer": lambda pid: _create("Priority", {"name": "p", "sort": -1e19}),
    "float 2**63 on an integer": lambda pid: _update([pid], {"name": "x", "priority": 2.0**63}),
    "a date shifted out of range": lambda pid: _update([pid], {"end_date": DATE_SHIFT}),
    "a date shifted out of range in a query": lambda pid: _query(
        'Project where end_date > "0001-01-01T00:00:00+05:00"'
    ),
    "a lone surrogate in a value": lambda pid: _update([pid], {"name": "\ud800"}),
    "a lone surrogate in a key": lambda pid: _update(["\ud800"], {"name": "x"}),
    "a lone surrogate in a literal": lambda pid: _query('Project where name is "\ud800"'),
    "a lone surrogate in an attribute name": lambda pid: _update([pid], {"\ud800": 1}),
    "1000 or terms": lambda pid: _query(f"Project where {OR_TERMS}"),
    "20 nested not": lambda pid: _query("Project where " + "not " * 20 + 'name is "x"'),
    "20 nested has": lambda pid: _query(
        "Shot where " + "parent has (" * 20 + 'name is "x"' + ")" * 20
    ),
    "20 parent. levels": lambda pid: _query("Shot where " + "parent." * 20 + 'name is "x"'),
    "a 10 MB literal": lambda pid: _query('Project where name is "' + "a" * 10_000_000 + '"'),
    "a 5 MB bad query": lambda pid: _query("Project where (" + "x" * 5_000_000),
    "writing link": lambda pid: _update([pid], {"link": []}),
    "creating Context": lambda pid: [
        {"action": "create", "entity_type": "Context", "entity_data": {"name": "c"}}
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_case(served: tuple[Server, Path, str], name: str) -> None:
    server, path, project_id = served
    batch = CASES[name](project_id)
    before = snapshot(path)
    result = server.handle(batch)
    if check_answer(result, frozenset({"ValidationError", "PermissionError"})):
        assert snapshot(path) == before
        assert len(str(result)) <= MAX_ERROR + 100
    alive = server.handle(_query("select name from Project"))
    assert isinstance(alive, list), alive


def test_refusals_that_ftrack_makes(served: tuple[Server, Path, str]) -> None:
    server, _, project_id = served
    for batch in (CASES["writing link"](project_id), CASES["creating Context"](project_id)):
        result = server.handle(batch)
        assert isinstance(result, dict), batch
        assert result["exception"] in ("ValidationError", "PermissionError")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [(3, 3), (3.0, 3), (-0.0, 0), (2**63 - 1, 2**63 - 1), (-(2**63), -(2**63)),
     (float(2**62), 2**62)],
)  # fmt: skip
def test_an_integer_attribute_takes_whole_numbers_within_64_bits(
    served: tuple[Server, Path, str], sent: Any, stored: int
) -> None:
    server, _, _ = served
    result = server.handle(_create("Priority", {"name": "p", "sort": sent}))
    assert isinstance(result, list), result
    assert result[0]["data"]["sort"] == stored
    assert type(result[0]["data"]["sort"]) is int


@pytest.mark.parametrize(
    "sent",
    [1e19, -1e19, 2.0**63, -(2.0**63) - 2048, 1e308, 2**63, -(2**63) - 1, 3.5, True, False,
     "1", float("nan"), float("inf"), float("-inf")],
)  # fmt: skip
def test_an_integer_attribute_refuses_the_rest(served: tuple[Server, Path, str], sent: Any) -> None:
    server, path, _ = served
    before = snapshot(path)
    result = server.handle(_create("Priority", {"name": "p", "sort": sent}))
    assert isinstance(result, dict)
    assert result["exception"] == "ValidationError", result
    assert snapshot(path) == before
