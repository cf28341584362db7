"""Shared test setup: the hypothesis profiles (`tests.profiles`) and the skip policy
(`tests.skip_policy`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.profiles  # noqa: F401  (registers and loads the hypothesis profiles)
from tests.skip_policy import (  # the skip policy's hooks and option
    pytest_addoption,
    pytest_make_collect_report,
    pytest_runtest_makereport,
)

__all__ = ["pytest_addoption", "pytest_make_collect_report", "pytest_runtest_makereport"]


@pytest.fixture(autouse=True)
def _schema_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """HTTP sessions cache schemas under ``$FTORM_CACHE_DIR``: a folder of the test run's,
    never the user's home."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FTORM_CACHE_DIR", str(folder))
        yield folder
