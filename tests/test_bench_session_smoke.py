"""Smoke run of the session benchmarks (``benchmarks/bench_session.py --quick``).

Only checks that the script runs and prints its rows, never how fast anything is; the
quick mode uses a few hundred rows and never writes ``docs/benchmarks.md``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import bench_session


def test_quick_run_prints_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_session.main(["--quick"]) == 0
    out = capsys.readouterr().out
    for row in (
        "json.loads of 200 rows (baseline)",
        "hydrate 200 Tasks",
        "memory retained per entity (200)",
        "commit 1 change, 100 loaded",
        "commit 1 change, 400 loaded",
    ):
        assert row in out


def test_section_replaced_in_place(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n## Query\n\nq\n\n## Session\n\nold\n\n## Server\n\ns\n")
    bench_session.write_section(path, "## Session", "## Session\n\nnew\n")
    assert (
        path.read_text() == "# Benchmarks\n\n## Query\n\nq\n\n## Session\n\nnew\n\n## Server\n\ns\n"
    )
