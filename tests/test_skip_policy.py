"""``--strict-skips`` (set by CI): a skip fails unless the official ftrack_api client is what
is missing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.paths import ROOT

CASES = """
    import pytest

    from tests.skip_policy import BROWSER_MISSING, OFFICIAL_CLIENT_MISSING


    def test_passes():
        pass


    def test_needs_the_official_client():
        pytest.skip(OFFICIAL_CLIENT_MISSING)


    def test_needs_a_browser():
        pytest.skip(BROWSER_MISSING)


    def test_skips_for_another_reason():
        pytest.skip("some tool is missing")


    @pytest.mark.xfail(reason="known", strict=True)
    def test_expected_failure():
        raise AssertionError
"""


def _run(folder: Path, *options: str) -> str:
    (folder / "test_cases.py").write_text(textwrap.dedent(CASES), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.skip_policy", "-p", "no:cacheprovider",
         "-rA", *options, "test_cases.py"],
        cwd=folder, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return result.stdout + result.stderr


def test_only_the_official_client_or_the_browser_may_skip_under_strict_skips(
    tmp_path: Path,
) -> None:
    out = _run(tmp_path, "--strict-skips")
    assert "1 failed, 1 passed, 2 skipped, 1 xfailed" in out, out
    assert "FAILED test_cases.py::test_skips_for_another_reason" in out, out
    assert "unexpected skip (--strict-skips" in out, out


def test_without_the_option_skips_stay_skips(tmp_path: Path) -> None:
    out = _run(tmp_path)
    assert "1 passed, 3 skipped, 1 xfailed" in out, out


def test_a_module_skipped_for_another_reason_is_a_collection_error(tmp_path: Path) -> None:
    (tmp_path / "test_module.py").write_text(
        'import pytest\npytest.skip("no data", allow_module_level=True)\n', encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.skip_policy", "-p", "no:cacheprovider",
         "--strict-skips", "test_module.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode != 0
    assert "unexpected skip" in result.stdout, result.stdout
