"""ftrack_api's own ``EventHub`` against ``ftorm serve``, beside ftorm's client.

Runs in the official client's environment (``tests/compat/run.sh VENV``), where ftorm is
installed too: ftrack_api's hub connects (handshake, websocket, heartbeats), subscribes,
publishes and receives replies, receives the ``ftrack.update`` of commits made with ftorm,
and actions round-trip between the two clients. Skipped where the client is not installed.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.skip_policy import import_official_client

import_official_client()  # the one allowed skip where the client is not installed
event_base = pytest.importorskip("ftrack_api.event.base")
event_hub = pytest.importorskip("ftrack_api.event.hub")

from compat_serve import serving  # noqa: E402  (a sibling)

API_USER = "compat-user"
API_KEY = "compat-" + uuid.uuid4().hex
WAIT = 20.0


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with serving(API_USER, API_KEY) as url:
        yield url


@pytest.fixture
def official_hub(server_url: str) -> Iterator[Any]:
    hub = event_hub.EventHub(server_url, API_USER, API_KEY)
    hub.connect()
    yield hub
    if hub.connected:
        hub.disconnect()


@pytest.fixture
def ftorm_session(server_url: str) -> Iterator[Any]:
    import ftorm

    session = ftorm.Session(server_url, API_USER, API_KEY)
    yield session
    session.close()


def pump(condition: Callable[[], bool], *hubs: Any) -> bool:
    """Let every hub dispatch until ``condition`` holds (at most `WAIT` seconds)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        for hub in hubs:
            hub.wait(0.05)
    return condition()


def test_official_hub_connects_subscribes_and_gets_replies(official_hub: Any) -> None:
    topic = f"compat.{uuid.uuid4().hex[:8]}"
    official_hub.subscribe(f"topic={topic}", lambda event: {"echo": event["data"]["n"]})
    replies: list[Any] = []
    event = event_base.Event(topic, data={"n": 7})
    official_hub.publish(event, on_reply=replies.append)
    assert pump(lambda: bool(replies), official_hub)
    assert replies[0]["data"] == {"echo": 7}
    assert replies[0]["in_reply_to_event"] == event["id"]


def test_official_listener_receives_ftorm_commits(official_hub: Any, ftorm_session: Any) -> None:
    from ftorm.models import Project, ProjectSchema

    updates: list[Any] = []
    official_hub.subscribe("topic=ftrack.update", updates.append)
    time.sleep(0.5)  # the subscription reaches the server before the commit
    schema = ftorm_session.query(ProjectSchema).first()
    name = f"compat-{uuid.uuid4().hex[:8]}"
    project = ftorm_session.create(Project, name=name, full_name=name, project_schema=schema)
    ftorm_session.commit()
    mine = lambda: [  # noqa: E731
        entity
        for event in updates
        for entity in event["data"]["entities"]
        if entity["entityId"] == project.id
    ]
    assert pump(lambda: bool(mine()), official_hub)
    (entity,) = mine()
    assert (entity["entityType"], entity["entity_type"], entity["action"]) == (
        "show",
        "Project",
        "add",
    )
    assert entity["changes"]["name"]["new"] == name


def test_events_and_replies_cross_between_the_two_clients(
    official_hub: Any, ftorm_session: Any
) -> None:
    from ftorm.events import Event

    ours = ftorm_session.events
    topic = f"compat.{uuid.uuid4().hex[:8]}"
    ours.subscribe(f"topic={topic}.ask-ftorm", lambda event: {"from": "ftorm"})
    official_hub.subscribe(f"topic={topic}.ask-official", lambda event: {"from": "official"})
    time.sleep(0.5)
    official_replies: list[Any] = []
    official_hub.publish(event_base.Event(f"{topic}.ask-ftorm"), on_reply=official_replies.append)
    ftorm_replies: list[Any] = []
    ours.publish(Event(f"{topic}.ask-official"), on_reply=ftorm_replies.append)
    assert pump(lambda: bool(official_replies and ftorm_replies), official_hub, ours)
    assert official_replies[0]["data"] == {"from": "ftorm"}
    assert ftorm_replies[0]["data"] == {"from": "official"}


def test_an_ftorm_action_answers_the_official_client(official_hub: Any, ftorm_session: Any) -> None:
    from ftorm.events import Action

    class Hello(Action):
        identifier = f"compat.hello.{uuid.uuid4().hex[:8]}"
        label = "Hello"

        def launch(self, selection: Any, event: Any) -> Any:
            return {"success": True, "message": f"hello {len(selection)}"}

    Hello().register(ftorm_session.events)
    time.sleep(0.5)
    selection = [{"entityId": "x", "entityType": "task"}]
    items: list[Any] = []
    official_hub.publish(
        event_base.Event("ftrack.action.discover", data={"selection": selection}),
        on_reply=items.append,
    )
    assert pump(lambda: bool(items), official_hub, ftorm_session.events)
    assert items[0]["data"]["items"][0]["actionIdentifier"] == Hello.identifier
    results: list[Any] = []
    launch = {"actionIdentifier": Hello.identifier, "selection": selection}
    official_hub.publish(
        event_base.Event("ftrack.action.launch", data=launch), on_reply=results.append
    )
    assert pump(lambda: bool(results), official_hub, ftorm_session.events)
    assert results[0]["data"] == {"success": True, "message": "hello 1"}


def test_official_hub_reconnects_and_doubles_nothing(server_url: str, ftorm_session: Any) -> None:
    """ftrack's client acknowledges nothing, so what the server wrote to the broken
    connection before it noticed the break is lost for it (docs/how-to/use-events.md); what
    it had not written is kept for the connection that resubscribes. Events published just
    after the break may fall on either side: each arrives at most once, in order, and
    everything published once the client is back arrives."""
    from ftorm.events import Event

    hub = event_hub.EventHub(server_url, API_USER, API_KEY)
    hub.connect()
    try:
        topic = f"compat.{uuid.uuid4().hex[:8]}"
        received: list[int] = []
        hub.subscribe(f"topic={topic}", lambda event: received.append(event["data"]["n"]))
        time.sleep(0.5)
        publisher = ftorm_session.events
        publisher.publish(Event(topic, {"n": 0}))
        assert pump(lambda: received == [0], hub)
        first = hub._connection
        first.sock.shutdown(socket.SHUT_RDWR)  # the network fails; the hub reconnects itself
        for number in range(1, 6):
            publisher.publish(Event(topic, {"n": number}))
        assert pump(lambda: hub.connected and hub._connection is not first, hub)
        time.sleep(0.5)  # (as above: the resubscription reaches the server)
        for number in range(6, 9):
            publisher.publish(Event(topic, {"n": number}))
        assert pump(lambda: {6, 7, 8} <= set(received), hub)
        hub.wait(0.5)
        assert received == sorted(set(received))  # in order, nothing twice
        assert received[0] == 0
        assert received[-3:] == [6, 7, 8]
    finally:
        if hub.connected:
            hub.disconnect()
