"""The session: identity map, loading strategies and the unit of work.

`AsyncSession` and `AsyncQuery` are imported on first use (``ftorm.session.aio`` imports
asyncio, about a quarter of ftorm's start-up): ``from ftorm.session import AsyncSession``
works as before (`tests/test_startup.py`).
"""

from typing import TYPE_CHECKING, Any

from ftorm.session.session import Session, Stats

if TYPE_CHECKING:
    from ftorm.session.aio import AsyncQuery, AsyncSession

__all__ = ["AsyncQuery", "AsyncSession", "Session", "Stats"]

_LATER = frozenset({"AsyncQuery", "AsyncSession"})
"""The names of ``ftorm.session.aio`` this package exports (imported on first use)."""


def __getattr__(name: str) -> Any:
    if name in _LATER:
        from ftorm.session import aio

        return getattr(aio, name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
