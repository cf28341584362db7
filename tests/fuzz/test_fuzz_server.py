"""Hostile operations against the embedded server, in-process.

After each batch: a JSON answer; no internal error; an error names an expected class and
quotes a bounded excerpt of the input; a refused batch changed nothing; the server still
answers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from ftorm.server.handlers import Server
from tests.fuzz.strategies import MAX_ERROR, hostile_batches


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    server = Server(database=str(path), api_key="k")
    server.handle(
        [
            {
                "action": "create",
                "entity_type": "Project",
                "entity_data": {"name": "p", "full_name": "P"},
            }
        ]
    )
    yield server, path
    server.close()


def snapshot(path: Path) -> list[tuple[str, list[Any]]]:
    """Every row of every table, read through a connection of its own."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return [
            (table, sorted(map(repr, connection.execute(f'SELECT * FROM "{table}"'))))
            for table in tables
        ]
    finally:
        connection.close()


def check_answer(result: Any, expected: frozenset[str]) -> bool:
    """Assert the answer is well-formed; True when it is an error."""
    json.dumps(result)
    if isinstance(result, list):
        return False
    assert isinstance(result, dict), result
    assert set(result) == {"exception", "content", "error_code"}
    content = str(result["content"])
    assert not content.startswith("internal error"), content[:500]
    assert len(content) <= MAX_ERROR, (len(content), content[:200])
    assert result["exception"] in expected, result
    return True


@settings(suppress_health_check=[HealthCheck.too_slow])  # each example is a whole batch
@given(case=hostile_batches())
def test_hostile_operations(
    served: tuple[Server, Path], case: tuple[list[Any], frozenset[str]]
) -> None:
    server, path = served
    batch, expected = case
    before = snapshot(path)
    result = server.handle(batch)
    if check_answer(result, expected):
        assert snapshot(path) == before
    alive = server.handle([{"action": "query", "expression": "select name from Project"}])
    assert isinstance(alive, list), alive
