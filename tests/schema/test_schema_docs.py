"""The examples in the schema and code generation docs run as written."""

from __future__ import annotations

import doctest

import pytest

from tests.paths import ROOT

DOCS = ROOT / "docs"


@pytest.mark.parametrize("page", ["reference/schema.md", "how-to/generate-models.md"])
def test_doc_examples(page: str) -> None:
    result = doctest.testfile(
        str(DOCS / page), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted > 0
    assert result.failed == 0
