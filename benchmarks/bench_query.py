"""Parse and render cost over the real-world query corpus.

Run: ``python benchmarks/bench_query.py [--corpus PATH] [--rounds N]``. Prints, as the median
of N rounds: the whole corpus matched by the grammar alone (the parsimonious baseline, no
AST), parsed into ASTs by `ftorm.parse`, and rendered back to text; plus ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from parsimonious.exceptions import ParseError

import ftorm
from ftorm.query.grammar import grammar
from ftorm.query.render import render

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "query_corpus.txt"


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
