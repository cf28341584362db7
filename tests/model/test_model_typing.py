"""The typing contract: ``tests/typing/usage.py`` type-checks clean, ``bad_usage.py`` fails
exactly on its ``# E: <code>`` lines (mypy --strict, and pyright strict)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import arrow
import pytest

from tests.generated_checks import pyright_env
from tests.paths import ROOT

TYPING = ROOT / "tests" / "typing"
MARKER = re.compile(r"  # E: ([a-z -]+)$")
MYPY_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


def expected_errors(path: Path) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        match = MARKER.search(line)
        if match:
            found[number] = set(match.group(1).split())
    return found


@pytest.fixture(scope="module")
def mypy_output() -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--show-error-codes",
            "--no-pretty",
            str(TYPING / "usage.py"),
            str(TYPING / "bad_usage.py"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.stdout


def reported(output: str, name: str) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for line in output.splitlines():
        match = MYPY_LINE.match(line)
        if match and Path(match.group("file")).name == name:
            found.setdefault(int(match.group("line")), set()).add(match.group("code"))
    return found


def test_usage_is_clean_under_mypy(mypy_output: str) -> None:
    assert reported(mypy_output, "usage.py") == {}, mypy_output


def test_bad_usage_fails_exactly_where_marked(mypy_output: str) -> None:
    expected = expected_errors(TYPING / "bad_usage.py")
    got = reported(mypy_output, "bad_usage.py")
    assert len(expected) >= 35
    assert sorted(got) == sorted(expected), mypy_output
    for line, codes in expected.items():
        assert codes <= got[line], (line, codes, got[line])


def _pyright() -> str | None:
    local = Path(sys.executable).parent / "pyright"
    return str(local) if local.exists() else shutil.which("pyright")


def test_pyright_strict_agrees() -> None:
    pyright = _pyright()
    assert pyright is not None, "pyright is part of the test extra: pip install -e '.[test]'"
    result = subprocess.run(
        [pyright, "--pythonpath", sys.executable, "usage.py", "models_fixture.py", "bad_usage.py"],
        cwd=TYPING,
        capture_output=True,
        text=True,
        timeout=600,
        env=pyright_env(),
    )
    lines: dict[str, set[int]] = {}
    for match in re.finditer(r"(\w+\.py):(\d+):\d+ - error", result.stdout):
        lines.setdefault(match.group(1), set()).add(int(match.group(2)))
    assert "error: " in result.stdout, f"pyright did not run: {result.stdout} {result.stderr}"
    assert lines.get("usage.py", set()) == set(), result.stdout
    assert lines.get("models_fixture.py", set()) == set(), result.stdout
    assert lines.get("bad_usage.py", set()) == set(expected_errors(TYPING / "bad_usage.py")), (
        result.stdout
    )


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
