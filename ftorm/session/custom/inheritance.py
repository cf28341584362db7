"""Inherited custom attribute values for a session (`ftorm.model.custom.inheritance` asks,
this answers).

For a set of entities, `Hierarchy.resolve` learns, in at most two requests whatever the depth:

1. each entity's *chain*, itself then its ancestors up to and including the project, from
   ftrack's ``link`` attribute (``select link from Context where id in (...)``; an
   ``AssetVersion``'s own ``link``; an ``Asset``'s ``parent.link``), for the entities whose
   chain the session does not know yet;
2. the *stored* values of every entity of those chains (``select value, entity_id,
   configuration_id from CustomAttributeValue where entity_id in (...)``): ftrack keeps every
   stored value, of any kind of entity, in the bare ``CustomAttributeValue`` type, which holds
   what was stored and nothing else, whereas the ``custom_attributes`` collection and the
   typed ``ContextCustomAttributeValue`` ... fill in defaults, so they cannot say whether a
   value is an entity's own (ftorm's embedded server answers the bare type the same way,
   `ftorm.server.custom.reads.stored_values_source`); the ancestors the session does not hold yet
   come in the same request (`source` returns them), and so do the configurations the first
   time (which keys are hierarchical, their defaults).

ftrack's chain for an ``AssetVersion``: the version, then its asset's context and that
context's ancestors (ftrack's own recipe skips the asset). An ``Asset``: the asset, then its
context's chain.

A key is resolved through its hierarchical configurations (a global one, or one of the
entity's project): the first entity of the chain storing a value for one of them holds the
value, a stored ``None`` included (ftrack keeps it as an override: the entity has no value and
does not inherit one); with none, the configured default. A key that is both hierarchical
and not (a configuration for the entity's type with the same key) reads the hierarchical one
and warns once per session (`ftorm.CustomAttributeConflictWarning`).

After a commit, `Hierarchy.committed` folds the committed values into what the session holds
(no request) and forgets the chains of entities that moved; so a sequence's new value is
seen by its shots at once.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from ftorm._typing import JSON
from ftorm.errors import CustomAttributeConflictWarning, NotFoundError, NotLoadedError
from ftorm.model.custom.inheritance import InheritedPath, Resolved
from ftorm.model.custom.values import read_value
from ftorm.model.state import cohort_of
from ftorm.protocol.operations import DeleteOp, OperationLike, QueryOp
from ftorm.protocol.results import read_query
from ftorm.query import ast
from ftorm.query.render import render
from ftorm.schema.custom.configurations import Configuration, applies_to
from ftorm.schema.custom.rules import CONFIGURATION_TYPE, VALUE_SUFFIX, is_custom_attribute_value
from ftorm.schema.hierarchy import ancestors
from ftorm.schema.types import Schema
from ftorm.session.batches import CHUNK
from ftorm.session.custom.configurations import first_page, read_configurations

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = ["CHAIN_ATTRIBUTES", "Hierarchy", "Link", "inherited_paths", "lazy_members", "refuse"]

Link = tuple[str, str]
"""One entity of a chain: ``(id, entity type)``."""

CHAIN_ATTRIBUTES: Final = frozenset({"parent", "parent_id", "asset", "asset_id", "context_id"})
"""Attributes whose change moves an entity, and so changes its descendants' chains."""

_LINK: Final = "link"
_VALUES: Final = ("value", "entity_id", "configuration_id")
_MAX_PAGES: Final = 10_000  # bounded: a page that does not advance ends the loop


def _in(name: str, ids: Sequence[str]) -> ast.Comparison:
    values = tuple(ast.String(i) for i in ids)
    return ast.Comparison(ast.Path.of(name), ast.Operator.IN, ast.ValueList(values))


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


