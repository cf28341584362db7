"""Helpers for the event hub's tests: raw connections to a server's hub, bounded waits."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ftorm.protocol import socketio
from ftorm.protocol.socketio import Code, Packet
from ftorm.server.eventhub import Connection, Hub

WAIT = 10.0  # seconds a test waits at most for something that should happen at once


def until(condition: Callable[[], bool], *, step: Callable[[], object] | None = None) -> bool:
    """Poll ``condition`` (running ``step`` between polls) until true or `WAIT` passes."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        if step is not None:
            step()
        else:
            time.sleep(0.01)
    return condition()


class Raw:
    """A client speaking raw packets to a hub's `Connection` (no socket)."""

    def __init__(self, hub: Hub, user: str = "ftorm", key: str = "test-key") -> None:
        self.connection: Connection = hub.attach(user, key)
        self._ids = 0
        self._held: list[Packet] = []  # read while waiting for an acknowledgement
        first = self.connection.next_outgoing(0)
        assert first == str(Packet(Code.CONNECT))

    def send(self, text: str) -> None:
        self.connection.receive(text)

    def publish(self, event: dict[str, Any]) -> Any:
        """Send ``event`` asking for an acknowledgement; the acknowledgement's argument."""
        self._ids += 1
        self.send(str(socketio.event(event, self._ids)))
        for packet in self.packets():
            if packet.code is Code.ACK:
                ident, args = socketio.read_ack(packet)
                assert ident == self._ids
                return args[0]
            self._held.append(packet)
        msg = "no acknowledgement"
        raise AssertionError(msg)

    def subscribe(self, expression: str, ident: str, **metadata: Any) -> Any:
        return self.publish(
            {
                "topic": "ftrack.meta.subscribe",
                "data": {"subscriber": {"id": ident, **metadata}, "subscription": expression},
            }
        )

    def packets(self) -> list[Packet]:
        """The packets waiting for this client."""
        found, self._held = self._held, []
        while (text := self.connection.next_outgoing(0)) is not None:
            found.append(socketio.parse_packet(text))
        return found

    def events(self) -> list[dict[str, Any]]:
        """The events waiting for this client (other packets dropped)."""
        return [json.loads(p.data)["args"][0] for p in self.packets() if p.code is Code.EVENT]
