"""`SessionBase`: the state every part of a `ftorm.Session` shares, and its plainest methods.

A session is built in layers, each a class in a module of its own ("How `Session` is built"
in docs/explanation/architecture.md): this base declares the shared state (the catalog of
types, the identity map, the unit of work, the lock ...) and sends batches;
`ftorm.session.reading` adds queries and loading, `ftorm.session.writing` the unit of work,
and `ftorm.session.convenience_methods` ftrack_api's conveniences. `ftorm.session.Session`
sets the state up, adds the event hub and the file methods, and is the one class users make.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ftorm._typing import JSON, JSONObject
from ftorm.errors import SessionClosedError
from ftorm.model.base import Model
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.query import ast
from ftorm.schema.custom.configurations import Configuration
from ftorm.schema.types import Schema
from ftorm.session.catalog import Catalog, ModelSource
from ftorm.session.cohort import Cohort
from ftorm.session.custom.configurations import Configurations
from ftorm.session.custom.inheritance import Hierarchy
from ftorm.session.identity import IdentityKey, IdentityMap, identity_key
from ftorm.session.loading import Hydrator
from ftorm.session.queries import by_keys
from ftorm.session.schema_cache import SchemaCache
from ftorm.session.stats import Stats
from ftorm.session.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from ftorm.transport.base import Transport
    from ftorm.transport.inprocess import Handler

__all__ = ["PAGE_SIZE", "Lazy", "SessionBase"]

PAGE_SIZE = 500
"""Rows of a session's first page request when iterating (ftrack's Python client's page)."""

Lazy = Literal["batch", "select", "raise"]  # how an attribute an object lacks is loaded


class SessionBase:
    """The state a session's parts share (set up by `ftorm.Session`), its transport, and
    the batches it sends."""

    def __init__(
        self, transport: Transport, lazy: Lazy, page_size: int | None, models: ModelSource | None
    ) -> None:
        """The state over ``transport`` (``lazy``, ``page_size`` and ``models`` as checked by
        `ftorm.Session`, which adds the parts that need the whole session)."""
        self._transport = transport
        self.lazy: Lazy = lazy
        """``"batch"`` loads a missing attribute for the object's whole cohort in one
        request, ``"select"`` for the one object, ``"raise"`` refuses."""
        self.page_size: int = PAGE_SIZE if page_size is None else page_size
        """Rows per query request when iterating (unless a query asks for its own); the
        first request's when ``page_size`` was not given: then pages grow, doubling, up to
        `ftorm.session.paging.GROW_TO` rows (`ftorm.session.paging`)."""
        self._grow = page_size is None
        self.stats: Stats = Stats()
        """Running totals: requests, operations, entities received and batch loads."""
        self.lock: threading.RLock = threading.RLock()
        """The session's re-entrant lock. Every change to the session's state (the identity
        map, the pending changes, an attribute write on one of its objects, a commit) holds
        it, so a `Session` can be shared by threads; hold it yourself to make several steps
        one (``with session.lock: task.bid += 1``). Requests other than commits are sent
        without it. See "Threads" in the session reference."""
        self._counting = threading.Lock()  # pages may be fetched on another thread
        server = getattr(transport, "server_url", None)  # a remote server: cache its schema
        cache = SchemaCache.for_server(server) if isinstance(server, str) else None
        remote = isinstance(server, str)
        self._catalog = Catalog(self.call, models, cache, remote=remote)
        self._type = self._catalog.class_of
        self._default_projections = self._catalog.default_projections
        self._identity = IdentityMap()
        self._hydrator: Hydrator  # made by `ftorm.Session`: it hooks the whole session in
        self._work = UnitOfWork()
        self._configurations = Configurations(self.call, lambda: self._catalog.schema)
        self._hierarchy: Hierarchy  # made by `ftorm.Session`: it loads through the session
        self._closed = False
        self._uncertain = False  # the last commit's batch may or may not have been applied
        self._watching: dict[int, set[IdentityKey]] = {}  # per running iteration: rows deleted
        self._local_server: Handler | None = None
        self._load_hint = "session.populate"  # what the lazy='raise' message suggests
        self._during: set[Model] | None = None  # objects changed while a commit is sent

    @property
    def transport(self) -> Transport:
        """The transport this session sends its batches through."""
        return self._transport

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True after `close`."""
        return self._closed

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._identity)} objects"
        return f"<Session {state}, {self.stats.requests} requests>"

    def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Send a raw batch (one request); returns one result per operation.

        The batch holds typed operations (`ftorm.protocol.operations`) or plain JSON objects
        such as ``{"action": "query", "expression": "Task"}``. Raises `SessionClosedError`
        after `close`, `ServerError` (a subclass by kind) when the server answers with an
        error, `ConnectError` when it cannot be reached.
        """
        self._sending(operations)
        return self._transport.call(operations)

    def _sending(self, operations: Sequence[OperationLike]) -> None:
        """Count a batch about to be sent (refused after `close`)."""
        self._check_open()
        with self._counting:
            self.stats.requests += 1
            self.stats.operations += len(operations)

    # --- schema and types ------------------------------------------------------------------

    @property
    def schema(self) -> Schema:
        """The server's schema (fetched on first use)."""
        return self._catalog.schema

    @property
    def server_information(self) -> dict[str, Any]:
        """The server's ``query_server_information`` answer."""
        return self._catalog.server_information

    @property
    def types(self) -> Mapping[str, type[Model]]:
        """A model class for every entity type of the server, by entity name.

        Generated classes (``ftorm.models``, or ``models=`` given to the session) are used
        where they exist; classes for the other types are built from the served schema.
        """
        return self._catalog.types

    # --- what the other parts share -------------------------------------------------------

    def _hydrate(
        self, rows: list[JSONObject], cohort: Cohort | None = None, *, member: bool = True
    ) -> list[Model]:
        """Merge a query result's entities into the session; the objects, in order.

        Holds the session's lock: two threads reading the same row get one object."""
        with self.lock:
            before = self._hydrator.count
            objects = self._hydrator.all(rows, cohort, member=member)
            self.stats.entities += self._hydrator.count - before
        return objects

    def _check_open(self) -> None:
        if self._closed:
            msg = "the session is closed"
            raise SessionClosedError(msg)

    def _held(self, type_id: str, key: str) -> Model | None:
        """The entity of ``type_id`` with id ``key`` if the session holds it."""
        cls = self._catalog.class_or_none(type_id)
        return None if cls is None else self._identity.get(identity_key(cls, (key,)))

    def _entity_loads(self, type_id: str, keys: Sequence[str]) -> QueryOp | None:
        """The query loading ``keys`` of ``type_id`` with their default projections (None
        for a type the session does not know)."""
        cls = self._catalog.class_or_none(type_id)
        if cls is None:
            return None
        paths = [ast.Path.of(p) for p in self._default_projections(cls)]
        return QueryOp(str(by_keys(cls, paths, [(key,) for key in keys])))

    def custom_configurations(self, obj: Model, *, refresh: bool = False) -> list[Configuration]:
        """The configurations that apply to ``obj`` (`ftorm.model.state.Tracker`)."""
        return self._configurations.applying(type(obj).__ftorm_entity__ or "", refresh=refresh)
