"""Checks every generated model module must pass, shared by the code generator's tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.paths import ROOT

PYRIGHT_QUIET = {"PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
"""Set for every pyright run: the pyright wrapper then stops asking the package index for its
latest version on each call (no network in tests)."""


def pyright_env(**extra: str) -> dict[str, str]:
    """The environment for a pyright run: this one, `PYRIGHT_QUIET`, and ``extra``."""
    return {**os.environ, **PYRIGHT_QUIET, **extra}


def mypy_strict(files: Sequence[Path | str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """One ``mypy --strict`` run over ``files`` (ftorm found from the project, no cache)."""
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "mypy"),
            "--strict",
            "--follow-imports=silent",
            "--no-incremental",
            "--cache-dir=" + os.devnull,
            "--python-version=3.11",
            *(str(f) for f in files),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )
