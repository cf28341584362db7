"""socket.io 0.9 packets and handshake answers (`ftorm.protocol.socketio`)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftorm.errors import EventRejectedError
from ftorm.protocol import socketio
from ftorm.protocol.socketio import Code, Handshake, Packet


def test_ftrack_packets_read_as_ftrack_writes_them() -> None:
    event = socketio.parse_packet('5:1+::{"name":"ftrack.event","args":[{"topic":"a"}]}')
    assert (event.code, event.id, event.wants_data, event.endpoint) == (Code.EVENT, 1, True, "")
    assert socketio.read_event(event) == {"topic": "a"}
    assert socketio.parse_packet("2::") == Packet(Code.HEARTBEAT)
    assert socketio.parse_packet("2:::") == Packet(Code.HEARTBEAT)
    assert socketio.parse_packet("1::") == Packet(Code.CONNECT)
    ack = socketio.parse_packet('6:::7+[{"success":true}]')
    assert socketio.read_ack(ack) == (7, [{"success": True}])
    assert socketio.read_ack(socketio.parse_packet("6:::7")) == (7, [])


def test_written_packets() -> None:
    assert str(Packet(Code.HEARTBEAT)) == "2:::"
    assert str(socketio.ack(3, {"success": True})) == '6:::3+[{"success": true}]'
    packet = socketio.event({"topic": "x"}, 4)
    assert str(packet).startswith("5:4+::")
    assert json.loads(packet.data) == {"name": "ftrack.event", "args": [{"topic": "x"}]}


@given(
    st.sampled_from(list(Code)),
    st.none() | st.integers(0, 10**12),
    st.booleans(),
    st.text(alphabet=st.characters(blacklist_characters=":"), max_size=5),
    st.text(max_size=50),
)
def test_packets_round_trip(
    code: Code, ident: int | None, plus: bool, endpoint: str, data: str
) -> None:
    packet = Packet(code, ident, plus and ident is not None, endpoint, data)
    assert socketio.parse_packet(str(packet)) == packet


@given(st.text(max_size=60))
def test_any_text_is_a_packet_or_a_typed_error(text: str) -> None:
    try:
        packet = socketio.parse_packet(text)
    except EventRejectedError:
        return
    assert isinstance(packet.code, Code)


@pytest.mark.parametrize(
    "text", ["", "9::", "x:1::", "5:+::{}", "5", "5:abc::{}", "5:" + "1" * 30 + "::{}"]
)
def test_bad_packets_are_refused(text: str) -> None:
    with pytest.raises(EventRejectedError):
        socketio.parse_packet(text)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not json", "not JSON"),
        ("[1]", "not an object"),
        ('{"name": "other", "args": [{}]}', "unknown socket.io event"),
        ('{"name": "ftrack.event", "args": []}', "one argument"),
        ('{"name": "ftrack.event", "args": [{}, {}]}', "one argument"),
    ],
)
def test_bad_event_packets_are_refused(data: str, message: str) -> None:
    with pytest.raises(EventRejectedError, match=message):
        socketio.read_event(Packet(Code.EVENT, data=data))


def test_bad_acks_are_refused() -> None:
    with pytest.raises(EventRejectedError):
        socketio.read_ack(Packet(Code.ACK, data="x"))
    with pytest.raises(EventRejectedError):
        socketio.read_ack(Packet(Code.ACK, data="1+{}"))


def test_handshake_answer() -> None:
    handshake = Handshake("abc123", 60, 60)
    assert str(handshake) == "abc123:60:60:websocket"
    assert Handshake.parse(str(handshake)) == handshake
    assert Handshake.parse("s:15:25:websocket,xhr-polling").transports == (
        "websocket",
        "xhr-polling",
    )
    for bad in ("", "a:b:c", "a:x:1:websocket", "bad id!:1:1:websocket"):
        with pytest.raises(EventRejectedError):
            Handshake.parse(bad)
