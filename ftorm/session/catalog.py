"""What one server has: its information, its schema, and a model class for each of its types.

Fetched on first use: ``query_server_information`` and ``query_schemas`` in one request,
or, when the on-disk cache (`ftorm.session.schema_cache`) holds a schema, the information
alone and the stored schema when its ``schema_hash`` is the server's. The first query of a
session can carry that fetch in its own request (`Catalog.send_with_schema`): it is planned
without the server's answer, from the cached schema or, without one, from the model class
alone (its server's default projections), so a fresh session's first query costs one
request. Classes come from the session's set of models where it has them and are built from
the served schema for the rest.

A session works with one set of models: the ``models=`` it was given (a generated module,
a `ftorm.model.registry.Registry` or any mapping), else the set of the first model class it
is used with, else ``ftorm.models``. A class of another set raises `ftorm.ModelSetError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any, TypeVar

from ftorm._typing import JSON
from ftorm.errors import ModelSetError, ServerError, UnknownTypeError
from ftorm.model.base import Model, label_field
from ftorm.model.dynamic import build_models
from ftorm.model.registry import Registry, models_of
from ftorm.protocol.operations import OperationLike, SchemasOp, ServerInformationOp
from ftorm.query.builder import Query
from ftorm.schema.load import load_schema
from ftorm.schema.types import Schema
from ftorm.session.core import Steps
from ftorm.session.loading import class_info
from ftorm.session.schema_cache import CachedSchema, SchemaCache

__all__ = ["Catalog", "ModelSource"]

M = TypeVar("M", bound=Model)

ModelSource = ModuleType | Mapping[str, "type[Model]"]
"""What ``Session(models=...)`` takes: a generated module, a `Registry` or a mapping."""

_UNREAD = CachedSchema("", [], Schema({}))  # the cache entry has not been read yet


class Catalog:
    """A server's schema and model classes, fetched through ``call`` on first use."""

    __slots__ = (
        "_built",
        "_cache",
        "_cached",
        "_call",
        "_information",
        "_lock",
        "_models",
        "_registries",
        "_remote",
        "_scalars",
        "_schema",
        "_types",
    )

    def __init__(
        self,
        call: Callable[[Sequence[OperationLike]], list[JSON]],
        models: ModelSource | None = None,
        cache: SchemaCache | None = None,
        *,
        remote: bool = False,
    ) -> None:
        self._call = call
        self._remote = remote  # a request costs a round trip: plan before the schema comes
        self._cache = cache
        self._cached: CachedSchema | None = _UNREAD if cache is not None else None
        self._lock = threading.RLock()  # threads sharing a session build one set of classes
        self._models: Mapping[str, type[Model]] | None = None
        self._registries: frozenset[Registry] = frozenset()
        self._built = Registry("built from the server's schema")
        self._schema: Schema | None = None
        self._information: dict[str, Any] = {}
        self._types: dict[str, type[Model]] | None = None
        self._scalars: dict[type[Model], tuple[str, ...]] = {}
        if models is not None:
            self._use(models_of(models))

    def _use(self, models: Mapping[str, type[Model]]) -> None:
        """Make ``models`` the set this catalog serves classes from."""
        registries = {cls.__ftorm_registry__ for cls in models.values()}
        if isinstance(models, Registry):
            registries.add(models)
        self._models = models
        self._registries = frozenset(registries)

    @property
    def models(self) -> Mapping[str, type[Model]]:
        """The session's set of models (``ftorm.models`` unless one was given or adopted)."""
        models = self._models
        if models is None:
            import ftorm.models

            with self._lock:
                models = self._models
                if models is None:
                    models = ftorm.models.REGISTRY
                    self._use(models)
        return models

    def adopt(self, cls: type[M]) -> type[M]:
        """``cls``, checked to belong to the session's set of models.

        A session given no ``models=`` takes the set of the first class it is used with,
        unless it has already read entities with ``ftorm.models``.

        Raises:
            ModelSetError: ``cls`` belongs to another set of models.
        """
        registry = cls.__ftorm_registry__
        if self._models is None:
            with self._lock:
                if self._models is None:
                    self._use(registry)
        if registry not in self._registries and registry is not self._built:
            names = sorted({r.name for r in self._registries}) or ["the given models"]
            msg = (
                f"{cls.__module__}.{cls.__qualname__} belongs to the models of "
                f"{registry.name!r}, but this session works with the models of "
                f"{', '.join(map(repr, names))}: a session uses one set of models; use that "
                "set's classes, or another session (Session(..., models=<module>))"
            )
            raise ModelSetError(msg)
        return cls

    def adopt_model_of(self, query: Query[Any]) -> None:
        """`adopt` the model class ``query`` was built from (when it is one)."""
        model = query.model
        if isinstance(model, type) and issubclass(model, Model):
            self.adopt(model)

    @property
    def schema(self) -> Schema:
        """The server's schema."""
        found = self._schema
        if found is None:
            with self._lock:  # one fetch, even when several threads ask first
                found = self._schema
                if found is None:
                    found = self._fetch()
        return found

    def _stored(self) -> CachedSchema | None:
        """The cache's entry (read once; None without one). Call with the lock held."""
        if self._cached is _UNREAD:
            self._cached = self._cache.load() if self._cache is not None else None
        return self._cached

    def _fetch(self) -> Schema:
        """Fetch the information and (unless the cache holds it) the schema; lock held."""
        if self._stored() is None:
            info, documents = self._call([ServerInformationOp(), SchemasOp()])
            return self._loaded(info, documents)
        (info,) = self._call([ServerInformationOp()])
        return self._loaded(info, None)

    def _loaded(self, info: JSON, documents: JSON | None) -> Schema:
        """Keep the server's information and its schema: ``documents`` when given, else
        the cached one when its hash is the server's, else downloaded now. Lock held."""
        self._information = info if isinstance(info, dict) else {}
        schema_hash = self._information.get("schema_hash")
        stored = self._stored()
        if documents is None:
            if stored is not None and stored.schema_hash == schema_hash:
                self._schema = stored.schema
                return stored.schema
            (documents,) = self._call([SchemasOp()])
        schema = load_schema(documents)
        self._schema = schema
        self._scalars.clear()  # may have been planned from a cached schema
        if self._cache is not None and isinstance(schema_hash, str) and schema_hash:
            self._cache.store(schema_hash, documents)
            self._cached = CachedSchema(schema_hash, documents, schema)
        return schema

    def _planning_schema(self) -> Schema | None:
        """The schema to plan a query from: the server's, else the cached one (unchecked),
        else, for a remote server, None (plan without one); an in-process server's schema
        is fetched first, a request that costs no round trip."""
        found = self._schema
        if found is None:
            with self._lock:
                found = self._schema
                if found is None:
                    stored = self._stored()
                    found = None if stored is None else stored.schema
            if found is None and not self._remote:
                found = self.schema
        return found

    def planning_hash(self) -> str | None:
        """The ``schema_hash`` of the cached schema a query planned now is planned from;
        None when it is planned from the server's schema or from no schema."""
        if self._schema is not None:
            return None
        with self._lock:
            stored = self._stored() if self._schema is None else None
        return None if stored is None else stored.schema_hash

    def changed_since(self, planned: str | None) -> bool:
        """Whether the server's schema is not the cached one of hash ``planned`` (a plan made
        from it may name what the server no longer has)."""
        return planned is not None and self._information.get("schema_hash") != planned

    def planning_class(self, name: str) -> type[Model]:
        """The class of entity type ``name`` for planning a query: before the schema is
        loaded, the session's model class of that name (when it has one and the cached
        schema, if any, has the type); else `class_of`."""
        if self._types is None:
            cls = self.models.get(name)
            planning = self._planning_schema()
            if cls is not None and (planning is None or name in planning.types):
                return cls
        return self.class_of(name)

    def planning_defaults(self, cls: type[Model]) -> tuple[str, ...]:
        """`default_projections` from the planning schema; () when there is none yet: the
        query then names no projections and the server answers its own defaults."""
        if self._planning_schema() is None:
            return ()
        return self.default_projections(cls)

    def send_with_schema(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Send ``operations`` (reads planned with `planning_class`/`planning_defaults`);
        when the schema is not loaded yet, fetch it in the same request.

        When the request fails, the schema is fetched on its own before the error is
        raised, so `changed_since` can tell whether a cached plan was the cause.
        """
        with self._lock:  # threads asking meanwhile wait for the schema, then send alone
            loaded = self._schema is not None
            if not loaded:
                return self._send_first(operations)
        return self._call(operations)

    def _send_first(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """`send_with_schema` before the schema is loaded; lock held."""
        stored = self._stored()
        head: list[OperationLike] = [ServerInformationOp()]
        if stored is None:
            head.append(SchemasOp())
        try:
            results = self._call([*head, *operations])
        except ServerError:
            self._fetch()  # on its own: was a cached plan the cause?
            raise
        self._loaded(results[0], results[1] if stored is None else None)
        return results[len(head) :]

    def fetch_steps(self) -> Steps[Schema]:
        """The fetch of the schema as core steps (`ftorm.session.core`): one batch of
        ``query_server_information`` and ``query_schemas``; the first answer is kept (and
        cached, as `schema` keeps it)."""
        info, documents = yield [ServerInformationOp(), SchemasOp()]
        with self._lock:
            if self._schema is None:
                self._loaded(info, documents)
            assert self._schema is not None
            return self._schema

    @property
    def loaded(self) -> bool:
        """Whether the schema has been fetched (reading `schema` sends no request)."""
        return self._schema is not None

    @property
    def server_information(self) -> dict[str, Any]:
        """A copy of the server's ``query_server_information`` answer."""
        _ = self.schema
        return dict(self._information)

    @property
    def types(self) -> dict[str, type[Model]]:
        """A model class for every entity type of the server, by entity name."""
        found = self._types
        if found is None:
            with self._lock:  # one class per type, even when several threads ask first
                found = self._types
                if found is None:
                    schema = self.schema
                    known = {n: cls for n, cls in self.models.items() if n in schema.types}
                    found = self._types = build_models(schema, existing=known, registry=self._built)
        return found

    def class_or_none(self, name: str) -> type[Model] | None:
        """The class of entity type ``name``, or None."""
        return self.types.get(name)

    def class_of(self, name: str) -> type[Model]:
        """The class of entity type ``name``.

        Raises:
            UnknownTypeError: when the server has no such type.
        """
        cls = self.types.get(name)
        if cls is None:
            msg = f"the server has no entity type {name!r}"
            raise UnknownTypeError(msg)
        return cls

    def default_projections(self, cls: type[Model]) -> tuple[str, ...]:
        """What a query for ``cls`` loads when it names nothing: key, then the defaults, and
        the attribute its repr shows (`ftorm.model.base.label_field`) when the server
        projects it."""
        found = (self._planning_schema() or self.schema).types.get(cls.__ftorm_entity__ or "")
        keys = class_info(cls).pk_keys
        if found is None:
            return keys
        label = label_field(cls)
        extra: tuple[str, ...] = ()
        if label is not None:
            key = cls.__ftorm_fields__[label].key
            served = found.properties.get(key)
            if served is not None and not served.is_relation and not served.restricted_projection:
                extra = (key,)
        return tuple(dict.fromkeys((*keys, *found.default_projections, *extra)))

    def scalar_projections(self, cls: type[Model]) -> tuple[str, ...]:
        """What loading a ``cls`` through a relation reads: key, then every scalar attribute.

        Scalars the server will not project (``restricted_projection``) are left out; so are
        attributes of the class that the server's type does not have.
        """
        found = self._scalars.get(cls)
        if found is not None:
            return found
        entity = (self._planning_schema() or self.schema).types.get(cls.__ftorm_entity__ or "")
        info = class_info(cls)
        if entity is None:
            found = info.pk_keys
        else:
            served = (p.name for p in entity.scalars() if not p.restricted_projection)
            found = tuple(dict.fromkeys((*info.pk_keys, *(k for k in served if k in info.scalars))))
        self._scalars[cls] = found
        return found
