"""The async typing contract: ``tests/typing/async_usage.py`` type-checks clean and infers
what `Session` infers, awaited; ``async_bad_usage.py`` fails exactly on its ``# E: <code>``
lines (the typos `Session` catches), under mypy --strict and pyright strict."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.generated_checks import pyright_env
from tests.model.test_model_typing import TYPING, _pyright, expected_errors, reported

FILES = ("async_usage.py", "async_bad_usage.py")


def test_mypy_strict() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--show-error-codes",
            "--no-pretty",
            *(str(TYPING / name) for name in FILES),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=TYPING.parent.parent,
    )
    output = result.stdout
    assert reported(output, "async_usage.py") == {}, output
    expected = expected_errors(TYPING / "async_bad_usage.py")
    got = reported(output, "async_bad_usage.py")
    assert len(expected) >= 12
    assert sorted(got) == sorted(expected), output
    for line, codes in expected.items():
        assert codes <= got[line], (line, codes, got[line])


def test_pyright_strict_agrees() -> None:
    pyright = _pyright()
    assert pyright is not None, "pyright is part of the test extra: pip install -e '.[test]'"
    result = subprocess.run(
        [pyright, "--pythonpath", sys.executable, *FILES, "models_fixture.py"],
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
    assert lines.get("async_usage.py", set()) == set(), result.stdout
    expected = set(expected_errors(TYPING / "async_bad_usage.py"))
    assert lines.get("async_bad_usage.py", set()) == expected, result.stdout
