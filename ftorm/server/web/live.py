"""The events view's stream: server-sent events from a subscription the app holds on the
event hub, in this process, with the logged-in user's credentials (`Hub.attach`, as an
in-process client attaches; the hub checks them as for any websocket).

The stream is bounded: it ends after `STREAM_SECONDS` (the browser's ``EventSource``
reconnects by itself), its hub connection is closed when it ends or the browser leaves,
and the hub's own bounds hold (a stream that falls too far behind is disconnected).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Final

from ftorm.errors import EventRejectedError, SubscriptionSyntaxError
from ftorm.protocol import socketio
from ftorm.protocol.events import SUBSCRIBE, new_event
from ftorm.protocol.socketio import Code
from ftorm.query.subscription import parse
from ftorm.server.eventhub import Hub

__all__ = ["KEEPALIVE_SECONDS", "STREAM_SECONDS", "stream"]

STREAM_SECONDS: Final = 25.0
"""How long one stream lasts before the browser opens the next."""
KEEPALIVE_SECONDS: Final = 5.0
"""Longest silence on a stream (a comment line is sent), so a closed page is noticed."""
RETRY_MS: Final = 1000
"""How soon the browser reconnects after a stream ends."""


def _message(kind: str, payload: Any) -> bytes:
    data = json.dumps(payload, ensure_ascii=False, default=str)
    return f"event: {kind}\ndata: {data}\n\n".encode()


def stream(
    hub: Hub, user: str, key: str, subscription: str, *, seconds: float = STREAM_SECONDS
) -> Iterator[bytes]:
    """Server-sent events: ``hub`` events (``event: hub``) matching ``subscription``, or
    one ``event: problem`` naming what is wrong (a bad expression: its caret message)."""
    yield f"retry: {RETRY_MS}\n\n".encode()
    try:
        parse(subscription)
    except SubscriptionSyntaxError as error:
        yield _message("problem", str(error))
        return
    try:
        connection = hub.attach(user, key)
    except (PermissionError, EventRejectedError) as error:
        yield _message("problem", str(error))
        return
    try:
        subscriber = {"id": uuid.uuid4().hex, "applicationId": "ftorm.web"}
        data = {"subscriber": subscriber, "subscription": subscription}
        connection.receive(str(socketio.event(new_event(SUBSCRIBE, data), 1)))
        yield _message("ready", subscription)
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                text = connection.next_outgoing(min(left, KEEPALIVE_SECONDS))
            except EOFError as closed:
                yield _message("problem", f"the hub closed the stream: {closed}")
                return
            if text is None:
                yield b": keepalive\n\n"
                continue
            packet = socketio.parse_packet(text)
            if packet.code is Code.EVENT:
                yield _message("hub", socketio.read_event(packet))
            elif packet.code is Code.ACK:
                _, answers = socketio.read_ack(packet)
                answer = answers[0] if answers else {}
                if isinstance(answer, dict) and answer.get("success") is False:
                    yield _message("problem", str(answer.get("message")))
                    return
    finally:
        connection.close("the page's stream ended")
