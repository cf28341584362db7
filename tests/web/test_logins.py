"""The page's logins: opaque tokens, bounded in number and idle time."""

from __future__ import annotations

from ftorm.server.web.logins import Logins, same_token


def test_tokens_are_opaque_and_unique() -> None:
    logins = Logins()
    token, login = logins.add("ftorm", "the-key")
    other, _ = logins.add("ftorm", "the-key")
    assert token != other
    assert "the-key" not in token
    assert "the-key" not in repr(login)
    assert logins.get(token) == login
    assert logins.get("forged") is None
    assert logins.get(None) is None
    logins.remove(token)
    assert logins.get(token) is None


def test_the_oldest_login_goes_first_past_the_limit() -> None:
    logins = Logins(limit=2)
    first, _ = logins.add("a", "k")
    second, _ = logins.add("b", "k")
    assert logins.get(first) is not None  # used: now the newest
    third, _ = logins.add("c", "k")
    assert logins.get(second) is None
    assert logins.get(first) is not None
    assert logins.get(third) is not None


def test_an_idle_login_is_forgotten() -> None:
    logins = Logins(idle_seconds=-1.0)  # every login is already too old when next used
    token, _ = logins.add("a", "k")
    assert logins.get(token) is None


def test_same_token_needs_a_token() -> None:
    assert same_token("abc", "abc")
    assert not same_token("abd", "abc")
    assert not same_token("", "")
    assert not same_token(None, "abc")
