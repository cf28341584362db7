"""The HTTP transport against a misbehaving server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ftorm.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    DownloadError,
    FtormError,
    ServerCompatibilityError,
    TransportError,
    ValidationError,
)
from ftorm.transport.http import HttpTransport

pytestmark = pytest.mark.http


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        self.server.requests.append((dict(self.headers), body))
        behaviour = self.server.script.pop(0) if self.server.script else "ok"
        if behaviour == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
            return
        if behaviour == "drip":  # headers at once, then one byte of the body at a time
            payload = json.dumps([{"action": op["action"], "data": []} for op in body]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            for index in range(len(payload)):
                try:
                    self.wfile.write(payload[index : index + 1])
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
            return
        if behaviour == "slow":
            time.sleep(0.6)
        if behaviour == "503":
            self._send(503, b"busy")
            return
        if behaviour == "html":
            self._send(200, b"<html>oops</html>")
            return
        if isinstance(behaviour, tuple):  # ("redirect", status, location)
            self.send_response(behaviour[1])
            self.send_header("Location", behaviour[2])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if isinstance(behaviour, dict):
            self._send(200, json.dumps(behaviour).encode())
            return
        self._send(200, json.dumps([{"action": op["action"], "data": []} for op in body]).encode())

    def do_GET(self) -> None:
        self.server.requests.append((dict(self.headers), self.path))
        behaviour = self.server.script.pop(0) if self.server.script else ("file", b"bytes")
        if behaviour[0] == "redirect":  # ("redirect", status, location)
            self.send_response(behaviour[1])
            self.send_header("Location", behaviour[2])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif behaviour[0] == "short":  # ("short", body): announces more than it sends
            self.send_response(200)
            self.send_header("Content-Length", str(len(behaviour[1]) + 10))
            self.end_headers()
            self.wfile.write(behaviour[1])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        else:  # ("file", body) or (status, body)
            self._send(200 if behaviour[0] == "file" else behaviour[0], behaviour[1])

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[dict[str, str], Any]] = []
        self.script: list[Any] = []


@pytest.fixture
def server() -> Iterator[_Server]:
    yield from _serve()


def _serve() -> Iterator[_Server]:
    httpd = _Server()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _transport(server: _Server, **options: Any) -> HttpTransport:
    host, port = server.server_address[:2]
    options.setdefault("sleep", lambda seconds: None)
    return HttpTransport(f"http://{host!s}:{port}/", "jane", "secret", **options)


QUERY = [{"action": "query", "expression": "Task"}]
CREATE = [{"action": "create", "entity_type": "Task", "entity_data": {"name": "x"}}]


def test_headers_and_body(server: _Server) -> None:
    result = _transport(server, strict_api=True).call(QUERY)
    assert result == [{"action": "query", "data": []}]
    headers, body = server.requests[0]
    assert headers["ftrack-user"] == "jane"
    assert headers["ftrack-api-key"] == "secret"
    assert headers["ftrack-strict-api"] == "true"
    assert body == QUERY


def test_reads_are_retried_after_a_dropped_connection(server: _Server) -> None:
    server.script = ["drop", "503"]
    assert _transport(server).call(QUERY) == [{"action": "query", "data": []}]
    assert len(server.requests) == 3


def test_a_dropped_write_is_not_sent_twice(server: _Server) -> None:
    server.script = ["drop"]
    with pytest.raises(ConnectError, match="may or may not have applied"):
        _transport(server).call(CREATE)
    assert len(server.requests) == 1


def test_a_timed_out_write_is_not_sent_twice(server: _Server) -> None:
    server.script = ["slow"]
    with pytest.raises(ConnectError):
        _transport(server, timeout=(2.0, 0.2)).call(CREATE)
    assert len(server.requests) == 1


def test_a_timed_out_read_is_retried_then_reported(server: _Server) -> None:
    server.script = ["slow", "slow"]
    with pytest.raises(ConnectError, match="cannot reach"):
        _transport(server, timeout=(2.0, 0.2), retries=1).call(QUERY)
    assert len(server.requests) == 2


def test_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = HttpTransport(f"http://127.0.0.1:{port}", "u", "k", sleep=lambda s: None)
    with pytest.raises(ConnectError):
        transport.call(CREATE)


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"exception": "ValidationError", "content": "bad", "error_code": None}, ValidationError),
        ({"exception": "InvalidCredentialsError", "content": "no"}, AuthenticationError),
        (
            {"exception": "ServerError", "content": "Invalid action u'nope'"},
            ServerCompatibilityError,
        ),
    ],
)
def test_error_objects_become_typed_errors(
    server: _Server, payload: dict[str, Any], error: type[Exception]
) -> None:
    server.script = [payload]
    with pytest.raises(error) as info:
        _transport(server).call(QUERY)
    assert payload["content"] in str(info.value)


def test_non_json_answer(server: _Server) -> None:
    server.script = ["html"]
    with pytest.raises(TransportError, match="unexpected format"):
        _transport(server).call(QUERY)


def test_bad_url() -> None:
    with pytest.raises(ConfigurationError, match="http"):
        HttpTransport("localhost:8765", "u", "k")
    with pytest.raises(FtormError):
        HttpTransport("ftp://x", "u", "k")


def _url(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


@pytest.fixture
def other_host() -> Iterator[_Server]:
    """A second server: another origin (another port on loopback)."""
    yield from _serve()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("batch", [QUERY, CREATE])
def test_no_credentials_across_a_redirect_to_another_origin(
    server: _Server, other_host: _Server, status: int, batch: list[dict[str, Any]]
) -> None:
    server.script = [("redirect", status, _url(other_host) + "/api")]
    with pytest.raises(TransportError, match="redirect") as info:
        _transport(server).call(batch)
    assert other_host.requests == []  # neither the key nor the batch reached it
    assert len(server.requests) == 1
    assert "secret" not in str(info.value)


def test_a_same_origin_307_is_followed(server: _Server) -> None:
    server.script = [("redirect", 307, "/moved/api")]
    assert _transport(server).call(CREATE) == [{"action": "create", "data": []}]
    assert len(server.requests) == 2
    assert server.requests[1][0]["ftrack-api-key"] == "secret"


def test_a_same_origin_302_is_not_followed(server: _Server) -> None:
    # 301/302/303 turn a POST into a GET: the batch would be lost, so it is an error.
    server.script = [("redirect", 302, "/elsewhere")]
    with pytest.raises(TransportError, match="302"):
        _transport(server).call(QUERY)
    assert len(server.requests) == 1


def test_redirect_loops_end(server: _Server) -> None:
    server.script = [("redirect", 307, "/api")] * 10
    with pytest.raises(TransportError, match="redirects"):
        _transport(server).call(QUERY)
    assert len(server.requests) == 6


def test_a_password_in_the_url_is_never_shown() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = HttpTransport(
        f"http://jane:hunter2@127.0.0.1:{port}", "u", "k", sleep=lambda s: None, retries=0
    )
    assert "hunter2" not in transport.display_url
    with pytest.raises(ConnectError) as info:
        transport.call(QUERY)
    assert "hunter2" not in str(info.value)
    assert "***" in str(info.value)
    with pytest.raises(ConfigurationError) as bad:
        HttpTransport("ftp://jane:hunter2@x", "u", "k")
    assert "hunter2" not in str(bad.value)


class _SteppingClock:
    """A fake clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step, self.reads = 1000.0, step, 0

    def __call__(self) -> float:
        self.reads += 1
        self.now += self.step
        return self.now


