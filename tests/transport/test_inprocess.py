"""The in-process transport is typed against a handler protocol, and `Session.local` gets its
embedded server from outside the session layer (`ftorm.session.connect`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import ftorm
from ftorm._embedded import open_server
from ftorm._typing import JSON, JSONObject
from ftorm.protocol.operations import QueryOp
from ftorm.schema.types import Schema
from ftorm.server.handlers import Server
from ftorm.session.connect import local_transport, provide_embedded_server
from ftorm.transport.inprocess import Handler, InProcessTransport


class Recorder:
    """A handler that is no server: it answers every operation with its action name."""

    def __init__(self) -> None:
        self.batches: list[Any] = []
        self.closed = False

    def handle(self, operations: Any) -> list[JSON] | JSONObject:
        self.batches.append(operations)
        return [operation["action"] for operation in operations]

    def close(self) -> None:
        self.closed = True


class Factory:
    """A server factory that records what it was asked for and what it made."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.made: list[Recorder] = []

    def __call__(
        self, path: str, *, schema: Schema | None, api_user: str, read_only: bool
    ) -> Handler:
        self.calls.append(
            {"path": path, "schema": schema, "api_user": api_user, "read_only": read_only}
        )
        self.made.append(Recorder())
        return self.made[-1]


@pytest.fixture
def factory() -> Iterator[Factory]:
    made = Factory()
    provide_embedded_server(made)
    try:
        yield made
    finally:
        provide_embedded_server(open_server)


def test_any_handler_serves_the_transport() -> None:
    handler = Recorder()
    transport = InProcessTransport(handler)
    assert transport.call([QueryOp("Project")]) == ["query"]
    assert handler.batches == [[{"action": "query", "expression": "Project"}]]
    transport.close()
    assert not handler.closed  # the server belongs to the caller


def test_the_embedded_server_is_a_handler() -> None:
    server: Handler = Server()
    try:
        transport = InProcessTransport(server)
        assert transport.call([QueryOp("select id from Project")])[0]["data"] == []
    finally:
        server.close()


def test_session_local_creates_its_server_through_the_provided_factory(
    factory: Factory,
) -> None:
    session = ftorm.Session.local("w.db", api_user="ann", read_only=True, page_size=7)
    assert factory.calls == [{"path": "w.db", "schema": None, "api_user": "ann", "read_only": True}]
    assert session.local_server is factory.made[0]
    assert session.page_size == 7
    session.close()
    assert factory.made[0].closed  # the session owns the server it was handed


def test_session_local_closes_its_server_when_the_options_are_refused(
    factory: Factory,
) -> None:
    with pytest.raises(ftorm.InvalidValueError, match="page_size"):
        ftorm.Session.local(page_size=0)
    assert factory.made[0].closed


def test_without_a_factory_local_transport_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from ftorm.session import connect

    monkeypatch.setattr(connect, "EMBEDDED_SERVERS", connect.Provided("embedded server"))
    with pytest.raises(ftorm.ConnectError, match="no embedded server is available: import ftorm"):
        local_transport(":memory:", None, "ftorm", False)


def test_without_a_factory_session_events_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from ftorm.session import connect

    monkeypatch.setattr(connect, "EVENT_HUBS", connect.Provided("event hub client"))
    with ftorm.Session.local() as session, pytest.raises(ftorm.ConnectError) as raised:
        session.events  # noqa: B018
    assert str(raised.value) == (
        "no event hub client is available: import ftorm (it provides one) first"
    )


def test_the_last_factory_named_is_the_one_used() -> None:
    from ftorm.session.connect import Provided

    provided: Provided[str] = Provided("greeting")
    provided.provide("hello")
    provided.provide("hi")
    assert provided.factory() == "hi"


def test_session_local_serves_the_embedded_server() -> None:
    with ftorm.Session.local() as session:
        assert isinstance(session.local_server, Server)
        assert isinstance(session.transport, InProcessTransport)
        assert session.transport.server is session.local_server


def test_fixtures_load_only_into_a_session_local_embedded_server(factory: Factory) -> None:
    from ftorm.testing import load_fixtures

    session = ftorm.Session.local()  # a handler that is not the embedded server
    with session, pytest.raises(ftorm.FixtureError, match="local session"):
        load_fixtures(session, [{}])
    server = Server()
    try:
        other = ftorm.Session(transport=InProcessTransport(server))
        with other, pytest.raises(ftorm.FixtureError, match="local session"):
            load_fixtures(other, [{}])
    finally:
        server.close()
