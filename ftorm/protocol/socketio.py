"""socket.io 0.9 as ftrack's event hub speaks it: the handshake answer and the packets.

After ``GET /socket.io/1/`` (with the ``ftrack-user`` and ``ftrack-api-key`` headers) the
server answers ``<session id>:<heartbeat timeout>:<close timeout>:websocket``; the client
then opens a websocket at ``/socket.io/1/websocket/<session id>``, where every text
message is one packet ``code:id:endpoint:data``:

=====  ==========  ===============================================================
code   name        data
=====  ==========  ===============================================================
0      disconnect  (none)
1      connect     (none): the server sends it once the websocket is open
2      heartbeat   (none): the server sends one regularly, the client answers one
3      message     text
4      json        JSON
5      event       ``{"name": "ftrack.event", "args": [event]}``
6      ack         ``<id>`` or ``<id>+<JSON array of arguments>``
7      error       ``reason+advice``
8      noop        (none)
=====  ==========  ===============================================================

An id followed by ``+`` (``5:12+::{...}``) asks for an acknowledgement carrying data: the
receiver answers ``6:::12+[...]``. Pure functions only: the server (`ftorm.server.eventhub`)
and the client (`ftorm.events`) both use them.
"""

from __future__ import annotations

import json
import re
from enum import IntEnum
from typing import Any, Final

import attrs

from ftorm.errors import EventRejectedError, excerpt

__all__ = [
    "ACKING_QUERY",
    "EVENT_NAME",
    "HANDSHAKE_PATH",
    "TRANSPORT",
    "WEBSOCKET_PATH",
    "Code",
    "Handshake",
    "Packet",
    "ack",
    "event",
    "parse_packet",
    "read_ack",
    "read_event",
]

HANDSHAKE_PATH: Final = "/socket.io/1/"
"""Where a client asks for a session id."""
WEBSOCKET_PATH: Final = "/socket.io/1/websocket/"
"""Followed by the session id: where the websocket opens."""
TRANSPORT: Final = "websocket"
"""The one transport ftrack's clients use (the handshake lists it)."""
ACKING_QUERY: Final = "?ftorm-ack=1"
"""Added to the websocket's path by ftorm's client: the server numbers the events it sends
(``5:<id>::...``) and the client acknowledges them (``6:::<id>``, which counts for every
event up to ``<id>``: one acknowledgement per batch), so a lost connection's unacknowledged
events are sent again when it resumes. ftrack's own clients do not ask, and are sent
``5:::...``."""
EVENT_NAME: Final = "ftrack.event"
"""The socket.io event name every ftrack event travels under."""


class Code(IntEnum):
    """socket.io 0.9's packet types."""

    DISCONNECT = 0
    CONNECT = 1
    HEARTBEAT = 2
    MESSAGE = 3
    JSON = 4
    EVENT = 5
    ACK = 6
    ERROR = 7
    NOOP = 8


_PACKET = re.compile(r"([0-8]):([0-9]{0,18})(\+?):([^:]*)(?::(.*))?\Z", re.S)


@attrs.frozen
class Packet:
    """One socket.io packet; ``str(packet)`` is its wire text."""

    code: Code
    id: int | None = None
    """The packet's id, for an acknowledgement."""
    wants_data: bool = False
    """The id was followed by ``+``: the acknowledgement should carry data."""
    endpoint: str = ""
    data: str = ""

    def __str__(self) -> str:
        ident = "" if self.id is None else f"{self.id}{'+' if self.wants_data else ''}"
        return f"{int(self.code)}:{ident}:{self.endpoint}:{self.data}"


