"""The async typing contract: ``tests/typing/async_usage.py`` type-checks clean and infers
what `Session` infers, awaited; ``async_bad_usage.py`` fails exactly on its ``# E: <code>``
lines (the typos `Session` catches), under mypy --strict and pyright strict."""

from __future__ import annotations

from tests import typing_contract as contract

FILES = ("async_usage.py", "async_bad_usage.py")


def test_mypy_strict() -> None:
    output = contract.mypy_output(*FILES)
    assert contract.reported(output, "async_usage.py") == {}, output
    contract.assert_fails_where_marked(output, "async_bad_usage.py", at_least=12)


def test_pyright_strict_agrees() -> None:
    lines, output = contract.pyright_error_lines(*FILES, "models_fixture.py")
    assert lines.get("async_usage.py", set()) == set(), output
    expected = set(contract.expected_errors(contract.TYPING / "async_bad_usage.py"))
    assert lines.get("async_bad_usage.py", set()) == expected, output
