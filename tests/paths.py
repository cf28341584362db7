"""Where the project and the data its tests read are: everything is inside the repository
(``tests/data``, see its README for the origin and license of each file)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The project's root folder."""
DATA = ROOT / "tests" / "data"
"""The data the tests read."""
FIXTURES = DATA / "fixtures"
"""Responses recorded from a real ftrack server (ftrack's JavaScript client, Apache-2.0)."""
RECORDED_SCHEMA = FIXTURES / "query_schemas.json"
"""The recorded 116-type ``query_schemas`` answer."""
QUERY_CORPUS = DATA / "query_corpus.txt"
"""519 query expressions from public code and documentation (``query_corpus_sources.md``)."""