def test_timeout_bounds_the_whole_answer(server: _Server) -> None:
    # Each byte arrives well within the read timeout (0.5 s), but the whole answer takes
    # longer than connect + read (1.5 s) by the transport's clock, which gains 1 s a read.
    server.script = ["drip"]
    clock = _SteppingClock(1.0)
    transport = _transport(server, timeout=(1.0, 0.5), retries=0, clock=clock)
    with pytest.raises(ConnectError, match="may or may not") as info:
        transport.call(CREATE)
    assert "took longer than 1.5 s in all" in str(info.value)
    assert clock.reads == 3  # the deadline, one byte read in time, then past the deadline


def _download(transport: HttpTransport, component_id: str = "c-1") -> bytes:
    blocks: list[bytes] = []
    transport.download(component_id, blocks.append)
    return b"".join(blocks)


def test_download_sends_the_credentials_to_the_server(server: _Server) -> None:
    assert _download(_transport(server), "abc-1") == b"bytes"
    headers, path = server.requests[0]
    assert path == "/component/get?id=abc-1"
    assert (headers["ftrack-user"], headers["ftrack-api-key"]) == ("jane", "secret")


@pytest.mark.parametrize("status", [302, 307])
def test_download_follows_a_redirect_elsewhere_without_credentials(
    server: _Server, other_host: _Server, status: int
) -> None:
    server.script = [("redirect", status, _url(other_host) + "/bucket/signed?x=1")]
    other_host.script = [("file", b"x" * 100_000)]
    assert _download(_transport(server)) == b"x" * 100_000
    headers, path = other_host.requests[0]
    assert path == "/bucket/signed?x=1"
    assert "ftrack-api-key" not in headers
    assert "ftrack-user" not in headers


def test_download_failures_are_download_errors(server: _Server) -> None:
    missing = json.dumps({"exception": "ValidationError", "content": "no file is stored"})
    server.script = [(404, missing.encode()), ("short", b"half")]
    with pytest.raises(DownloadError, match=r"c-1 from http://127\.0\.0\.1:\d+: HTTP 404: no file"):
        _download(_transport(server))
    with pytest.raises(DownloadError, match="c-1"):
        _download(_transport(server))
    server.script = [("redirect", 307, "/again")] * 10
    with pytest.raises(DownloadError, match="redirects"):
        _download(_transport(server))
