"""A clone's progress: entities copied per type, the rate, what is left and about how long
it will take (the queries or files left at the pace of those done so far: an estimate, since
the plan grows as rows name what lies beneath them).

On a terminal, one status line redrawn in place (at most ten times a second); otherwise a
plain line every few seconds and one at the end, so logs stay readable. No dependency: the
line is drawn with a carriage return.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "size_text"]


def size_text(count: int) -> str:
    """A number of bytes for people: ``512 B``, ``1.5 MB`` (decimal units)."""
    value, unit = float(count), "B"
    for bigger in ("kB", "MB", "GB", "TB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{count} B" if unit == "B" else f"{value:,.1f} {unit}"


def _duration(seconds: float) -> str:
    """``42 s``, ``3 min``, ``1.5 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Counts entities per type and reports them on ``stream`` (default stderr)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        terminal: bool | None = None,
        interval: float | None = None,
        enabled: bool = True,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.terminal: bool = self.stream.isatty() if terminal is None else terminal
        self.interval: float = interval if interval is not None else (0.1 if self.terminal else 5)
        self.enabled: bool = enabled
        self.clock: Callable[[], float] = clock
        """Seconds from an arbitrary start (default `time.perf_counter`; tests pass a fake)."""
        self.counts: Counter[str] = Counter()
        self.started: float = clock()
        self.pending: int = 0
        self.completed: int = 0
        """Queries (or files) done so far, for the time-left estimate."""
        self.unit: str = "queries"
        """What ``pending`` counts: queries, then files (``--with-files``)."""
        self.files: int = 0
        self.bytes: int = 0
        self._last = 0.0
        self._drawn = False

    @property
    def total(self) -> int:
        """Entities copied so far."""
        return sum(self.counts.values())

    def add(self, type_id: str, count: int) -> None:
        """Count ``count`` more entities of ``type_id``."""
        if count:
            self.counts[type_id] += count

    def add_file(self, size: int) -> None:
        """Count one more file downloaded, of ``size`` bytes."""
        self.files += 1
        self.bytes += size

    def update(self, pending: int, completed: int | None = None) -> None:
        """Report, if it is time to: ``pending`` queries are left to run, ``completed`` done
        (one more than last time when not given)."""
        self.pending = pending
        self.completed = self.completed + 1 if completed is None else completed
        now = self.clock()
        if self.enabled and now - self._last >= self.interval:
            self._last = now
            self._draw(final=False)

    def finish(self, summary: str) -> None:
        """The last report, then ``summary`` on a line of its own."""
        if self.enabled:
            self._draw(final=True)
            self.stream.write(summary + "\n")
            self.stream.flush()

    def line(self) -> str:
        """The status text: total, rate, queries left, and the largest types."""
        elapsed = max(self.clock() - self.started, 1e-9)
        top = ", ".join(f"{t} {n:,}" for t, n in self.counts.most_common(6))
        more = len(self.counts) - 6
        if more > 0:
            top += f", +{more} types"
        left = f"{self.pending} {self.unit} left" if self.pending else "finishing"
        if self.pending and self.completed:
            left += f", about {_duration(elapsed * self.pending / self.completed)}"
        plural = "" if self.files == 1 else "s"
        files = f", {self.files:,} file{plural} ({size_text(self.bytes)})" if self.files else ""
        return (
            f"cloned {self.total:,} entities{files} in {elapsed:.1f} s "
            f"({self.total / elapsed:,.0f}/s; {left})" + (f": {top}" if top else "")
        )

    def _draw(self, *, final: bool) -> None:
        text = self.line()
        if self.terminal:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + text[:width].ljust(width) + ("\n" if final else ""))
            self._drawn = not final
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
