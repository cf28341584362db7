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
