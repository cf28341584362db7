"""Fixtures shared by the session tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ftorm.server.handlers import Server
from ftorm.session.session import Session
from tests.server.server_helpers import serving


@pytest.fixture(params=["in-process", "http"])
def either_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """A session on a fresh embedded server: in-process, then over HTTP on loopback."""
    if request.param == "in-process":
        local = Session.local()
        yield local
        local.close()
        return
    server = Server(api_key="test-key")
    with serving(server) as (host, port):
        remote = Session(f"http://{host}:{port}", server.api_user, "test-key")
        yield remote
        remote.close()
    server.close()
