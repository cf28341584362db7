"""Connections are bounded: at most ``max_connections`` are served at once and the others
wait to be accepted (none is reset), and a connection has ``header_timeout`` seconds in all
to send its request line and headers, however slowly it drips them."""

from __future__ import annotations

import contextlib
import json
import select
import socket
from collections.abc import Iterator

import pytest

from ftorm.errors import ConfigurationError
from ftorm.server.handlers import Server
from ftorm.server.limits import MAX_CONNECTIONS
from ftorm.server.wsgi import ThreadingWSGIServer, serve
from tests.server.server_helpers import serving_http

pytestmark = pytest.mark.http

USER, KEY = "u", "k"
QUERY = json.dumps([{"action": "query", "expression": "select name from Project"}]).encode()
REQUEST = (
    b"POST /api HTTP/1.1\r\nHost: x\r\nftrack-user: u\r\nftrack-api-key: k\r\n"
    b"Content-Type: application/json\r\nContent-Length: " + str(len(QUERY)).encode() + b"\r\n\r\n"
) + QUERY


def _answer(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes ``connection`` (bounded by its timeout)."""
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@contextlib.contextmanager
def _clients(address: tuple[str, int], count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections to ``address``, all open at once."""
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(socket.create_connection(address, timeout=60)) for _ in range(count)
        ]


def _answered_by_all(httpd: ThreadingWSGIServer, count: int) -> list[bytes]:
    """Open ``count`` connections at once, then send a request on each: the answers."""
    host, port = httpd.server_address[:2]
    with _clients((str(host), int(port)), count) as connections:
        for connection in connections:
            connection.sendall(REQUEST)
        return [_answer(connection) for connection in connections]


def test_300_simultaneous_clients_are_all_answered() -> None:
    with serving_http(Server(api_user=USER, api_key=KEY)) as httpd:
        assert httpd.request_queue_size == MAX_CONNECTIONS  # the accept queue fits the cap
        answers = _answered_by_all(httpd, 300)
        assert httpd.peak_connections <= MAX_CONNECTIONS
    assert len(answers) == 300
    for answer in answers:
        assert answer.startswith(b"HTTP/1.0 200 OK\r\n"), answer[:200]
        assert b'"action": "query"' in answer


def test_connections_beyond_the_cap_wait_to_be_accepted() -> None:
    with serving_http(Server(api_user=USER, api_key=KEY), max_connections=4) as httpd:
        assert httpd.request_queue_size == 4
        answers = _answered_by_all(httpd, 8)  # 4 served, 4 waiting in the accept queue
        assert httpd.peak_connections == 4
    assert all(answer.startswith(b"HTTP/1.0 200 OK\r\n") for answer in answers), answers


def test_headers_dripped_byte_by_byte_are_cut_at_the_header_timeout() -> None:
    # Each byte arrives well within the 60 s socket timeout; the headers as a whole do not
    # arrive within the 0.5 s header timeout, so the server closes the connection long
    # before the client could finish (120 s of dripping).
    server = Server(api_user=USER, api_key=KEY)
    with serving_http(server, timeout=60.0, header_timeout=0.5) as httpd:
        host, port = httpd.server_address[:2]
        with socket.create_connection((str(host), int(port)), timeout=60) as connection:
            closed = False
            for byte in REQUEST[:1200]:
                try:
                    connection.sendall(bytes([byte]))
                except OSError:  # reset: the server closed it
                    closed = True
                    break
                readable, _, _ = select.select([connection], [], [], 0.1)
                if readable:
                    try:
                        closed = connection.recv(65536) == b""
                    except OSError:
                        closed = True
                    if closed:
                        break
        assert closed, "the server waited for the dripped headers"
        assert httpd.peak_connections == 1


def test_a_silent_connection_holds_no_slot_past_the_header_timeout() -> None:
    # One slot only: a connection that never sends anything is dropped at the header timeout
    # (the socket timeout, 60 s, would hold the slot far longer), and the next one is served.
    server = Server(api_user=USER, api_key=KEY)
    with serving_http(server, timeout=60.0, header_timeout=0.5, max_connections=1) as httpd:
        address = (str(httpd.server_address[0]), int(httpd.server_address[1]))
        with (
            socket.create_connection(address, timeout=60) as silent,
            socket.create_connection(address, timeout=60) as waiting,
        ):
            waiting.sendall(REQUEST)
            assert _answer(silent) == b""  # dropped, nothing answered
            assert _answer(waiting).startswith(b"HTTP/1.0 200 OK\r\n")


@pytest.mark.parametrize(
    "options", [{"max_connections": 0}, {"header_timeout": 0.0}, {"timeout": -1.0}]
)
def test_bad_limits_are_refused(options: dict[str, float]) -> None:
    server = Server(api_user=USER, api_key=KEY)
    try:
        with pytest.raises(ConfigurationError):
            serve(server, "127.0.0.1", 0, **options)  # type: ignore[arg-type]
    finally:
        server.close()
