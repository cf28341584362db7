"""A test skips for one documented reason only: the official ``ftrack_api`` client is not
installed here (it pins ``arrow<1``, so it lives in its own environment, which
``tests/compat/run.sh`` builds and runs).

`import_official_client` is the one way a test asks for the client. With ``--strict-skips``
(CI sets it, see ``.ci/run``), any other skip fails: at run time the test is reported failed,
at collection the module is reported as a collection error. Loaded by ``tests/conftest.py``,
and by ``tests/compat/run.sh`` (``-p tests.skip_policy``), which runs without that conftest.
"""

from __future__ import annotations

from collections.abc import Generator
from types import ModuleType
from typing import Any

import pytest

OPTION = "--strict-skips"
OFFICIAL_CLIENT_MISSING = (
    "the official ftrack_api client is not installed here (it pins arrow<1): "
    "tests/compat/run.sh runs this"
)
"""The reason of the one allowed skip."""


def import_official_client() -> ModuleType:
    """``ftrack_api``, or a skip for the one documented reason."""
    return pytest.importorskip("ftrack_api", reason=OFFICIAL_CLIENT_MISSING)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        action="store_true",
        default=False,
        help="fail every skip whose reason is not the missing official ftrack_api client",
    )


def _unexpected(report: pytest.TestReport | pytest.CollectReport) -> str | None:
    """The reason of a skip that is not allowed; None for anything else."""
    if not report.skipped or hasattr(report, "wasxfail"):
        return None
    longrepr: Any = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
    return None if OFFICIAL_CLIENT_MISSING in reason else reason


def _enforce(config: pytest.Config, report: pytest.TestReport | pytest.CollectReport) -> None:
    """Under `OPTION`, turn a skip that is not allowed into a failure."""
    if not config.getoption(OPTION):
        return
    reason = _unexpected(report)
    if reason is None:
        return
    report.outcome = "failed"
    report.longrepr = (
        f"unexpected skip ({OPTION}: only the missing official ftrack_api client may skip a "
        f"test): {reason}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    _enforce(item.config, outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    _enforce(collector.config, outcome.get_result())
