"""``POST <server>/api`` over HTTP with httpx, awaited (`ftorm.AsyncSession`).

The same policy as the blocking `ftorm.transport.http.HttpTransport`, from the same code:
both drive `ftorm.transport.endpoint.Endpoint.exchange` (sans I/O), which holds ftrack's
headers, the retries (a batch of reads only is retried after connection failures,
timeouts and 502/503/504 answers, a batch that writes only when it provably never reached
the server), the redirects (only 307/308 to the server's own origin, so credentials never
leave it) and the reading of the answer; this module only moves the bytes.

Connections: one `httpx.AsyncClient` per transport, with at most ``max_connections`` open
(default `ftorm.transport.aio.DEFAULT_MAX_CONNECTIONS`); a request beyond them waits for a
free connection (for as long as the read timeout). Timeouts: ``timeout`` seconds to connect
and to read as for the blocking transport, and each attempt, its redirects included, within
their sum (each hop gets the time left of its attempt). The body of an
answer is read raw as it streams in and decompressed by
`ftorm.transport.decoding.BoundedDecoder`; one longer than ``max_answer_bytes`` once decoded
(default `ftorm.transport.endpoint.MAX_ANSWER_BYTES`, 1 GiB) raises `ftorm.AnswerTooLargeError`.
Cancelling the awaiting task closes its connection at once; a cancelled write batch may or
may not have been applied, which the session reconciles before its next commit.

httpx is an optional dependency: ``pip install 'ftorm[async]'``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ftorm._typing import JSON
from ftorm.errors import ConfigurationError
from ftorm.protocol.operations import OperationLike, is_read_only
from ftorm.transport.aio import DEFAULT_MAX_CONNECTIONS, Abandoned
from ftorm.transport.decoding import BoundedDecoder
from ftorm.transport.endpoint import (
    REDIRECT_STATUS,
    Answer,
    Endpoint,
    Failure,
    Pause,
    Post,
)

if TYPE_CHECKING:
    from typing import Unpack  # (3.11: only type checkers read it)

    import httpx

    from ftorm.transport.endpoint import EndpointOptions
    from ftorm.transport.http import HttpTransport

__all__ = ["AsyncHttpTransport"]

T = TypeVar("T")


def _httpx() -> Any:
    try:
        import httpx
    except ImportError:
        msg = "AsyncSession over HTTP needs httpx: pip install 'ftorm[async]'"
        raise ConfigurationError(msg) from None
    return httpx


async def _within(exchange: Coroutine[Any, Any, T], seconds: float) -> T:
    """``await exchange``, raising `TimeoutError` after ``seconds`` (`asyncio.timeout` where
    there is one: no task of its own, unlike `asyncio.wait_for`)."""
    timeout = getattr(asyncio, "timeout", None)  # Python 3.11+
    if timeout is None:
        return await asyncio.wait_for(exchange, seconds)
    async with timeout(seconds):
        return await exchange


class AsyncHttpTransport(Endpoint):
    """Sends operation batches to an ftrack server (or ``ftorm serve``), awaited.

    Takes the settings of `ftorm.transport.http.HttpTransport` (``timeout``, ``retries``,
    ``backoff``, ``strict_api``, ``headers``, ``max_answer_bytes``), ``max_connections``,
    and the ``clock`` its deadlines read (`time.monotonic` unless given).
    """

    threaded: ClassVar[bool] = True
    """Pages are fetched ahead: requests wait on the network."""

    def __init__(
        self,
        server_url: str,
        api_user: str,
        api_key: str,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        **options: Unpack[EndpointOptions],
    ) -> None:
        if not isinstance(max_connections, int) or max_connections < 1:
            msg = f"max_connections must be a positive int, not {max_connections!r}"
            raise ConfigurationError(msg)
        super().__init__(server_url, api_user, api_key, clock=clock, **options)
        _httpx()  # fail early, with the fix, when httpx is missing
        self.max_connections: int = max_connections
        """At most this many connections are open at once."""
        self._sleep = sleep or asyncio.sleep
        self._http: httpx.AsyncClient | None = None
        self._slots: asyncio.Semaphore | None = None  # made on the loop that first sends
        self._files: HttpTransport | None = None
        self._abandoned = Abandoned()  # writes whose caller was cancelled (see `call`)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            httpx = _httpx()
            connect, read = self.timeout if isinstance(self.timeout, tuple) else (self.timeout,) * 2
            self._http = httpx.AsyncClient(
                headers=self._headers,
                timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=read),
                limits=httpx.Limits(
                    max_connections=self.max_connections,
                    max_keepalive_connections=self.max_connections,
                ),
                follow_redirects=False,
                trust_env=False,
            )
        return self._http

    async def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Send one batch; return one result per operation, in order
        (`ftorm.transport.endpoint.Endpoint.exchange`, driven with httpx).

        A batch that writes goes on when its caller is cancelled (the server may be applying
        it: closing the connection would not stop it), and the next batch waits for it
        (within its deadline), so what a session sends next, such as the queries that
        reconcile a cancelled commit, sees the write applied or refused, never half-way.

        Raises:
            ConnectError: when the server cannot be reached (see the module docstring).
            AuthenticationError: when the server refuses the credentials.
            ServerError: when the server answers with an error object.
            AnswerTooLargeError: for an answer longer than `max_answer_bytes`, decoded.
            TransportError: for an answer that is not the expected list of results, or a
                redirect ftorm does not follow.
        """
        await self._abandoned.settle()  # writes of cancelled callers still on their way
        batch = list(operations)
        if is_read_only(batch):
            return await self._exchange(batch)
        return await self._abandoned.outlive(asyncio.ensure_future(self._exchange(batch)))

    async def _exchange(self, operations: list[OperationLike]) -> list[JSON]:
        httpx = _httpx()
        steps = self.exchange(operations)
        outcome: Answer | Failure | None = None
        while True:
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                results: list[JSON] = done.value
                return results
            if isinstance(step, Pause):
                await self._sleep(step.seconds)
                outcome = None
                continue
            try:
                outcome = await _within(self._post(step), step.seconds)
            except (httpx.HTTPError, asyncio.TimeoutError) as error:
                never_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
                outcome = Failure(error, never_sent)

    async def _post(self, post: Post) -> Answer:
        """One ``POST`` (no redirect followed), its whole answer read raw and decoded, at most
        `max_answer_bytes` of it (`AnswerTooLargeError` past them)."""
        client = self._client()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_connections)
        # (the waiting queue is kept in _slots, not in httpx's pool)
        async with (
            self._slots,
            client.stream("POST", post.url, content=post.body) as response,
        ):
            location = response.headers.get("Location", "")
            if response.status_code in REDIRECT_STATUS:
                return Answer(response.status_code, b"", location)
            encoding = response.headers.get("Content-Encoding", "")
            decoder = BoundedDecoder(encoding, self.max_answer_bytes, self.display_url)
            blocks = [decoder.feed(block) async for block in response.aiter_raw()]
            blocks.append(decoder.finish())
        return Answer(response.status_code, b"".join(blocks), location)

    def files(self) -> HttpTransport:
        """The blocking transport (same endpoint and settings) that moves component files,
        on worker threads: file transfers stream from and to disk with requests."""
        if self._files is None:
            from ftorm.transport.http import HttpTransport

            user, key = self.credentials
            self._files = HttpTransport(
                self.server_url, user, key, clock=self.clock, **self.options
            )
        return self._files

    async def aclose(self) -> None:
        """Close the connections."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._files is not None:
            self._files.close()
            self._files = None
