"""The server over HTTP: a WSGI application and a threaded stdlib server to run it.

``POST /api`` with a JSON array of operations; credentials (``ftrack-user`` and
``ftrack-api-key`` headers) are checked on every request. Errors answer HTTP 200 with the
error object, or an error status when the client sends ``ftrack-strict-api: true``. Nothing a
client sends produces an HTTP 500 or a traceback.

``PUT /upload/<token>`` (and ``/upload/<token>/<part>``) receives a component's file at the
URL ``get_upload_metadata`` answered (`ftorm.server.uploads`): the token is the credential,
the body must be sent with its ``Content-Length``, and the answer carries its ``ETag``.
Failures answer an error status with the error object.

``/component/get``, ``/component/thumbnail`` and ``/component/remove`` serve and delete the
stored files with the API user's credentials (`ftorm.server.downloads`).

``/`` and ``/web/...`` serve the web page (`ftorm.server.web`) unless ``make_app`` is told
``web=False``.
"""

from __future__ import annotations

import io
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from ftorm.errors import AuthenticationError, ConfigurationError, ServerError, ValidationError
from ftorm.protocol.socketio import HANDSHAKE_PATH
from ftorm.server import bodies
from ftorm.server.downloads import COMPONENT_PREFIX, component_reply
from ftorm.server.eventhub import Hub
from ftorm.server.limits import HEADER_TIMEOUT, MAX_CONNECTIONS, SOCKET_TIMEOUT
from ftorm.server.served import Endpoint
from ftorm.server.uploads import MAX_PARTS
from ftorm.server.web import WebApp
from ftorm.server.websocket import handshake_reply, is_upgrade, upgrade

__all__ = [
    "HEADER_TIMEOUT",
    "MAX_BODY",
    "MAX_CONNECTIONS",
    "SOCKET_TIMEOUT",
    "ThreadingWSGIServer",
    "main_loop",
    "make_app",
    "serve",
]

logger: logging.Logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024
"""Largest request body accepted, in bytes."""

StartResponse = Callable[..., Any]

_STRICT_STATUS = {
    "InvalidCredentialsError": "401 Unauthorized",
    "FTAuthenticationError": "401 Unauthorized",
    "PermissionError": "403 Forbidden",
    "ValidationError": "400 Bad Request",
    "DiskFullError": "507 Insufficient Storage",
}

_UPLOAD = "/upload/"
_SOCKETIO = HANDSHAKE_PATH.rstrip("/")  # the handshake; its websocket is `upgrade`'s


_SLOT_POLL = 0.5
"""Seconds between checks for a shutdown while every connection slot is taken."""


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per connection, at most ``max_connections`` at once; the `Server`
    serialises the writes.

    At the cap the server stops accepting: new connections wait in the accept queue (as
    long as ``max_connections``) until a connection ends, rather than being refused.
    """

    daemon_threads = True
    event_hub: Hub | None = None  # the hub whose websocket this server serves

    def __init__(
        self,
        server_address: tuple[str, int],
        handler: type[WSGIRequestHandler],
        *,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        if max_connections < 1:
            msg = f"max_connections must be at least 1, not {max_connections}"
            raise ConfigurationError(msg)
        self.max_connections: int = max_connections
        """Connections served at once."""
        self.request_queue_size = max_connections  # the accept queue, set before listen()
        self.peak_connections: int = 0
        """The most connections served at once so far."""
        self._slots = threading.BoundedSemaphore(max_connections)
        self._active = 0
        self._count = threading.Lock()
        self._stopping = threading.Event()
        super().__init__(server_address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection once a slot is free (until then it waits in the queue)."""
        while not self._slots.acquire(timeout=_SLOT_POLL):
            if self._stopping.is_set():
                msg = "the server is stopping"
                raise OSError(msg)  # serve_forever skips the accept
        try:
            request, address = super().get_request()
        except BaseException:
            self._slots.release()
            raise
        with self._count:
            self._active += 1
            self.peak_connections = max(self.peak_connections, self._active)
        return request, address

    def shutdown_request(self, request: Any) -> None:
        """Close a connection and free its slot (called once per accepted connection)."""
        try:
            super().shutdown_request(request)
        finally:
            with self._count:
                self._active -= 1
            self._slots.release()

    def shutdown(self) -> None:
        self._stopping.set()
        super().shutdown()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that timed out or broke is logged quietly; anything else with its
        traceback (never on stderr by itself)."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            logger.debug("connection from %s dropped: %s", client_address, error)
        else:
            logger.exception("error on a connection from %s", client_address)


