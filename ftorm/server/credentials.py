"""Authentication of the embedded server: the one API user and key every request carries."""

from __future__ import annotations

import secrets

__all__ = ["credentials_match", "new_api_key"]


def new_api_key() -> str:
    """A random API key (for a server given none: an empty key is no key)."""
    return secrets.token_urlsafe(24)


def credentials_match(user: str | None, key: str | None, api_user: str, api_key: str) -> bool:
    """True when ``user`` and ``key`` are ``api_user`` and ``api_key`` (a constant-time
    comparison; a missing or empty one never matches)."""
    if not user or not key:
        return False
    ok_user = secrets.compare_digest(user.encode("utf-8"), api_user.encode("utf-8"))
    ok_key = secrets.compare_digest(key.encode("utf-8"), api_key.encode("utf-8"))
    return ok_user and ok_key
