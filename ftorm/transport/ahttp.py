"""``POST <server>/api`` over HTTP with httpx, awaited (`ftorm.AsyncSession`).

The same policy as the blocking `ftorm.transport.http.HttpTransport`, from the same
functions: ftrack's headers on every request; a batch of reads only is retried after
connection failures, timeouts and 502/503/504 answers, a batch that writes only when it
provably never reached the server (`ftorm.transport.http.retry_delay` apart); only 307/308
redirects to the server's own origin are followed, so credentials never leave it
(`ftorm.transport.http.redirect_target`); answers are read by
`ftorm.transport.http.decode_answer`.

Connections: one `httpx.AsyncClient` per transport, with at most ``max_connections`` open
(default `ftorm.transport.aio.DEFAULT_MAX_CONNECTIONS`); a request beyond them waits for a
free connection (for as long as the read timeout). Timeouts: ``timeout`` seconds to connect
and to read as for the blocking transport, and the whole exchange within their sum.
Cancelling the awaiting task closes its connection at once; a cancelled write batch may or
may not have been applied, which the session reconciles before its next commit.

httpx is an optional dependency: ``pip install 'ftorm[async]'``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ftorm._typing import JSON
from ftorm.errors import ConfigurationError, TransportError
from ftorm.protocol.operations import OperationLike, encode_batch, is_read_only
from ftorm.transport.aio import DEFAULT_MAX_CONNECTIONS
from ftorm.transport.http import (
    _MAX_REDIRECTS,
    _REDIRECT_STATUS,
    _RETRY_STATUS,
    Endpoint,
    decode_answer,
    lost_write_error,
    never_sent_error,
    redirect_target,
    retry_delay,
)

if TYPE_CHECKING:
    import httpx

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
    ``backoff``, ``strict_api``, ``headers``), and ``max_connections``.
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
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retries: int = 3,
        backoff: float = 0.25,
        strict_api: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        if not isinstance(max_connections, int) or max_connections < 1:
            msg = f"max_connections must be a positive int, not {max_connections!r}"
            raise ConfigurationError(msg)
        super().__init__(
            server_url,
            api_user,
            api_key,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            strict_api=strict_api,
            headers=headers,
        )
        _httpx()  # fail early, with the fix, when httpx is missing
        self.max_connections: int = max_connections
        """At most this many connections are open at once."""
        self._sleep = sleep or asyncio.sleep
        self._http: httpx.AsyncClient | None = None
        self._slots: asyncio.Semaphore | None = None  # made on the loop that first sends

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
        """Send one batch; return one result per operation, in order.

        Raises:
            ConnectError: when the server cannot be reached (see the module docstring).
            AuthenticationError: when the server refuses the credentials.
            ServerError: when the server answers with an error object.
            TransportError: for an answer that is not the expected list of results, or a
                redirect ftorm does not follow.
        """
        httpx = _httpx()
        batch = encode_batch(operations)
        body = json.dumps(batch, sort_keys=True).encode("utf-8")
        read_only = is_read_only(batch)
        attempt = 0
        while True:
            try:
                status, content = await _within(self._post(body), self._total())
            except (httpx.HTTPError, asyncio.TimeoutError) as error:
                never_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
                if (read_only or never_sent) and attempt < self.retries:
                    attempt += 1
                    await self._sleep(retry_delay(self.backoff, attempt))
                    continue
                reason = self._scrub(str(error) or type(error).__name__)
                if read_only or never_sent:
                    raise never_sent_error(self.display_url, reason) from error
                raise lost_write_error(self.display_url, reason) from error
            if status in _RETRY_STATUS and read_only and attempt < self.retries:
                attempt += 1
                await self._sleep(retry_delay(self.backoff, attempt))
                continue
            return decode_answer(status, content, len(operations), self.display_url)

    async def _post(self, body: bytes) -> tuple[int, bytes]:
        """POST ``body``; follow only same-origin 307/308 redirects. Returns (status, body)."""
        url = self.url
        client = self._client()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_connections)
        for _ in range(_MAX_REDIRECTS + 1):
            async with self._slots:  # the waiting queue is kept here, not in httpx's pool
                response = await client.post(url, content=body)
            if response.status_code not in _REDIRECT_STATUS:
                return response.status_code, response.content
            location = response.headers.get("Location", "")
            url = redirect_target(self.url, url, response.status_code, location, self.display_url)
        msg = f"{self.display_url}: more than {_MAX_REDIRECTS} redirects"
        raise TransportError(msg)

    async def aclose(self) -> None:
        """Close the connections."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None
