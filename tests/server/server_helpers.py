"""Helpers shared by the embedded server's tests (imported by module name: this test
directory is not a package)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ftorm.server.handlers import Server
from ftorm.server.wsgi import SOCKET_TIMEOUT, ThreadingWSGIServer, serve

Call = Callable[..., Any]


def make_call(server: Server) -> Call:
    """``call(op, ...)``: the batch's results; fails the test on an error object."""

    def call(*operations: dict[str, Any]) -> list[Any]:
        result = server.handle(list(operations))
        assert isinstance(result, list), result
        return result

    return call


def query(call: Call, expression: str) -> list[dict[str, Any]]:
    """The ``data`` of one query."""
    result = call({"action": "query", "expression": expression})[0]
    assert set(result) == {"action", "data", "metadata"}
    data: list[dict[str, Any]] = result["data"]
    return data


def create(call: Call, entity_type: str, **data: Any) -> dict[str, Any]:
    """Create one entity and return the echoed data."""
    result = call({"action": "create", "entity_type": entity_type, "entity_data": data})[0]
    entity: dict[str, Any] = result["data"]
    return entity


def ref(entity: dict[str, Any]) -> dict[str, Any]:
    """The wire reference of an echoed entity."""
    return {"__entity_type__": entity["__entity_type__"], "id": entity["id"]}


@contextlib.contextmanager
def serving(
    server: Server, *, timeout: float = SOCKET_TIMEOUT, close: bool = True
) -> Iterator[tuple[str, int]]:
    """``server`` over HTTP on a free loopback port, in a thread: its (host, port)."""
    with serving_http(server, close=close, timeout=timeout) as httpd:
        host, port = httpd.server_address[:2]
        yield str(host), int(port)


@contextlib.contextmanager
def serving_http(
    server: Server, *, close: bool = True, **options: Any
) -> Iterator[ThreadingWSGIServer]:
    """``server`` over HTTP on a free loopback port, in a thread (``options`` go to
    `ftorm.server.wsgi.serve`): the HTTP server."""
    httpd = serve(server, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        if close:
            server.close()


def configure(
    call: Call, key: str, kind: str, type_name: str | None = "number", **data: Any
) -> dict[str, Any]:
    """Create a custom attribute configuration ``key`` for configuration entity type
    ``kind`` (``show``, ``task`` ...) of the built-in type ``type_name``; echoed data."""
    entity_data: dict[str, Any] = {"key": key, "label": key, "entity_type": kind, **data}
    if type_name is not None:
        found = query(call, f'select id from CustomAttributeType where name is "{type_name}"')
        entity_data["type"] = {"__entity_type__": "CustomAttributeType", "id": found[0]["id"]}
    operation = {
        "action": "create",
        "entity_type": "CustomAttributeConfiguration",
        "entity_data": entity_data,
    }
    configuration: dict[str, Any] = call(operation)[0]["data"]
    return configuration
