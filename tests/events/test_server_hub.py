"""The embedded server's hub (`ftorm.server.eventhub`, `ftorm.server.connections`), packet by
packet, without sockets."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from ftorm.protocol import socketio
from ftorm.protocol.events import MAX_EVENT_BYTES, MAX_SUBSCRIPTIONS
from ftorm.protocol.socketio import Code
from ftorm.server import connections
from ftorm.server.eventhub import Hub
from ftorm.server.handlers import Server
from tests.events.helpers import Raw


@pytest.fixture
def hub(server: Server) -> Hub:
    return server.events


def test_handshake_checks_credentials(hub: Hub) -> None:
    with pytest.raises(PermissionError):
        hub.handshake("ftorm", "wrong")
    with pytest.raises(PermissionError):
        hub.handshake(None, None)
    handshake = hub.handshake("ftorm", "test-key")
    assert handshake.transports == ("websocket",)
    assert hub.claim(handshake.session_id) is not None
    assert hub.claim(handshake.session_id) is None  # each session id opens one connection
    assert hub.claim("unknown") is None


def test_routing_by_subscription_once_per_connection(hub: Hub) -> None:
    a, b, c = Raw(hub), Raw(hub), Raw(hub)
    assert a.subscribe("topic=my.*", "a1") == {"success": True}
    assert a.subscribe("topic=my.topic and data.n>1", "a2") == {"success": True}
    assert b.subscribe("topic=other", "b1") == {"success": True}
    assert c.publish({"topic": "my.topic", "data": {"n": 2}, "id": "e1"}) == {"success": True}
    assert [e["id"] for e in a.events()] == ["e1"]  # two matching subscribers, one packet
    assert b.events() == []
    assert c.events() == []


def test_target_selects_subscribers_by_metadata(hub: Hub) -> None:
    a, b, c = Raw(hub), Raw(hub), Raw(hub)
    a.subscribe("topic=ftrack.meta.reply", "hub-a")
    b.subscribe("topic=ftrack.meta.reply", "hub-b")
    reply = {
        "topic": "ftrack.meta.reply",
        "target": "id=hub-b",
        "inReplyToEvent": "e1",
        "data": {"ok": 1},
    }
    assert c.publish(reply) == {"success": True}
    assert a.events() == []
    (received,) = b.events()
    assert received["inReplyToEvent"] == "e1"


def test_unsubscribe(hub: Hub) -> None:
    a, b = Raw(hub), Raw(hub)
    a.subscribe("topic=x", "a1")
    assert a.publish(
        {"topic": "ftrack.meta.unsubscribe", "data": {"subscriber": {"id": "a1"}}}
    ) == {"success": True}
    b.publish({"topic": "x"})
    assert a.events() == []
    missing = {"topic": "ftrack.meta.unsubscribe", "data": {"subscriber": {"id": "a1"}}}
    assert a.publish(missing)["success"] is False


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"topic": "ftrack.meta.connected"}, "the hub's own topic"),
        ({"topic": ""}, "needs a topic"),
        ({"data": {}}, "needs a topic"),
        ({"topic": "x", "source": "me"}, "source must be a dict"),
        ({"topic": "ftrack.meta.subscribe", "data": {}}, "data.subscriber"),
        (
            {
                "topic": "ftrack.meta.subscribe",
                "data": {"subscriber": {"id": "s"}, "subscription": "topic="},
            },
            "bad subscription",
        ),
    ],
)
def test_refused_events_answer_an_error_and_change_nothing(
    hub: Hub, event: dict[str, object], message: str
) -> None:
    client, watcher = Raw(hub), Raw(hub)
    watcher.subscribe("topic=*", "w")
    answer = client.publish(event)
    assert answer["success"] is False
    assert message in answer["message"]
    assert watcher.events() == []


def test_bad_packets_answer_error_packets(hub: Hub) -> None:
    client = Raw(hub)
    for text in ("garbage", "3:::hello", '5:::{"name":"other","args":[{}]}', "5:::not json"):
        client.send(text)
        (packet,) = client.packets()
        assert packet.code is Code.ERROR
    assert client.connection.closed_reason is None  # still usable
    assert client.subscribe("topic=x", "s") == {"success": True}


def test_huge_events_are_refused(hub: Hub) -> None:
    client, watcher = Raw(hub), Raw(hub)
    watcher.subscribe("topic=big", "w")
    answer = client.publish({"topic": "big", "data": {"blob": "x" * (MAX_EVENT_BYTES + 1)}})
    assert answer["success"] is False
    assert "at most" in answer["message"]
    assert watcher.events() == []


def test_subscription_floods_are_capped(hub: Hub) -> None:
    client = Raw(hub)
    for index in range(MAX_SUBSCRIPTIONS):
        assert client.subscribe("topic=x", f"s{index}") == {"success": True}
    answer = client.subscribe("topic=x", "one-too-many")
    assert answer["success"] is False
    assert "at most" in answer["message"]
    assert client.subscribe("topic=x", "s0")["success"] is True  # the same again is fine


def test_duplicate_subscriber_with_another_expression_is_refused(hub: Hub) -> None:
    client = Raw(hub)
    client.subscribe("topic=x", "s")
    assert client.subscribe("topic=y", "s")["success"] is False


def test_a_slow_client_is_disconnected_without_blocking_others(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(connections, "MAX_QUEUED", 5)
    slow, fast, publisher = Raw(hub), Raw(hub), Raw(hub)
    slow.subscribe("topic=x", "slow")
    fast.subscribe("topic=x", "fast")
    fast.packets()
    with caplog.at_level(logging.WARNING, logger="ftorm.server.eventhub"):
        for index in range(20):
            publisher.publish({"topic": "x", "id": f"e{index}"})
            assert len(fast.events()) == 1  # the fast one keeps reading
    assert slow.connection.closed_reason is not None
    assert "too slow" in slow.connection.closed_reason
    assert "too slow" in caplog.text
    assert slow.connection not in hub.connections


def test_commits_publish_ftrack_update(server: Server) -> None:
    listener = Raw(server.events)
    listener.subscribe("topic=ftrack.update", "l")
    (schema,) = server.handle(
        [{"action": "query", "expression": "select id from ProjectSchema limit 1"}]
    )
    assert listener.events() == []  # a read publishes nothing
    server.handle(
        [
            {
                "action": "create",
                "entity_type": "Project",
                "entity_data": {
                    "name": "p",
                    "full_name": "P",
                    "project_schema_id": schema["data"][0]["id"],
                },
            }
        ]
    )
    (event,) = listener.events()
    assert event["topic"] == "ftrack.update"
    (entity,) = event["data"]["entities"]
    assert (entity["entityType"], entity["entity_type"], entity["action"]) == (
        "show",
        "Project",
        "add",
    )
    failing = [{"action": "update", "entity_type": "Project", "entity_key": ["nope"],
                "entity_data": {"name": "x"}}]  # fmt: skip
    server.handle(failing)
    assert listener.events() == []  # a failed batch publishes nothing


def test_server_close_closes_connections(server: Server) -> None:
    client = Raw(server.events)
    server.close()
    assert client.connection.closed_reason is not None
    with pytest.raises(PermissionError):
        server.events.handshake("ftorm", "wrong")


def test_event_packets_carry_the_wire_reply_name(hub: Hub) -> None:
    a, b = Raw(hub), Raw(hub)
    a.subscribe("topic=ftrack.meta.reply", "hub-a")
    b.send(
        str(
            socketio.event(
                {"topic": "ftrack.meta.reply", "target": "id=hub-a", "inReplyToEvent": "e"}
            )
        )
    )
    packets = a.packets()
    assert json.loads(packets[0].data)["args"][0]["inReplyToEvent"] == "e"


def test_a_lost_connection_is_resumed_by_resubscribing(hub: Hub) -> None:
    listener, publisher = Raw(hub), Raw(hub)
    listener.subscribe("topic=x", "sub-1")
    listener.connection.close("network", lost=True)
    for index in range(3):
        publisher.publish({"topic": "x", "id": f"e{index}"})
    resumed = Raw(hub)
    assert resumed.subscribe("topic=x", "sub-1") == {"success": True}
    assert [e["id"] for e in resumed.events()] == ["e0", "e1", "e2"]
    publisher.publish({"topic": "x", "id": "e3"})
    assert [e["id"] for e in resumed.events()] == ["e3"]


def test_a_lost_connections_backlog_is_bounded(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(connections, "MAX_QUEUED", 6)  # a backlog of half that
    listener, publisher = Raw(hub), Raw(hub)
    listener.subscribe("topic=x", "sub-1")
    listener.connection.close("network", lost=True)
    with caplog.at_level(logging.WARNING, logger="ftorm.server.eventhub"):
        for index in range(10):
            publisher.publish({"topic": "x", "id": f"e{index}"})
    assert "backlog is full" in caplog.text
    resumed = Raw(hub)
    resumed.subscribe("topic=x", "sub-1")
    assert [e["id"] for e in resumed.events()] == ["e7", "e8", "e9"]


def test_a_client_that_says_goodbye_is_not_resumed(hub: Hub) -> None:
    listener, publisher = Raw(hub), Raw(hub)
    listener.subscribe("topic=x", "sub-1")
    listener.send("0::")
    publisher.publish({"topic": "x", "id": "e0"})
    resumed = Raw(hub)
    resumed.subscribe("topic=x", "sub-1")
    assert resumed.events() == []


def test_a_reconnection_noticed_before_the_lost_connection_takes_its_events_over(
    hub: Hub,
) -> None:
    # The client's old connection broke, but the server has not noticed yet (no read has
    # failed): the client subscribes again on a new connection first.
    old = Raw(hub)
    old.connection.acking = True  # ftorm's client acknowledges each event
    publisher = Raw(hub)
    old.subscribe("topic=x", "sub-1")
    for index in range(3):
        publisher.publish({"topic": "x", "id": f"e{index}"})
    assert len(old.events()) == 3  # sent on the old connection, never acknowledged
    resumed = Raw(hub)
    assert resumed.subscribe("topic=x", "sub-1") == {"success": True}
    assert old.connection.closed_reason is None  # a subscription never closes another
    publisher.publish({"topic": "x", "id": "e3"})  # reaches both connections
    assert [e["id"] for e in resumed.events()] == ["e3"]
    old.connection.close("network", lost=True)  # now the server notices the loss
    # the old connection's unacknowledged events go to the new one at once, e3 not twice
    assert [e["id"] for e in resumed.events()] == ["e0", "e1", "e2"]
    assert hub._parked == {}  # nothing left for nobody
    publisher.publish({"topic": "x", "id": "e4"})
    assert [e["id"] for e in resumed.events()] == ["e4"]


def test_another_connection_subscribing_the_same_id_closes_and_takes_nothing(hub: Hub) -> None:
    victim, publisher = Raw(hub), Raw(hub)
    victim.subscribe("topic=x", "sub-1")
    other = Raw(hub)  # the same API user, subscribing the victim's subscriber id
    assert other.subscribe("topic=x", "sub-1") == {"success": True}
    assert victim.connection.closed_reason is None
    publisher.publish({"topic": "x", "id": "e0"})
    assert [e["id"] for e in victim.events()] == ["e0"]  # still delivered to the victim


def test_only_the_same_user_takes_over_an_open_connections_subscriber(hub: Hub) -> None:
    first, publisher = Raw(hub), Raw(hub)
    first.subscribe("topic=x", "sub-1")
    other = Raw(hub)
    other.connection.user = "someone-else"  # as if another API user had connected
    assert other.subscribe("topic=x", "sub-1") == {"success": True}
    first.connection.close("network", lost=True)
    assert [e["id"] for e in other.events()] == []  # nothing handed to another user
    publisher.publish({"topic": "x", "id": "e0"})
    assert [e["id"] for e in other.events()] == ["e0"]


def test_a_target_that_does_not_parse_is_parsed_once_per_event(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    listeners = [Raw(hub) for _ in range(5)]
    for index, listener in enumerate(listeners):
        listener.subscribe("topic=x", f"sub-{index}")
    calls: list[str] = []
    real = connections.parse

    def counting(text: str) -> Any:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(connections, "parse", counting)
    assert hub.publish({"topic": "x", "id": "e0", "target": "id=("}) == 0
    assert calls == ["id=("]  # once for the event, not once per connection
    assert all(listener.events() == [] for listener in listeners)
