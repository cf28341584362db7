"""Dropping a connection mid-stream: the client reconnects, nothing is lost or doubled."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from ftorm import Session
from ftorm.events import Event
from ftorm.events.connect import hub_for
from ftorm.server.handlers import Server
from ftorm.server.wsgi import serve
from ftorm.transport.inprocess import InProcessTransport
from tests.events.helpers import until


@pytest.fixture(params=["local", "http"])
def sessions(request: pytest.FixtureRequest) -> Iterator[tuple[Session, Session]]:
    server = Server(api_key="test-key")
    if request.param == "local":
        pair = (
            Session(transport=InProcessTransport(server)),
            Session(transport=InProcessTransport(server)),
        )
        yield pair
    else:
        httpd = serve(server, "127.0.0.1", 0)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        pair = (Session(url, "ftorm", "test-key"), Session(url, "ftorm", "test-key"))
        yield pair
        httpd.shutdown()
        httpd.server_close()
    for session in pair:
        session.close()
    server.close()


def test_drop_mid_stream_loses_and_doubles_nothing(sessions: tuple[Session, Session]) -> None:
    listening, publishing = sessions
    listener, publisher = listening.events, publishing.events
    received: list[str] = []
    listener.subscribe("topic=stream", lambda event: received.append(event["data"]["n"]))
    ready: list[Event] = []
    publisher.subscribe("topic=stream", ready.append)  # the publisher's own echo
    publisher.publish(Event("stream", {"n": "warm-up"}))
    assert until(lambda: bool(received), step=lambda: (listener.wait(0.01), publisher.wait(0.01)))
    sent = [f"e{index}" for index in range(60)]
    for index, name in enumerate(sent):
        publisher.publish(Event("stream", {"n": name}))
        if index in (15, 40):
            listener.drop()  # as a network failure would
    assert until(
        lambda: len(received) >= len(sent) + 1,
        step=lambda: listener.wait(0.02),
    )
    listener.wait(0.2)  # anything doubled would arrive now
    assert received == ["warm-up", *sent]
    assert listener.reconnects >= 1


def test_publishing_while_disconnected_is_sent_after_reconnecting() -> None:
    server = Server(api_key="test-key")
    try:
        publisher = hub_for(InProcessTransport(server))
        watcher = hub_for(InProcessTransport(server))
        got: list[Event] = []
        watcher.subscribe("topic=late", got.append)
        publisher.connect()
        publisher.drop()
        publisher.publish(Event("late"))
        assert until(lambda: bool(got), step=lambda: watcher.wait(0.02))
        assert len(got) == 1
        publisher.close()
        watcher.close()
    finally:
        server.close()
