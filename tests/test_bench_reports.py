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
    rows = [
        {
            "label": "like",
            "text": 'Shot where name like "a%"',
            "ours": 2e-6,
            "theirs": 8e-6,
            "ratio": 0.25,
        },
        {
            "label": "select",
            "text": "select name from Task",
            "ours": 3e-6,
            "theirs": 5e-6,
            "ratio": 0.61,
        },
    ]
    reads = {"empty loop": 7e-9, "attrs slots": 9e-9, "ftorm (loaded Task)": 40e-9}
    writes = {"empty loop": 7e-9, "ftorm (validated, dirty-tracked)": 2.5e-6}
    versions = {"ftorm": "ftorm 1, arrow 1.4.0", "ftrack-query": "ftrack-query 2.0.0"}
    text = bench_builder.report(rows, reads, writes, versions, 15)
    assert text.startswith(bench_builder.SECTION + "\n")
    assert "| like | 2.00 µs | 8.00 µs | 0.25 | met |" in text
    assert "| select | 3.00 µs | 5.00 µs | 0.61 | **missed** |" in text
    assert "met on 1 of 2" in text
    assert "- select: `select name from Task`" in text
    assert "| ftorm (loaded Task) | 40.0 |" in text
    assert "ftorm 1, arrow 1.4.0" in text


def test_every_builder_shape_gives_the_same_query_in_both_libraries() -> None:
    """The texts the benchmark compares are one query: ftorm's, canonicalised, parses back
    to the same tree (ftrack-query is not installed beside ftorm, so its side is checked by
    the benchmark itself)."""
    import ftorm

    namespace: dict[str, object] = {}
    exec(bench_builder._WORKER_SETUP["ftorm"] + bench_builder._DATES, namespace)
    for label, statement, _ in bench_builder.SHAPES:
        text = eval(statement, namespace)
        canonical = bench_builder._canonical(text)
        # Only an explicit ``ascending`` (the default) is dropped: the same query.
        assert canonical == text.replace(" ascending", ""), label
        assert str(ftorm.parse(canonical)) == canonical, label


def test_the_async_section_is_made_of_the_run_s_figures() -> None:
    from benchmarks import bench_async

    times = {"sync": [0.4, 0.5], "gathered": [0.2, 0.3], "sequential": [0.44, 0.55]}
    text = bench_async.report(100, 2, times)
    assert text.startswith(bench_async.SECTION + "\n")
    assert "| `Session`, one after another (baseline) | 450.0 ms | 4500 µs | 1.00 |  |" in text
    assert "| `AsyncSession`, `asyncio.gather` | 250.0 ms | 2500 µs | 0.55 |  |" in text
    assert "| 495.0 ms | 4950 µs | 1.10 | at most 1.2: met |" in text


def test_the_hierarchy_benchmark_agrees_with_the_walk(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_hierarchy

    assert bench_hierarchy.main(["--shots", "20", "--rounds", "1", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(bench_hierarchy.SECTION + "\n")
    assert "| walk up one request per level |" in out
    assert "**met**" in out  # at most 2 requests for the cohort
