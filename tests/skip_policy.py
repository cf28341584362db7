"""A test skips for two documented reasons only: the official ``ftrack_api`` client is not
installed here (it pins ``arrow<1``, so it lives in its own environment, which
``tests/compat/run.sh`` builds and runs), or no Chromium and Playwright are installed for
the web page's browser tests (``.ci/run`` installs both; the README's test command says so
in its skip lines).

`import_official_client` is the one way a test asks for the client, `chromium_executable`
the one way it asks for the browser. With ``--strict-skips`` (CI sets it, see ``.ci/run``),
any other skip fails: at run time the test is reported failed,
at collection the module is reported as a collection error. Loaded by ``tests/conftest.py``,
and by ``tests/compat/run.sh`` (``-p tests.skip_policy``), which runs without that conftest.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

OPTION = "--strict-skips"
OFFICIAL_CLIENT_MISSING = (
    "the official ftrack_api client is not installed here (it pins arrow<1): "
    "tests/compat/run.sh runs this"
)
"""The reason of the first allowed skip."""
BROWSER_MISSING = (
    "no headless Chromium with Playwright here (apt-get install chromium; "
    "pip install -e '.[test]'): the web page's browser tests need them"
)
"""The reason of the second allowed skip."""
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
"""Where the system's Chromium is looked for (Playwright's own download is not used)."""
ALLOWED = (OFFICIAL_CLIENT_MISSING, BROWSER_MISSING)


def import_official_client() -> ModuleType:
    """``ftrack_api``, or a skip for the one documented reason."""
    return pytest.importorskip("ftrack_api", reason=OFFICIAL_CLIENT_MISSING)


def chromium_executable() -> str:
    """The system's Chromium, with Playwright importable; else a skip for `BROWSER_MISSING`."""
    pytest.importorskip("playwright.sync_api", reason=BROWSER_MISSING)
    for path in CHROMIUM_PATHS:
        if Path(path).is_file():
            return path
    pytest.skip(BROWSER_MISSING)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        action="store_true",
        default=False,
        help="fail every skip whose reason is not the missing official ftrack_api client or "
        "browser",
    )


def _unexpected(report: pytest.TestReport | pytest.CollectReport) -> str | None:
    """The reason of a skip that is not allowed; None for anything else."""
    if not report.skipped or hasattr(report, "wasxfail"):
        return None
    longrepr: Any = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
    return None if any(allowed in reason for allowed in ALLOWED) else reason


def _enforce(config: pytest.Config, report: pytest.TestReport | pytest.CollectReport) -> None:
    """Under `OPTION`, turn a skip that is not allowed into a failure."""
    if not config.getoption(OPTION):
        return
    reason = _unexpected(report)
    if reason is None:
        return
    report.outcome = "failed"
    report.longrepr = (
        f"unexpected skip ({OPTION}: only the missing official ftrack_api client or browser "
        f"may skip a test): {reason}"
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
