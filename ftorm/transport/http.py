"""``POST <server>/api`` over HTTP with requests: `HttpTransport`.

It drives `ftorm.transport.endpoint.Endpoint.exchange` (sans I/O: ftrack's headers,
retries, same-origin redirects, deadlines, reading the answer; see that module for the
policy) with one keep-alive `requests.Session` per transport, and moves component files
(`ftorm.transport.files`). The body of an API answer is read raw as it arrives, within the
attempt's deadline, and decompressed by `ftorm.transport.decoding.BoundedDecoder`, at most
``max_answer_bytes`` of it (`AnswerTooLargeError` past them).

The names of the shared core (`Endpoint`, `EndpointOptions`, the exchange steps,
`MAX_ANSWER_BYTES`, ...) and `DOWNLOAD_DEADLINE` are importable from here too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ftorm._typing import JSON
from ftorm.protocol.operations import OperationLike
from ftorm.transport.decoding import BoundedDecoder
from ftorm.transport.endpoint import (
    MAX_ANSWER_BYTES,
    REDIRECT_STATUS,
    Answer,
    Endpoint,
    EndpointOptions,
    Exchange,
    Failure,
    Pause,
    Post,
    decode_answer,
    lost_write_error,
    never_sent_error,
    redact_url,
    redirect_target,
    retry_delay,
)
from ftorm.transport.files import DOWNLOAD_DEADLINE, HttpFiles

if TYPE_CHECKING:  # requests is imported on the first request: a session starts without it
    from typing import Unpack  # (3.11: only type checkers read it)

    import requests

__all__ = [
    "Answer",
    "DOWNLOAD_DEADLINE",
    "Endpoint",
    "EndpointOptions",
    "Exchange",
    "Failure",
    "MAX_ANSWER_BYTES",
    "HttpTransport",
    "Pause",
    "Post",
    "decode_answer",
    "lost_write_error",
    "never_sent_error",
    "redact_url",
    "redirect_target",
    "retry_delay",
]

_CHUNK = 65536


def _never_sent(error: requests.RequestException) -> bool:
    """True when the request cannot have reached the server."""
    import requests
    import urllib3.exceptions

    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(error, requests.exceptions.ConnectionError):
        reason: Any = error.args[0] if error.args else None
        reason = getattr(reason, "reason", reason)
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


class HttpTransport(HttpFiles):
    """Sends operation batches to an ftrack server (or ``ftorm serve``) over HTTP."""

    def __init__(
        self,
        server_url: str,
        api_user: str,
        api_key: str,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        download_deadline: float = DOWNLOAD_DEADLINE,
        **options: Unpack[EndpointOptions],
    ) -> None:
        super().__init__(server_url, api_user, api_key, clock=clock, **options)
        self._sleep = sleep or time.sleep
        self.download_deadline: float = download_deadline
        """Seconds one download may take in all (`DOWNLOAD_DEADLINE` by default)."""
        self._http: requests.Session | None = None

    def _client(self) -> requests.Session:
        """The keep-alive `requests.Session`, made (and requests imported) on first use."""
        if self._http is None:
            import requests

            self._http = requests.Session()
            self._http.headers.update(self._headers)
        return self._http

    def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Send one batch; return one result per operation, in order (`Endpoint.exchange`,
        driven with requests).

        Raises:
            ConnectError: when the server cannot be reached (see the module docstring).
            AuthenticationError: when the server refuses the credentials.
            ServerError: when the server answers with an error object.
            TransportError: for an answer that is not the expected list of results.
        """
        import requests

        steps = self.exchange(operations)
        outcome: Answer | Failure | None = None
        while True:
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                results: list[JSON] = done.value
                return results
            if isinstance(step, Pause):
                self._sleep(step.seconds)
                outcome = None
                continue
            try:
                outcome = self._post(step)
            except requests.RequestException as error:
                outcome = Failure(error, _never_sent(error))

    def _post(self, post: Post) -> Answer:
        """One ``POST`` (no redirect followed), its whole answer read before the attempt's
        deadline (``post.deadline``); the socket waits at most the time left."""
        connect, read = self.timeout if isinstance(self.timeout, tuple) else (self.timeout,) * 2
        timeout = (min(connect, post.seconds), min(read, post.seconds))
        response = self._client().post(
            post.url, data=post.body, timeout=timeout, allow_redirects=False, stream=True
        )
        with response:
            location = response.headers.get("Location", "")
            if response.status_code in REDIRECT_STATUS:
                return Answer(response.status_code, b"", location)
            return Answer(response.status_code, self._read(response, post.deadline), location)

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        """The answer's body, decoded, read as it arrives; a server that takes longer than
        the deadline (dripping its answer, say) raises `requests.exceptions.ReadTimeout`,
        a body longer than `max_answer_bytes` once decoded `AnswerTooLargeError`."""
        what = f"the answer took longer than {self._total():g} s in all"
        encoding = response.headers.get("Content-Encoding", "")
        decoder = BoundedDecoder(encoding, self.max_answer_bytes, self.display_url)
        blocks = [decoder.feed(block) for block in self._blocks(response, _CHUNK, deadline, what)]
        blocks.append(decoder.finish())
        return b"".join(blocks)

    def _blocks(
        self, response: requests.Response, size: int, deadline: float, late: str
    ) -> Iterator[bytes]:
        """The body of ``response`` in blocks of at most ``size`` bytes, each as it arrives
        (as sent: never decompressed); past ``deadline`` (on the transport's clock)
        `requests.exceptions.ReadTimeout` saying ``late``. A failing connection raises
        `requests.exceptions.ConnectionError`."""
        import requests
        import urllib3.exceptions

        raw = response.raw
        read1 = getattr(raw, "read1", None)  # urllib3 >= 2: returns what has arrived
        try:
            while True:
                if self.clock() > deadline:
                    raise requests.exceptions.ReadTimeout(late)
                if read1 is not None:
                    block = read1(size, decode_content=False)
                else:  # pragma: no cover - urllib3 1.x
                    block = raw.read(size, decode_content=False)
                if not block:
                    return
                yield block
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise requests.exceptions.ConnectionError(error) from error

    def _decode(self, status: int, content: bytes, expected: int) -> list[JSON]:
        return decode_answer(status, content, expected, self.display_url)

    def close(self) -> None:
        """Close the keep-alive connections."""
        if self._http is not None:
            self._http.close()
