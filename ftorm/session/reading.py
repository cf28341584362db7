"""`ReadingSession`: a session's queries and loading (`ftorm.session.base` has the state).

Queries bound to the session (`query`), run page by page (`iterate`) or counted (`count`);
`get` and `populate`; and the model layer's reading half of `ftorm.model.state.Tracker`:
lazy loading (`load`). Each step
that needs the server is written once as core steps (`ftorm.session.core`), which `Session`
drives with a blocking call and `ftorm.AsyncSession` with an awaited one.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing
from typing import Any, ParamSpec, TypeVar, overload

from ftorm._typing import JSONObject
from ftorm.errors import InvalidValueError, NotLoadedError, ServerError
from ftorm.model.base import Model
from ftorm.model.state import cohort_of, hook_of
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.protocol.operations import QueryOp
from ftorm.protocol.results import QueryResult, read_query
from ftorm.query import ast
from ftorm.query.builder import KeywordQuery, Query
from ftorm.query.parser import parse
from ftorm.query.render import render
from ftorm.session.base import SessionBase
from ftorm.session.batches import load_queries
from ftorm.session.cohort import Cohort
from ftorm.session.core import Steps, drive
from ftorm.session.custom.inheritance import inherited_paths
from ftorm.session.identity import IdentityKey, identity_key
from ftorm.session.loading import class_info
from ftorm.session.paging import GROW_TO, pages
from ftorm.session.queries import by_key, counting, keyset, pageable, within

__all__ = ["ReadingSession"]

M = TypeVar("M", bound=Model)
P = ParamSpec("P")
Q = TypeVar("Q", bound="Query[Any]")


class ReadingSession(SessionBase):
    """Queries, `get`, `populate` and lazy loading over the shared state (`SessionBase`);
    the query executor (`ftorm.query.builder.Executor`) of the queries it binds."""

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
        kept = self._kept
        tracker: object = self  # what `hook_of` gives for an object this session holds
        try:
            with closing(self._pages(query)) as stream:
                for result in stream:
                    for obj in self._page_objects(result.data, cohort, gone):
                        # `_kept`, inlined for the common case: still attached to this session
                        if hook_of(obj) is tracker or kept(obj):
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

    def _grow_to(self, query: Query[Any]) -> int | None:
        """How far the pages of ``query`` grow (`ftorm.session.paging`): up to `GROW_TO` rows
        unless the query or the session was given a page size."""
        return GROW_TO if query.page_size_hint is None and self._grow else None

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

    def _holds(self, obj: Model) -> bool:
        """Whether ``obj`` is attached to this session."""
        owner: object = hook_of(obj)  # a Tracker: the whole session, of which this is a part
        return owner is self

    def _kept(self, obj: Model) -> bool:
        """Whether an iteration still yields ``obj`` (the loop did not delete it meanwhile)."""
        return self._holds(obj) or self._closed

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
            size = query.page_size_hint or self.page_size
            grow = self._grow_to(query)
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
        would answer with no rows (`ftorm.session.custom.configurations.Configurations.check`)."""
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
        asked for too (`ftorm.session.custom.inheritance`; resolved apart from the steps: blocking
        code an `ftorm.AsyncSession` runs on a worker thread)."""
        items = [obj for obj in dict.fromkeys(objects) if self._holds(obj)]
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

    def _fetch(self, type_id: str, key: str) -> Model | None:
        """The entity of ``type_id`` with id ``key``, read (None if unknown or gone)."""
        cls = self._catalog.class_or_none(type_id)
        return None if cls is None else self.get(cls, key)
