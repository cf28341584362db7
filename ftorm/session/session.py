"""`Session`: the identity map, loading, and the unit of work, over one transport.

A session talks to one server through a transport (HTTP, or in-process for the embedded
server). It learns the server's schema on first use, hands out one object per row, loads
attributes lazily (for the whole cohort of objects loaded together, with ``lazy="batch"``;
one object at a time with ``lazy="select"``; or refuses to, with ``lazy="raise"``) or eagerly
(``select``, `Session.populate`), tracks every change, and sends all of them in one request
on `commit`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, overload

from ftorm._typing import JSON, JSONObject
from ftorm.errors import (
    InvalidValueError,
    NotLoadedError,
    ServerError,
    SessionClosedError,
    TransportError,
)
from ftorm.model.base import Model
from ftorm.model.fields import Many, Ref
from ftorm.model.inherited import Resolved
from ftorm.model.relations import unlink
from ftorm.model.state import attach, cohort_of, detach, hook_of, mark_clean, rollback
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.protocol.operations import DeleteOp, OperationLike, QueryOp
from ftorm.protocol.results import QueryResult, read_query
from ftorm.query import ast
from ftorm.query.builder import KeywordQuery, Query
from ftorm.query.parser import parse
from ftorm.query.render import render
from ftorm.schema.custom import CONFIGURATION_TYPE
from ftorm.schema.custom_attributes import Configuration
from ftorm.schema.types import Schema
from ftorm.session.batches import load_queries
from ftorm.session.catalog import Catalog, ModelSource
from ftorm.session.cohort import Cohort
from ftorm.session.core import Steps, drive
from ftorm.session.custom import Configurations
from ftorm.session.hierarchy import Hierarchy, inherited_paths, lazy_members, refuse
from ftorm.session.identity import IdentityKey, IdentityMap, identity_key
from ftorm.session.loading import Hydrator, class_info
from ftorm.session.paging import GROW_TO, pages
from ftorm.session.queries import by_key, by_keys, counting, key_of, keyset, pageable, within
from ftorm.session.reconcile import reconcile_steps
from ftorm.session.schema_cache import SchemaCache
from ftorm.session.stats import Stats
from ftorm.session.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    import os

    from ftorm.events.hub import EventHub
    from ftorm.query.aggregates import Grouped
    from ftorm.session.accessors import Accessor
    from ftorm.session.locations import Location
    from ftorm.session.structures import Structure
    from ftorm.transport.base import Transport
    from ftorm.transport.inprocess import Handler

__all__ = ["Session", "Stats"]

M = TypeVar("M", bound=Model)
P = ParamSpec("P")
Q = TypeVar("Q", bound="Query[Any]")

PAGE_SIZE = 500
"""Rows of a session's first page request when iterating (ftrack's Python client's page)."""

Lazy = Literal["batch", "select", "raise"]  # how an attribute an object lacks is loaded


