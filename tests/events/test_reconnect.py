"""Dropping a connection mid-stream: the client reconnects, nothing is lost or doubled."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from ftorm import Session
from ftorm.errors import EventHubConnectionError
from ftorm.events import Event, EventHub
from ftorm.events.channel import Channel
from ftorm.events.connect import hub_for, local_channel
from ftorm.server.handlers import Server
from ftorm.server.wsgi import serve
from ftorm.transport.inprocess import InProcessTransport
from tests.events.helpers import WAIT, until


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
    subscription = listener.subscribe(
        "topic=stream", lambda event: received.append(event["data"]["n"])
    )
    # an event reaches the subscribers the hub knows when it is published: wait for the
    # hub to acknowledge the subscription before publishing
    assert listener.confirmed(subscription, WAIT)
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
    # Nothing lost, nothing twice. The order across a break is not promised: when the
    # client subscribes again before the server notices the old connection broke, the
    # events in flight on it arrive once the server notices, after newer ones.
    assert len(received) == len(set(received))
    assert sorted(received) == sorted(["warm-up", *sent])
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


def refusing_after_first(server: Server) -> tuple[Callable[[], Channel], list[int]]:
    """A connect function whose first connection reaches ``server`` and every later one is
    refused; and the list it appends to at each attempt."""
    opened: list[int] = []

    def connect() -> Channel:
        opened.append(1)
        if len(opened) > 1:
            msg = "refused"
            raise EventHubConnectionError(msg)
        return local_channel(server)

    return connect, opened


def test_reconnection_backs_off_then_gives_up_with_a_disconnected_event() -> None:
    server = Server(api_key="test-key")
    connect, opened = refusing_after_first(server)
    delays: list[float] = []

    hub = EventHub(connect, user="ftorm", reconnect_attempts=4, sleep=delays.append)
    try:
        topics: list[str] = []
        hub.subscribe("topic=ftrack.meta.*", lambda event: topics.append(event.topic))
        hub.drop()
        hub.wait(10)  # returns at ftrack.meta.disconnected
        assert delays == [0.1, 0.2, 0.4, 0.8]
        assert len(opened) == 5
        assert not hub.connected
        assert topics[-1] == "ftrack.meta.disconnected"
    finally:
        hub.close()
        server.close()


def test_waiting_after_the_client_gave_up_dispatches_the_disconnection() -> None:
    """Once reconnecting failed every attempt, `wait` does not race it with one more
    attempt: it dispatches ``ftrack.meta.disconnected``; `connect` is how to try again."""
    server = Server(api_key="test-key")
    connect, opened = refusing_after_first(server)

    hub = EventHub(connect, user="ftorm", reconnect_attempts=2, sleep=lambda _: None)
    try:
        topics: list[str] = []
        hub.subscribe("topic=ftrack.meta.*", lambda event: topics.append(event.topic))
        hub.connect()
        hub.drop()
        assert until(lambda: hub.gave_up)
        hub.wait(10)  # no new attempt: returns at ftrack.meta.disconnected
        assert topics[-1] == "ftrack.meta.disconnected"
        assert len(opened) == 3
        with pytest.raises(EventHubConnectionError, match="refused"):
            hub.connect()
        assert hub.gave_up
    finally:
        hub.close()
        server.close()


def test_a_disconnection_event_from_the_server_does_not_stop_dispatching() -> None:
    """Only the client's own ``ftrack.meta.disconnected`` (it gave up) ends `wait`; an event
    of that topic published by someone else is dispatched like any other."""
    server = Server(api_key="test-key")
    try:
        listener = hub_for(InProcessTransport(server))
        publisher = hub_for(InProcessTransport(server))
        got: list[str] = []
        subscription = listener.subscribe(
            "topic=ftrack.meta.disconnected or topic=after", lambda event: got.append(event.topic)
        )
        assert listener.confirmed(subscription, WAIT)
        # ftorm's server refuses that topic from clients; another server may pass it on:
        # received as the reading thread hands events over
        listener._dispatcher.put(Event("ftrack.meta.disconnected", source={"id": "another"}))
        publisher.publish(Event("after"))
        deadline = time.monotonic() + WAIT
        while "after" not in got and time.monotonic() < deadline:
            listener.wait(0.5)
        assert got == ["ftrack.meta.disconnected", "after"]
        assert not listener.gave_up
        publisher.close()
        listener.close()
    finally:
        server.close()


def test_the_dispatching_thread_goes_on_after_the_client_gave_up() -> None:
    """`start`'s thread survives a give-up: once `connect` succeeds again, events arrive."""
    server = Server(api_key="test-key")
    refusing = [False]

    def connect() -> Channel:
        if refusing[0]:
            msg = "refused"
            raise EventHubConnectionError(msg)
        return local_channel(server)

    hub = EventHub(connect, user="ftorm", reconnect_attempts=1, sleep=lambda _: None)
    publisher = hub_for(InProcessTransport(server))
    try:
        got: list[str] = []
        subscription = hub.subscribe("topic=later", lambda event: got.append(event.topic))
        hub.start()
        assert hub.confirmed(subscription, WAIT)
        refusing[0] = True
        hub.drop()
        assert until(lambda: hub.gave_up)
        refusing[0] = False
        hub.connect()
        assert hub.confirmed(subscription, WAIT)
        publisher.publish(Event("later"))
        assert until(lambda: got == ["later"])
    finally:
        publisher.close()
        hub.close()
        server.close()
