"""The HTTP transports' shared core, sans I/O: the API endpoint, its settings, and the
policy of one batch's exchange (`Endpoint.exchange`), which `ftorm.transport.http` drives
with requests and `ftorm.transport.ahttp` with httpx.

ftrack's authentication headers and ``ftrack-strict-api`` on every request; connect and read
timeouts; retries with exponential backoff where they are safe:

- a batch of reads only (``query``, ``query_schemas``, ``query_server_information``) is
  retried after connection failures, timeouts and 502/503/504 answers;
- a batch that writes is retried only when the request provably never reached the server
  (the connection was refused or could not be opened in time). A write whose fate is unknown
  (the connection dropped after sending, or the read timed out) raises `ConnectError` saying
  so, and is never sent twice.

Credentials never leave the server's origin: redirects are not followed by the HTTP
library. A 307/308 to the same origin (scheme, host and port) is followed by hand, a few hops
at most; any other redirect raises `TransportError` naming where it pointed. A password
embedded in the server URL is replaced by ``***`` in every message.

Deadlines: each attempt at a batch (the first, and each retry) must end within the connect
plus read timeout in all, the whole redirect chain included: the deadline is set once per
attempt by `Endpoint.exchange`, and each hop gets only the time left (`Post.deadline`). All
deadlines read the transport's ``clock`` (``time.monotonic`` unless given).

Size: the decoded body of an API answer may be at most ``max_answer_bytes`` long
(`MAX_ANSWER_BYTES`, 1 GiB, by default); the drivers read the body raw as it arrives and
decompress it with `ftorm.transport.decoding.BoundedDecoder` (gzip or deflate, the
encodings asked for), and a longer one (a compression bomb, an endless body) raises
`AnswerTooLargeError` once the limit is passed, so memory stays bounded by the limit.

An answer the server cannot have meant (not JSON, not a list of one result per operation,
or nested too deeply to decode: a `RecursionError` in the decoder) raises `ServerError` or
`TransportError`, never a traceback.

The one blocking request here is the event hub's handshake (`Endpoint.socketio_handshake`,
with requests, imported then), which both transports make: the event hub's connection runs
on threads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypedDict
from urllib.parse import urljoin, urlsplit

from ftorm._typing import JSON
from ftorm.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    EventHubConnectionError,
    ServerError,
    TransportError,
    excerpt,
    server_error_from_payload,
)
from ftorm.protocol.operations import OperationLike, encode_batch, is_read_only
from ftorm.protocol.socketio import HANDSHAKE_PATH
from ftorm.transport.base import error_message
from ftorm.transport.decoding import ACCEPT_ENCODING

if TYPE_CHECKING:  # requests is imported for the handshake only
    import requests

__all__ = [
    "Answer",
    "Endpoint",
    "EndpointOptions",
    "Exchange",
    "Failure",
    "MAX_ANSWER_BYTES",
    "Pause",
    "Post",
    "decode_answer",
    "error_text",
    "lost_write_error",
    "never_sent_error",
    "origin",
    "redact_url",
    "redirect_target",
    "retry_delay",
]


_RETRY_STATUS = frozenset({502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
"""Redirect statuses: never followed by the HTTP library (`redirect_target` decides)."""
_FOLLOWED_REDIRECTS = frozenset({307, 308})
"""Redirects that keep the method and body; only these are followed, and only same-origin."""
MAX_REDIRECTS = 5
"""Redirects followed by hand, at most, for one request."""

MAX_ANSWER_BYTES = 1024**3
"""Bytes the decoded body of one API answer may have, by default (1 GiB;
`EndpointOptions` ``max_answer_bytes``)."""


def redact_url(url: str) -> str:
    """``url`` with any password in it replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def origin(url: str) -> tuple[str, str, int | None]:
    """The origin of ``url``: its scheme, host and port (the default port when none)."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port)


def retry_delay(backoff: float, attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (1, 2, ...): doubled each time."""
    return backoff * 2.0 ** (attempt - 1)


def redirect_target(home: str, url: str, status: int, location: str, display: str) -> str:
    """Where a redirect answered for ``url`` leads, when ftorm follows it: a 307/308 to the
    origin of ``home`` (the API endpoint). Any other redirect raises `TransportError`: each
    request carries the API key, so it never goes to another origin."""
    target = urljoin(url, location)
    if status not in _FOLLOWED_REDIRECTS or origin(target) != origin(home):
        msg = (
            f"{display} answered HTTP {status}, a redirect to "
            f"{redact_url(target)!r}; ftorm follows only 307/308 redirects to the same "
            "origin, because each request carries your API key. Set the server URL to "
            "the address the server really answers on."
        )
        raise TransportError(msg)
    return target


def never_sent_error(display: str, reason: str) -> ConnectError:
    """The error for a request that failed before or while reading (safe to have failed)."""
    return ConnectError(f"cannot reach {display}: {reason}")


