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
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ftorm.errors import AuthenticationError, ServerError, ValidationError
from ftorm.protocol.socketio import HANDSHAKE_PATH
from ftorm.server.downloads import COMPONENT_PREFIX, component_reply
from ftorm.server.eventhub import Hub
from ftorm.server.handlers import Server
from ftorm.server.uploads import MAX_PARTS
from ftorm.server.websocket import handshake_reply, is_upgrade, upgrade

__all__ = ["MAX_BODY", "ThreadingWSGIServer", "main_loop", "make_app", "serve"]

logger: logging.Logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024
"""Largest request body accepted, in bytes."""

StartResponse = Callable[..., Any]

_STRICT_STATUS = {
    "InvalidCredentialsError": "401 Unauthorized",
    "FTAuthenticationError": "401 Unauthorized",
    "PermissionError": "403 Forbidden",
    "ValidationError": "400 Bad Request",
}

_UPLOAD = "/upload/"
_SOCKETIO = HANDSHAKE_PATH.rstrip("/")  # the handshake; its websocket is `upgrade`'s


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per connection; the `Server` serialises the writes."""

    daemon_threads = True
    event_hub: Hub | None = None  # the hub whose websocket this server serves
    request_queue_size = 128  # connections waiting to be accepted (the default 5 resets clients)


SOCKET_TIMEOUT = 30.0
"""Seconds a connection may stay silent (a half-open client, a body shorter than its
``Content-Length``) before the server drops it."""


class _QuietHandler(WSGIRequestHandler):
    timeout = SOCKET_TIMEOUT  # the socket timeout of each connection

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def parse_request(self) -> bool:
        """Read the request; the event hub's websocket is served here, outside WSGI."""
        if not super().parse_request():
            return False
        hub = getattr(self.server, "event_hub", None)
        if hub is not None and is_upgrade(self):
            upgrade(self, hub)
            return False  # served: the handler closes the connection
        return True


def _json(start_response: StartResponse, status: str, body: Any) -> list[bytes]:
    data = json.dumps(body).encode("utf-8")
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _error(start_response: StartResponse, error: ServerError, strict: bool) -> list[bytes]:
    status = _STRICT_STATUS.get(error.exception, "400 Bad Request") if strict else "200 OK"
    return _json(start_response, status, error.to_payload())


def make_app(server: Server) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI application answering ftrack API requests for ``server``."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            return _handle(server, environ, start_response)
        except Exception as error:  # last resort: still a well-formed API answer
            logger.exception("internal error")
            payload = ServerError(f"internal error: {type(error).__name__}: {error}")
            return _json(start_response, "200 OK", payload.to_payload())

    return app


def _handle(
    server: Server, environ: dict[str, Any], start_response: StartResponse
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
        operations = json.loads(body.decode("utf-8"))
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
    server: Server, environ: dict[str, Any], start_response: StartResponse, rest: str
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
    server: Server, host: str = "127.0.0.1", port: int = 8765, *, timeout: float = SOCKET_TIMEOUT
) -> ThreadingWSGIServer:
    """A threaded HTTP server for ``server`` bound to ``host:port`` (call ``serve_forever``).

    A connection silent for ``timeout`` seconds is dropped.
    """
    handler = type("Handler", (_QuietHandler,), {"timeout": timeout})
    httpd = make_server(
        host,
        port,
        make_app(server),
        server_class=ThreadingWSGIServer,
        handler_class=handler,
    )
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
