"""Parse and render cost over the real-world query corpus.

Run: ``python benchmarks/bench_query.py [--corpus PATH] [--rounds N] [--no-write]``. Prints,
as the median of N rounds: the whole corpus matched by the grammar alone (the parsimonious
baseline, no AST), parsed into ASTs by `ftorm.parse`, and rendered back to text; plus
ratios. Writes the "## Query language" section of ``docs/benchmarks.md`` unless
``--no-write``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from parsimonious.exceptions import ParseError

import ftorm
from ftorm.query.grammar import grammar
from ftorm.query.render import render

try:
    from benchmarks._report import DOCS, ROOT, write_section
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _report import DOCS, ROOT, write_section  # type: ignore[no-redef]

SECTION = "## Query language"

DEFAULT_CORPUS = ROOT / "tests" / "data" / "query_corpus.txt"


def _time(function: object, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    lines = [line for line in args.corpus.read_text("utf-8").splitlines() if line.strip()]
    rule = grammar()["query"]
    trees = [ftorm.parse(line) for line in lines]  # warm-up, and the render input

    def match_only() -> None:
        for line in lines:
            rule.match_core(line, 0, defaultdict(dict), ParseError(line))

    def parse_all() -> None:
        for line in lines:
            ftorm.parse(line)

    def render_all() -> None:
        for tree in trees:
            render(tree)

    results = {}
    for name, function in (("match", match_only), ("parse", parse_all), ("render", render_all)):
        results[name] = statistics.median(_time(function, args.rounds))
    count = len(lines)
    print(f"corpus: {count} queries, median of {args.rounds} rounds")
    for name, label in (
        ("match", "grammar match only (parsimonious baseline)"),
        ("parse", "ftorm.parse -> AST"),
        ("render", "render AST -> text"),
    ):
        total = results[name]
        print(f"  {label:44s} {total * 1000:8.2f} ms total  {total / count * 1e6:8.1f} µs/query")
    print(f"  parse / match ratio: {results['parse'] / results['match']:.2f}x")
    print(f"  parse / render ratio: {results['parse'] / results['render']:.1f}x (target >= 20x)")
    print(f"  corpus parse under 0.1 s: {'yes' if results['parse'] < 0.1 else 'NO'}")
    if not args.no_write:
        write_section(DOCS, SECTION, section(results, count, args))
        print(f"written: {DOCS}")
    return 0


def section(results: dict[str, float], count: int, args: argparse.Namespace) -> str:
    """The "## Query language" section of ``docs/benchmarks.md``, from this run."""
    try:
        corpus = args.corpus.resolve().relative_to(ROOT)
    except ValueError:
        corpus = args.corpus
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    parse, match, rendered = results["parse"], results["match"], results["render"]

    def row(label: str, total: float, target: str) -> str:
        return f"| {label} | {total * 1000:.1f} ms | {total / count * 1e6:.0f} µs | {target} |"

    met = "met" if parse < 0.1 else "missed"
    fast = "met" if parse / rendered >= 20 else "missed"
    return "\n".join(
        [
            SECTION,
            "",
            f"Written by `python benchmarks/bench_query.py` (the {count} queries of `{corpus}`, "
            f"median of {args.rounds} rounds). Python {platform.python_version()}, "
            f"{platform.machine()}, {os.cpu_count()} CPUs; load average {load} at the end.",
            "",
            "| step | whole corpus | per query | target |",
            "| --- | ---: | ---: | --- |",
            row("grammar match only (parsimonious, no AST: the baseline)", match, ""),
            row("`ftorm.parse` to an AST", parse, f"corpus under 0.1 s: {met}"),
            row(
                "render the AST to canonical text",
                rendered,
                f"at least 20x faster than parsing: {fast} ({parse / rendered:.0f}x)",
            ),
            "",
            f"Building the AST costs {parse / match:.1f}x the bare grammar match.",
            "",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