def lost_write_error(display: str, reason: str) -> ConnectError:
    """The error for a write batch whose fate is unknown (it is never sent twice)."""
    return ConnectError(
        f"connection to {display} failed while sending changes ({reason}); the "
        "server may or may not have applied them, so they were not sent again"
    )


def decode_answer(status: int, content: bytes, expected: int, display: str) -> list[JSON]:
    """The results of an API answer (``status`` and body ``content``) to a batch of
    ``expected`` operations.

    Raises:
        AuthenticationError: the server refused the credentials.
        ServerError: the server answered with an error object, or an error status.
        TransportError: an answer that is not the expected list of results.
    """
    try:
        payload = json.loads(content)
    except RecursionError:
        msg = f"{display} answered JSON nested too deeply to read (HTTP {status})"
        raise ServerError(msg) from None
    except ValueError:
        if status in (401, 403):
            msg = f"HTTP {status}"
            raise AuthenticationError(msg, exception="InvalidCredentialsError") from None
        text = content[:200].decode("utf-8", "replace")
        msg = f"Server reported error in unexpected format (HTTP {status}): {text!r}"
        raise TransportError(msg) from None
    if isinstance(payload, dict) and "exception" in payload:
        raise server_error_from_payload(payload)
    if status >= 400:
        msg = f"HTTP {status}: {excerpt(payload)}"
        raise ServerError(msg)
    if not isinstance(payload, list) or len(payload) != expected:
        msg = f"expected a list of {expected} results from {display}, got {excerpt(payload)}"
        raise TransportError(msg)
    return payload


class EndpointOptions(TypedDict, total=False):
    """The settings both HTTP transports take (`Endpoint`), as keywords."""

    timeout: float | tuple[float, float]
    """Seconds to connect and to read (one number for both); default (10, 60)."""
    retries: int
    """How many times a safe request is retried; default 3."""
    backoff: float
    """Seconds before the first retry, doubled for each next one; default 0.25."""
    strict_api: bool
    """Send ``ftrack-strict-api: true``; default False."""
    headers: dict[str, str] | None
    """More headers for every request."""
    max_answer_bytes: int
    """Bytes the decoded body of one API answer may have; default `MAX_ANSWER_BYTES`
    (1 GiB). A longer answer raises `AnswerTooLargeError`."""


class Post(NamedTuple):
    """An exchange step: ``POST`` ``body`` to ``url`` and answer an `Answer` or `Failure`,
    within ``seconds`` (the time left of the attempt when the step was made), that is by
    ``deadline`` on the endpoint's clock (`Endpoint.clock`)."""

    url: str
    body: bytes
    deadline: float
    seconds: float


class Pause(NamedTuple):
    """An exchange step: wait ``seconds`` before the next attempt (answer None)."""

    seconds: float


class Answer(NamedTuple):
    """What a `Post` got: the status, the whole body and the ``Location`` header."""

    status: int
    content: bytes
    location: str


class Failure(NamedTuple):
    """A `Post` that got no answer: the error, and whether it provably never reached the
    server (the connection was refused or could not be opened in time)."""

    error: BaseException
    never_sent: bool


Exchange = Generator[Post | Pause, Answer | Failure | None, list[JSON]]
"""`Endpoint.exchange`: yields `Post` and `Pause` steps, returns the batch's results."""


