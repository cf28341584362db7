"""The page's routes (`WebApp.reply`), under `ftorm.server.web.pages.PREFIX` (``/``
redirects there).

Every view's data comes from the same ``/api`` operations every client sends: the app runs
them through `Server.handle` after `Server.check_credentials`, with the credentials the
login cookie stands for, exactly as ``POST /api`` does (`ftorm.server.wsgi`); downloads go
through ``/component/get``'s own code (`ftorm.server.downloads.component_reply`).

Security: the cookie is an opaque token (``HttpOnly``, ``SameSite=Strict``); every POST
carries a form token checked against the login's (the login form's against a cookie of its
own) and, when the browser sends ``Origin``, that must be this server; every answer carries
`CSP`, which allows script, style and images from this server only (no inline script).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from http.cookies import CookieError, SimpleCookie
from importlib import resources
from typing import Any, Final
from urllib.parse import parse_qs, urlencode

from ftorm.errors import AuthenticationError, NotFoundError, server_error_from_payload
from ftorm.server.downloads import Reply, component_reply
from ftorm.server.served import Endpoint
from ftorm.server.web import live, views
from ftorm.server.web.logins import Login, Logins, same_token
from ftorm.server.web.pages import PREFIX, esc, layout, url

__all__ = ["COOKIE", "CSP", "OPERATIONS_HEADER", "WebApp"]

COOKIE: Final = "ftorm_session"
"""The login cookie's name."""
_LOGIN_COOKIE: Final = "ftorm_login"  # the login form's own anti-forgery token
CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The Content-Security-Policy of every answer."""
OPERATIONS_HEADER: Final = "X-Ftorm-Api-Operations"
"""Answer header: how many API operations the view ran."""
MAX_FORM: Final = 64 * 1024
"""Largest form body accepted, in bytes."""
_HTML: Final = "text/html; charset=utf-8"
_STATIC: Final = {"web.js": "text/javascript", "web.css": "text/css"}
_HEADERS: Final = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),  # "no-referrer" would send "Origin: null"
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
]


def _reply(status: str, body: bytes, content_type: str, *extra: tuple[str, str]) -> Reply:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *_HEADERS]
    return Reply(status, [*headers, *extra], iter([body]))


def _redirect(to: str, *extra: tuple[str, str]) -> Reply:
    return _reply("303 See Other", b"", "text/plain", ("Location", to), *extra)


def _cookie(
    name: str, value: str, environ: dict[str, Any], *, path: str = "/", age: int = -1
) -> tuple[str, str]:
    secure = "; Secure" if environ.get("wsgi.url_scheme") == "https" else ""
    expires = f"; Max-Age={age}" if age >= 0 else ""
    return (
        "Set-Cookie",
        f"{name}={value}; Path={path}; HttpOnly; SameSite=Strict{secure}{expires}",
    )


def _cookies(environ: dict[str, Any]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(str(environ.get("HTTP_COOKIE", "")))
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _offset(params: dict[str, list[str]]) -> int:
    text = (params.get("offset") or ["0"])[0]
    return int(text) if text.isdigit() and len(text) < 10 else 0


class WebApp:
    """The page of one `Server`: ``reply(environ)`` answers its routes, None for others."""

    def __init__(self, server: Endpoint) -> None:
        self.server: Endpoint = server
        self.logins: Logins = Logins()
        """The logged-in browsers."""
        self.requests: int = 0
        """API batches run for the page so far."""
        self.operations: int = 0
        """API operations run for the page so far."""
        self._count = threading.Lock()

    # --- routing ----------------------------------------------------------------------------

    def reply(self, environ: dict[str, Any]) -> Reply | None:
        """The answer to a request for the page; None when the path is not the page's."""
        path = str(environ.get("PATH_INFO", ""))
        if path in ("", "/", PREFIX, f"{PREFIX}/"):
            return _redirect(f"{PREFIX}/projects")
        if not path.startswith(f"{PREFIX}/"):
            return None
        route = path[len(PREFIX) :]
        method = str(environ.get("REQUEST_METHOD", "GET"))
        if route.startswith("/static/"):
            return self._static(route[len("/static/") :])
        if route == "/login":
            return self._login(environ, method)
        token = _cookies(environ).get(COOKIE)
        login = self.logins.get(token)
        if login is None:
            return _redirect(f"{PREFIX}/login")
        params = parse_qs(str(environ.get("QUERY_STRING", "")))
        if method == "POST":
            form = self._form(environ, login.csrf)
            if isinstance(form, Reply):
                return form
            params = form
        elif method not in ("GET", "HEAD"):
            return _reply("405 Method Not Allowed", b"", "text/plain", ("Allow", "GET, POST"))
        if route == "/logout" and method == "POST":
            self.logins.remove(token)
            return _redirect(f"{PREFIX}/login", _cookie(COOKIE, "", environ, age=0))
        return self._view(environ, login, route, method, params)

    def _view(
        self,
        environ: dict[str, Any],
        login: Login,
        route: str,
        method: str,
        params: dict[str, list[str]],
    ) -> Reply:
        counted: list[int] = []
        api = self._api(login, environ, counted)
        offset = _offset(params)
        if route == "/projects":
            title, body = views.projects(api, offset)
        elif route.startswith("/entity/") and route.count("/") >= 3:
            # PATH_INFO arrives decoded; an id may hold "/" (the type cannot)
            type_id, _, entity_id = route[len("/entity/") :].partition("/")
            listing = (params.get("list") or [""])[0] or None
            try:
                title, body = views.entity(
                    api, self.server.schema, type_id, entity_id, listing, offset
                )
            except NotFoundError as error:
                body = f'<pre class="error">{esc(error)}</pre>'
                return _reply("404 Not Found", _page("Not found", body, login), _HTML)
        elif route == "/query":
            text = (params.get("q") or [""])[0] if method == "POST" else ""
            title, body = views.query(api, text, offset, login.csrf)
        elif route == "/events":
            title, body = "Events", _events_page((params.get("subscription") or [""])[0])
        elif route == "/events/stream":
            return self._stream(login, (params.get("subscription") or [""])[0])
        elif route == "/component/get":
            ident = (params.get("id") or [""])[0]
            return component_reply(
                self.server, "get", method, urlencode({"id": ident}), login.user, login.key
            )
        else:
            return _reply("404 Not Found", _page("Not found", "", login), _HTML)
        data = layout(title, body, user=login.user, csrf=login.csrf).encode("utf-8")
        return _reply("200 OK", data, _HTML, (OPERATIONS_HEADER, str(sum(counted))))

    # --- the API, as the logged-in user -----------------------------------------------------

    def _api(self, login: Login, environ: dict[str, Any], counted: list[int]) -> views.Api:
        scheme = str(environ.get("wsgi.url_scheme", "http"))
        host = (
            environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        )

        def call(operations: list[dict[str, Any]]) -> list[Any]:
            if not self.server.check_credentials(login.user, login.key):
                msg = "The supplied API key is not valid."
                raise AuthenticationError(msg, error_code="api_credentials_invalid")
            with self._count:
                self.requests += 1
                self.operations += len(operations)
            counted.append(len(operations))
            answer = self.server.handle(operations, base_url=f"{scheme}://{host}")
            if isinstance(answer, dict):
                raise server_error_from_payload(answer)
            return answer

        return call

    # --- login, forms -------------------------------------------------------------------------

    def _login(self, environ: dict[str, Any], method: str) -> Reply:
        expected = _cookies(environ).get(_LOGIN_COOKIE, "")
        if method == "POST":
            form = self._form(environ, expected)
            if isinstance(form, Reply):
                return form
            user = (form.get("user") or [""])[0]
            key = (form.get("key") or [""])[0]
            if self.server.check_credentials(user, key):
                token, _ = self.logins.add(user, key)
                return _redirect(
                    f"{PREFIX}/projects",
                    _cookie(COOKIE, token, environ),
                    _cookie(_LOGIN_COOKIE, "", environ, path=f"{PREFIX}/login", age=0),
                )
            return self._login_form(
                environ, "401 Unauthorized", "The supplied API key is not valid."
            )
        if method not in ("GET", "HEAD"):
            return _reply("405 Method Not Allowed", b"", "text/plain", ("Allow", "GET, POST"))
        return self._login_form(environ, "200 OK", "")

    def _login_form(self, environ: dict[str, Any], status: str, problem: str) -> Reply:
        csrf = secrets.token_urlsafe(32)
        body = f'<p class="error">{esc(problem)}</p>' if problem else ""
        body += (
            f'<form class="login" method="post" action="{url("/login")}">'
            '<label>API user <input name="user" autocomplete="username" required></label>'
            '<label>API key <input name="key" type="password" autocomplete="current-password" '
            "required></label>"
            f'<input type="hidden" name="csrf" value="{esc(csrf)}">'
            '<button type="submit">Log in</button></form>'
        )
        data = layout("Log in", body).encode("utf-8")
        cookie = _cookie(_LOGIN_COOKIE, csrf, environ, path=f"{PREFIX}/login", age=3600)
        return _reply(status, data, _HTML, cookie)

    def _form(self, environ: dict[str, Any], expected: str) -> dict[str, list[str]] | Reply:
        """The posted form, once its origin and anti-forgery token are checked."""
        origin = environ.get("HTTP_ORIGIN")
        scheme = str(environ.get("wsgi.url_scheme", "http"))
        if origin is not None and origin != f"{scheme}://{environ.get('HTTP_HOST', '')}":
            return _reply("403 Forbidden", b"cross-site request refused", "text/plain")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_FORM:
            return _reply("413 Content Too Large", b"bad or too large form", "text/plain")
        try:
            text = environ["wsgi.input"].read(length).decode("utf-8") if length else ""
        except (OSError, UnicodeDecodeError):
            return _reply("400 Bad Request", b"unreadable form", "text/plain")
        form = parse_qs(text, keep_blank_values=True)
        if not same_token((form.get("csrf") or [""])[0], expected):
            return _reply("403 Forbidden", b"the form's token is missing or stale", "text/plain")
        return form

    # --- static files, events ---------------------------------------------------------------

    def _static(self, name: str) -> Reply:
        if name not in _STATIC:
            return _reply("404 Not Found", b"", "text/plain")
        data = resources.files("ftorm.server.web").joinpath("static", name).read_bytes()
        return _reply("200 OK", data, f"{_STATIC[name]}; charset=utf-8")

    def _stream(self, login: Login, subscription: str) -> Reply:
        headers = [("Content-Type", "text/event-stream; charset=utf-8"), *_HEADERS]
        body: Iterator[bytes] = live.stream(
            self.server.events, login.user, login.key, subscription or DEFAULT_SUBSCRIPTION
        )
        return Reply("200 OK", headers, body)


DEFAULT_SUBSCRIPTION: Final = "topic=ftrack.update"
"""The events view's filter when none is given."""


def _events_page(subscription: str) -> str:
    text = subscription or DEFAULT_SUBSCRIPTION
    return (
        f'<form class="events" method="get" action="{url("/events")}">'
        f'<label>Subscription <input name="subscription" size="60" value="{esc(text)}"></label>'
        '<button type="submit">Watch</button></form>'
        f'<p id="live-status" class="note">connecting…</p>'
        f'<ol id="live" data-stream="{url("/events/stream", subscription=text)}"></ol>'
    )


def _page(title: str, body: str, login: Login) -> bytes:
    return layout(title, body, user=login.user, csrf=login.csrf).encode("utf-8")