class Hierarchy:
    """One session's chains, stored values and configurations (see the module docstring)."""

    def __init__(
        self,
        call: Callable[[Sequence[OperationLike]], list[JSON]],
        schema: Callable[[], Schema],
        hydrate: Callable[[JSON], object],
        find: Callable[[str, str], Model | None],
        get: Callable[[str, str], Model | None],
        loads: Callable[[str, Sequence[str]], QueryOp | None],
    ) -> None:
        self._call = call
        self._schema = schema
        self._hydrate = hydrate
        self._find = find
        self._get = get
        self._loads = loads
        self._lock = threading.RLock()
        self._chains: dict[str, tuple[Link, ...]] = {}
        self._stored: dict[str, dict[str, Any]] = {}
        self._configurations: list[Configuration] | None = None
        self._warned: set[tuple[str, str]] = set()

    # --- what the schema says ---------------------------------------------------------------

    def _family(self, type_id: str) -> str | None:
        """``Context``, ``AssetVersion`` or ``Asset``: how entities of ``type_id`` find
        their chain (None: they have none)."""
        schema = self._schema()
        lineage = (type_id, *ancestors(schema, type_id))
        for family in ("Context", "AssetVersion", "Asset"):
            if family in lineage:
                return family
        return None

    # --- loading ----------------------------------------------------------------------------

    def ready(self, entity_id: str) -> bool:
        """Whether the session holds all it needs to answer for ``entity_id``."""
        chain = self._chains.get(entity_id)
        return (
            chain is not None
            and self._configurations is not None
            and all(link[0] in self._stored for link in chain)
        )

    def resolve(self, objects: Iterable[Model]) -> None:
        """Learn the chains and stored values of ``objects`` (at most two requests, more only
        when a server pages an answer). No lock is held while a request is under way."""
        wanted: dict[str, str] = {}
        for obj in objects:
            key = obj.__dict__.get("id")
            family = self._family(type(obj).__ftorm_entity__ or "")
            if isinstance(key, str) and family is not None:
                wanted[key] = family
        if not wanted:
            return
        with self._lock:
            unknown = [k for k in wanted if k not in self._chains]
            configurations = self._configurations is None
        operations: list[QueryOp] = []
        kinds: list[str] = []
        for family in ("Context", "AssetVersion", "Asset"):
            ids = [k for k in unknown if wanted[k] == family]
            path = "parent.link" if family == "Asset" else _LINK
            for chunk in _chunks(ids):
                select = ast.Select(family, (ast.Path.of(path),), _in("id", chunk))
                operations.append(QueryOp(render(select)))
                kinds.append(family)
        if operations:
            answers = self._call([*operations, *([first_page()] if configurations else [])])
            chains = {}
            for family, operation, answer in zip(kinds, operations, answers, strict=False):
                for row in self._all(answer, operation):
                    chains.update(_chain(row, family))
            found = read_configurations(self._call, answers[-1]) if configurations else None
            with self._lock:
                self._chains.update(chains)
                if found is not None:
                    self._configurations = found
            configurations = False
        with self._lock:
            links = [link for k in wanted for link in self._chains.get(k, ())]
        self._values(links, configurations)

    def _values(self, links: list[Link], configurations: bool) -> None:
        """Read the stored values of the chain members not read yet, the ancestors the
        session lacks, and (``configurations``) the configurations: one request."""
        with self._lock:
            missing = list(dict.fromkeys(link for link in links if link[0] not in self._stored))
        operations: list[OperationLike] = []
        selects: list[ast.Select] = []
        projections = tuple(ast.Path.of(name) for name in _VALUES)
        for chunk in _chunks([entity_id for entity_id, _ in missing]):
            select = ast.Select(VALUE_SUFFIX, projections, _in("entity_id", chunk))
            operations.append(QueryOp(render(select)))
            selects.append(select)
        absent: dict[str, list[str]] = {}
        for entity_id, type_id in missing:
            if self._find(type_id, entity_id) is None:
                absent.setdefault(type_id, []).append(entity_id)
        loads = len(operations)
        for type_id, ids in sorted(absent.items()):
            for chunk in _chunks(ids):
                load = self._loads(type_id, chunk)  # None: a type the session does not know
                if load is not None:
                    operations.append(load)
        if configurations:
            operations.append(first_page())
        if not operations:
            return
        answers = self._call(operations)
        stored: dict[str, dict[str, Any]] = {entity_id: {} for entity_id, _ in missing}
        for select, answer in zip(selects, answers[:loads], strict=True):
            for row in self._all(answer, QueryOp(render(select))):
                owner, configuration = row.get("entity_id"), row.get("configuration_id")
                if isinstance(owner, str) and isinstance(configuration, str):
                    stored.setdefault(owner, {})[configuration] = row.get("value")
        for answer in answers[loads : len(answers) - (1 if configurations else 0)]:
            self._hydrate(answer)
        found = read_configurations(self._call, answers[-1]) if configurations else None
        with self._lock:
            for owner, values in stored.items():
                self._stored.setdefault(owner, {}).update(values)
            if found is not None:
                self._configurations = found

    def _all(self, answer: JSON, operation: QueryOp | None) -> list[dict[str, Any]]:
        """The rows of ``answer``, and of the pages that follow when the server paged it."""
        page = read_query(answer)
        rows = list(page.data)
        offset = page.next_offset
        for _ in range(_MAX_PAGES):
            if offset is None or operation is None or not page.data:
                break
            (more,) = self._call([QueryOp(f"{operation.expression} offset {offset}")])
            page = read_query(more)
            rows += page.data
            offset = page.next_offset if page.next_offset != offset else None
        return [row for row in rows if isinstance(row, dict)]

    # --- answering --------------------------------------------------------------------------

    def value(self, obj: Model, key: str) -> Resolved:
        """The inherited value of ``key`` for ``obj`` (it must be `ready`); the holder is
        looked up once no lock is held (it may take a request if the session lost it)."""
        found = self._lookup(obj, key)
        if isinstance(found, Resolved):
            return found
        hierarchical, value, holder = found
        entity = None if holder is None else self._get(holder[1], holder[0])
        return Resolved(hierarchical, value, entity)

    def _lookup(self, obj: Model, key: str) -> Resolved | tuple[bool, object, Link | None]:
        with self._lock:
            entity_id = str(obj.__dict__.get("id"))
            chain = self._chains.get(entity_id)
            if chain is None:
                msg = (
                    f"{obj!r}: the server has no link for it (deleted by another client?), so "
                    "its inherited values are not known"
                )
                raise NotFoundError(msg)
            type_id = type(obj).__ftorm_entity__ or ""
            project = next((link[0] for link in chain if link[1] == "Project"), None)
            found = [
                c
                for c in self._configurations or ()
                if c.key == key and c.project_id in (None, project)
            ]
            found.sort(key=lambda c: c.project_id is None)  # the project's own first
            hierarchical = [c for c in found if c.is_hierarchical]
            schema = self._schema()
            flat = [c for c in found if not c.is_hierarchical and applies_to(c, schema, type_id)]
            own = self._stored.get(entity_id, {})
            if not hierarchical:
                return Resolved(False, None, obj if any(c.id in own for c in flat) else None)
            if flat:
                self._warn(type_id, key)
            for link in chain:
                stored = self._stored.get(link[0], {})
                for configuration in hierarchical:
                    if configuration.id in stored:
                        return True, _typed(configuration, stored[configuration.id]), link
            return True, _typed(hierarchical[0], hierarchical[0].default), None

    def _warn(self, type_id: str, key: str) -> None:
        if (type_id, key) in self._warned:
            return
        self._warned.add((type_id, key))
        message = (
            f"custom attribute {key!r} is both hierarchical and configured for {type_id} "
            f"itself: {type_id}.custom.inherited.{key} reads the hierarchical one, and so does "
            f"{type_id}.custom.{key}; rename one of the two configurations in ftrack"
        )
        warnings.warn(message, CustomAttributeConflictWarning, stacklevel=4)

    def committed(self, steps: Sequence[tuple[OperationLike, Model | None]]) -> None:
        """Fold a committed batch in: stored values written or deleted, chains of moved or
        deleted entities forgotten, configurations read again when one changed."""
        with self._lock:
            moved: set[str] = set()
            for operation, obj in steps:
                entity_type = getattr(operation, "entity_type", None)
                if entity_type == CONFIGURATION_TYPE:
                    self._configurations = None
                if obj is None or not isinstance(entity_type, str):
                    continue
                data = obj.__dict__
                if is_custom_attribute_value(entity_type):
                    owner, configuration = data.get("entity_id"), data.get("configuration_id")
                    stored = self._stored.get(str(owner))
                    if stored is None:
                        continue
                    if isinstance(operation, DeleteOp):
                        stored.pop(str(configuration), None)
                    elif "value" in data:
                        stored[str(configuration)] = data["value"]
                    continue
                key = data.get("id")
                payload = getattr(operation, "data", None) or {}
                if isinstance(operation, DeleteOp) or CHAIN_ATTRIBUTES & set(payload):
                    moved.add(str(key))
                    self._stored.pop(str(key), None)
            if moved:
                self._chains = {
                    k: chain
                    for k, chain in self._chains.items()
                    if not moved.intersection(link[0] for link in chain)
                }

    def forget(self) -> None:
        """Forget everything (the session was closed or reset)."""
        with self._lock:
            self._chains.clear()
            self._stored.clear()
            self._configurations = None


