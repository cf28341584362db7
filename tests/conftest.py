"""Shared test setup: the hypothesis profiles (`tests.profiles`) and the skip policy
(`tests.skip_policy`)."""

from __future__ import annotations

import tests.profiles  # noqa: F401  (registers and loads the hypothesis profiles)
from tests.skip_policy import (  # the skip policy's hooks and option
    pytest_addoption,
    pytest_make_collect_report,
    pytest_runtest_makereport,
)

__all__ = ["pytest_addoption", "pytest_make_collect_report", "pytest_runtest_makereport"]
