"""Creating the embedded server for `ftorm.Session.local`, outside the session.

A session does not build servers (the session layer does not import the server layer, see
``tests/test_layers.py``). This module, above both, does: ``ftorm`` names `open_server` to
the session layer on import (`ftorm.session.connect.provide_embedded_server`), and
`Session.local` creates its server through it, then hands it in, the way SQLAlchemy creates
an engine outside its ``Session``. To hold the server yourself, create it the same way
(``Server(schema, database=path)``, `ftorm.server.handlers.Server`) and pass
``transport=InProcessTransport(server)`` to `ftorm.Session`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftorm.events.aio import AsyncEventHub
    from ftorm.events.hub import EventHub
    from ftorm.schema.types import Schema
    from ftorm.server.handlers import Server

__all__ = ["event_hub", "open_server"]


def open_server(path: str, *, schema: Schema | None, api_user: str, read_only: bool) -> Server:
    """An embedded server on the SQLite file ``path`` (`ftorm.server.handlers.Server`).

    The server loads only here, when a session first needs one (``import ftorm`` stays
    light: ``tests/test_startup.py``).
    """
    from ftorm.server.handlers import Server

    return Server(schema, database=path, api_user=api_user, read_only=read_only)


def event_hub(transport: Any) -> EventHub | AsyncEventHub:
    """The event hub client for a session's transport (`ftorm.events.connect.hub_for`; for
    an asynchronous transport, one with an ``aclose``, `ftorm.events.connect.async_hub_for`),
    named to the session layer on import (`ftorm.session.connect.provide_event_hub`): the
    session layer does not import the events layer above it. Loaded on first use."""
    from ftorm.events.connect import async_hub_for, hub_for

    if callable(getattr(transport, "aclose", None)):
        return async_hub_for(transport)
    return hub_for(transport)