class Session:
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
        page_size: int | None = None,
        strict_api: bool = False,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retries: int = 3,
        models: ModelSource | None = None,
    ) -> None:
        if lazy not in ("batch", "select", "raise"):
            msg = f"lazy must be 'batch', 'select' or 'raise', not {lazy!r}"
            raise InvalidValueError(msg)
        if page_size is not None and (not isinstance(page_size, int) or page_size < 1):
            msg = f"page_size must be a positive int, not {page_size!r}"
            raise InvalidValueError(msg)
        if transport is None:
            from ftorm.session.connect import http_transport

            transport = http_transport(
                server_url,
                api_user,
                api_key,
                strict_api=strict_api,
                timeout=timeout,
                retries=retries,
            )
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
        self._hydrator = Hydrator(self._catalog.class_or_none, self._identity, self)
        self._work = UnitOfWork()
        self._configurations = Configurations(self.call, lambda: self._catalog.schema)
        self._hierarchy = Hierarchy(
            self.call,
            lambda: self._catalog.schema,
            lambda answer: self._hydrate(read_query(answer).data, None, member=False),
            self._held,
            lambda type_id, key: self._held(type_id, key) or self._fetch(type_id, key),
            self._entity_loads,
        )
        self._closed = False
        self._uncertain = False  # the last commit's batch may or may not have been applied
        self._watching: dict[int, set[IdentityKey]] = {}  # per running iteration: rows deleted
        self._local_server: Handler | None = None
        self._events: EventHub | None = None
        self._events_lock = threading.Lock()
        self._load_hint = "session.populate"  # what the lazy='raise' message suggests
        self._during: set[Model] | None = None  # objects changed while a commit is sent

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
        from ftorm.session.connect import local_transport

        transport = local_transport(path, schema, api_user, read_only)
        try:
            session = cls(transport=transport, **options)
        except BaseException:
            transport.server.close()
            raise
        session._local_server = transport.server
        return session

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

    @property
    def transport(self) -> Transport:
        """The transport this session sends its batches through."""
        return self._transport

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

    @property
    def closed(self) -> bool:
        """True after `close`."""
        return self._closed

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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

    # --- queries ---------------------------------------------------------------------------

    @overload
    def query(self, target: Callable[P, M]) -> KeywordQuery[M, P]: ...
    @overload
    def query(self, target: Q) -> Q: ...
    @overload
    def query(self, target: str) -> Query[Model]: ...
    def query(self, target: Any) -> Any:
        """A query bound to this session: a model class, a built query, or query text.

        A class (or a query built from one) hydrates its set of models, text the session's;
        a class of another set than the session's raises `ftorm.ModelSetError`.
        """
        if isinstance(target, Query):
            self._catalog.adopt_model_of(target)
            return target.bind(self)
        if isinstance(target, str):
            node = parse(target)
            model = self._type(node.entity_type)
            return Query.from_ast(model, node, executor=self)
        if isinstance(target, type) and issubclass(target, Model):
            return Query(self._catalog.adopt(target), executor=self)
        msg = f"session.query() takes a model class, a query or query text, not {target!r}"
        raise InvalidValueError(msg)

    def iterate(self, query: Query[Any]) -> Iterator[Any]:
        """Run ``query`` page by page (`ftorm.query.builder.Executor`): over a network the
        next page is fetched while this one is read (`ftorm.session.paging`); one cohort.

        A query with no ``order_by`` of its own is read in primary key order and paged by
        key: each page asks for the rows after the last one read (``id > "<last>"``), so a
        loop may delete (and commit) or create rows while it iterates. It visits every row
        that matched when the loop started and was not deleted before the loop reached it,
        each once; a row created meanwhile is visited when its key comes after the rows read
        so far. Rows this session deletes are left out even of a page fetched ahead; rows
        other clients delete while the next page is on its way may still be visited.

        A query with its own ``order_by`` is paged by offset: deleting or creating rows it
        matches while it iterates moves rows across pages, so some are skipped or visited
        twice. Read it whole first (``for task in query.all(): ...``), or iterate a query
        without ``order_by``.
        """
        self.check(query)
        cohort = Cohort()
        gone = self._watch()
        try:
            with closing(self._pages(query)) as stream:
                for result in stream:
                    for obj in self._page_objects(result.data, cohort, gone):
                        if self._kept(obj):
                            yield obj
        finally:
            self._unwatch(gone)

    # The steps of a paged query both drivers share (`ftorm.session.core`).

    def _paging(self, query: Query[Any]) -> tuple[ast.Select, int, tuple[str, ...] | None]:
        """The query to page (`pageable`), the page size, and the key it is paged by."""
        node = query.ast
        cls = self._type(node.entity_type)
        keys = keyset(node, cls)
        node = pageable(node, cls, self._default_projections, self._catalog.scalar_projections)
        return node, query.page_size_hint or self.page_size, keys

    def _watch(self) -> set[IdentityKey]:
        """A set collecting the rows this session deletes while one iteration runs."""
        gone: set[IdentityKey] = set()
        with self.lock:
            self._watching[id(gone)] = gone
        return gone

    def _unwatch(self, gone: set[IdentityKey]) -> None:
        with self.lock:
            self._watching.pop(id(gone), None)

    def _page_objects(
        self, rows: list[JSONObject], cohort: Cohort, gone: set[IdentityKey]
    ) -> list[Model]:
        """One page's rows merged into the session, as objects; the iteration yields those
        still `_kept` when it reaches them."""
        return self._hydrate(self._not_gone(rows, gone) if gone else rows, cohort)

    def _kept(self, obj: Model) -> bool:
        """Whether an iteration still yields ``obj`` (the loop did not delete it meanwhile)."""
        return hook_of(obj) is self or self._closed

    def _pages(self, query: Query[Any]) -> Generator[QueryResult, None, None]:
        """The answers to ``query``'s page requests (`ftorm.session.paging.pages`).

        A fresh session plans the query before it has the server's schema (from the cached
        schema, or from the model class and the server's default projections) and fetches
        the schema in the first page's request (`Catalog.send_with_schema`). When that
        request fails and the server's schema is not the cached one the plan came from, the
        query is planned again from the server's schema and sent again, once.
        """
        catalog = self._catalog
        threaded = bool(getattr(self._transport, "threaded", True))
        for again in (False, True):
            planned = catalog.planning_hash()
            node = query.ast
            cls = catalog.planning_class(node.entity_type)
            keys = keyset(node, cls)
            node = pageable(node, cls, catalog.planning_defaults, catalog.scalar_projections)
            hint = query.page_size_hint
            size = hint or self.page_size
            grow = GROW_TO if hint is None and self._grow else None
            stream = pages(
                catalog.send_with_schema, node, size, threaded=threaded, keys=keys, grow_to=grow
            )
            try:
                first = next(stream, None)
            except ServerError:
                stream.close()
                if again or not catalog.changed_since(planned):
                    raise
                continue
            try:
                if first is not None:
                    yield first
                    yield from stream
            finally:
                stream.close()
            return

    def _not_gone(self, rows: list[JSONObject], gone: set[IdentityKey]) -> list[JSONObject]:
        """``rows`` without those of the ``gone`` entities (a page fetched ahead may hold
        rows the loop deleted since)."""
        kept = []
        for row in rows:
            kind = row.get(ENTITY_TYPE)
            cls = self._catalog.class_or_none(kind) if isinstance(kind, str) else None
            if cls is not None:
                values = tuple(row.get(key) for key in class_info(cls).pk_keys)
                if identity_key(cls, values) in gone:
                    continue
            kept.append(row)
        return kept

    def count(self, query: Query[Any]) -> int:
        """How many entities ``query`` matches (`ftorm.query.builder.Executor`), with one
        request and no entity loaded: ``select count(<key>) from <Type> [where ...]`` (an
        aggregate; ftrack serves aggregates on a strict-API connection), with the query's
        own ``offset`` and ``limit`` applied to the total, so ``q.count() == len(q.all())``.

        Raises:
            UnknownAttributeError: ``query`` tests a custom attribute key no configuration
                has (`check`).
            ServerError: the server refuses the aggregate or answers no count.
        """
        self.check(query)
        return drive(self._count_steps(query), self.call)

    def _count_steps(self, query: Query[Any]) -> Steps[int]:
        """`count` after its `check`, as core steps (`ftorm.session.core`): one batch."""
        node = query.ast
        text = render(counting(node, self._type(node.entity_type)))
        rows = read_query((yield [QueryOp(text)])[0]).data
        values = list(rows[0].values()) if len(rows) == 1 else []
        total = values[0] if len(values) == 1 else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            msg = f"the server answered no count for {text}: {str(rows)[:200]}"
            raise ServerError(msg)
        return within(total, node)

    def check(self, query: Query[Any]) -> None:
        """Raise `ftorm.UnknownAttributeError` (with the closest keys) when ``query`` tests a
        custom attribute key that no configuration of its entity type has, which the server
        would answer with no rows (`ftorm.session.custom.Configurations.check`)."""
        self._configurations.check(query.ast)

    def get(self, model: type[M] | str, key: object) -> M | None:
        """The entity of ``model`` with primary key ``key``: from the identity map when the
        session holds it, else with one query; None when there is none."""
        found = self._held_or_query(model, key)
        if not isinstance(found, Query):
            return found  # type: ignore[return-value]
        results = found.all()
        return results[0] if results else None  # type: ignore[return-value]

    def _held_or_query(self, model: type[Model] | str, key: object) -> Model | Query[Model]:
        """`get`'s answer from the identity map, else the query that finds it."""
        cls: type[Any] = self._type(model) if isinstance(model, str) else self._catalog.adopt(model)
        values = key if isinstance(key, tuple) else (key,)
        found = self._identity.get(identity_key(cls, values))
        if found is not None and isinstance(found, cls):
            return found
        info = class_info(cls)
        if len(values) != len(info.pk_keys):
            msg = f"{cls.__name__} has the key ({', '.join(info.pk_keys)}); got {key!r}"
            raise InvalidValueError(msg)
        query: Query[Model] = Query.from_ast(cls, by_key(cls, values), executor=self)
        return query.limit(1)

    def populate(self, objects: Iterable[Model], *paths: object) -> None:
        """Load ``paths`` (``Task.status``, ``Task.status.name``, ``"parent.name"``) for every
        object, with chunked ``id in (...)`` queries sent together in one request.

        A path that ends on a relation loads the related entities with all their scalar
        attributes (so reading them afterwards costs nothing); a path that ends on a value
        loads exactly that value. The related entities form a cohort of their own. A path
        that is not an attribute path raises `InvalidValueError`.
        """
        items, rest, inherited = self._populating(objects, paths)
        if inherited:
            self._hierarchy.resolve(items)
        drive(self._populate_steps(items, rest), self.call)

    def _populating(
        self, objects: Iterable[Model], paths: Sequence[object]
    ) -> tuple[list[Model], tuple[object, ...], bool]:
        """What `populate` loads: this session's objects among ``objects`` (once each), the
        attribute paths among ``paths``, and whether inherited custom attribute values are
        asked for too (`ftorm.session.hierarchy`; resolved apart from the steps: blocking
        code an `ftorm.AsyncSession` runs on a worker thread)."""
        items = [obj for obj in dict.fromkeys(objects) if hook_of(obj) is self]
        rest, inherited = inherited_paths(paths)
        return items, rest, bool(items and inherited)

    def _populate_steps(self, items: Sequence[Model], paths: Sequence[object]) -> Steps[None]:
        """`populate`'s attribute paths for ``items`` (`_populating`) as core steps
        (`ftorm.session.core`): one batch, or none."""
        if items and paths:
            yield from self._load_steps(items, lambda cls: paths, Cohort())

    def _load_many(
        self,
        objects: Iterable[Model],
        paths: Callable[[type[Model]], Sequence[object]],
        cohort: Cohort | None,
        defaults: bool = False,
    ) -> None:
        """Load ``paths`` for ``objects`` in one request; related entities come with their
        scalars (or ``defaults``) and join ``cohort``'s children; ``objects`` keep theirs."""
        drive(self._load_steps(objects, paths, cohort, defaults), self.call)

    def _load_steps(
        self,
        objects: Iterable[Model],
        paths: Callable[[type[Model]], Sequence[object]],
        cohort: Cohort | None,
        defaults: bool = False,
    ) -> Steps[None]:
        """`_load_many` as core steps (`ftorm.session.core`): one batch."""
        related = self._default_projections if defaults else self._catalog.scalar_projections
        operations = load_queries(objects, paths, related)
        for result in (yield operations):
            self._hydrate(read_query(result).data, cohort, member=False)

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

    # --- the unit of work ------------------------------------------------------------------

    @overload
    def create(self, model: Callable[P, M], /, *args: P.args, **values: P.kwargs) -> M: ...
    @overload
    def create(self, model: str, /, **values: Any) -> Model: ...
    def create(self, model: Any, /, *args: Any, **values: Any) -> Any:
        """A new entity, added to the session (sent on the next `commit`); ``values`` are the
        model's constructor keywords, checked by type checkers the same way. An entity type
        name gives the session's class of that name."""
        cls = self._type(model) if isinstance(model, str) else self._catalog.adopt(model)
        with self.lock:  # the new object may join loaded collections of the session's objects
            obj = cls(*args, **values)
            self.add(obj)
        return obj

    def add(self, obj: Model) -> None:
        """Add a new entity (and new entities it references) to the session."""
        with self.lock:
            self._add(obj)

    def _add(self, obj: Model) -> None:
        self._check_open()
        if self._during is not None:
            self._during.add(obj)
        if not isinstance(obj, Model):
            msg = f"session.add() takes an entity, not {obj!r}"  # type: ignore[unreachable]  # untyped callers
            raise InvalidValueError(msg)
        owner = hook_of(obj)
        if owner is self:
            return
        self._catalog.adopt(type(obj))
        if owner is not None:
            msg = f"{obj!r} belongs to another session"
            raise InvalidValueError(msg)
        info = class_info(type(obj))
        values = key_of(obj)
        if any(value is None for value in values):
            msg = f"{obj!r} has no primary key value ({', '.join(info.pk_names)}): set it first"
            raise InvalidValueError(msg)
        key = identity_key(type(obj), values)
        if self._identity.get(key) is not None:
            msg = f"the session already holds an entity with the key of {obj!r}"
            raise InvalidValueError(msg)
        attach(obj, self)
        self._identity.add(key, obj)
        self._work.new[obj] = None
        for name, field in type(obj).__ftorm_fields__.items():
            value = obj.__dict__.get(name)
            if isinstance(field, Ref) and isinstance(value, Model):
                self._adopt(value)
            elif isinstance(field, Many) and value:
                for item in value:
                    self._adopt(item)

    def _adopt(self, obj: Model) -> None:
        """``obj`` is linked to an object of this session: add it if new, else note it."""
        owner = hook_of(obj)
        if owner is None:
            self._add(obj)
        elif owner is self and obj not in self._work.new:
            self._work.touched[obj] = None

    def delete(self, obj: Model) -> None:
        """Delete ``obj`` on the next `commit` (a new object is simply dropped)."""
        with self.lock:
            self._delete(obj)

    def _delete(self, obj: Model) -> None:
        self._check_open()
        if self._during is not None:
            self._during.add(obj)
        if hook_of(obj) is not self:
            msg = f"{obj!r} does not belong to this session"
            raise InvalidValueError(msg)
        if obj in self._work.new:  # dropped, with the new values only it holds (metadata ...)
            for new in (*self._work.new_members(obj), obj):
                del self._work.new[new]
                self._forget(new)
            return
        self._work.deleted[obj] = None

    def _forget(self, obj: Model) -> None:
        key = identity_key(type(obj), key_of(obj))
        self._identity.discard(key)
        for gone in self._watching.values():  # running iterations skip the row from now on
            gone.add(key)
        unlink(obj)
        detach(obj)

    @property
    def dirty(self) -> bool:
        """True when `commit` has something to send."""
        return bool(self._work)

    def commit(self) -> None:
        """Send every pending create, update and delete in one request.

        On failure nothing changes locally: the pending changes stay pending and the error
        (a `ftorm.ServerError` subclass or `ftorm.ConnectError`) says what went wrong; call
        `commit` again after fixing the data. When the connection failed, the server may or
        may not have applied the batch: the next `commit` first asks which changes took
        effect (one request) and sends only the rest, so each is applied exactly once.

        A commit holds the session's `lock` from start to end: it sends what is pending when
        it starts, and a change another thread makes meanwhile waits for it and stays pending
        for the next commit.
        """
        with self.lock:
            drive(self._commit_steps(), self.call)

    def _commit_steps(self) -> Steps[None]:
        """`commit` as core steps (`ftorm.session.core`): reconciliation first when the last
        commit's fate is unknown, then the batch of pending changes, then their answers."""
        self._check_open()
        work = self._work
        if not work:
            return
        if self._uncertain:
            yield from reconcile_steps(work, self._forget)
            self._uncertain = False
            if not work:
                return
        plan = work.plan()
        steps = plan.steps
        results: list[JSON] = []
        planned = dict.fromkeys((*work.new, *work.dirty, *work.touched, *work.deleted))
        during: set[Model] = set()  # objects changed while the batch is on its way
        if steps:
            self._during = during  # (only an awaited commit lets anything run meanwhile)
            try:
                results = yield [operation for operation, _ in steps]
            except BaseException as error:
                # Connection lost, an answer that is not the API, or the sender interrupted
                # (a cancelled task, Ctrl-C) while the batch was on its way: the server may
                # have applied it. A ServerError is a refusal: nothing was applied.
                if isinstance(error, TransportError):
                    self._uncertain = not isinstance(error, ServerError)
                elif not isinstance(error, Exception):
                    self._uncertain = True
                raise
            finally:
                self._during = None
        for obj in (*work.new, *work.dirty, *work.touched):
            if obj not in during:
                mark_clean(obj)
        before = self._hydrator.count
        for (operation, obj), result in zip(steps, results, strict=True):
            data = result.get("data") if isinstance(result, dict) else None
            if (
                obj not in during  # the echo would overwrite the newer change
                and not isinstance(operation, DeleteOp)
                and isinstance(data, dict)
                and ENTITY_TYPE in data
            ):
                self._hydrator.entity(data, into=obj)  # the server's echo: ids, defaults
        self.stats.entities += self._hydrator.count - before
        self._hierarchy.committed(steps)
        for obj in plan.deleted:
            self._forget(obj)
        if any(op.entity_type == CONFIGURATION_TYPE for op, _ in steps):
            self._configurations.forget()
        if during:
            self._keep_pending(planned, during)
        else:
            work.clear()

    def _keep_pending(self, planned: dict[Model, None], during: set[Model]) -> None:
        """After a commit: forget what it sent, keep what changed while it was on its way
        (objects changed then stay pending with every change they hold; new ones they
        created or deleted stay new or deleted)."""
        work = self._work
        new = [obj for obj in work.new if obj not in planned]
        deleted = [obj for obj in work.deleted if obj not in planned]
        changed = [obj for obj in during if obj in planned and hook_of(obj) is self]
        work.clear()
        work.new.update(dict.fromkeys(new))
        work.deleted.update(dict.fromkeys(deleted))
        work.dirty.update(dict.fromkeys(obj for obj in changed if obj not in work.deleted))

    def rollback(self) -> None:
        """Undo every change since the last commit; new objects are forgotten."""
        with self.lock:
            self._check_open()
            work = self._work
            for obj in list(work.new):
                self._forget(obj)
            for obj in (*work.dirty, *work.touched):
                rollback(obj)
            work.clear()
            self._uncertain = False

    def _check_open(self) -> None:
        if self._closed:
            msg = "the session is closed"
            raise SessionClosedError(msg)

    # --- the model layer's Tracker protocol ------------------------------------------------

    def load(self, obj: Model, name: str) -> bool:
        """Load ``obj.name`` (lazy loading; with ``lazy="batch"`` for every member of the
        cohort still missing it, in one request, never replacing values held); refuses for
        new objects and closed sessions."""
        with self.lock:
            if self._closed or obj in self._work.new:
                return False
        cls = type(obj)
        field = cls.__ftorm_fields__[name]
        if self.lazy == "raise":
            msg = (
                f"{cls.__name__}.{name} is not loaded and this session has lazy='raise': "
                f"select it in the query or call {self._load_hint}(objects, "
                f"{cls.__name__}.{name})"
            )
            raise NotLoadedError(msg)
        cohort = cohort_of(obj)
        if self.lazy == "select" or not isinstance(cohort, Cohort):
            single = self.lazy == "select"  # as ftrack_api: related entities' defaults only
            self._load_many([obj], lambda _: (field.key,), None if single else Cohort(), single)
            return name in obj.__dict__
        with self.lock:  # the request is sent without it
            others = cohort.missing(self._identity, name, self)
            self.stats.batch_loads += 1
        members = [obj, *(member for member in others if member is not obj)]
        self._load_many(members, lambda kind: (kind.__ftorm_fields__[name].key,), cohort)
        return name in obj.__dict__

    def changed(self, obj: Model, name: str, old: object, new: object) -> None:
        """Record that ``obj.name`` was written (`ftorm.model.state.Tracker`)."""
        with self.lock:
            if self._during is not None:
                self._during.add(obj)
            for other in self._work.written(obj, name, old, new):
                self._adopt(other)

    def collection_changed(
        self, obj: Model, name: str, added: Sequence[Model], removed: Sequence[Model]
    ) -> None:
        """Record that the collection ``obj.name`` changed (`ftorm.model.state.Tracker`)."""
        with self.lock:
            if self._during is not None:
                self._during.add(obj)
            for other in self._work.collection_written(obj, name, (*added, *removed)):
                self._adopt(other)

    def inherited_value(self, obj: Model, key: str) -> Resolved:
        """The inherited value of custom attribute ``key`` for ``obj``
        (`ftorm.model.inherited.InheritedSource`): resolved first, as `load` loads (for
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

    def _held(self, type_id: str, key: str) -> Model | None:
        """The entity of ``type_id`` with id ``key`` if the session holds it."""
        cls = self._catalog.class_or_none(type_id)
        return None if cls is None else self._identity.get(identity_key(cls, (key,)))

    def _fetch(self, type_id: str, key: str) -> Model | None:
        """The entity of ``type_id`` with id ``key``, read (None if unknown or gone)."""
        cls = self._catalog.class_or_none(type_id)
        return None if cls is None else self.get(cls, key)

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

    # --- ftrack_api's conveniences (`ftorm.session.conveniences`, `notes`, `timers`) --------

    @overload
    def ensure(
        self,
        model: Callable[P, M],
        identifying_keys: Sequence[str] | None = None,
        /,
        *args: P.args,
        **values: P.kwargs,
    ) -> M: ...
    @overload
    def ensure(
        self, model: str, identifying_keys: Sequence[str] | None = None, /, **values: Any
    ) -> Model: ...
    def ensure(
        self,
        model: Any,
        identifying_keys: Sequence[str] | None = None,
        /,
        *args: Any,
        **values: Any,
    ) -> Any:
        """Get or create, as ``ftrack_api.Session.ensure``: the entity whose
        ``identifying_keys`` (by default every value given) equal ``values``, with its other
        values written where they differ, or a new one made of ``values``; the session is
        committed when anything was created or changed. ``values`` are typed like `create`'s.
        ``identifying_keys`` is positional (``session.ensure(Task, ["name", "parent"],
        name=..., parent=..., bid=...)``); a keyword ``identifying_keys=`` is accepted too.

        Raises:
            MultipleResultsError: more than one entity matches (nothing changes).
            InvalidValueError: no identifying data, or an identifying key without a value.
        """
        from ftorm.session.conveniences import ensure

        if args:
            msg = "session.ensure() takes the values as keywords"
            raise InvalidValueError(msg)
        if identifying_keys is None and "identifying_keys" in values:
            identifying_keys = values.pop("identifying_keys")
        cls = self._type(model) if isinstance(model, str) else self._catalog.adopt(model)
        return ensure(self, cls, identifying_keys, values)

    def aggregate(self, query: Grouped[Any]) -> list[dict[str, Any]]:
        """The rows of a grouped query (``Grouped(Task, count(Task.id)).by(Task.status_id)``,
        `ftorm.query.aggregates`), in one request: one dict per group, keyed by the grouped
        attributes and ``<function>_<attribute>``. ftrack answers these on a strict-API
        connection only (``Session(strict_api=True)``)."""
        from ftorm.session.conveniences import aggregate

        return aggregate(self, query)

    def reset(self) -> None:
        """Forget every object and every pending change, as ``ftrack_api.Session.reset``:
        the session is as new (its schema and connection are kept). Objects read before are
        detached from it: read them again to use them with the session."""
        with self.lock:
            self._check_open()
            for obj in self._identity:
                detach(obj)
            self._identity.clear()
            self._work.clear()
            self._hierarchy.forget()
            self._configurations.forget()
            self._uncertain = False

    def refresh(self, obj: Model) -> None:
        """Read ``obj`` again from the server, in one request: every attribute it holds is
        replaced by the server's value (collections too), and inherited custom attribute
        values are resolved again on their next read. Pending changes are kept: an
        attribute changed and not committed keeps its new value (`commit` still sends it),
        as ftrack_api keeps local values when it populates.

        Raises:
            InvalidValueError: ``obj`` is new (not on the server yet) or not the session's.
            NotFoundError: the server no longer has ``obj`` (it stays in the session; delete
                or `reset` to drop it).
        """
        from ftorm.session.conveniences import refresh

        with self.lock:
            created = obj in self._work.new
        rows = refresh(self, obj, created)
        self._hydrate(rows, None, member=False)
        with self.lock:
            self._hierarchy.forget()

    def reset_remote(self, reset_type: str, entity: Model | None = None) -> Any:
        """Reset ``reset_type`` (an attribute with a default, or ``"api_key"`` of a
        ``User``) of ``entity`` on the server; the new value, also stored on ``entity`` when
        it is one of its attributes without a pending change
        (`ftorm.session.conveniences.reset_remote`)."""
        from ftorm.session.conveniences import reset_remote

        return reset_remote(self, reset_type, entity)

    def get_widget_url(
        self,
        name: str,
        entity: Model | None = None,
        theme: Literal["light", "dark"] | None = None,
    ) -> str:
        """The URL of ftrack's web widget ``name`` (``"info"``, ``"tasks"``,
        ``"tasks_browser"``) for ``entity`` (`ftorm.session.conveniences.get_widget_url`).
        The embedded server answers a URL on itself that serves no widget."""
        from ftorm.session.conveniences import get_widget_url

        return get_widget_url(self, name, entity, theme)

    def create_note(
        self,
        entity: Model,
        content: str,
        author: Model,
        *,
        recipients: Sequence[Model] = (),
        category: Model | None = None,
        labels: Sequence[Model] = (),
    ) -> Model:
        """A new ``Note`` on ``entity`` by ``author`` with ``recipients`` and ``labels``
        (or a ``category``), sent on the next commit (`ftorm.session.notes.create_note`)."""
        from ftorm.session.notes import create_note

        return create_note(self, entity, content, author, recipients, category, labels)

    def create_reply(self, note: Model, content: str, author: Model) -> Model:
        """A reply to ``note``, sent on the next commit (`ftorm.session.notes.create_reply`)."""
        from ftorm.session.notes import create_reply

        return create_reply(self, note, content, author)

    def start_timer(
        self,
        user: Model,
        context: Model | None = None,
        comment: str = "",
        name: str | None = None,
        force: bool = False,
    ) -> Model:
        """Start ``user``'s timer (committed); the ``Timer``. Raises `ftorm.TimerRunningError`
        when one runs and ``force`` is false (`ftorm.session.timers.start_timer`)."""
        from ftorm.session.timers import start_timer

        return start_timer(self, user, context, comment, name, force)

    def stop_timer(self, user: Model) -> Model:
        """Stop ``user``'s running timer (committed); the ``Timelog``. Raises
        `ftorm.NotFoundError` when none runs (`ftorm.session.timers.stop_timer`)."""
        from ftorm.session.timers import stop_timer

        return stop_timer(self, user)
