"""Every ``>>>`` example in the fenced code blocks of docs/ and README.md runs as a doctest."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from tests.paths import ROOT

_FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.M | re.S)
PAGES = sorted(
    path
    for path in [ROOT / "README.md", *ROOT.glob("docs/**/*.md")]
    if ">>> " in path.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_doc_examples_run(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    blocks = [block for block in _FENCE.findall(text) if ">>> " in block]
    source = "\n".join(blocks)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(source, {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) failed in {page.name}"