class Endpoint:
    """What the blocking and the asynchronous HTTP transports share: the API endpoint, the
    headers of every request (credentials included), timeouts, the retry settings, and the
    policy of one batch's exchange (`exchange`), which each transport drives with its own
    HTTP client."""

    def __init__(
        self,
        server_url: str,
        api_user: str,
        api_key: str,
        *,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retries: int = 3,
        backoff: float = 0.25,
        strict_api: bool = False,
        headers: dict[str, str] | None = None,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if (
            not isinstance(max_answer_bytes, int)
            or isinstance(max_answer_bytes, bool)
            or max_answer_bytes < 1
        ):
            msg = f"max_answer_bytes must be a positive int, not {max_answer_bytes!r}"
            raise ConfigurationError(msg)
        if not server_url.startswith(("http://", "https://")):
            msg = f"server_url must start with http:// or https://, got {redact_url(server_url)!r}"
            raise ConfigurationError(msg)
        self.url: str = server_url.rstrip("/") + "/api"
        """The API endpoint, ``<server>/api``."""
        self.display_url: str = redact_url(self.url)
        """`url` as shown in messages: without its password."""
        self._password = urlsplit(self.url).password
        self.timeout: float | tuple[float, float] = timeout
        """Seconds to connect and to read (one number for both)."""
        self.retries: int = max(0, retries)
        """How many times a safe request is retried."""
        self.backoff: float = backoff
        """Seconds before the first retry, doubled for each next one."""
        self.max_answer_bytes: int = max_answer_bytes
        """Bytes the decoded body of one API answer may have (`AnswerTooLargeError`)."""
        self.clock: Callable[[], float] = clock or time.monotonic
        """The clock every deadline reads (`time.monotonic` unless given)."""
        self.options: EndpointOptions = {
            "timeout": timeout,
            "retries": retries,
            "backoff": backoff,
            "strict_api": strict_api,
            "headers": headers,
            "max_answer_bytes": max_answer_bytes,
        }
        """The settings given (another transport to the same endpoint takes them)."""
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "ftrack-user": api_user,
            "ftrack-api-key": api_key,
            "ftrack-strict-api": "true" if strict_api else "false",
            **(headers or {}),
        }

    def exchange(self, operations: Sequence[OperationLike]) -> Exchange:
        """The exchange of one batch, sans I/O: the steps to send it (`Post`, and `Pause`
        before a retry), each answered by the driver; returns one result per operation.

        The policy of the module docstring: retries of reads after failures and
        502/503/504 answers, of writes only when never sent; same-origin 307/308
        redirects followed (`redirect_target`); the answer read by `decode_answer`. Each
        attempt has one deadline (connect plus read timeout, on `clock`) for its whole
        redirect chain: each `Post` gets the time left, and a chain that runs out of time
        before its next hop fails as a timed-out answer (never re-sent when it writes).

        Raises:
            ConnectError: the server cannot be reached, or a write's fate is unknown.
            AuthenticationError, ServerError, TransportError: as `decode_answer`, or a
                redirect ftorm does not follow.
        """
        batch = encode_batch(operations)
        body = json.dumps(batch, sort_keys=True).encode("utf-8")
        read_only = is_read_only(batch)
        attempt = 0
        while True:
            deadline = self.clock() + self._total()
            outcome = yield from self._posted(body, deadline)
            if isinstance(outcome, Failure):
                safe = read_only or outcome.never_sent
                if safe and attempt < self.retries:
                    attempt += 1
                    yield Pause(retry_delay(self.backoff, attempt))
                    continue
                error = outcome.error
                reason = self._scrub(str(error) or type(error).__name__)
                if safe:
                    raise never_sent_error(self.display_url, reason) from error
                raise lost_write_error(self.display_url, reason) from error
            if outcome.status in _RETRY_STATUS and read_only and attempt < self.retries:
                attempt += 1
                yield Pause(retry_delay(self.backoff, attempt))
                continue
            return decode_answer(outcome.status, outcome.content, len(operations), self.display_url)

    def _posted(
        self, body: bytes, deadline: float
    ) -> Generator[Post, Answer | Failure | None, Answer | Failure]:
        """``POST`` ``body``, following only same-origin 307/308 redirects (credentials stay
        home), all by ``deadline``: the last answer, or the failure."""
        url = self.url
        for hop in range(MAX_REDIRECTS + 1):
            left = self._total() if hop == 0 else deadline - self.clock()
            if left <= 0:  # the hops before took all the time: as a read that timed out
                late = TimeoutError(f"the answer took longer than {self._total():g} s in all")
                return Failure(late, never_sent=False)
            outcome = yield Post(url, body, deadline, left)
            if outcome is None:  # pragma: no cover - a driver always answers a Post
                msg = "an exchange step was not answered"
                raise TransportError(msg)
            if isinstance(outcome, Failure) or outcome.status not in REDIRECT_STATUS:
                return outcome
            url = redirect_target(self.url, url, outcome.status, outcome.location, self.display_url)
        msg = f"{self.display_url}: more than {MAX_REDIRECTS} redirects"
        raise TransportError(msg)

    @property
    def credentials(self) -> tuple[str, str]:
        """The API user and key sent with every request."""
        return self._headers["ftrack-user"], self._headers["ftrack-api-key"]

    def _total(self) -> float:
        """Seconds the whole exchange may take: connecting plus reading the full answer."""
        if isinstance(self.timeout, tuple):
            return self.timeout[0] + self.timeout[1]
        return 2 * self.timeout

    def _scrub(self, text: str) -> str:
        """``text`` without the URL's password."""
        return text.replace(self._password, "***") if self._password else text

    @property
    def server_url(self) -> str:
        """The server's address (`url` without ``/api``)."""
        return self.url[: -len("/api")]

    def socketio_handshake(self) -> str:
        """``GET /socket.io/1/`` with the credentials (blocking, for either transport: the
        event hub's connection runs on threads): the handshake answer
        (`ftorm.protocol.socketio.Handshake`). `EventHubConnectionError` when the server
        cannot be reached or refuses."""
        import requests

        url = self.server_url + HANDSHAKE_PATH
        try:
            response = requests.get(
                url, headers=self._headers, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as error:
            msg = f"cannot reach the event hub at {redact_url(url)}: {self._scrub(str(error))}"
            raise EventHubConnectionError(msg) from None
        with response:
            if response.status_code != 200:
                msg = f"the event hub at {redact_url(url)} answered {error_text(response)}"
                raise EventHubConnectionError(msg)
            return response.content[:1000].decode("utf-8", "replace")


def error_text(response: requests.Response) -> str:
    """``HTTP <status>`` and the start of the error body (the server's message, if JSON)."""
    text = error_message(response.raw.read(2000, decode_content=True) or b"")
    return f"HTTP {response.status_code}" + (f": {text}" if text else "")
