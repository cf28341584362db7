"""Fixtures for the event hub's tests: the embedded server's own (a fresh server per test)."""

from __future__ import annotations

from tests.server.conftest import server

__all__ = ["server"]
