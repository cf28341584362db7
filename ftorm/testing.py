"""Helpers for testing code that uses ftorm, with no ftrack server.

- `local_session()`: a `Session` on a fresh embedded server, in memory, in-process.
- `assert_max_requests(session, n)`: a context manager that fails when the code inside makes
  more than ``n`` requests to the server (to keep N+1 loading out of production code).

Installing ftorm also registers a pytest plugin with the fixture ``ftorm_session``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ftorm.session import Session

__all__ = ["RequestBudget", "assert_max_requests", "local_session"]


def local_session(path: str = ":memory:", **options: Any) -> Session:
    """A session on an embedded server (in memory by default); options go to `Session.local`."""
    return Session.local(path, **options)


class RequestBudget:
    """What `assert_max_requests` measured: ``used`` requests out of ``limit``."""

    __slots__ = ("limit", "used")

    limit: int
    """The most requests the block may make."""
    used: int
    """The requests the block made (set when it ends)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def __repr__(self) -> str:
        return f"RequestBudget(used={self.used}, limit={self.limit})"


@contextmanager
def assert_max_requests(session: Session, limit: int) -> Iterator[RequestBudget]:
    """Fail with `AssertionError` if the block makes more than ``limit`` server requests.

    ::

        with assert_max_requests(session, 2) as budget:
            shots = session.query(Shot.select(Shot.name, Shot.status.name)).all()
        print(budget.used)
    """
    budget = RequestBudget(limit)
    start = session.stats.requests
    try:
        yield budget
    finally:
        budget.used = session.stats.requests - start
    if budget.used > limit:
        msg = f"expected at most {limit} request(s) to the server, the block made {budget.used}"
        raise AssertionError(msg)
