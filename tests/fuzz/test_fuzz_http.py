"""Hostile HTTP requests against ``ftorm serve``'s WSGI server on 127.0.0.1.

After each request: no HTTP 500, no internal error in a JSON answer, and the server still
answers a good request.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from ftorm.server.handlers import Server
from tests.fuzz.strategies import MAX_ERROR, raw_requests
from tests.server.server_helpers import serving

pytestmark = pytest.mark.http

USER, KEY = "fuzz", "fuzz-key"


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    with serving(Server(api_user=USER, api_key=KEY)) as address:
        yield address


def send_raw(address: tuple[str, int], request: bytes, timeout: float = 10.0) -> bytes:
    """Send ``request`` on a fresh connection; everything the server answers before closing."""
    with socket.create_connection(address, timeout=timeout) as connection:
        try:
            connection.sendall(request)
            connection.shutdown(socket.SHUT_WR)
        except OSError:  # the server may close early on a bad request: that is fine
            pass
        chunks = []
        while True:
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def alive(address: tuple[str, int]) -> None:
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.request(
            "POST",
            "/api",
            body=b'[{"action": "query_server_information"}]',
            headers={"ftrack-user": USER, "ftrack-api-key": KEY},
        )
        response = connection.getresponse()
        assert response.status == 200
        assert isinstance(json.loads(response.read()), list)
    finally:
        connection.close()


@settings(suppress_health_check=[HealthCheck.too_slow])  # each example is a connection
@given(request=raw_requests(USER, KEY))
def test_hostile_requests(address: tuple[str, int], request: bytes) -> None:
    answer = send_raw(address, request)
    if answer:
        status_line = answer.split(b"\r\n", 1)[0]
        assert b" 500 " not in status_line, status_line
        _head, _, body = answer.partition(b"\r\n\r\n")
        if body.startswith((b"{", b"[")):
            text = body.decode("utf-8", "replace")
            assert "internal error" not in text, text[:300]
            if body.startswith(b"{"):
                assert len(text) <= MAX_ERROR + 200, len(text)
    alive(address)
