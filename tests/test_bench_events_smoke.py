"""Smoke run of the event hub benchmark (``benchmarks/bench_events.py --quick``).

Only checks that the script runs, prints its rows and loses or doubles nothing, never how
fast anything is; the quick mode never writes ``docs/benchmarks.md``.
"""

from __future__ import annotations

import pytest

from benchmarks import bench_events

pytestmark = pytest.mark.http


def test_quick_run_prints_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_events.main(["--quick"]) == 0
    out = capsys.readouterr().out
    for row in ("baseline: one API request", "publish to callback", "sustained", "lost / doubled"):
        assert row in out