class _HeaderDeadline(socket.SocketIO):
    """A connection's reads, bounded as a whole by ``deadline`` while it is set (the request
    line and headers), each read by the socket's timeout afterwards."""

    def __init__(self, sock: socket.socket, deadline: float, timeout: float) -> None:
        super().__init__(sock, "rb")
        self.deadline: float | None = deadline
        self._sock_timeout = timeout

    def readinto(self, buffer: Any) -> int | None:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                msg = "the request headers took too long"
                raise TimeoutError(msg)
            self._sock.settimeout(min(left, self._sock_timeout))  # type: ignore[attr-defined]
        return super().readinto(buffer)


class _QuietHandler(WSGIRequestHandler):
    timeout = SOCKET_TIMEOUT  # the socket timeout of each connection once its headers are in
    header_timeout = HEADER_TIMEOUT  # the time for the request line and headers, in all

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # replaced by a reader bounded by the header deadline
        self._reads = _HeaderDeadline(
            self.connection, time.monotonic() + self.header_timeout, float(self.timeout or 0)
        )
        self.rfile = io.BufferedReader(self._reads)

    def parse_request(self) -> bool:
        """Read the request line and headers (within the header deadline); the event hub's
        websocket is served here, outside WSGI (its socket timeout is the hub's)."""
        parsed = super().parse_request()
        self._reads.deadline = None  # the headers are in: the body has the socket timeout
        self.connection.settimeout(self.timeout)
        if not parsed:
            return False
        hub = getattr(self.server, "event_hub", None)
        if hub is not None and is_upgrade(self):
            upgrade(self, hub)
            return False  # served: the handler closes the connection
        return True

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _json(start_response: StartResponse, status: str, body: Any) -> list[bytes]:
    data = bodies.encode(body)
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _error(start_response: StartResponse, error: ServerError, strict: bool) -> list[bytes]:
    status = _STRICT_STATUS.get(error.exception, "400 Bad Request") if strict else "200 OK"
    return _json(start_response, status, error.to_payload())


