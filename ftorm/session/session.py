"""`Session`: the identity map, loading, and the unit of work, over one transport.

A session talks to one server through a transport (HTTP, or in-process for the embedded
server). It learns the server's schema on first use, hands out one object per row, loads
attributes lazily (or refuses to, with ``lazy="raise"``) or eagerly (``select``,
`Session.populate`), tracks every change, and sends all of them in one request on `commit`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import attrs

from ftorm._typing import JSON, Operation, Transport
from ftorm.errors import (
    ConnectError,
    InvalidValueError,
    NotLoadedError,
    SessionClosedError,
    UnknownTypeError,
)
from ftorm.model.base import Model
from ftorm.model.dynamic import build_models
from ftorm.model.fields import Many, Ref
from ftorm.model.registry import REGISTRY
from ftorm.model.state import (
    attach,
    detach,
    hook_of,
    mark_clean,
    rollback,
)
from ftorm.query import ast
from ftorm.query.builder import Query
from ftorm.query.parser import parse
from ftorm.query.render import quote
from ftorm.schema.load import load_schema
from ftorm.schema.types import Schema
from ftorm.session.identity import IdentityMap, identity_key
from ftorm.session.loading import Hydrator, class_info
from ftorm.session.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Session", "Stats"]

M = TypeVar("M", bound=Model)

_CHUNK = 500  # ids per "id in (...)" query when populating


@attrs.define
class Stats:
    """Running totals of one session."""

    requests: int = 0
    """Batches sent to the server (HTTP requests, or in-process calls)."""
    operations: int = 0
    """Operations in those batches."""
    entities: int = 0
    """Entity objects received from the server (full ones and references)."""


def _key_criteria(cls: type[Model], obj_keys: Iterable[Mapping[str, object]]) -> str:
    info = class_info(cls)
    rows = list(obj_keys)
    if len(info.pk_keys) == 1:
        key = info.pk_keys[0]
        values = ", ".join(quote(str(row[key])) for row in rows)
        return f"{key} in ({values})"
    parts = []
    for row in rows:
        parts.append("(" + " and ".join(f"{k} is {quote(str(row[k]))}" for k in info.pk_keys) + ")")
    return " or ".join(parts)


class Session:
    """A connection to one ftrack server (or ftorm's embedded one) and the objects read from it.

    ``Session()`` reads ``FTRACK_SERVER``, ``FTRACK_API_USER`` and ``FTRACK_API_KEY``;
    ``Session.local(path)`` runs the embedded server in-process. Nothing is sent until the
    first use. Options: ``lazy="select"`` (load missing attributes one query at a time, as
    ftrack_api does) or ``lazy="raise"`` (any implicit load raises `NotLoadedError`),
    ``page_size`` (rows per query request when iterating).
    """

    def __init__(
        self,
        server_url: str | None = None,
        api_user: str | None = None,
        api_key: str | None = None,
        *,
        transport: Transport | None = None,
        lazy: Literal["select", "raise"] = "select",
        page_size: int = 500,
        strict_api: bool = False,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retries: int = 3,
        models: Mapping[str, type[Model]] | None = None,
    ) -> None:
        if lazy not in ("select", "raise"):
            raise InvalidValueError(f"lazy must be 'select' or 'raise', not {lazy!r}")
        if not isinstance(page_size, int) or page_size < 1:
            raise InvalidValueError(f"page_size must be a positive int, not {page_size!r}")
        if transport is None:
            transport = self._http_transport(
                server_url,
                api_user,
                api_key,
                strict_api=strict_api,
                timeout=timeout,
                retries=retries,
            )
        self._transport = transport
        self.lazy = lazy
        self.page_size = page_size
        self.stats = Stats()
        self._models = dict(models) if models is not None else None
        self._identity = IdentityMap()
        self._hydrator = Hydrator(self._type_or_none, self._identity, self)
        self._work = UnitOfWork()
        self._schema: Schema | None = None
        self._types: dict[str, type[Model]] | None = None
        self._server_information: dict[str, Any] | None = None
        self._closed = False
        self._owned: Any = None  # an embedded server this session started

    @staticmethod
    def _http_transport(
        server_url: str | None,
        api_user: str | None,
        api_key: str | None,
        **options: Any,
    ) -> Transport:
        from ftorm.transport.http import HttpTransport

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
        if missing:
            raise ConnectError(
                "cannot connect: missing " + ", ".join(missing) + " (or use Session.local())"
            )
        assert server_url and api_user and api_key
        return HttpTransport(server_url, api_user, api_key, **options)

    @classmethod
    def local(
        cls,
        path: str = ":memory:",
        *,
        schema: Schema | None = None,
        api_user: str = "ftorm",
        **options: Any,
    ) -> Session:
        """A session on an embedded server in this process (SQLite at ``path``)."""
        from ftorm.server.handlers import Server
        from ftorm.transport.inprocess import InProcessTransport

        server = Server(schema, database=path, api_user=api_user)
        session = cls(transport=InProcessTransport(server), **options)
        session._owned = server
        return session

    # --- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Forget every object and release the connection. Pending changes are discarded."""
        if self._closed:
            return
        for obj in self._identity:
            detach(obj)
        self._identity.clear()
        self._work.clear()
        self._closed = True
        self._transport.close()
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._identity)} objects"
        return f"<Session {state}, {self.stats.requests} requests>"

    def call(self, operations: list[Operation]) -> list[JSON]:
        """Send a raw batch of operations (one request); returns one result per operation."""
        if self._closed:
            raise SessionClosedError("the session is closed")
        self.stats.requests += 1
        self.stats.operations += len(operations)
        return self._transport.call(operations)

    # --- schema and types ------------------------------------------------------------------

    def _load_schema(self) -> Schema:
        if self._schema is None:
            info, documents = self.call(
                [{"action": "query_server_information"}, {"action": "query_schemas"}]
            )
            self._server_information = info if isinstance(info, dict) else {}
            self._schema = load_schema(documents)
        return self._schema

    @property
    def schema(self) -> Schema:
        """The server's schema (fetched on first use)."""
        return self._load_schema()

    @property
    def server_information(self) -> dict[str, Any]:
        """The server's ``query_server_information`` answer."""
        self._load_schema()
        return dict(self._server_information or {})

    @property
    def types(self) -> Mapping[str, type[Model]]:
        """A model class for every entity type of the server, by entity name.

        Generated classes (``ftorm.models``, or ``models=`` given to the session) are used
        where they exist; classes for the other types are built from the served schema.
        """
        if self._types is None:
            schema = self._load_schema()
            existing = self._models
            if existing is None:
                import ftorm.models  # noqa: F401 - registers the generated standard classes

                existing = REGISTRY.classes()
            known = {name: cls for name, cls in existing.items() if name in schema.types}
            self._types = build_models(schema, existing=known)
        return self._types

    def _type_or_none(self, name: str) -> type[Model] | None:
        return self.types.get(name)

    def _type(self, name: str) -> type[Model]:
        cls = self.types.get(name)
        if cls is None:
            raise UnknownTypeError(f"the server has no entity type {name!r}")
        return cls

    def _default_projections(self, cls: type[Model]) -> tuple[str, ...]:
        entity = cls.__ftorm_entity__ or ""
        found = self._load_schema().types.get(entity)
        keys = class_info(cls).pk_keys
        if found is None:
            return keys
        return tuple(dict.fromkeys((*keys, *found.default_projections)))

    # --- queries ---------------------------------------------------------------------------

    @overload
    def query(self, target: type[M]) -> Query[M]: ...
    @overload
    def query(self, target: Query[M]) -> Query[M]: ...
    @overload
    def query(self, target: str) -> Query[Model]: ...
    def query(self, target: Any) -> Any:
        """A query bound to this session: a model class, a built query, or query text."""
        if isinstance(target, Query):
            return target.bind(self)
        if isinstance(target, str):
            node = parse(target)
            model = self._type(node.entity_type)
            return Query.from_ast(model, node, executor=self)
        if isinstance(target, type) and issubclass(target, Model):
            return Query(target, executor=self)
        raise InvalidValueError(
            f"session.query() takes a model class, a query or query text, not {target!r}"
        )

    def iterate(self, query: Query[Any]) -> Iterator[Any]:
        """Run ``query`` page by page (the `ftorm.query.builder.Executor` protocol)."""
        node = query.ast
        cls = self._type(node.entity_type)
        if node.projections:
            keys = [ast.Path.of(key) for key in class_info(cls).pk_keys]
            projections = tuple(dict.fromkeys((*keys, *node.projections)))
        else:
            projections = tuple(ast.Path.of(p) for p in self._default_projections(cls))
        order_by = node.order_by
        if not order_by and not node.group_by:
            order_by = tuple(ast.OrderItem(ast.Path.of(k)) for k in class_info(cls).pk_keys)
        page = query.page_size_hint or self.page_size
        offset = node.offset or 0
        remaining = node.limit
        while remaining is None or remaining > 0:
            size = page if remaining is None else min(page, remaining)
            request = attrs.evolve(
                node, projections=projections, order_by=order_by, offset=offset, limit=size
            )
            result = self.call([{"action": "query", "expression": str(request)}])[0]
            data = result.get("data") or []
            before = self._hydrator.count
            objects = self._hydrator.all(data)
            self.stats.entities += self._hydrator.count - before
            yield from objects
            following = (result.get("metadata") or {}).get("next", {}).get("offset")
            if remaining is not None:
                remaining -= len(data)
            if following is None or not data:
                break
            offset = following

    def get(self, model: type[M] | str, key: object) -> M | None:
        """The entity of ``model`` with primary key ``key``: from the identity map when the
        session holds it, else with one query; None when there is none."""
        cls: type[Any] = self._type(model) if isinstance(model, str) else model
        values = key if isinstance(key, tuple) else (key,)
        found = self._identity.get(identity_key(cls, values))
        if found is not None and isinstance(found, cls):
            return found  # type: ignore[return-value]
        info = class_info(cls)
        if len(values) != len(info.pk_keys):
            raise InvalidValueError(
                f"{cls.__name__} has the key ({', '.join(info.pk_keys)}); got {key!r}"
            )
        criteria = " and ".join(
            f"{k} is {quote(str(v))}" for k, v in zip(info.pk_keys, values, strict=True)
        )
        text = f"{cls.__ftorm_entity__} where {criteria}"
        results = list(self.query(text).limit(1))
        return results[0] if results else None  # type: ignore[return-value]

    def populate(self, objects: Iterable[Model], *paths: object) -> None:
        """Load ``paths`` (``Task.status``, ``Task.status.name``, ``"parent.name"``) for every
        object, with chunked ``id in (...)`` queries sent together in one request.

        A path that ends on a relation loads the related entities with their default
        projections; a path that ends on a value loads exactly that value.
        """
        items = [obj for obj in dict.fromkeys(objects) if hook_of(obj) is self]
        if not items or not paths:
            return
        by_type: dict[type[Model], list[Model]] = defaultdict(list)
        for obj in items:
            by_type[type(obj)].append(obj)
        operations: list[Operation] = []
        for cls, group in by_type.items():
            projections = [*class_info(cls).pk_keys]
            for path in paths:
                projections.extend(self._expand(cls, path))
            select = ", ".join(dict.fromkeys(projections))
            for start in range(0, len(group), _CHUNK):
                chunk = group[start : start + _CHUNK]
                keys = [
                    {key: obj.__dict__.get(name) for name, key in zip(
                        class_info(cls).pk_names, class_info(cls).pk_keys, strict=True
                    )}
                    for obj in chunk
                ]  # fmt: skip
                operations.append(
                    {
                        "action": "query",
                        "expression": f"select {select} from {cls.__ftorm_entity__} "
                        f"where {_key_criteria(cls, keys)}",
                    }
                )
        for result in self.call(operations):
            before = self._hydrator.count
            self._hydrator.all(result.get("data") or [])
            self.stats.entities += self._hydrator.count - before

    def _expand(self, cls: type[Model], path: object) -> list[str]:
        """Projection texts for one populate path, relative to ``cls``."""
        if isinstance(path, str):
            node = ast.Path.of(path)
        else:
            found = getattr(path, "__ftorm_path__", None)
            if callable(found):
                found = found()
            if not isinstance(found, ast.Path):
                raise InvalidValueError(f"populate() takes attribute paths, not {path!r}")
            node = found
        current: type[Model] = cls
        relation = False
        for segment in node.segments:
            fields = current.__ftorm_fields__
            name = current.__ftorm_keys__.get(segment.name, segment.name)
            field = fields.get(name)
            if field is None:
                # The path may be rooted at a base class of cls (``Context.parent``): fine.
                relation = False
                break
            relation = isinstance(field, (Ref, Many))
            if relation:
                current = field.target  # type: ignore[attr-defined]
        text = str(node)
        if not relation:
            return [text]
        return [f"{text}.{p}" for p in self._default_projections(current)]

    # --- the unit of work ------------------------------------------------------------------

    @overload
    def create(self, model: type[M], **values: Any) -> M: ...
    @overload
    def create(self, model: str, **values: Any) -> Model: ...
    def create(self, model: Any, **values: Any) -> Any:
        """A new entity, added to the session (sent on the next `commit`)."""
        cls = self._type(model) if isinstance(model, str) else model
        obj = cls(**values)
        self.add(obj)
        return obj

    def add(self, obj: Model) -> None:
        """Add a new entity (and new entities it references) to the session."""
        self._check_open()
        if not isinstance(obj, Model):
            raise InvalidValueError(f"session.add() takes an entity, not {obj!r}")
        owner = hook_of(obj)
        if owner is self:
            return
        if owner is not None:
            raise InvalidValueError(f"{obj!r} belongs to another session")
        info = class_info(type(obj))
        values = tuple(obj.__dict__.get(name) for name in info.pk_names)
        if any(value is None for value in values):
            raise InvalidValueError(
                f"{obj!r} has no primary key value ({', '.join(info.pk_names)}): set it first"
            )
        key = identity_key(type(obj), values)
        if self._identity.get(key) is not None:
            raise InvalidValueError(f"the session already holds an entity with the key of {obj!r}")
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
            self.add(obj)
        elif owner is self and obj not in self._work.new:
            self._work.touched[obj] = None

    def delete(self, obj: Model) -> None:
        """Delete ``obj`` on the next `commit` (a new object is simply dropped)."""
        self._check_open()
        if hook_of(obj) is not self:
            raise InvalidValueError(f"{obj!r} does not belong to this session")
        if obj in self._work.new:
            del self._work.new[obj]
            self._forget(obj)
            return
        self._work.deleted[obj] = None

    def _forget(self, obj: Model) -> None:
        info = class_info(type(obj))
        values = tuple(obj.__dict__.get(name) for name in info.pk_names)
        self._identity.discard(identity_key(type(obj), values))
        self._unlink(obj)
        detach(obj)

    @staticmethod
    def _unlink(obj: Model) -> None:
        """Take ``obj`` out of the loaded collections that list it (no change recorded)."""
        for name, field in type(obj).__ftorm_fields__.items():
            if isinstance(field, Ref):
                target = obj.__dict__.get(name)
                inverse = field.inverse()
                if isinstance(target, Model) and inverse is not None:
                    current = target.__dict__.get(inverse.name)
                    if isinstance(current, list) and obj in current:
                        list.remove(current, obj)

    @property
    def dirty(self) -> bool:
        """True when `commit` has something to send."""
        return bool(self._work)

    def commit(self) -> None:
        """Send every pending create, update and delete in one request.

        On failure nothing changes locally: the pending changes stay pending and the error
        (a `ftorm.ServerError` subclass or `ftorm.ConnectError`) says what went wrong; call
        `commit` again after fixing the data.
        """
        self._check_open()
        work = self._work
        if not work:
            return
        plan = work.plan()
        results = self.call(plan.operations) if plan.operations else []
        changed = len(plan.created) + len(plan.updated)
        for obj in (*work.new, *work.dirty, *work.touched):
            mark_clean(obj)
        for result in results[:changed]:
            data = result.get("data") if isinstance(result, dict) else None
            if isinstance(data, dict) and "__entity_type__" in data:
                before = self._hydrator.count
                self._hydrator.entity(data)
                self.stats.entities += self._hydrator.count - before
        for obj in plan.deleted:
            self._forget(obj)
        work.clear()

    def rollback(self) -> None:
        """Undo every change since the last commit; new objects are forgotten."""
        self._check_open()
        work = self._work
        for obj in list(work.new):
            self._forget(obj)
        for obj in (*work.dirty, *work.touched):
            rollback(obj)
        work.clear()

    def _check_open(self) -> None:
        if self._closed:
            raise SessionClosedError("the session is closed")

    # --- the model layer's Tracker protocol ------------------------------------------------

    def load(self, obj: Model, name: str) -> bool:
        """Load ``obj.name`` (lazy loading); refuses for new objects and closed sessions."""
        if self._closed or obj in self._work.new:
            return False
        cls = type(obj)
        field = cls.__ftorm_fields__[name]
        if self.lazy == "raise":
            raise NotLoadedError(
                f"{cls.__name__}.{name} is not loaded and this session has lazy='raise': "
                f"select it in the query or call session.populate(objects, "
                f"{cls.__name__}.{name})"
            )
        info = class_info(cls)
        projections = [*info.pk_keys, *self._expand(cls, field.key)]
        keys = [{k: obj.__dict__.get(n) for n, k in zip(info.pk_names, info.pk_keys, strict=True)}]
        text = (
            f"select {', '.join(dict.fromkeys(projections))} from {cls.__ftorm_entity__} "
            f"where {_key_criteria(cls, keys)}"
        )
        result = self.call([{"action": "query", "expression": text}])[0]
        before = self._hydrator.count
        self._hydrator.all(result.get("data") or [])
        self.stats.entities += self._hydrator.count - before
        return name in obj.__dict__

    def changed(self, obj: Model, name: str, old: object, new: object) -> None:
        work = self._work
        if obj not in work.new:
            work.dirty[obj] = None
        if isinstance(type(obj).__ftorm_fields__.get(name), Ref):
            for other in (old, new):
                if isinstance(other, Model):
                    self._adopt(other)

    def collection_changed(
        self, obj: Model, name: str, added: Sequence[Model], removed: Sequence[Model]
    ) -> None:
        work = self._work
        field = type(obj).__ftorm_fields__.get(name)
        if obj not in work.new:
            if isinstance(field, Many) and field.inverse() is None:
                work.dirty[obj] = None
            else:
                work.touched[obj] = None
        for item in (*added, *removed):
            if isinstance(item, Model):
                self._adopt(item)
