"""The hub's websocket: the connect packet, heartbeats both ways, silent clients dropped."""

from __future__ import annotations

import pytest
import requests

from ftorm.events.connect import hub_for
from ftorm.protocol.socketio import Code, Handshake, parse_packet
from ftorm.server.handlers import Server
from ftorm.transport.http import HttpTransport
from ftorm.transport.websocket import open_websocket
from tests.events.helpers import until
from tests.server.server_helpers import serving

pytestmark = pytest.mark.http


def _session_id(url: str) -> str:
    answer = requests.get(
        f"{url}/socket.io/1/",
        headers={"ftrack-user": "ftorm", "ftrack-api-key": "test-key"},
        timeout=10,
    )
    return Handshake.parse(answer.text).session_id


def test_connect_then_heartbeats_and_a_silent_client_is_dropped(server: Server) -> None:
    server.events.heartbeat_interval = 0.05
    server.events.heartbeat_timeout = 0.5
    with serving(server, close=False) as (host, port):
        url = f"http://{host}:{port}"
        websocket = open_websocket(url, _session_id(url))
        try:
            websocket.socket.settimeout(10)
            assert parse_packet(websocket.receive()).code is Code.CONNECT
            assert parse_packet(websocket.receive()).code is Code.HEARTBEAT
            codes = []
            closed = False
            for _ in range(1000):  # the client never answers: the server hangs up
                try:
                    codes.append(parse_packet(websocket.receive()).code)
                except EOFError:
                    closed = True
                    break
            assert closed
            assert set(codes) <= {Code.HEARTBEAT}
        finally:
            websocket.socket.close()
        assert until(lambda: not server.events.connections)


def test_the_client_answers_heartbeats_and_stays_connected(server: Server) -> None:
    server.events.heartbeat_interval = 0.05
    server.events.heartbeat_timeout = 0.5
    with serving(server, close=False) as (host, port):
        hub = hub_for(HttpTransport(f"http://{host}:{port}", "ftorm", "test-key"))
        hub.connect()
        (connection,) = server.events.connections
        hub.wait(1.5)  # three heartbeat timeouts
        assert server.events.connections == [connection]
        assert connection.closed_reason is None
        assert hub.reconnects == 0
        hub.close()
        assert until(lambda: not server.events.connections)


def test_a_client_that_stops_reading_is_dropped_and_slows_no_one(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ftorm.events import Event
    from ftorm.protocol import socketio
    from ftorm.server import connections

    monkeypatch.setattr(connections, "MAX_QUEUED", 10)
    with serving(server, close=False) as (host, port):
        url = f"http://{host}:{port}"
        stuck = open_websocket(url, _session_id(url))  # subscribes, then never reads again
        try:
            subscribe = {
                "topic": "ftrack.meta.subscribe",
                "data": {"subscriber": {"id": "stuck"}, "subscription": "topic=big"},
            }
            stuck.send(str(socketio.event(subscribe)))
            fast = hub_for(HttpTransport(url, "ftorm", "test-key"))
            got: list[Event] = []
            fast.subscribe("topic=big", got.append)
            assert until(lambda: len(server.events.connections) == 2)
            assert until(lambda: all(c.subscribers for c in server.events.connections))
            blob = "x" * 200_000
            for index in range(100):  # 20 MB: more than the socket buffers hold
                fast.publish(Event("big", {"n": index, "blob": blob}))
                if index % 5 == 4:  # paced: the reading client never falls 10 behind
                    assert until(lambda n=index: len(got) > n, step=lambda: fast.wait(0.02))
            assert [event["data"]["n"] for event in got] == list(range(100))
            assert until(lambda: len(server.events.connections) == 1)
            assert fast.reconnects == 0
            fast.close()
        finally:
            stuck.socket.close()