def parse_packet(text: str) -> Packet:
    """The packet ``text`` is; `EventRejectedError` when it is not one.

    ``2::`` and ``2:::`` are both a heartbeat (the endpoint and data parts may be missing).
    """
    if not isinstance(text, str):
        msg = f"a socket.io packet is text, not {type(text).__name__}"  # type: ignore[unreachable]
        raise EventRejectedError(msg)
    match = _PACKET.match(text)
    if match is None:
        msg = f"not a socket.io packet (code:id:endpoint:data): {excerpt(text)}"
        raise EventRejectedError(msg)
    code, ident, plus, endpoint, data = match.groups()
    if plus and not ident:
        msg = f"a socket.io packet with '+' but no id: {excerpt(text)}"
        raise EventRejectedError(msg)
    return Packet(Code(int(code)), int(ident) if ident else None, bool(plus), endpoint, data or "")


def event(payload: Any, ident: int | None = None) -> Packet:
    """An event packet carrying ``payload`` under `EVENT_NAME` (asking for an
    acknowledgement with data when ``ident`` is given)."""
    data = json.dumps({"name": EVENT_NAME, "args": [payload]}, ensure_ascii=False)
    return Packet(Code.EVENT, ident, ident is not None, "", data)


def ack(ident: int, *args: Any) -> Packet:
    """The acknowledgement of packet ``ident``, with ``args`` as its data."""
    data = str(ident)
    if args:
        data += "+" + json.dumps(list(args), ensure_ascii=False)
    return Packet(Code.ACK, None, False, "", data)


def read_event(packet: Packet) -> Any:
    """The single argument of an `EVENT_NAME` event packet; `EventRejectedError` for any
    other event name, arguments that are not exactly one, or data that is not JSON."""
    try:
        payload = json.loads(packet.data)
    except (ValueError, RecursionError) as error:
        msg = f"the event packet's data is not JSON: {error}"
        raise EventRejectedError(msg) from None
    if not isinstance(payload, dict):
        msg = "the event packet's data is not an object {name, args}"
        raise EventRejectedError(msg)
    name = payload.get("name")
    if name != EVENT_NAME:
        msg = f"unknown socket.io event {excerpt(name)}: this hub carries {EVENT_NAME!r} only"
        raise EventRejectedError(msg)
    args = payload.get("args")
    if not isinstance(args, list) or len(args) != 1:
        msg = f"an {EVENT_NAME!r} packet carries one argument, the event"
        raise EventRejectedError(msg)
    return args[0]


def read_ack(packet: Packet) -> tuple[int, list[Any]]:
    """The id an acknowledgement answers and its arguments."""
    ident, _, rest = packet.data.partition("+")
    if not ident.isdigit() or len(ident) > 18:
        msg = f"an acknowledgement without a packet id: {excerpt(packet.data)}"
        raise EventRejectedError(msg)
    args: Any = []
    if rest:
        try:
            args = json.loads(rest)
        except (ValueError, RecursionError):
            args = None
        if not isinstance(args, list):
            msg = f"an acknowledgement's data is not a JSON array: {excerpt(rest)}"
            raise EventRejectedError(msg)
    return int(ident), args


@attrs.frozen
class Handshake:
    """The handshake's answer: ``<session id>:<heartbeat>:<close>:websocket``."""

    session_id: str
    heartbeat_timeout: int
    """Seconds without a packet after which either side may drop the connection."""
    close_timeout: int
    """Seconds the session id stays valid for opening the websocket."""
    transports: tuple[str, ...] = (TRANSPORT,)

    def __str__(self) -> str:
        transports = ",".join(self.transports)
        return f"{self.session_id}:{self.heartbeat_timeout}:{self.close_timeout}:{transports}"

    @classmethod
    def parse(cls, text: str) -> Handshake:
        """Read a handshake answer; `EventRejectedError` when it is not one."""
        parts = text.strip().split(":")
        if len(parts) != 4 or not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", parts[0]):
            msg = f"not a socket.io handshake answer: {excerpt(text)}"
            raise EventRejectedError(msg)
        try:
            heartbeat = int(parts[1] or 0)
            close = int(parts[2] or 0)
        except ValueError:
            msg = f"not a socket.io handshake answer: {excerpt(text)}"
            raise EventRejectedError(msg) from None
        return cls(parts[0], heartbeat, close, tuple(parts[3].split(",")))
