"""Connecting a session to an ftrack server from arguments or the environment."""

from __future__ import annotations

import os
from typing import Any

from ftorm.errors import ConnectError
from ftorm.transport.base import Transport

__all__ = ["http_transport"]


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
