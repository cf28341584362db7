"""The session: identity map, loading strategies and the unit of work."""

from ftorm.session.aio import AsyncQuery, AsyncSession
from ftorm.session.session import Session, Stats

__all__ = ["AsyncQuery", "AsyncSession", "Session", "Stats"]
