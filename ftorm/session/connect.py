"""Connecting a session: to an ftrack server from arguments or the environment, or to an
embedded server in this process.

The session layer never builds the embedded server: it lies above the server layer's reach.
A function of a layer that may (`ftorm._embedded.open_server`) creates it, and ``ftorm``
names that function here on import (`provide_embedded_server`); `local_transport` asks it
for a server and wraps it in an `ftorm.transport.inprocess.InProcessTransport`, and
`on_local_server` gives that transport to a new session that owns the server. The event
hub client is named the same way (`provide_event_hub`). Both are held by one small registry,
`Provided`: one way to name a function, one way to look it up, one error when none was
named.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypedDict, TypeVar

from ftorm.errors import ConnectError, InvalidValueError
from ftorm.transport.base import Transport
from ftorm.transport.inprocess import Handler, InProcessTransport

if TYPE_CHECKING:
    from ftorm.schema.types import Schema
    from ftorm.session.catalog import ModelSource
    from ftorm.transport.ahttp import AsyncHttpTransport
    from ftorm.transport.http import EndpointOptions

__all__ = [
    "EMBEDDED_SERVERS",
    "EVENT_HUBS",
    "EventHubFactory",
    "OwnsLocalServer",
    "Provided",
    "ServerFactory",
    "SessionOptions",
    "async_http_transport",
    "connection_settings",
    "event_hub_for",
    "http_transport",
    "local_transport",
    "on_local_server",
    "provide_embedded_server",
    "provide_event_hub",
    "session_options",
]


class SessionOptions(TypedDict, total=False):
    """The options `ftorm.Session` and `ftorm.AsyncSession` both take, as keywords (one
    statement of them, so the two constructors cannot drift apart)."""

    page_size: int | None
    """Rows per query request when iterating (see `ftorm.Session`)."""
    strict_api: bool
    """Send ``ftrack-strict-api: true`` (HTTP); default False."""
    timeout: float | tuple[float, float]
    """Seconds to connect and to read (HTTP); default (10, 60)."""
    retries: int
    """How many times a safe request is retried (HTTP); default 3."""
    max_answer_bytes: int
    """Bytes the decoded body of one API answer may have (HTTP); default 1 GiB
    (`ftorm.transport.http.MAX_ANSWER_BYTES`). A longer answer raises
    `ftorm.AnswerTooLargeError`."""
    models: ModelSource | None
    """The set of model classes to hydrate (see `ftorm.Session`)."""


_TRANSPORT_OPTIONS = ("strict_api", "timeout", "retries", "max_answer_bytes")
"""The `SessionOptions` that configure the HTTP transport (`EndpointOptions` names)."""


def session_options(owner: str, options: dict[str, Any]) -> EndpointOptions:
    """Check that ``options`` are `SessionOptions` (`ftorm.InvalidValueError`, a
    `TypeError`, naming ``owner``, as Python does for an unexpected keyword); the ones that
    configure the HTTP transport."""
    unknown = sorted(options.keys() - SessionOptions.__optional_keys__)
    if unknown:
        msg = f"{owner}() got an unexpected keyword argument {unknown[0]!r}"
        raise InvalidValueError(msg)
    found: Any = {name: options[name] for name in _TRANSPORT_OPTIONS if name in options}
    return found  # type: ignore[no-any-return]


_PARAMETERS: tuple[str, str, str] = ("server_url", "api_user", "api_key")
"""How `Session` spells the three connection settings (`http_transport` names them so)."""
_VARIABLES = ("FTRACK_SERVER", "FTRACK_API_USER", "FTRACK_API_KEY")


class ServerFactory(Protocol):
    """Creates an embedded server on the SQLite file ``path`` (``":memory:"``: none)."""

    def __call__(
        self, path: str, *, schema: Schema | None, api_user: str, read_only: bool
    ) -> Handler: ...


class OwnsLocalServer(Protocol):
    """A session that closes the embedded server `on_local_server` hands it with itself."""

    _local_server: Handler | None


EventHubFactory = Callable[[Any], Any]
"""Makes the event hub client of a transport (`ftorm.events.connect.hub_for`)."""

F = TypeVar("F")
S = TypeVar("S", bound=OwnsLocalServer)


class Provided(Generic[F]):
    """One function a layer above the session names to it on import (the session layer
    imports neither the server layer nor the events layer): the last one named is used."""

    def __init__(self, what: str) -> None:
        self.what: str = what
        """What the function makes, for the error when none was named."""
        self._factory: F | None = None
        self._lock = threading.Lock()

    def provide(self, factory: F) -> None:
        """Name ``factory``, replacing the one named before."""
        with self._lock:
            self._factory = factory

    def factory(self) -> F:
        """The function named last.

        Raises:
            ConnectError: when none was named (``ftorm`` was not imported whole).
        """
        with self._lock:
            factory = self._factory
        if factory is None:
            msg = f"no {self.what} is available: import ftorm (it provides one) first"
            raise ConnectError(msg)
        return factory


EMBEDDED_SERVERS: Provided[ServerFactory] = Provided("embedded server")
"""How `local_transport` (and so ``Session.local``) creates embedded servers."""
EVENT_HUBS: Provided[EventHubFactory] = Provided("event hub client")
"""How ``Session.events`` makes its event hub client."""


def provide_embedded_server(factory: ServerFactory) -> None:
    """Name the function `local_transport` (and so ``Session.local``) creates embedded
    servers with, replacing the one named before. ``import ftorm`` names
    `ftorm._embedded.open_server`."""
    EMBEDDED_SERVERS.provide(factory)


def provide_event_hub(factory: EventHubFactory) -> None:
    """Name the function ``Session.events`` makes its event hub client with (the session
    layer does not import the events layer above it). ``import ftorm`` names
    `ftorm._embedded.event_hub`."""
    EVENT_HUBS.provide(factory)


def event_hub_for(transport: Any) -> Any:
    """The event hub client for ``transport``, made by the function `provide_event_hub`
    named.

    Raises:
        ConnectError: when no function was named (``ftorm`` was not imported whole).
    """
    return EVENT_HUBS.factory()(transport)


def local_transport(
    path: str, schema: Schema | None, api_user: str, read_only: bool
) -> InProcessTransport[Handler]:
    """An in-process transport to a new embedded server on the SQLite file ``path``, created
    by the function `provide_embedded_server` named.

    Raises:
        ConnectError: when no function was named (``ftorm`` was not imported whole).
    """
    factory = EMBEDDED_SERVERS.factory()
    server = factory(path, schema=schema, api_user=api_user, read_only=read_only)
    return InProcessTransport(server)


def on_local_server(
    make: Callable[[InProcessTransport[Handler]], S],
    path: str,
    schema: Schema | None,
    api_user: str,
    read_only: bool,
) -> S:
    """The session ``make`` builds on a `local_transport` (``Session.local``,
    ``AsyncSession.local``), owning its embedded server: the server is closed when ``make``
    raises, and with the session otherwise.

    Raises:
        ConnectError: when no function was named (``ftorm`` was not imported whole).
    """
    transport = local_transport(path, schema, api_user, read_only)
    try:
        session = make(transport)
    except BaseException:
        transport.server.close()
        raise
    session._local_server = transport.server
    return session


def http_transport(
    server_url: str | None,
    api_user: str | None,
    api_key: str | None,
    *,
    spelled: tuple[str | None, str | None, str | None] = _PARAMETERS,
    instead: str | None = "Session.local()",
    **options: Any,
) -> Transport:
    """A `ftorm.transport.http.HttpTransport` for the given server.

    What is not given comes from ``FTRACK_SERVER``, ``FTRACK_API_USER`` and
    ``FTRACK_API_KEY``. The error names the three settings as ``spelled`` (the caller's
    names for them, None for the environment variable only) and suggests ``instead``.

    Raises:
        ConnectError: naming every setting that is missing.
    """
    settings = connection_settings(server_url, api_user, api_key, spelled, instead)
    from ftorm.transport.http import HttpTransport  # requests is imported only when needed

    return HttpTransport(*settings, **options)


def async_http_transport(
    server_url: str | None, api_user: str | None, api_key: str | None, **options: Any
) -> AsyncHttpTransport:
    """A `ftorm.transport.ahttp.AsyncHttpTransport` for the given server (settings as for
    `http_transport`, with ``AsyncSession.local()`` suggested instead)."""
    settings = connection_settings(server_url, api_user, api_key, instead="AsyncSession.local()")
    from ftorm.transport.ahttp import AsyncHttpTransport  # httpx: an optional dependency

    return AsyncHttpTransport(*settings, **options)


def connection_settings(
    server_url: str | None,
    api_user: str | None,
    api_key: str | None,
    spelled: tuple[str | None, str | None, str | None] = _PARAMETERS,
    instead: str | None = "Session.local()",
) -> tuple[str, str, str]:
    """The server URL, API user and key: as given, else from the environment (see
    `http_transport`).

    Raises:
        ConnectError: naming every setting that is missing.
    """
    server, user, key = _VARIABLES
    server_url = server_url or os.environ.get(server)
    api_user = api_user or os.environ.get(user)
    api_key = api_key or os.environ.get(key)
    settings = zip(spelled, _VARIABLES, (server_url, api_user, api_key), strict=True)
    missing = [f"{n} / {variable}" if n else variable for n, variable, v in settings if not v]
    if missing or not (server_url and api_user and api_key):
        msg = "cannot connect: missing " + ", ".join(missing)
        raise ConnectError(msg + (f" (or use {instead})" if instead else ""))
    return server_url, api_user, api_key
