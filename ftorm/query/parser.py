"""Placeholder while the parser is being written (replaced in the next commit)."""

from __future__ import annotations

from ftorm.query.ast import Query


def parse(text: str) -> Query:
    raise NotImplementedError("parser not written yet")