def _chain(row: dict[str, Any], family: str) -> dict[str, tuple[Link, ...]]:
    """``{id: chain}`` from one answer row (nothing for a row that is not one)."""
    key = row.get("id")
    if family == "Asset":
        parent = row.get("parent")
        links = parent.get(_LINK) if isinstance(parent, dict) else None
        head: list[Link] = [(str(key), "Asset")]
    else:
        links = row.get(_LINK)
        head = []
    if not isinstance(key, str) or not isinstance(links, list):
        return {}
    chain = [
        (str(item["id"]), str(item.get("type") or "Context"))
        for item in links
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]
    chain.reverse()  # ``link`` runs from the project down
    if family == "AssetVersion":  # as ftrack: the version, then its asset's context
        chain = [link for link in chain if link[1] != "Asset"]
    return {key: (*head, *chain)}


def _typed(configuration: Configuration, value: object) -> object:
    return read_value(configuration.kind, configuration.decimal, value)


def inherited_paths(paths: Sequence[object]) -> tuple[tuple[object, ...], bool]:
    """``paths`` without the `InheritedPath` ones (``Shot.custom.inherited``), and whether
    there were any."""
    rest = tuple(path for path in paths if not isinstance(path, InheritedPath))
    return rest, len(rest) != len(paths)


def lazy_members(obj: Model, members: Callable[[object], Iterable[Model]]) -> list[Model]:
    """``obj`` and the members of its cohort (what a batch load resolves together)."""
    cohort = cohort_of(obj)
    found = [obj]
    if cohort is not None:
        found += [m for m in members(cohort) if m is not obj]
    return found


def refuse(obj: Model, key: str, hint: str = "session.populate") -> NotLoadedError:
    """The error of ``lazy="raise"`` for an inherited value not resolved yet (``hint``:
    what to call, ``await session.load`` for an `ftorm.AsyncSession`)."""
    name = type(obj).__name__
    msg = (
        f"{name}.custom.inherited.{key} is not loaded and this session has lazy='raise': "
        f"call {hint}(objects, {name}.custom.inherited)"
    )
    return NotLoadedError(msg)
