"""The page's logins: an opaque cookie token mapped, in the server's memory, to the API
user and key it logged in with, and to the token its forms carry against cross-site forgery.

The key never leaves the server: the browser holds only the token, in an ``HttpOnly``,
``SameSite=Strict`` cookie. At most `MAX_LOGINS` logins are held (the oldest goes first);
one unused for `IDLE_SECONDS` is forgotten. Thread-safe.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from typing import Final

import attrs

__all__ = ["IDLE_SECONDS", "MAX_LOGINS", "Login", "Logins", "same_token"]

MAX_LOGINS: Final = 1000
"""Logins held at once."""
IDLE_SECONDS: Final = 12 * 3600.0
"""Seconds a login stays valid without being used."""


@attrs.frozen
class Login:
    """One logged-in browser."""

    user: str
    """The API user."""
    key: str = attrs.field(repr=False)
    """The API key (kept here, never sent to the browser)."""
    csrf: str = attrs.field(repr=False)
    """The token every form of this login carries."""


def same_token(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected`` (constant time; None and empty never match)."""
    return bool(given) and secrets.compare_digest(str(given).encode(), expected.encode())


class Logins:
    """Cookie tokens to `Login`s."""

    def __init__(self, *, idle_seconds: float = IDLE_SECONDS, limit: int = MAX_LOGINS) -> None:
        self._idle = idle_seconds
        self._limit = limit
        self._lock = threading.Lock()
        self._held: OrderedDict[str, tuple[float, Login]] = OrderedDict()

    def add(self, user: str, key: str) -> tuple[str, Login]:
        """A new login for credentials already checked: its cookie token and itself."""
        token = secrets.token_urlsafe(32)
        login = Login(user, key, secrets.token_urlsafe(32))
        with self._lock:
            self._held[token] = (time.monotonic(), login)
            while len(self._held) > self._limit:
                self._held.popitem(last=False)
        return token, login

    def get(self, token: str | None) -> Login | None:
        """The login of cookie ``token`` (its idle time restarts); None when unknown or expired."""
        if not token:
            return None
        now = time.monotonic()
        with self._lock:
            held = self._held.get(token)
            if held is None:
                return None
            if now - held[0] > self._idle:
                del self._held[token]
                return None
            self._held[token] = (now, held[1])
            self._held.move_to_end(token)
            return held[1]

    def remove(self, token: str | None) -> None:
        """Forget the login of ``token`` (logging out)."""
        if token:
            with self._lock:
                self._held.pop(token, None)
