"""Connecting a session: to an ftrack server from arguments or the environment, or to an
embedded server in this process."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ftorm.errors import ConnectError
from ftorm.transport.base import Transport

if TYPE_CHECKING:
    from ftorm.schema.types import Schema
    from ftorm.transport.ahttp import AsyncHttpTransport
    from ftorm.transport.inprocess import InProcessTransport

__all__ = ["async_http_transport", "connection_settings", "http_transport", "local_transport"]

_PARAMETERS: tuple[str, str, str] = ("server_url", "api_user", "api_key")
"""How `Session` spells the three connection settings (`http_transport` names them so)."""
_VARIABLES = ("FTRACK_SERVER", "FTRACK_API_USER", "FTRACK_API_KEY")


def local_transport(
    path: str, schema: Schema | None, api_user: str, read_only: bool
) -> InProcessTransport:
    """An in-process transport to a new embedded server on the SQLite file ``path``."""
    from ftorm.server.handlers import Server  # the server loads only when a session needs it
    from ftorm.transport.inprocess import InProcessTransport

    server = Server(schema, database=path, api_user=api_user, read_only=read_only)
    return InProcessTransport(server)


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
