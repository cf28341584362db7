"""The typing contract: ``tests/typing/usage.py`` type-checks clean, ``bad_usage.py`` fails
exactly on its ``# E: <code>`` lines (mypy --strict, and pyright strict)."""

from __future__ import annotations

import arrow
import pytest

from tests import typing_contract as contract


@pytest.fixture(scope="module")
def output() -> str:
    return contract.mypy_output("usage.py", "bad_usage.py")


def test_usage_is_clean_under_mypy(output: str) -> None:
    assert contract.reported(output, "usage.py") == {}, output


def test_bad_usage_fails_exactly_where_marked(output: str) -> None:
    contract.assert_fails_where_marked(output, "bad_usage.py", at_least=35)


def test_pyright_strict_agrees() -> None:
    lines, output = contract.pyright_error_lines("usage.py", "models_fixture.py", "bad_usage.py")
    assert lines.get("usage.py", set()) == set(), output
    assert lines.get("models_fixture.py", set()) == set(), output
    assert lines.get("bad_usage.py", set()) == set(
        contract.expected_errors(contract.TYPING / "bad_usage.py")
    ), output


def test_typing_files_run() -> None:
    """The checked files also import and define their models at runtime."""
    from tests.typing import models_fixture, usage

    assert models_fixture.Shot.__ftorm_entity__ == "Shot"
    usage.class_access()
    usage.expressions(arrow.get("2026-12-04"))
    usage.constructors()
    project = models_fixture.Project(name="p", status="active")
    seq = models_fixture.Sequence(name="s", parent=None)
    shot = models_fixture.Shot(name="sh", project=project)
    usage.instances(project, seq, shot, models_fixture.Status(name="WIP"))
    assert seq.parent is project
    assert seq in project.children
