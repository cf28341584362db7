"""Both HTTP transports against a hostile server on 127.0.0.1: one deadline per attempt,
whatever the redirects, and a cap on the decoded size of an API answer (a compression bomb,
an endless body), without breaking exactly-once commits."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftorm
from ftorm.models import Project
from ftorm.protocol.operations import CreateOp, OperationLike, QueryOp
from ftorm.session import Session
from ftorm.transport.ahttp import AsyncHttpTransport
from ftorm.transport.decoding import BoundedDecoder
from ftorm.transport.http import MAX_ANSWER_BYTES, HttpTransport
from ftorm.transport.inprocess import InProcessTransport

pytestmark = pytest.mark.http

QUERY = [QueryOp("Project")]
CREATE = [CreateOp("Project", {"id": "p1", "name": "p"}, ("p1",))]
CAP = 64 * 1024
"""The answer limit the size tests set."""
BOMB = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
"""64 MiB of spaces (valid JSON whitespace), gzipped to about 64 KiB."""
ENDLESS_CHUNKS = 4096
"""Chunks of 4 KiB the endless answer sends at most (16 MiB), so the server's loop ends."""


class FakeClock:
    """A clock that only the server moves: ``step`` seconds per request served."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        batch = json.loads(self.rfile.read(length))
        server = self.server
        with server.lock:
            server.posts += 1
        mode = server.mode
        if mode == "slow-redirect":  # each hop takes a while to answer, by the clock given
            server.clock.now += server.step
            if server.pause:
                time.sleep(server.pause)
            self.send_response(307)
            self.send_header("Location", "/api")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "bomb":
            self._send(BOMB, gzipped=True)
            return
        if mode == "endless":
            self._endless()
            return
        if mode == "forward":  # the embedded server behind HTTP; a too large answer once
            results = server.inner.call(batch)
            writes = any(op.get("action") != "query" for op in batch)
            if writes and server.bomb_next_write:
                server.bomb_next_write = False
                self._send(BOMB, gzipped=True)
                return
            self._send(json.dumps(results).encode(), gzipped=False)
            return
        answer = json.dumps([{"action": op["action"], "data": []} for op in batch]).encode()
        self._send(gzip.compress(answer) if mode == "gzip" else answer, gzipped=mode == "gzip")

    def _send(self, body: bytes, *, gzipped: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client stopped reading
            self.wfile.write(body)

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"1000\r\n" + b" " * 4096 + b"\r\n"
        try:
            for _ in range(ENDLESS_CHUNKS):
                self.wfile.write(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client stopped reading
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.posts = 0
        self.mode = "ok"
        self.clock = FakeClock()
        self.step = 0.0
        self.pause = 0.0
        self.inner: InProcessTransport[Any]
        self.bomb_next_write = False

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


Call = Callable[..., list[Any]]


def _sync(url: str, operations: Sequence[OperationLike], **options: Any) -> list[Any]:
    transport = HttpTransport(url, "jane", "secret", sleep=lambda seconds: None, **options)
    try:
        return transport.call(operations)
    finally:
        transport.close()


def _async(url: str, operations: Sequence[OperationLike], **options: Any) -> list[Any]:
    async def main() -> list[Any]:
        transport = AsyncHttpTransport(url, "jane", "secret", backoff=0, **options)
        try:
            return await transport.call(operations)
        finally:
            await transport.aclose()

    return asyncio.run(main())


DRIVERS = [pytest.param(_sync, id="requests"), pytest.param(_async, id="httpx")]


# --- one deadline per attempt, the redirect chain included ---------------------------------


@pytest.mark.parametrize("call", DRIVERS)
def test_one_deadline_covers_the_redirect_chain(server: _Server, call: Call) -> None:
    # Each hop takes 4 s by the transport's clock, within the read timeout (5 s); the
    # attempt's deadline is 10 s (connect + read). Hops at 0, 4 and 8 s are sent; at 12 s
    # the deadline is past, so the fourth hop is never sent (one deadline per hop would
    # have sent all six the redirect limit allows, 6 x 10 s in all).
    server.mode, server.step = "slow-redirect", 4.0
    with pytest.raises(ftorm.ConnectError, match="cannot reach") as info:
        call(server.url, QUERY, timeout=(5.0, 5.0), retries=0, clock=server.clock)
    assert "took longer than 10 s in all" in str(info.value)
    assert server.posts == 3


@pytest.mark.parametrize(
    ("operations", "retries", "error", "posts"),
    [
        pytest.param(QUERY, 1, "cannot reach", 6, id="a read: three hops per attempt"),
        pytest.param(CREATE, 3, "may or may not have applied", 3, id="a write: never again"),
    ],
)
@pytest.mark.parametrize("call", DRIVERS)
def test_retries_after_a_redirect_chain_out_of_time(
    server: _Server, call: Call, operations: list[Any], retries: int, error: str, posts: int
) -> None:
    # Each retry of a read has a deadline of its own; a write out of time is not sent again.
    server.mode, server.step = "slow-redirect", 4.0
    with pytest.raises(ftorm.ConnectError, match=error):
        call(server.url, operations, timeout=(5.0, 5.0), retries=retries, clock=server.clock)
    assert server.posts == posts


@pytest.mark.parametrize("call", DRIVERS)
def test_slow_redirects_end_within_one_deadline_on_the_real_clock(
    server: _Server, call: Call
) -> None:
    # Each hop really takes 0.3 s, within the read timeout (0.5 s); the attempt's deadline is
    # 1 s, so at most four hops are sent before it passes (a slower machine sends fewer),
    # never the six the redirect limit allows.
    server.mode, server.pause = "slow-redirect", 0.3
    with pytest.raises(ftorm.ConnectError, match="cannot reach"):
        call(server.url, QUERY, timeout=(0.5, 0.5), retries=0)
    assert 1 <= server.posts <= 4


# --- the size of an answer -------------------------------------------------------------------


@pytest.mark.parametrize("call", DRIVERS)
def test_a_compressed_answer_within_the_limit_is_read(server: _Server, call: Call) -> None:
    server.mode = "gzip"
    assert call(server.url, QUERY, max_answer_bytes=CAP) == [{"action": "query", "data": []}]


@pytest.mark.parametrize("call", DRIVERS)
def test_a_compression_bomb_stops_at_the_limit(server: _Server, call: Call) -> None:
    server.mode = "bomb"
    tracemalloc.start()
    try:
        with pytest.raises(ftorm.AnswerTooLargeError, match=f"more than {CAP} bytes"):
            call(server.url, QUERY, max_answer_bytes=CAP, retries=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert server.posts == 1  # not retried: a too large answer is no passing failure
    assert peak < 16 * 1024 * 1024  # the answer unpacks to 64 MiB


@pytest.mark.parametrize("call", DRIVERS)
def test_an_endless_answer_stops_at_the_limit(server: _Server, call: Call) -> None:
    server.mode = "endless"
    tracemalloc.start()
    try:
        with pytest.raises(ftorm.AnswerTooLargeError):
            call(server.url, QUERY, max_answer_bytes=CAP)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024  # the server would send 16 MiB


def test_the_limit_is_a_transport_error_with_a_default() -> None:
    assert issubclass(ftorm.AnswerTooLargeError, ftorm.TransportError)
    transport = HttpTransport("http://127.0.0.1:1", "jane", "secret")
    assert transport.max_answer_bytes == MAX_ANSWER_BYTES == 1024**3
    assert transport.options["max_answer_bytes"] == MAX_ANSWER_BYTES
    capped = AsyncHttpTransport("http://127.0.0.1:1", "jane", "secret", max_answer_bytes=CAP)
    assert capped.files().max_answer_bytes == CAP  # the blocking twin takes the setting


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_the_limit_is_checked(bad: Any) -> None:
    with pytest.raises(ftorm.ConfigurationError, match="max_answer_bytes"):
        HttpTransport("http://127.0.0.1:1", "jane", "secret", max_answer_bytes=bad)
    with pytest.raises(ftorm.ConfigurationError, match="max_answer_bytes"):
        AsyncHttpTransport("http://127.0.0.1:1", "jane", "secret", max_answer_bytes=bad)


def test_a_session_passes_the_limit_on(server: _Server) -> None:
    server.mode = "bomb"
    session = Session(server.url, "jane", "secret", max_answer_bytes=CAP, retries=0)
    with pytest.raises(ftorm.AnswerTooLargeError):
        session.call(QUERY)
    session.close()

    async def awaited() -> None:
        async with ftorm.AsyncSession(
            server.url, "jane", "secret", max_answer_bytes=CAP, retries=0
        ) as session:
            await session.call(QUERY)

    with pytest.raises(ftorm.AnswerTooLargeError):
        asyncio.run(awaited())
    assert server.posts == 2


def test_a_commit_whose_answer_was_too_large_is_reconciled_not_sent_twice(
    server: _Server,
) -> None:
    base = Session.local()
    local = base.local_server
    assert local is not None
    server.inner = InProcessTransport(local)
    server.mode = "forward"
    session = Session(server.url, "jane", "secret", max_answer_bytes=CAP)
    session.create(Project, name="p", full_name="P")
    server.bomb_next_write = True  # applied, then answered with more than the limit
    with pytest.raises(ftorm.AnswerTooLargeError):
        session.commit()
    assert session.dirty  # nothing is lost locally
    session.commit()  # reconciled first: the project is there, so it is not created again
    stored = Session(transport=server.inner).query("select name from Project").all()
    assert [project["name"] for project in stored] == ["p"]
    session.close()


# --- the bounded decoder -----------------------------------------------------------------------


def _decode(encoding: str, body: bytes, limit: int = CAP, *, split: int = 7) -> bytes:
    decoder = BoundedDecoder(encoding, limit, "server")
    parts = [decoder.feed(body[i : i + split]) for i in range(0, len(body), split)]
    return b"".join([*parts, decoder.finish()])


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("", b"[1, 2]"),
        ("identity", b"[1, 2]"),
        ("gzip", gzip.compress(b"[1, 2]")),
        ("GZIP ", gzip.compress(b"[1, ") + gzip.compress(b"2]")),  # two members
        ("deflate", zlib.compress(b"[1, 2]")),
        ("deflate", zlib.compress(b"[1, 2]")[2:-4]),  # raw deflate, as some servers send
    ],
)
def test_the_decoder_reads_what_was_asked_for(encoding: str, body: bytes) -> None:
    assert _decode(encoding, body) == b"[1, 2]"


def test_the_decoder_counts_the_decoded_bytes() -> None:
    assert _decode("gzip", gzip.compress(b"x" * 100), limit=100) == b"x" * 100
    with pytest.raises(ftorm.AnswerTooLargeError, match="more than 99 bytes"):
        _decode("gzip", gzip.compress(b"x" * 100), limit=99)
    with pytest.raises(ftorm.AnswerTooLargeError):
        _decode("identity", b"x" * 100, limit=99)


def test_the_decoder_refuses_what_was_not_asked_for_or_is_broken() -> None:
    with pytest.raises(ftorm.TransportError, match="not asked for"):
        BoundedDecoder("br", CAP, "server")
    with pytest.raises(ftorm.TransportError, match="does not decompress"):
        _decode("gzip", b"not gzip at all")


@settings(max_examples=50, deadline=None)
@given(
    body=st.binary(max_size=2000),
    encoding=st.sampled_from(["identity", "gzip", "deflate"]),
    split=st.integers(min_value=1, max_value=300),
    limit=st.integers(min_value=1, max_value=2500),
)
def test_the_decoder_gives_the_body_or_refuses_past_the_limit(
    body: bytes, encoding: str, split: int, limit: int
) -> None:
    sent = {"identity": body, "gzip": gzip.compress(body), "deflate": zlib.compress(body)}
    if len(body) <= limit:
        assert _decode(encoding, sent[encoding], limit, split=split) == body
    else:
        with pytest.raises(ftorm.AnswerTooLargeError):
            _decode(encoding, sent[encoding], limit, split=split)
