"""The benchmark scripts that write ``docs/benchmarks.md`` write every figure they report
(smoke runs: what is written, never how fast anything is)."""

from __future__ import annotations

import pytest

from benchmarks import bench_builder, bench_query


def test_the_query_benchmark_runs_over_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_query.main(["--rounds", "1", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert "corpus: 519 queries" in out
    assert "written" not in out


def test_the_builder_section_is_made_of_the_run_s_figures() -> None:
    rounds = {"ftorm": [4e-6, 5e-6, 6e-6], "ftrack-query 2.0": [10e-6, 10e-6, 10e-6]}
    parts = {"column access (`Project.status`)": 0.37e-6}
    reads = {"ftorm_hydrated": 26e-9, "attrs_slots": 7.5e-9, "plain_getattr": 23e-9}
    writes = {"ftorm": 560e-9, "attrs_slots": 7.4e-9}
    text = bench_builder.report(rounds, parts, reads, writes, ("1.00", "1.10"))
    assert text.startswith(bench_builder.SECTION + "\n")
    assert "| 4.00 µs | ftrack-query 2.0: 10.00 µs |" in text
    assert "**met** (0.50x)" in text  # the median of the rounds' ratios
    assert "**missed** (3.5x)" in text
    assert "| column access (`Project.status`) | 0.37 µs |" in text
    without = bench_builder.report({"ftorm": [4e-6]}, parts, reads, writes, ("1", "1"))
    assert "not installed in this run" in without


def test_the_hierarchy_benchmark_agrees_with_the_walk(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_hierarchy

    assert bench_hierarchy.main(["--shots", "20", "--rounds", "1", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(bench_hierarchy.SECTION + "\n")
    assert "| walk up one request per level |" in out
    assert "**met**" in out  # at most 2 requests for the cohort