def make_app(
    server: Endpoint, *, web: bool = True
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI application answering ftrack API requests for ``server`` (and its web page
    at ``/``, unless ``web`` is False)."""
    page = WebApp(server) if web else None

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            if page is not None and (reply := page.reply(environ)) is not None:
                start_response(reply.status, reply.headers)
                return reply.body
            return _handle(server, environ, start_response)
        except Exception as error:  # last resort: still a well-formed API answer
            logger.exception("internal error")
            payload = ServerError(f"internal error: {type(error).__name__}: {error}")
            return _json(start_response, "200 OK", payload.to_payload())

    return app


def _handle(
    server: Endpoint, environ: dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    strict = str(environ.get("HTTP_FTRACK_STRICT_API", "")).strip().lower() == "true"
    path = str(environ.get("PATH_INFO", "")).rstrip("/")
    if path == _SOCKETIO:
        status, headers, body = handshake_reply(
            server.events,
            str(environ.get("REQUEST_METHOD", "")),
            environ.get("HTTP_FTRACK_USER"),
            environ.get("HTTP_FTRACK_API_KEY"),
        )
        start_response(status, headers)
        return [body]
    if path.startswith(_UPLOAD):
        return _upload(server, environ, start_response, path[len(_UPLOAD) :])
    if path.startswith(COMPONENT_PREFIX):
        reply = component_reply(
            server,
            path[len(COMPONENT_PREFIX) :],
            str(environ.get("REQUEST_METHOD", "")),
            str(environ.get("QUERY_STRING", "")),
            environ.get("HTTP_FTRACK_USER"),
            environ.get("HTTP_FTRACK_API_KEY"),
        )
        start_response(reply.status, reply.headers)
        return reply.body
    if path != "/api":
        return _json(
            start_response,
            "404 Not Found",
            ServerError(f"no such endpoint {path or '/'!r}; use POST /api").to_payload(),
        )
    if environ.get("REQUEST_METHOD") != "POST":
        start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Length", "0")])
        return [b""]
    user = environ.get("HTTP_FTRACK_USER")
    key = environ.get("HTTP_FTRACK_API_KEY")
    if not server.check_credentials(user, key):
        error = AuthenticationError(
            "The supplied API key is not valid." if user else "Missing ftrack-user header.",
            error_code="api_credentials_invalid",
        )
        return _error(start_response, error, strict)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > MAX_BODY:
        return _error(start_response, ValidationError("bad or too large Content-Length"), strict)
    try:
        body = environ["wsgi.input"].read(length) if length else b""
    except OSError:  # the client went silent before sending Content-Length bytes
        short = ValidationError(f"the request body ended before its {length} bytes arrived")
        return _error(start_response, short, strict)
    try:
        operations = bodies.decode(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return _error(
            start_response, ValidationError(f"the request body is not valid JSON: {error}"), strict
        )
    options = _api_options(str(environ.get("HTTP_FTRACK_API_OPTIONS", "")))
    result = server.handle(
        operations, denormalize=options.get("denormalize", False), base_url=_base_url(environ)
    )
    if isinstance(result, dict):
        from ftorm.errors import server_error_from_payload

        return _error(start_response, server_error_from_payload(result), strict)
    return _json(start_response, "200 OK", result)


def _base_url(environ: dict[str, Any]) -> str:
    """The address the client reached the server at: its ``Host`` header, else the socket's."""
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    return f"{scheme}://{host}"


def _upload(
    server: Endpoint, environ: dict[str, Any], start_response: StartResponse, rest: str
) -> list[bytes]:
    """``PUT /upload/<token>[/<part>]``: store the body (`ftorm.server.uploads`)."""
    if environ.get("REQUEST_METHOD") != "PUT":
        start_response("405 Method Not Allowed", [("Allow", "PUT"), ("Content-Length", "0")])
        return [b""]
    token, _, part_text = rest.partition("/")
    part: int | None = None
    if part_text:
        if not part_text.isdigit() or not 1 <= int(part_text) <= MAX_PARTS:
            return _error(start_response, ValidationError("no such upload part"), True)
        part = int(part_text)
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = -1
    if length < 0:
        start_response("411 Length Required", [("Content-Length", "0")])
        return [b""]
    try:
        etag = server.uploads.put(token, part, environ["wsgi.input"], length)
    except ServerError as error:
        return _error(start_response, error, True)
    start_response("200 OK", [("ETag", etag), ("Content-Length", "0")])
    return [b""]


def _api_options(header: str) -> dict[str, bool]:
    """``ftrack-api-options``: ``strict:1;denormalize:1`` (``=`` also accepted)."""
    options: dict[str, bool] = {}
    for part in header.split(";"):
        name, _, value = part.replace("=", ":").partition(":")
        if name.strip():
            options[name.strip().lower()] = value.strip().lower() in ("1", "true", "yes")
    return options


def serve(
    server: Endpoint,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    timeout: float = SOCKET_TIMEOUT,
    header_timeout: float = HEADER_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
    web: bool = True,
) -> ThreadingWSGIServer:
    """A threaded HTTP server for ``server`` bound to ``host:port`` (call ``serve_forever``),
    with the web page at ``/`` unless ``web`` is False.

    At most ``max_connections`` connections are served at once (the others wait to be
    accepted); each has ``header_timeout`` seconds to send its request line and headers,
    then may stay silent ``timeout`` seconds at a time before it is dropped.
    """
    if not header_timeout > 0 or not timeout > 0:
        msg = f"timeouts must be positive, not {header_timeout} and {timeout}"
        raise ConfigurationError(msg)
    handler = type(
        "Handler", (_QuietHandler,), {"timeout": timeout, "header_timeout": header_timeout}
    )
    httpd = ThreadingWSGIServer((host, port), handler, max_connections=max_connections)
    httpd.set_app(make_app(server, web=web))
    httpd.event_hub = server.events  # the websocket upgrade (`_QuietHandler.parse_request`)
    return httpd


def main_loop(httpd: ThreadingWSGIServer) -> None:
    """Serve until interrupted (Ctrl-C), then release the socket."""
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        logger.info("stopped")
    finally:
        httpd.server_close()
