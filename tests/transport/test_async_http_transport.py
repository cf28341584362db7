"""`AsyncHttpTransport`: the blocking transport's policy, awaited (timeouts, retries of reads
only, no write sent twice). Servers listen on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import ftorm
from ftorm.protocol.operations import CreateOp, QueryOp
from ftorm.transport.ahttp import AsyncHttpTransport

pytestmark = pytest.mark.http


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "hang"
    posts = 0
    release = threading.Event()

    def do_POST(self) -> None:
        type(self).posts += 1
        length = int(self.headers.get("Content-Length", "0"))
        batch = json.loads(self.rfile.read(length))
        if self.mode == "hang":
            self.release.wait(10)  # longer than the client waits; released at teardown
            return
        if self.mode == "busy" and type(self).posts == 1:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps([{"action": "query", "data": [], "metadata": {}} for _ in batch])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def url() -> Iterator[str]:
    _Handler.posts = 0
    _Handler.release = threading.Event()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        _Handler.release.set()
        httpd.shutdown()
        httpd.server_close()


def _call(url: str, operations: list[Any], **options: Any) -> list[Any]:
    async def main() -> list[Any]:
        transport = AsyncHttpTransport(url, "user", "key", backoff=0, **options)
        try:
            return await transport.call(operations)
        finally:
            await transport.aclose()

    return asyncio.run(main())


def test_a_read_that_times_out_is_retried_then_reported(url: str) -> None:
    _Handler.mode = "hang"
    with pytest.raises(ftorm.ConnectError, match="cannot reach"):
        _call(url, [QueryOp("Project")], timeout=0.2, retries=1)
    assert _Handler.posts == 2


def test_a_write_that_times_out_is_never_sent_twice(url: str) -> None:
    _Handler.mode = "hang"
    create = CreateOp("Project", {"id": "p1", "name": "p"}, ("p1",))
    with pytest.raises(ftorm.ConnectError, match="may or may not have applied"):
        _call(url, [create], timeout=0.2, retries=3)
    assert _Handler.posts == 1


def test_a_busy_answer_to_a_read_is_retried(url: str) -> None:
    _Handler.mode = "busy"
    assert _call(url, [QueryOp("Project")], retries=2)[0]["data"] == []
    assert _Handler.posts == 2


def test_settings_are_checked() -> None:
    with pytest.raises(ftorm.ConfigurationError, match="http:// or https://"):
        AsyncHttpTransport("ftp://host", "user", "key")
    with pytest.raises(ftorm.ConfigurationError, match="max_connections"):
        AsyncHttpTransport("http://127.0.0.1:1", "user", "key", max_connections=0)
