"""A misbehaving ftrack server on 127.0.0.1, for the clone's and the session's tests.

`Hostile` answers ``POST /api`` through an embedded `Server` (or none) and then lets a test
rewrite the answer (``tamper``: the batch and the server's results in, the results or raw bytes
out), and answers ``GET /component/get`` with whatever ``file`` writes. Each request is
counted, so a test can tell that a client stopped.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ftorm.server.handlers import Server

USER, KEY = "hostile", "hostile-key"

Tamper = Callable[[list[dict[str, Any]], list[Any]], "list[Any] | bytes"]
FileReply = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    server: Hostile
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        batch = json.loads(self.rfile.read(length))
        self.server.requests += 1
        if self.server.max_requests and self.server.requests > self.server.max_requests:
            body = json.dumps({"exception": "ServerError", "content": "too many requests"})
            self._send(body.encode())
            return
        source = self.server.source
        results = source.handle(batch) if source is not None else [{} for _ in batch]
        answer: list[Any] | bytes | dict[str, Any] = results
        if self.server.tamper is not None and isinstance(results, list):
            answer = self.server.tamper(batch, results)
        self._send(answer if isinstance(answer, bytes) else json.dumps(answer).encode())

    def do_GET(self) -> None:
        self.server.requests += 1
        self.server.file(self)

    def _send(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _no_file(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(404)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


class Hostile(ThreadingHTTPServer):
    """An embedded `Server` behind a front that rewrites its answers (see the module)."""

    daemon_threads = True

    def __init__(self, source: Server | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.source = source
        self.tamper: Tamper | None = None
        self.file: FileReply = _no_file
        self.requests = 0
        self.max_requests = 0
        """Past this many requests every answer is an error (0: no cap): a client that
        does not stop fails its test instead of running forever."""

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@contextlib.contextmanager
def hostile(source: Server | None = None) -> Iterator[Hostile]:
    """``source`` behind a `Hostile` front, served on a thread (without ``source`` every
    answer is the ``tamper``'s)."""
    httpd = Hostile(source)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def nested(depth: int) -> bytes:
    """A JSON array nested ``depth`` levels deep."""
    return b"[" * depth + b"]" * depth
