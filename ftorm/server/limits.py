"""The HTTP server's limits on connections, with their defaults (`ftorm.server.wsgi`;
``ftorm serve`` options). A module of constants only, so the CLI can name the defaults
without importing the server."""

from __future__ import annotations

__all__ = ["HEADER_TIMEOUT", "MAX_CONNECTIONS", "SOCKET_TIMEOUT"]

MAX_CONNECTIONS = 256
"""Connections served at once by default (``ftorm serve --max-connections``): one thread each.
Further connections wait in the listening socket's accept queue, sized to the same number
(the operating system may cap it lower: ``net.core.somaxconn`` on Linux)."""

HEADER_TIMEOUT = 10.0
"""Seconds a connection has, by default, to send its request line and headers, in all
(``ftorm serve --header-timeout``): a client dripping them byte by byte is dropped too."""

SOCKET_TIMEOUT = 30.0
"""Seconds a connection may stay silent once its headers are in (a half-open client, a body
shorter than its ``Content-Length``) before the server drops it."""
