"""`session.events` against the embedded server: in-process and over a websocket."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ftorm import Session
from ftorm.errors import EventHubError, EventRejectedError, SubscriptionSyntaxError
from ftorm.events import Event, EventHub
from ftorm.models import Project, ProjectSchema
from ftorm.protocol.events import MAX_EVENT_BYTES
from ftorm.server.handlers import Server
from ftorm.server.wsgi import serve
from tests.events.helpers import WAIT, until


@pytest.fixture
def http_url() -> Iterator[str]:
    server = Server(api_key="test-key")
    httpd = serve(server, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    server.close()


@pytest.fixture(params=["local", "http"])
def session(request: pytest.FixtureRequest) -> Iterator[Session]:
    if request.param == "local":
        instance = Session.local()
    else:
        url = request.getfixturevalue("http_url")
        instance = Session(url, "ftorm", "test-key")
    yield instance
    instance.close()


def pump(hub: EventHub, condition: Any) -> bool:
    return until(condition, step=lambda: hub.wait(0.02))


def test_publish_subscribe_and_reply(session: Session) -> None:
    hub = session.events
    seen: list[Event] = []
    hub.subscribe("topic=my.topic", lambda event: seen.append(event) or {"answer": 42})
    replies: list[Event] = []
    event = Event("my.topic", {"n": 1})
    hub.publish(event, on_reply=replies.append)
    assert pump(hub, lambda: replies)
    assert [e.id for e in seen] == [event.id]
    assert replies[0]["data"] == {"answer": 42}
    assert replies[0]["in_reply_to_event"] == event.id


def test_commits_reach_listeners(session: Session) -> None:
    hub = session.events
    updates: list[Event] = []
    hub.subscribe("topic=ftrack.update", updates.append)
    schema = session.query(ProjectSchema).first()
    project = session.create(Project, name="p", full_name="P", project_schema=schema)
    session.commit()
    assert pump(hub, lambda: updates)
    (entity,) = updates[0]["data"]["entities"]
    assert entity["entityId"] == project.id
    assert entity["action"] == "add"
    project.full_name = "Renamed"
    session.commit()
    assert pump(hub, lambda: len(updates) == 2)
    (entity,) = updates[1]["data"]["entities"]
    assert entity["action"] == "update"
    assert entity["keys"] == ["full_name"]
    assert entity["changes"] == {"full_name": {"old": "P", "new": "Renamed"}}


def test_priority_stop_and_failing_callbacks(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    hub = session.events
    order: list[str] = []

    def failing(event: Event) -> None:
        order.append("failing")
        msg = "boom"
        raise RuntimeError(msg)

    def stopper(event: Event) -> None:
        order.append("stopper")
        event.stop()

    hub.subscribe("topic=t", lambda e: order.append("late"), priority=300)
    hub.subscribe("topic=t", stopper, priority=200)
    hub.subscribe("topic=t", failing, priority=10)
    with caplog.at_level(logging.ERROR, logger="ftorm.events.hub"):
        hub.publish(Event("t"))
        assert pump(hub, lambda: len(order) >= 2)
    assert order == ["failing", "stopper"]
    assert "boom" in caplog.text
    hub.publish(Event("t"))
    assert pump(hub, lambda: len(order) >= 4)  # the hub goes on


def test_synchronous_publish_runs_local_subscribers(session: Session) -> None:
    hub = session.events
    hub.subscribe("topic=sync", lambda event: event["data"]["n"] * 2)
    assert hub.publish(Event("sync", {"n": 21}), synchronous=True) == [42]


def test_unsubscribe_stops_delivery(session: Session) -> None:
    hub = session.events
    seen: list[Event] = []
    subscription = hub.subscribe("topic=u", seen.append)
    subscription.unsubscribe()
    with pytest.raises(EventHubError):
        subscription.unsubscribe()
    marker: list[Event] = []
    hub.subscribe("topic=marker", marker.append)
    hub.publish(Event("u"))
    hub.publish(Event("marker"))
    assert pump(hub, lambda: marker)
    assert seen == []


def test_unsubscribing_without_waiting_is_told_before_the_next_subscribe(
    session: Session,
) -> None:
    hub = session.events
    first = hub.subscribe("topic=w.one", lambda _: None, subscriber={"id": "w"})
    assert hub.confirmed(first, WAIT)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:  # as a thread connecting does
        with hub._lock:
            holding.set()
            release.wait(WAIT)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(WAIT)
    hub.unsubscribe(first, wait=False)
    returned_while_held = holder.is_alive() and not release.is_set()
    assert hub.subscriptions == []  # removed at once
    release.set()
    holder.join(WAIT)
    assert returned_while_held
    # the same id with another expression: the server was told of the first one before
    seen: list[Event] = []
    second = hub.subscribe("topic=w.two", seen.append, subscriber={"id": "w"})
    assert hub.confirmed(second, WAIT)
    assert second.refused is None
    hub.publish(Event("w.two"))
    assert pump(hub, lambda: seen)


def test_bad_input_is_refused_locally(session: Session) -> None:
    hub = session.events
    with pytest.raises(SubscriptionSyntaxError):
        hub.subscribe("topic=", print)
    with pytest.raises(EventRejectedError):
        hub.publish({"topic": "big", "data": "x" * (MAX_EVENT_BYTES + 1)})
    assert hub.publish({"data": {}}, on_error="ignore") is None
    subscription = hub.subscribe("topic=x", print, subscriber={"id": "same"})
    with pytest.raises(EventHubError):
        hub.subscribe("topic=x", print, subscriber={"id": "same"})
    assert subscription.id == "same"


def test_background_dispatch(session: Session) -> None:
    hub = session.events
    seen = threading.Event()
    names: list[str] = []

    def callback(event: Event) -> None:
        names.append(threading.current_thread().name)
        seen.set()

    hub.subscribe("topic=bg", callback)
    hub.start()
    hub.publish(Event("bg"))
    assert seen.wait(10)
    assert names == ["ftorm-events-dispatch"]


@pytest.mark.http
def test_handshake_over_http(http_url: str) -> None:
    ok = requests.get(
        f"{http_url}/socket.io/1/",
        headers={"ftrack-user": "ftorm", "ftrack-api-key": "test-key"},
        timeout=10,
    )
    assert ok.status_code == 200
    session_id, heartbeat, close, transports = ok.text.split(":")
    assert len(session_id) >= 16
    assert int(heartbeat) > 0
    assert int(close) > 0
    assert transports == "websocket"
    refused = requests.get(
        f"{http_url}/socket.io/1/",
        headers={"ftrack-user": "ftorm", "ftrack-api-key": "wrong"},
        timeout=10,
    )
    assert refused.status_code == 401


@pytest.mark.http
def test_websocket_refuses_unknown_session_ids(http_url: str) -> None:
    from ftorm.errors import EventHubConnectionError
    from ftorm.transport.websocket import open_websocket

    with pytest.raises(EventHubConnectionError, match="403"):
        open_websocket(http_url, "not-a-session")


def test_a_servers_reason_of_refusal_is_quoted_safely() -> None:
    from ftorm.events.connection import _reason

    assert _reason("a connection holds at most 1,000 subscribers") == (
        "a connection holds at most 1,000 subscribers"
    )
    assert _reason(None) == "no reason given"
    assert _reason("\x1b[2Jgone") == repr("\x1b[2Jgone")  # no terminal control from a server
    assert len(_reason("x" * 100_000)) < 300
    assert _reason({"nested": [1]}) == repr({"nested": [1]})
