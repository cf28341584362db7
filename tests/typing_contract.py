"""The runner of the typing contracts (``tests/typing``): a file of good usage type-checks
clean and a file of bad usage fails exactly on its ``# E: <code>`` lines, under mypy --strict
and pyright strict. Shared by ``tests/model/test_model_typing.py`` (`Session`, the models)
and ``tests/session/test_async_typing.py`` (`AsyncSession`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.generated_checks import pyright_env
from tests.paths import ROOT

TYPING = ROOT / "tests" / "typing"
"""The type-only files the contracts check (with their ``pyrightconfig.json``)."""
MARKER = re.compile(r"  # E: ([a-z -]+)$")
MYPY_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")
PYRIGHT_LINE = re.compile(r"(\w+\.py):(\d+):\d+ - error")


def expected_errors(path: Path) -> dict[int, set[str]]:
    """The error codes each marked line of ``path`` must raise (``# E: <code> ...``)."""
    found: dict[int, set[str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        match = MARKER.search(line)
        if match:
            found[number] = set(match.group(1).split())
    return found


def mypy_output(*names: str) -> str:
    """What ``mypy --strict`` reports on the ``tests/typing`` files ``names``."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--show-error-codes",
            "--no-pretty",
            *(str(TYPING / name) for name in names),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.stdout


def reported(output: str, name: str) -> dict[int, set[str]]:
    """The error codes mypy's ``output`` reports on each line of the file ``name``."""
    found: dict[int, set[str]] = {}
    for line in output.splitlines():
        match = MYPY_LINE.match(line)
        if match and Path(match.group("file")).name == name:
            found.setdefault(int(match.group("line")), set()).add(match.group("code"))
    return found


def assert_fails_where_marked(output: str, name: str, at_least: int) -> None:
    """Assert that mypy's ``output`` reports errors on exactly the marked lines of ``name``
    (at least ``at_least`` of them), each with the marked codes."""
    expected = expected_errors(TYPING / name)
    got = reported(output, name)
    assert len(expected) >= at_least
    assert sorted(got) == sorted(expected), output
    for line, codes in expected.items():
        assert codes <= got[line], (line, codes, got[line])


def pyright() -> str | None:
    """The pyright of this environment (the test extra installs it), else one on PATH."""
    local = Path(sys.executable).parent / "pyright"
    return str(local) if local.exists() else shutil.which("pyright")


def pyright_error_lines(*names: str) -> tuple[dict[str, set[int]], str]:
    """The lines pyright (strict, by ``tests/typing/pyrightconfig.json``) reports errors on,
    by file name, for the ``tests/typing`` files ``names``; and its output."""
    found = pyright()
    assert found is not None, "pyright is part of the test extra: pip install -e '.[test]'"
    result = subprocess.run(
        [found, "--pythonpath", sys.executable, *names],
        cwd=TYPING,
        capture_output=True,
        text=True,
        timeout=600,
        env=pyright_env(),
    )
    lines: dict[str, set[int]] = {}
    for match in PYRIGHT_LINE.finditer(result.stdout):
        lines.setdefault(match.group(1), set()).add(int(match.group(2)))
    assert "error: " in result.stdout, f"pyright did not run: {result.stdout} {result.stderr}"
    return lines, result.stdout
