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
from ftorm.model.relations import unlink
from ftorm.model.state import attach, cohort_of, detach, hook_of, mark_clean, rollback
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.protocol.operations import DeleteOp, OperationLike, QueryOp
from ftorm.protocol.results import QueryResult, read_query
from ftorm.query.builder import KeywordQuery, Query
from ftorm.query.parser import parse
from ftorm.query.render import render
from ftorm.schema.custom import CONFIGURATION_TYPE
from ftorm.schema.custom_attributes import Configuration
from ftorm.schema.types import Schema
from ftorm.session.batches import load_queries
from ftorm.session.catalog import Catalog, ModelSource
from ftorm.session.cohort import Cohort
from ftorm.session.custom import Configurations
from ftorm.session.identity import IdentityKey, IdentityMap, identity_key
from ftorm.session.loading import Hydrator, class_info
from ftorm.session.paging import GROW_TO, pages
from ftorm.session.queries import by_key, counting, key_of, keyset, pageable, within
from ftorm.session.reconcile import reconcile
from ftorm.session.schema_cache import SchemaCache
from ftorm.session.stats import Stats
from ftorm.session.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from ftorm.events.hub import EventHub
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
    the first, then doubling up to 5,000 a request). ``models``: the
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
        self._closed = False
        self._uncertain = False  # the last commit's batch may or may not have been applied
        self._watching: dict[int, set[IdentityKey]] = {}  # per running iteration: rows deleted
        self._local_server: Handler | None = None
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
        self._check_open()
        with self._counting:
            self.stats.requests += 1
            self.stats.operations += len(operations)
        return self._transport.call(operations)

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
        gone: set[IdentityKey] = set()  # rows this session deletes while the loop runs
        with self.lock:
            self._watching[id(gone)] = gone
        try:
            with closing(self._pages(query)) as stream:
                for result in stream:
                    rows = self._not_gone(result.data, gone) if gone else result.data
                    for obj in self._hydrate(rows, cohort):
                        if hook_of(obj) is self or self._closed:  # not deleted meanwhile
                            yield obj
        finally:
            with self.lock:
                del self._watching[id(gone)]

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
        node = query.ast
        text = render(counting(node, self._type(node.entity_type)))
        rows = read_query(self.call([QueryOp(text)])[0]).data
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
        cls: type[Any] = self._type(model) if isinstance(model, str) else self._catalog.adopt(model)
        values = key if isinstance(key, tuple) else (key,)
        found = self._identity.get(identity_key(cls, values))
        if found is not None and isinstance(found, cls):
            return found  # type: ignore[return-value]
        info = class_info(cls)
        if len(values) != len(info.pk_keys):
            msg = f"{cls.__name__} has the key ({', '.join(info.pk_keys)}); got {key!r}"
            raise InvalidValueError(msg)
        results = Query.from_ast(cls, by_key(cls, values), executor=self).limit(1).all()
        return results[0] if results else None

    def populate(self, objects: Iterable[Model], *paths: object) -> None:
        """Load ``paths`` (``Task.status``, ``Task.status.name``, ``"parent.name"``) for every
        object, with chunked ``id in (...)`` queries sent together in one request.

        A path that ends on a relation loads the related entities with all their scalar
        attributes (so reading them afterwards costs nothing); a path that ends on a value
        loads exactly that value. The related entities form a cohort of their own. A path
        that is not an attribute path raises `InvalidValueError`.
        """
        items = [obj for obj in dict.fromkeys(objects) if hook_of(obj) is self]
        if not items or not paths:
            return
        self._load_many(items, lambda cls: paths, Cohort())

    def _load_many(
        self,
        objects: Iterable[Model],
        paths: Callable[[type[Model]], Sequence[object]],
        cohort: Cohort | None,
        defaults: bool = False,
    ) -> None:
        """Load ``paths`` for ``objects`` in one request; related entities come with their
        scalars (or ``defaults``) and join ``cohort``'s children; ``objects`` keep theirs."""
        related = self._default_projections if defaults else self._catalog.scalar_projections
        operations = load_queries(objects, paths, related)
        for result in self.call(operations):
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
            self._commit()

    def _commit(self) -> None:
        self._check_open()
        work = self._work
        if not work:
            return
        if self._uncertain:
            reconcile(work, self.call, self._forget)
            self._uncertain = False
            if not work:
                return
        plan = work.plan()
        steps = plan.steps
        try:
            results = self.call([operation for operation, _ in steps]) if steps else []
        except TransportError as error:
            # Connection lost or an answer that is not the API: the server may have applied
            # the batch. A ServerError is a refusal: nothing was applied.
            self._uncertain = not isinstance(error, ServerError)
            raise
        for obj in (*work.new, *work.dirty, *work.touched):
            mark_clean(obj)
        before = self._hydrator.count
        for (operation, obj), result in zip(steps, results, strict=True):
            data = result.get("data") if isinstance(result, dict) else None
            if (
                not isinstance(operation, DeleteOp)
                and isinstance(data, dict)
                and "__entity_type__" in data
            ):
                self._hydrator.entity(data, into=obj)  # the server's echo: ids, defaults
        self.stats.entities += self._hydrator.count - before
        for obj in plan.deleted:
            self._forget(obj)
        if any(op.entity_type == CONFIGURATION_TYPE for op, _ in steps):
            self._configurations.forget()
        work.clear()

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
                f"select it in the query or call session.populate(objects, "
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
            for other in self._work.written(obj, name, old, new):
                self._adopt(other)

    def collection_changed(
        self, obj: Model, name: str, added: Sequence[Model], removed: Sequence[Model]
    ) -> None:
        """Record that the collection ``obj.name`` changed (`ftorm.model.state.Tracker`)."""
        with self.lock:
            for other in self._work.collection_written(obj, name, (*added, *removed)):
                self._adopt(other)

    def custom_configurations(self, obj: Model, *, refresh: bool = False) -> list[Configuration]:
        """The configurations that apply to ``obj`` (`ftorm.model.state.Tracker`)."""
        return self._configurations.applying(type(obj).__ftorm_entity__ or "", refresh=refresh)
