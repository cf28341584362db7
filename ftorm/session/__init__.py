"""The session: identity map, loading strategies and the unit of work."""

from ftorm.session.session import Session, Stats

__all__ = ["Session", "Stats"]
