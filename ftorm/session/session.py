"""`Session`: the identity map, loading, and the unit of work, over one transport.

A session talks to one server through a transport (HTTP, or in-process for the embedded
server). It learns the server's schema on first use, hands out one object per row, loads
attributes lazily (for the whole cohort of objects loaded together, with ``lazy="batch"``;
one object at a time with ``lazy="select"``; or refuses to, with ``lazy="raise"``) or eagerly
(``select``, `Session.populate`), tracks every change, and sends all of them in one request
on `commit`.

`Session` is built in layers, one job a module: the shared state (`ftorm.session.base`),
queries and loading (`ftorm.session.reading`), the unit of work (`ftorm.session.writing`),
and ftrack_api's conveniences (`ftorm.session.convenience_methods`). This module sets the
state up, makes local sessions, holds the event hub and the session's lifecycle, and hands
file methods to `ftorm.session.components` (they pass the `Session` on: a location keeps
the session it belongs to).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ftorm.errors import InvalidValueError, NotLoadedError
from ftorm.model.custom.inheritance import Resolved
from ftorm.model.state import detach
from ftorm.protocol.results import read_query
from ftorm.schema.types import Schema
from ftorm.session.base import PAGE_SIZE as PAGE_SIZE
from ftorm.session.base import Lazy as Lazy
from ftorm.session.convenience_methods import ConvenienceMethods
from ftorm.session.custom.inheritance import Hierarchy, lazy_members, refuse
from ftorm.session.loading import Hydrator
from ftorm.session.stats import Stats

if TYPE_CHECKING:
    import os
    from typing import Unpack  # (3.11: only type checkers read it)

    from ftorm.events.hub import EventHub
    from ftorm.model.base import Model
    from ftorm.session.accessors import Accessor
    from ftorm.session.connect import SessionOptions
    from ftorm.session.locations import Location
    from ftorm.session.structures import Structure
    from ftorm.transport.base import Transport
    from ftorm.transport.inprocess import Handler

__all__ = ["Session", "Stats"]


class Session(ConvenienceMethods):
    """A connection to one ftrack server (or ftorm's embedded one) and the objects read from it.

    ``Session()`` reads ``FTRACK_SERVER``, ``FTRACK_API_USER`` and ``FTRACK_API_KEY``;
    ``Session.local(path)`` runs the embedded server in-process. Nothing is sent until the
    first use. Options: ``lazy`` says what reading an attribute an object does not hold does:
    ``"batch"`` (the default) loads it, in one request, for every object of the object's
    cohort (the result of the query or populate that loaded it) still missing it;
    ``"select"`` loads it for that one object, as ftrack_api does; ``"raise"`` raises
    `NotLoadedError`. ``page_size``: rows per query request when iterating (not given: 500 for
    the first, then doubling up to `ftorm.session.paging.GROW_TO` a request). ``models``: the
    set of model classes to hydrate (a module written by ``ftorm generate``, or a mapping of
    entity names to classes; by default the set of the first model class the session is used
    with, else ``ftorm.models``); classes of another set raise `ftorm.ModelSetError`.
    """

    def __init__(
        self,
        server_url: str | None = None,
        api_user: str | None = None,
        api_key: str | None = None,
        *,
        transport: Transport | None = None,
        lazy: Lazy = "batch",
        **options: Unpack[SessionOptions],
    ) -> None:
        from ftorm.session.connect import session_options

        connecting = session_options("Session", dict(options))
        page_size, models = options.get("page_size"), options.get("models")
        if lazy not in ("batch", "select", "raise"):
            msg = f"lazy must be 'batch', 'select' or 'raise', not {lazy!r}"
            raise InvalidValueError(msg)
        if page_size is not None and (not isinstance(page_size, int) or page_size < 1):
            msg = f"page_size must be a positive int, not {page_size!r}"
            raise InvalidValueError(msg)
        if transport is None:
            from ftorm.session.connect import http_transport

            transport = http_transport(server_url, api_user, api_key, **connecting)
        super().__init__(transport, lazy, page_size, models)
        self._hydrator = Hydrator(self._catalog.class_or_none, self._identity, self)
        self._hierarchy = Hierarchy(
            self.call,
            lambda: self._catalog.schema,
            lambda answer: self._hydrate(read_query(answer).data, None, member=False),
            self._held,
            lambda type_id, key: self._held(type_id, key) or self._fetch(type_id, key),
            self._entity_loads,
        )
        self._events: EventHub | None = None
        self._events_lock = threading.Lock()

    @classmethod
    def local(
        cls,
        path: str = ":memory:",
        *,
        schema: Schema | None = None,
        api_user: str = "ftorm",
        read_only: bool = False,
        **options: Any,
    ) -> Session:
        """A session on an embedded server in this process (SQLite at ``path``).

        ``read_only`` opens an existing workspace without changing it (a missing file, or
        one that is not an ftorm workspace, raises `ftorm.StorageError`); commits are refused.

        A shortcut: the server is created outside the session, by the function ``ftorm``
        provides (`ftorm.session.connect.local_transport`), and handed in through an
        `ftorm.transport.inprocess.InProcessTransport`, as
        ``Session(transport=InProcessTransport(server))`` does with a server of your own.
        The session owns this one: `close` closes it.
        """
        from ftorm.session.connect import on_local_server

        return on_local_server(
            lambda transport: cls(transport=transport, **options), path, schema, api_user, read_only
        )

    @property
    def local_server(self) -> Handler | None:
        """The embedded server `local` created for this session (None for other sessions),
        closed with it; more sessions can share it with ``transport=InProcessTransport(...)``.
        Typed as the `ftorm.transport.inprocess.Handler` protocol: it is an
        `ftorm.server.handlers.Server`."""
        return self._local_server

    @property
    def events(self) -> EventHub:
        """ftrack's event hub for this session's server (`ftorm.events.EventHub`), made on
        first use and closed with the session: a websocket to ``ftorm serve`` or ftrack, or,
        for `local` sessions, the embedded server's hub in this process."""
        with self._events_lock:
            if self._events is None:
                from ftorm.session.connect import event_hub_for

                self._events = event_hub_for(self._transport)
                self._events.session = self
            return self._events

    # --- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Forget every object and release the connection. Pending changes are discarded."""
        with self.lock:
            if self._closed:
                return
            if self._events is not None:
                self._events.close()
            for obj in self._identity:
                detach(obj)
            self._identity.clear()
            self._work.clear()
            self._hierarchy.forget()
            self._closed = True
        self._transport.close()
        if self._local_server is not None:
            self._local_server.close()
            self._local_server = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- inherited custom attribute values (`ftorm.model.custom.inheritance.InheritedSource`) ---

    def inherited_value(self, obj: Model, key: str) -> Resolved:
        """The inherited value of custom attribute ``key`` for ``obj``
        (`ftorm.model.custom.inheritance.InheritedSource`): resolved first, as `load` loads (for
        the whole cohort with ``lazy="batch"``), when the session does not hold it."""
        self._check_open()
        if obj in self._work.new:
            msg = f"{obj!r} is new: commit it before reading inherited values (ftrack links it)"
            raise NotLoadedError(msg)
        if not self._hierarchy.ready(str(obj.__dict__.get("id"))):
            if self.lazy == "raise":
                raise refuse(obj, key, self._load_hint)
            if self.lazy == "select":
                self._hierarchy.resolve([obj])
            else:
                self.stats.batch_loads += 1
                members = lazy_members(obj, lambda cohort: cohort.members(self._identity))  # type: ignore[attr-defined]
                self._hierarchy.resolve(members)
        return self._hierarchy.value(obj, key)

    # --- files (`ftorm.session.components`, `ftorm.session.locations`) ----------------------

    def create_component(
        self,
        path: str | os.PathLike[str],
        data: Mapping[str, Any] | None = None,
        location: Location | Literal["auto"] | None = "auto",
        *,
        version: Model | None = None,
    ) -> Model:
        """A new component for the file, sequence (``/renders/sh010.%04d.exr [1001-1100]``)
        or folder at ``path``, committed and added to ``location``
        (`ftorm.session.components.create_component`)."""
        from ftorm.session.components import create_component

        return create_component(self, path, data, location, version=version)

    def location(
        self,
        name: str,
        *,
        accessor: Accessor | None = None,
        structure: Structure | None = None,
        priority: int | None = None,
    ) -> Location:
        """The location ``name``, configured for this session with ``accessor``,
        ``structure`` and ``priority`` when given (`ftorm.session.components.location`)."""
        from ftorm.session.components import location as named

        return named(self, name, accessor=accessor, structure=structure, priority=priority)

    def pick_location(self) -> Location:
        """The preferred location with an accessor and a structure
        (`ftorm.session.components.pick_location`)."""
        from ftorm.session.components import pick_location

        return pick_location(self)

    def get_component_availability(
        self, component: Model, locations: Sequence[Location] | None = None
    ) -> dict[str, float]:
        """``{location id: percent}`` of ``component`` in ``locations`` (by default every
        location of the session), as ftrack_api answers."""
        return self.get_component_availabilities([component], locations)[0]

    def get_component_availabilities(
        self, components: Sequence[Model], locations: Sequence[Location] | None = None
    ) -> list[dict[str, float]]:
        """`get_component_availability` of each of ``components``, in order."""
        from ftorm.session.components import locations as every

        chosen = list(locations) if locations is not None else every(self)
        result: list[dict[str, float]] = [{} for _ in components]
        for place in chosen:
            for index, share in enumerate(place.get_component_availabilities(components)):
                result[index][place.id] = share
        return result

    def create_thumbnail(
        self, entity: Model, path: str | os.PathLike[str], data: Mapping[str, Any] | None = None
    ) -> Model:
        """Upload the image at ``path`` and make it ``entity``'s thumbnail; the component
        (`ftorm.session.components.create_thumbnail`)."""
        from ftorm.session.components import create_thumbnail

        return create_thumbnail(self, entity, path, data)

    def encode_media(
        self,
        media: str | os.PathLike[str] | Model,
        *,
        version_id: str | None = None,
        keep_original: bool | Literal["auto"] = "auto",
    ) -> Model:
        """Ask the server to encode ``media`` (a path or a ``FileComponent``); the ``Job``
        (`ftorm.session.components.encode_media`)."""
        from ftorm.session.components import encode_media

        return encode_media(self, media, version_id=version_id, keep_original=keep_original)
