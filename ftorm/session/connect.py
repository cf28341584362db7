"""Connecting a session: to an ftrack server from arguments or the environment, or to an
embedded server in this process."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ftorm.errors import ConnectError
from ftorm.transport.base import Transport

if TYPE_CHECKING:
    from ftorm.schema.types import Schema
    from ftorm.transport.inprocess import InProcessTransport

__all__ = ["http_transport", "local_transport"]


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
    **options: Any,
) -> Transport:
    """A `ftorm.transport.http.HttpTransport` for the given server.

    What is not given comes from ``FTRACK_SERVER``, ``FTRACK_API_USER`` and
    ``FTRACK_API_KEY``.

    Raises:
        ConnectError: naming every setting that is missing.
    """
    server_url = server_url or os.environ.get("FTRACK_SERVER")
    api_user = api_user or os.environ.get("FTRACK_API_USER")
    api_key = api_key or os.environ.get("FTRACK_API_KEY")
    missing = [
        name
        for name, value in (
            ("server_url / FTRACK_SERVER", server_url),
            ("api_user / FTRACK_API_USER", api_user),
            ("api_key / FTRACK_API_KEY", api_key),
        )
        if not value
    ]
    if missing or not (server_url and api_user and api_key):
        msg = "cannot connect: missing " + ", ".join(missing) + " (or use Session.local())"
        raise ConnectError(msg)
    from ftorm.transport.http import HttpTransport  # requests is imported only when needed

    return HttpTransport(server_url, api_user, api_key, **options)
