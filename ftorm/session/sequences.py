"""File sequences in ftrack's notation: ``/renders/sh010.%04d.exr [1001-1100]``.

The notation is ``{head}{padding}{tail} [{ranges}]``: ``%04d`` is an index padded with zeros
to four digits (``%d``: not padded), and the ranges are indexes and ``first-last`` spans
separated by commas (``[1-5, 7, 8, 10-20]``). `parse` reads it (None for a plain path);
`FileSequence.paths` names the member files.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from ftorm.errors import ComponentSourceError, excerpt

__all__ = ["MAX_MEMBERS", "FileSequence", "parse"]

MAX_MEMBERS: Final = 1_000_000
"""The most files one sequence may name."""

_NOTATION = re.compile(
    r"^(?P<head>.*?)%(?P<padding>0\d+)?d(?P<tail>[^%]*?)\s+\[(?P<ranges>[^\]]*)\]$"
)
_SPAN = re.compile(r"^\s*(-?\d+)(?:\s*-\s*(-?\d+))?\s*$")


@attrs.frozen(slots=True)
class FileSequence:
    """A sequence of files: ``head``, the index padded to ``padding`` digits, ``tail``."""

    head: str
    """What comes before the index (``/renders/sh010.``)."""
    tail: str
    """What comes after it (``.exr``)."""
    padding: int
    """The digits the index is padded to with zeros; 0 for no padding."""
    indexes: tuple[int, ...]
    """The members' indexes, ascending, each once."""

    def name(self, index: int) -> str:
        """The index as it appears in a member's file name (``0042``)."""
        return f"{index:0{self.padding}d}" if self.padding else str(index)

    def path(self, index: int) -> str:
        """The path of the member with ``index``."""
        return f"{self.head}{self.name(index)}{self.tail}"

    @property
    def paths(self) -> list[str]:
        """Every member's path, in index order."""
        return [self.path(index) for index in self.indexes]

    @property
    def expression(self) -> str:
        """The path with the index as a ``printf`` expression: ``/renders/sh010.%04d.exr``."""
        marker = f"%0{self.padding}d" if self.padding else "%d"
        return f"{self.head}{marker}{self.tail}"

    def format(self) -> str:
        """The sequence in ftrack's notation (consecutive indexes as spans)."""
        spans: list[str] = []
        start = previous = None
        for index in (*self.indexes, None):
            if index is not None and previous is not None and index == previous + 1:
                previous = index
                continue
            if start is not None:
                spans.append(str(start) if start == previous else f"{start}-{previous}")
            start = previous = index
        return f"{self.expression} [{', '.join(spans)}]"


def parse(text: str) -> FileSequence | None:
    """The sequence ``text`` names in ftrack's notation; None when it is a plain path.

    Raises:
        ComponentSourceError: for a notation whose ranges cannot be read, that names no
            index, or more than `MAX_MEMBERS`.
    """
    found = _NOTATION.match(text.strip())
    if found is None:
        return None
    padding_text = found.group("padding")
    padding = int(padding_text) if padding_text else 0
    indexes: set[int] = set()
    for part in found.group("ranges").split(","):
        if not part.strip():
            continue
        span = _SPAN.match(part)
        if span is None:
            msg = f"cannot read the range {excerpt(part.strip())} of the sequence {excerpt(text)}"
            raise ComponentSourceError(msg)
        first = int(span.group(1))
        last = int(span.group(2)) if span.group(2) is not None else first
        if last < first or len(indexes) + (last - first + 1) > MAX_MEMBERS:
            msg = f"the range {excerpt(part.strip())} of {excerpt(text)} is empty or too long"
            raise ComponentSourceError(msg)
        indexes.update(range(first, last + 1))
    if not indexes:
        msg = f"the sequence {excerpt(text)} names no index"
        raise ComponentSourceError(msg)
    return FileSequence(found.group("head"), found.group("tail"), padding, tuple(sorted(indexes)))
