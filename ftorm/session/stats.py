"""`Stats`: the running totals of what one session sent and received."""

from __future__ import annotations

import attrs

__all__ = ["Stats"]


@attrs.define
class Stats:
    """Running totals of one session."""

    requests: int = 0
    """Batches sent to the server (HTTP requests, or in-process calls)."""
    operations: int = 0
    """Operations in those batches."""
    entities: int = 0
    """Entity objects received from the server (full ones and references)."""
    batch_loads: int = 0
    """Lazy loads made for a whole cohort at once (``lazy="batch"``), one request each."""
