"""Testing strategies for Hypothesis-based tests: random project trees and random criteria.

Worlds: `world_specs` draws one or two small project trees (projects, sequences, shots,
tasks) whose names come from a tiny alphabet full of the characters ``like`` and quoting care
about (``%``, ``_``, backslash, quotes, upper and lower case), with optional descriptions and
datetimes left out now and then. Each project may also have users, assets on its contexts
with versions and file components, and time logs of its users (or the server's own) on its
contexts, custom attributes configured with values set on its contexts
(`tests.server.custom_world`), and notes with their recipients and lists with their items
(`tests.server.notes_lists_world`). `build` turns a spec into the ``create`` operations for a
server and the matching `naive_eval.World`, given the server's workflow entities
(`Lookups`: statuses, states, types, priorities, object types, project schemas, users), which the
specs refer to by index.

Criteria: `criteria` draws criteria ASTs over the attributes and paths `naive_eval.MODEL`
gives a type: scalar comparisons with every operator that fits the attribute, through
references, collections and casts; ``has``/``any`` with and without a body; ``in`` lists and
subqueries; ``and``/``or``/``not``. Operand values are drawn from a `Vocabulary` of the
values the world really holds (so criteria hit) mixed with random ones, in several literal
forms (quoted or bare, integer or decimal or quoted number, dates with and without offsets).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from hypothesis import strategies as st

from ftorm.query import ast
from tests.server.custom_world import (
    VALUES,
    AttributeSpec,
    add_attributes,
    attributes,
    variable_literals,
)
from tests.server.naive_eval import BASES, MODEL, Attr, World, is_subtype
from tests.server.notes_lists_world import (
    ListSpec,
    NoteSpec,
    add_lists,
    add_notes,
    list_specs,
    note_specs,
)

__all__ = [
    "ID_POOL",
    "QUERY_TYPES",
    "AssetSpec",
    "ComponentSpec",
    "ContextSpec",
    "Lookups",
    "ProjectSpec",
    "TimelogSpec",
    "UserSpec",
    "VersionSpec",
    "Vocabulary",
    "build",
    "criteria",
    "datetime_literals",
    "like_patterns",
    "names",
    "query_cases",
    "vocabulary",
    "world_specs",
]

ID_POOL: tuple[str, ...] = tuple(f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(1, 241))
"""Ids handed to created entities in tree order; criteria draw from it too."""

NAME_ALPHABET = "aAbB%_\\'\" "
"""Few characters, so names collide and criteria hit; each one matters to quoting or like."""

DATETIMES: tuple[dt.datetime, ...] = (
    dt.datetime(2024, 1, 1, 0, 0, 0),
    dt.datetime(2024, 1, 1, 12, 0, 0),
    dt.datetime(2024, 1, 2, 0, 0, 0),
    dt.datetime(2024, 1, 2, 23, 59, 59),
    dt.datetime(2024, 1, 3, 6, 30, 0),
)

NUMBERS: tuple[float, ...] = (-1.0, 0.0, 1.0, 2.5, 3.0)

QUERY_TYPES: tuple[str, ...] = (
    "Shot",
    "Task",
    "Sequence",
    "Context",
    "TypedContext",
    "Project",
    "User",
    "Timelog",
    "Asset",
    "AssetVersion",
    "Component",
    "FileComponent",
    "CustomAttributeConfiguration",
    "Note",
    "List",
    "TypedContextList",
    "AssetVersionList",
)
"""Types the differential test queries."""

_CASTS: Mapping[str, tuple[str, ...]] = {
    "Context": ("TypedContext", "Project", "Sequence", "Shot"),
    "TypedContext": ("Sequence", "Shot", "Task"),
    "Component": ("FileComponent",),
}

# --- worlds ------------------------------------------------------------------------------


def names() -> st.SearchStrategy[str]:
    """Short names from `NAME_ALPHABET` (possibly empty), mostly letters."""
    letters = st.sampled_from([c for c in NAME_ALPHABET if c.isalpha()])
    return st.text(st.one_of(letters, letters, letters, st.sampled_from(NAME_ALPHABET)), max_size=3)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@attrs.frozen
class ContextSpec:
    """A typed context to create; ``status``/``type``/``priority`` index the `Lookups`."""

    type: str
    name: str
    description: str | None
    bid: float
    sort: float
    start_date: dt.datetime | None
    end_date: dt.datetime | None
    status: int
    task_type: int
    priority: int
    children: tuple[ContextSpec, ...] = ()


@attrs.frozen
class ComponentSpec:
    """A file component of a version."""

    name: str
    size: int
    file_type: str | None


@attrs.frozen
class VersionSpec:
    """A version of an asset, with its components."""

    version: int
    comment: str
    is_published: bool
    components: tuple[ComponentSpec, ...] = ()


@attrs.frozen
class AssetSpec:
    """An asset on the project's ``context``-th context (tree order, the project first)."""

    name: str
    context: int
    versions: tuple[VersionSpec, ...] = ()


@attrs.frozen
class UserSpec:
    """A user to create; its username is made unique by `build`."""

    first_name: str
    last_name: str | None


@attrs.frozen
class TimelogSpec:
    """A time log of the ``user``-th user (the lookups' users, then the created ones) on the
    project's ``context``-th context."""

    context: int
    user: int
    start: dt.datetime
    duration: float
    comment: str


@attrs.frozen
class ProjectSpec:
    """A project to create, with its tree and what hangs on it."""

    name: str
    full_name: str | None
    status: str
    is_private: bool
    start_date: dt.datetime | None
    end_date: dt.datetime | None
    children: tuple[ContextSpec, ...] = ()
    users: tuple[UserSpec, ...] = ()
    assets: tuple[AssetSpec, ...] = ()
    timelogs: tuple[TimelogSpec, ...] = ()
    attributes: tuple[AttributeSpec, ...] = ()
    notes: tuple[NoteSpec, ...] = ()
    lists: tuple[ListSpec, ...] = ()


def _children(
    strategy: st.SearchStrategy[ContextSpec], max_size: int, min_size: int = 0
) -> st.SearchStrategy[tuple[ContextSpec, ...]]:
    # Sibling names stay unique: ftrack refuses two children of one parent with one name.
    return st.lists(
        strategy, min_size=min_size, max_size=max_size, unique_by=lambda spec: spec.name
    ).map(tuple)


def _contexts(
    type_id: str, children: st.SearchStrategy[tuple[ContextSpec, ...]]
) -> st.SearchStrategy[ContextSpec]:
    return st.builds(
        ContextSpec,
        type=st.just(type_id),
        name=names(),
        description=_optional(names()),
        bid=st.sampled_from(NUMBERS),
        sort=st.sampled_from(NUMBERS),
        start_date=_optional(st.sampled_from(DATETIMES)),
        end_date=_optional(st.sampled_from(DATETIMES)),
        status=st.integers(0, 30),
        task_type=st.integers(0, 30),
        priority=st.integers(0, 30),
        children=children,
    )


def _tasks() -> st.SearchStrategy[ContextSpec]:
    return _contexts("Task", st.just(()))


def _shots() -> st.SearchStrategy[ContextSpec]:
    return _contexts("Shot", _children(_tasks(), 2))


def _sequences() -> st.SearchStrategy[ContextSpec]:
    return _contexts("Sequence", _children(_shots() | _tasks(), 3, min_size=1))


def _projects() -> st.SearchStrategy[ProjectSpec]:
    return st.builds(
        ProjectSpec,
        name=names(),
        full_name=_optional(names()),
        status=st.sampled_from(("active", "hidden")),
        is_private=st.booleans(),
        start_date=_optional(st.sampled_from(DATETIMES)),
        end_date=_optional(st.sampled_from(DATETIMES)),
        children=_children(_sequences() | _shots() | _tasks(), 3, min_size=1),
        users=st.lists(st.builds(UserSpec, names(), _optional(names())), max_size=2).map(tuple),
        assets=st.lists(_assets(), max_size=3, unique_by=lambda a: a.name).map(tuple),
        timelogs=st.lists(_timelogs(), max_size=3).map(tuple),
        attributes=attributes(),
        notes=note_specs(names()),
        lists=list_specs(names()),
    )


def _assets() -> st.SearchStrategy[AssetSpec]:
    components = st.builds(
        ComponentSpec, names(), st.integers(0, 3), _optional(st.sampled_from((".exr", ".mov")))
    )
    versions = st.builds(
        VersionSpec,
        st.integers(1, 3),
        names(),
        st.booleans(),
        st.lists(components, max_size=2).map(tuple),
    )
    return st.builds(
        AssetSpec,
        names(),
        st.integers(0, 30),
        st.lists(versions, max_size=2, unique_by=lambda v: v.version).map(tuple),
    )


def _timelogs() -> st.SearchStrategy[TimelogSpec]:
    return st.builds(
        TimelogSpec,
        st.integers(0, 30),
        st.integers(0, 30),
        st.sampled_from(DATETIMES),
        st.sampled_from(NUMBERS),
        names(),
    )


def world_specs() -> st.SearchStrategy[tuple[ProjectSpec, ...]]:
    """One or two project trees with distinct project names."""
    return st.lists(_projects(), min_size=1, max_size=2, unique_by=lambda p: p.name).map(tuple)


@attrs.frozen
class Lookups:
    """A server's workflow entities, as ``(type, values)`` pairs.

    Statuses carry their state's id as ``state_id`` (the relation has no public key).
    """

    entities: tuple[tuple[str, Mapping[str, Any]], ...]

    def ids(self, type_id: str) -> list[str]:
        return [values["id"] for kind, values in self.entities if kind == type_id]


STANDARD_LOOKUPS = Lookups(
    (
        ("State", {"id": "50000000-0000-4000-8000-000000000001", "name": "Not started",
                   "short": "NOT_STARTED"}),
        ("State", {"id": "50000000-0000-4000-8000-000000000002", "name": "Done",
                   "short": "DONE"}),
        ("Status", {"id": "51000000-0000-4000-8000-000000000001", "name": "Not started",
                    "is_active": True, "sort": 0,
                    "state_id": "50000000-0000-4000-8000-000000000001"}),
        ("Status", {"id": "51000000-0000-4000-8000-000000000002", "name": "Approved",
                    "is_active": False, "sort": 1,
                    "state_id": "50000000-0000-4000-8000-000000000002"}),
        ("Type", {"id": "52000000-0000-4000-8000-000000000001", "name": "Animation",
                  "sort": 0}),
        ("Type", {"id": "52000000-0000-4000-8000-000000000002", "name": "Compositing",
                  "sort": 1}),
        ("Priority", {"id": "9661b320-3a0c-11e2-81c1-0800200c9a66", "name": "None",
                      "sort": 0, "value": 0}),
        ("Priority", {"id": "53000000-0000-4000-8000-000000000002", "name": "High",
                      "sort": 1, "value": 2}),
        ("ObjectType", {"id": "e5139355-61da-4c8f-9db4-3abc870166bc", "name": "Sequence"}),
        ("ObjectType", {"id": "bad911de-3bd6-47b9-8b46-3476e237cb36", "name": "Shot"}),
        ("ObjectType", {"id": "11c137c0-ee7e-4f9c-91c5-8c77cec22b2c", "name": "Task"}),
        ("ProjectSchema", {"id": "54000000-0000-4000-8000-000000000001", "name": "VFX"}),
        ("User", {"id": "55000000-0000-4000-8000-000000000001", "username": "api",
                  "first_name": "api", "last_name": ""}),
    )
)  # fmt: skip
"""Hand-made workflow entities for tests that run without a server."""


def _datetime_value(value: dt.datetime) -> dict[str, str]:
    return {"__type__": "datetime", "value": value.isoformat()}


def build(projects: Sequence[ProjectSpec], lookups: Lookups) -> tuple[list[dict[str, Any]], World]:
    """The ``create`` operations for ``projects`` and the `World` they should produce.

    Ids come from `ID_POOL` in tree order, then each project's users, assets (each with its
    versions and their components) and time logs; the world also holds the ``lookups`` and
    the server-derived fields (`World.derive_fields`).
    """
    world = World()
    for type_id, values in lookups.entities:
        world.add(type_id, values)
    ids = iter(ID_POOL)
    schema_ids = lookups.ids("ProjectSchema")
    statuses = lookups.ids("Status")
    types = lookups.ids("Type")
    priorities = lookups.ids("Priority")
    users = lookups.ids("User")
    operations: list[dict[str, Any]] = []

    def create(type_id: str, values: dict[str, Any], parent: dict[str, str] | None) -> None:
        world.add(type_id, values)
        payload: dict[str, Any] = {"__entity_type__": type_id}
        for key, value in values.items():
            if value is None or (parent is not None and key == "parent_id"):
                continue
            payload[key] = _datetime_value(value) if isinstance(value, dt.datetime) else value
        if parent is not None:
            # The parent goes as a reference, as ftrack's Python client sends it.
            payload["parent"] = parent
        operations.append(
            {
                "action": "create",
                "entity_type": type_id,
                "entity_key": [values["id"]],
                "entity_data": payload,
            }
        )

    def add_context(
        spec: ContextSpec, parent_type: str, parent_id: str, contexts: list[str]
    ) -> None:
        entity_id = next(ids)
        values = {
            "id": entity_id,
            "name": spec.name,
            "description": spec.description,
            "bid": spec.bid,
            "sort": spec.sort,
            "start_date": spec.start_date,
            "end_date": spec.end_date,
            "parent_id": parent_id,
            "status_id": statuses[spec.status % len(statuses)],
            "type_id": types[spec.task_type % len(types)],
            "priority_id": priorities[spec.priority % len(priorities)],
        }
        create(spec.type, values, {"__entity_type__": parent_type, "id": parent_id})
        contexts.append(entity_id)
        for child in spec.children:
            add_context(child, spec.type, entity_id, contexts)

    categories: list[str] = []

    def category() -> str:
        if not categories:
            categories.append(next(ids))
            create("ListCategory", {"id": categories[0], "name": "Dailies"}, None)
        return categories[0]

    def add_extras(project: ProjectSpec, project_id: str, contexts: list[str]) -> None:
        versions: list[str] = []
        for user in project.users:
            users.append(next(ids))
            values = {
                "id": users[-1],
                "username": f"{user.first_name}.{len(users)}",
                "first_name": user.first_name,
                "last_name": user.last_name,
            }
            create("User", values, None)
        for asset in project.assets:
            asset_id = next(ids)
            context_id = contexts[asset.context % len(contexts)]
            create("Asset", {"id": asset_id, "name": asset.name, "context_id": context_id}, None)
            for version in asset.versions:
                version_id = next(ids)
                values = {
                    "id": version_id,
                    "version": version.version,
                    "comment": version.comment,
                    "is_published": version.is_published,
                    "asset_id": asset_id,
                }
                create("AssetVersion", values, None)
                versions.append(version_id)
                for component in version.components:
                    values = {
                        "id": next(ids),
                        "name": component.name,
                        "size": component.size,
                        "file_type": component.file_type,
                        "version_id": version_id,
                    }
                    create("FileComponent", values, None)
        for timelog in project.timelogs:
            values = {
                "id": next(ids),
                "comment": timelog.comment,
                "start": timelog.start,
                "duration": timelog.duration,
                "context_id": contexts[timelog.context % len(contexts)],
                "user_id": users[timelog.user % len(users)],
            }
            create("Timelog", values, None)
        add_notes(project.notes, contexts, users, ids, world, create, operations)
        tasks = [c for c in contexts if world.by_id[c].type == "Task"]
        add_lists(
            project.lists, project_id, category, tasks, versions, ids, world, create, operations
        )

    trees: list[tuple[ProjectSpec, str, list[str]]] = []
    for project in projects:
        project_id = next(ids)
        values = {
            "id": project_id,
            "name": project.name,
            "full_name": project.full_name,
            "status": project.status,
            "is_global": False,
            "is_private": project.is_private,
            "start_date": project.start_date,
            "end_date": project.end_date,
            "project_schema_id": schema_ids[0],
            "parent_id": None,
        }
        create("Project", values, None)
        contexts = [project_id]
        for child in project.children:
            add_context(child, "Project", project_id, contexts)
        add_extras(project, project_id, contexts)
        trees.append((project, project_id, contexts))
    world.derive_fields()
    object_types = lookups.ids("ObjectType")
    for project, project_id, contexts in trees:
        add_attributes(
            project.attributes, project_id, contexts, object_types, ids, world, create, operations
        )
    return operations, world


# --- vocabulary --------------------------------------------------------------------------


@attrs.frozen
class Vocabulary:
    """Values present in a world, by attribute name, so drawn criteria hit."""

    strings: Mapping[str, tuple[str, ...]]
    numbers: Mapping[str, tuple[float, ...]]
    datetimes: tuple[dt.datetime, ...]
    ids: Mapping[str, tuple[str, ...]]
    types: tuple[str, ...] = QUERY_TYPES
    # Strategies built over this vocabulary, so each is built (and validated) once.
    built: dict[Any, Any] = attrs.field(factory=dict, eq=False, repr=False)

    def cached(self, key: Any, build: Callable[[], st.SearchStrategy[Any]]) -> Any:
        """The strategy stored under ``key``, built on first use."""
        if key not in self.built:
            self.built[key] = build()
        return self.built[key]


def _vocab_key(type_id: str, name: str) -> str:
    """Values are pooled per type family: ``Context.name`` for every context, ``Status.name``,
    ``Component.name`` for every component."""
    root = type_id
    while root in BASES:
        root = BASES[root]
    return f"{root}.{name}"


def vocabulary(world: World) -> Vocabulary:
    """The string, number, datetime and id values ``world`` holds."""
    strings: dict[str, set[str]] = {}
    numbers: dict[str, set[float]] = {}
    datetimes: set[dt.datetime] = set()
    ids: dict[str, set[str]] = {}
    for entity in world.by_id.values():
        for name, value in entity.values.items():
            attr = MODEL[entity.type].get(name)
            if value is None or attr is None:
                continue
            if attr.kind == "string":
                strings.setdefault(_vocab_key(entity.type, name), set()).add(value)
            elif attr.kind == "number":
                numbers.setdefault(_vocab_key(entity.type, name), set()).add(float(value))
            elif attr.kind == "datetime":
                datetimes.add(value)
            elif attr.kind == "id":
                ids.setdefault(name, set()).add(value)
    return Vocabulary(
        {k: tuple(sorted(v)) for k, v in strings.items()},
        {k: tuple(sorted(v)) for k, v in numbers.items()},
        tuple(sorted(datetimes)),
        {k: tuple(sorted(v)) for k, v in ids.items()},
        tuple(t for t in QUERY_TYPES if any(True for _ in world.of_type(t))),
    )


# --- literals ----------------------------------------------------------------------------

_BARE_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9_]*|[0-9a-f]{8}-[0-9a-f-]+")
_KEYWORDS = frozenset(
    {"true", "false", "none", "null", "and", "or", "not", "in", "is", "like", "has", "any"}
)


def _string_forms(text: str) -> list[ast.Value]:
    """``text`` quoted, and bare too when a bare word reads back as the same string."""
    if _BARE_SAFE.fullmatch(text) and text.lower() not in _KEYWORDS:
        return [ast.String(text), ast.Bare(text)]
    return [ast.String(text)]


def _number_forms(value: float) -> list[ast.Value]:
    """``value`` as a decimal, an integer when whole, and as quoted text."""
    forms: list[ast.Value] = [ast.Decimal(decimal.Decimal(repr(value))), ast.String(str(value))]
    if value == int(value):
        forms += [ast.Integer(int(value)), ast.String(str(int(value)))]
    return forms


def _datetime_forms(value: dt.datetime) -> list[ast.Value]:
    """``value`` (naive UTC) written in the ISO forms a query may use."""
    shifted = value + dt.timedelta(hours=2)
    forms = [
        value.isoformat(),
        value.isoformat() + "+00:00",
        value.isoformat() + "Z",
        shifted.isoformat() + "+02:00",
    ]
    if value.time() == dt.time(0, 0):
        forms.append(value.date().isoformat())
    return [ast.String(form) for form in forms]


def _literals(
    pool: st.SearchStrategy[Any], forms: Callable[[Any], list[ast.Value]]
) -> st.SearchStrategy[ast.Value]:
    """A value from ``pool`` in one of its literal ``forms`` (no per-draw strategies)."""
    return st.tuples(pool, st.integers(0, 4)).map(lambda p: (f := forms(p[0]))[p[1] % len(f)])


def datetime_literals(value: dt.datetime) -> st.SearchStrategy[ast.Value]:
    """``value`` (naive UTC) written in the ISO forms a query may use."""
    return st.sampled_from(_datetime_forms(value))


def _strings(vocab: Vocabulary, name: str) -> st.SearchStrategy[str]:
    known = vocab.strings.get(name, ())
    random = names()
    if not known:
        return random
    return st.one_of(st.sampled_from(known), st.sampled_from(known), random)


def _string_values(vocab: Vocabulary, name: str) -> st.SearchStrategy[ast.Value]:
    return _literals(_strings(vocab, name), _string_forms)


def _number_values(vocab: Vocabulary, name: str) -> st.SearchStrategy[ast.Value]:
    known = vocab.numbers.get(name, ())
    pool = st.sampled_from(NUMBERS) | (st.sampled_from(known) if known else st.nothing())
    return _literals(pool, _number_forms)


def _datetime_values(vocab: Vocabulary) -> st.SearchStrategy[ast.Value]:
    pool = st.sampled_from(DATETIMES)
    if vocab.datetimes:
        pool = st.sampled_from(vocab.datetimes) | pool
    return _literals(pool, _datetime_forms)


def _id_values(vocab: Vocabulary, name: str) -> st.SearchStrategy[ast.Value]:
    known = vocab.ids.get(name, ())
    pool = st.sampled_from(ID_POOL[:12])
    if known:
        pool = st.sampled_from(known) | st.sampled_from(known) | pool
    return _literals(pool, _string_forms)


def _escape_like(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


@st.composite
def like_patterns(draw: st.DrawFn, known: st.SearchStrategy[str]) -> str:
    """A ``like`` pattern: usually a known value with characters turned into ``_``, runs into
    ``%`` and letters into the other case (so it still matches), else random tokens."""
    if draw(st.integers(0, 3)) == 0:
        token = st.sampled_from(("%", "_")) | st.sampled_from(NAME_ALPHABET).map(_escape_like)
        return "".join(draw(st.lists(token, max_size=4)))
    value = draw(known)
    parts: list[str] = []
    for char in value:
        change = draw(st.sampled_from(("keep", "keep", "case", "one", "run")))
        if change == "one":
            parts.append("_")
        elif change == "run":
            if not parts or parts[-1] != "%":
                parts.append("%")
        elif change == "case":
            parts.append(_escape_like(char.swapcase()))
        else:
            parts.append(_escape_like(char))
    return "".join(parts)


def _value_lists(values: st.SearchStrategy[ast.Value]) -> st.SearchStrategy[ast.ValueList]:
    """One to three values, ``none`` among them now and then."""
    member = st.one_of(values, values, values, st.just(ast.Null()))
    return st.lists(member, min_size=1, max_size=3).map(lambda v: ast.ValueList(tuple(v)))


# --- paths -------------------------------------------------------------------------------


@functools.cache
def _relation_steps(type_id: str) -> list[tuple[ast.Segment, Attr, str]]:
    """Each relation of ``type_id`` as (segment, attribute, static type after it)."""
    steps: list[tuple[ast.Segment, Attr, str]] = []
    for name, attr in sorted(MODEL[type_id].items()):
        if attr.is_scalar or attr.target is None or attr.target not in MODEL:
            continue
        steps.append((ast.Segment(name), attr, attr.target))
        for cast in _CASTS.get(attr.target, ()):
            steps.append((ast.Segment(name, cast), attr, cast))
    return steps


@functools.cache
def scalar_paths(type_id: str, hops: int) -> list[tuple[ast.Path, Attr, str]]:
    """Paths of exactly ``hops`` relation steps from ``type_id`` to a scalar (or a reference,
    compared by key), with the leaf attribute. Nothing is walked after a collection."""
    found: list[tuple[ast.Path, Attr, str]] = []

    def visit(prefix: tuple[ast.Segment, ...], current: str, left: int) -> None:
        if left == 0:
            for name, attr in sorted(MODEL[current].items()):
                if attr.kind != "collection":
                    found.append((ast.Path((*prefix, ast.Segment(name))), attr, current))
            return
        for segment, attr, after in _relation_steps(current):
            if attr.kind == "collection" and left > 1:
                continue
            visit((*prefix, segment), after, left - 1)

    visit((), type_id, hops)
    return found


def _by_kind(
    found: list[tuple[ast.Path, Attr, str]],
) -> st.SearchStrategy[tuple[ast.Path, Attr, str]]:
    """One of ``found``, each attribute kind equally likely (keys would crowd out the rest)."""
    kinds = sorted({attr.kind for _, attr, _ in found})
    return st.one_of([st.sampled_from([f for f in found if f[1].kind == k]) for k in kinds])


@functools.cache
def _paths(type_id: str, max_hops: int) -> st.SearchStrategy[tuple[ast.Path, Attr, str]]:
    """Scalar paths: direct attributes half the time, fewer hops more often, casts now and then."""
    options: list[st.SearchStrategy[tuple[ast.Path, Attr, str]]] = []
    for hops in range(max_hops + 1):
        paths = scalar_paths(type_id, hops)
        plain = [pair for pair in paths if all(s.cast is None for s in pair[0].segments)]
        if not plain:
            break
        strategy = _by_kind(plain)
        if len(plain) < len(paths):
            strategy = st.one_of(strategy, strategy, _by_kind(paths))
        options.extend([strategy] * (max_hops + 1 - hops))
    return st.one_of(options[0], options[0], *options)


@functools.cache
def relation_paths(type_id: str) -> list[tuple[ast.Path, ast.RelationKind, str]]:
    """``has``/``any`` paths of one or two steps, with the static type they end on."""
    found: list[tuple[ast.Path, ast.RelationKind, str]] = []
    for segment, attr, after in _relation_steps(type_id):
        kind = ast.RelationKind.ANY if attr.kind == "collection" else ast.RelationKind.HAS
        found.append((ast.Path((segment,)), kind, after))
        if attr.kind == "ref":
            for second, attr2, after2 in _relation_steps(after):
                kind2 = ast.RelationKind.ANY if attr2.kind == "collection" else kind
                found.append((ast.Path((segment, second)), kind2, after2))
    return found


# --- criteria ----------------------------------------------------------------------------

_OP = ast.Operator


def _subqueries(vocab: Vocabulary, attr: Attr, name: str) -> st.SearchStrategy[ast.Subquery]:
    """``select <x> from T where ...`` projecting values comparable with ``attr``: keys of the
    same type family for an id, the same attribute (``name``, ``description``) for a string."""
    strategy: st.SearchStrategy[ast.Subquery] = vocab.cached(
        ("subqueries", attr, name), lambda: _build_subqueries(vocab, attr, name)
    )
    return strategy


def _build_subqueries(vocab: Vocabulary, attr: Attr, name: str) -> st.SearchStrategy[ast.Subquery]:
    choices = []
    for type_id in sorted(MODEL):
        for other_name, other in sorted(MODEL[type_id].items()):
            if attr.kind == "id" and other.kind == "id":
                assert attr.target is not None
                assert other.target is not None
                if is_subtype(other.target, attr.target) or is_subtype(attr.target, other.target):
                    choices.append((type_id, other_name))
            elif attr.kind == "string" and other.kind == "string" and other_name == name:
                choices.append((type_id, other_name))
    if not choices:
        return st.nothing()

    def make(choice: tuple[str, str]) -> st.SearchStrategy[ast.Subquery]:
        type_id, projected = choice
        where = st.none() | criteria(type_id, vocab, depth=0, subqueries=False)
        projections = (ast.Path.of(projected),)
        return where.map(
            lambda w: ast.Subquery(ast.Select(type_id, projections=projections, where=w))
        )

    # Strategies are made when drawn (and kept): building every branch up front makes
    # Hypothesis validate a huge tree.
    return st.sampled_from(choices).flatmap(
        lambda c: vocab.cached(("subquery", c), lambda: make(c))
    )


def _comparison(
    path: ast.Path, attr: Attr, owner: str, vocab: Vocabulary, subqueries: bool
) -> st.SearchStrategy[ast.Comparison]:
    key = ("comparison", path, attr, subqueries)
    strategy: st.SearchStrategy[ast.Comparison] = vocab.cached(
        key, lambda: _build_comparison(path, attr, owner, vocab, subqueries)
    )
    return strategy


def _build_comparison(
    path: ast.Path, attr: Attr, owner: str, vocab: Vocabulary, subqueries: bool
) -> st.SearchStrategy[ast.Comparison]:
    """Comparisons of ``path`` (ending on ``attr`` of an ``owner``) fitting its kind."""
    name = path.segments[-1].name
    key = _vocab_key(owner, name)
    nulls = st.builds(
        ast.Comparison, st.just(path), st.sampled_from((_OP.EQ, _OP.NE)), st.just(ast.Null())
    )
    options: list[st.SearchStrategy[ast.Comparison]] = []

    def cmp(ops: Sequence[ast.Operator], operand: st.SearchStrategy[Any]) -> None:
        options.append(st.builds(ast.Comparison, st.just(path), st.sampled_from(ops), operand))

    def members(values: st.SearchStrategy[ast.Value]) -> None:
        lists: st.SearchStrategy[Any] = _value_lists(values)
        if subqueries and attr.kind in ("id", "string"):
            lists = lists | _subqueries(vocab, attr, name)
        cmp((_OP.IN, _OP.NOT_IN), lists)

    if attr.kind == "string":
        values = _string_values(vocab, key)
        cmp((_OP.EQ, _OP.NE, _OP.LT, _OP.LE, _OP.GT, _OP.GE), values)
        cmp((_OP.LIKE, _OP.NOT_LIKE), like_patterns(_strings(vocab, key)).map(ast.String))
        members(values)
    elif attr.kind == "number":
        values = _number_values(vocab, key)
        cmp((_OP.EQ, _OP.NE, _OP.LT, _OP.LE, _OP.GT, _OP.GE), values)
        members(values)
    elif attr.kind == "datetime":
        ops = (_OP.BEFORE, _OP.AFTER, _OP.LT, _OP.LE, _OP.GT, _OP.GE, _OP.EQ, _OP.NE)
        cmp(ops, _datetime_values(vocab))
    elif attr.kind == "boolean":
        cmp((_OP.EQ, _OP.NE), st.booleans().map(ast.Boolean))
    elif attr.kind == "variable":
        values = variable_literals()
        cmp((_OP.EQ, _OP.NE, _OP.LT, _OP.LE, _OP.GT, _OP.GE), values)
        texts = st.sampled_from([str(v) for v in VALUES if not isinstance(v, (bool, list))])
        cmp((_OP.LIKE, _OP.NOT_LIKE), like_patterns(texts).map(ast.String))
        members(values)
    elif attr.kind in ("id", "ref"):
        # A reference at the end of a path compares its key.
        values = _id_values(vocab, name if attr.kind == "id" else attr.key or name)
        cmp((_OP.EQ, _OP.NE), values)
        members(values)
    # Present values make better tests than ``none``, which most attributes never hold; and
    # Hypothesis favours the first branch, so ``none`` comes last.
    return st.one_of(*options, *options, nulls)


def criteria(
    type_id: str, vocab: Vocabulary, depth: int = 2, *, subqueries: bool = True
) -> st.SearchStrategy[ast.Criterion]:
    """Criteria valid on ``type_id``, nested at most ``depth`` levels of and/or/not/has/any;
    ``in`` subqueries (one level) unless ``subqueries`` is false."""
    key = ("criteria", type_id, depth, subqueries)
    strategy: st.SearchStrategy[ast.Criterion] = vocab.cached(
        key, lambda: _build_criteria(type_id, vocab, depth, subqueries)
    )
    return strategy


def _build_criteria(
    type_id: str, vocab: Vocabulary, depth: int, subqueries: bool
) -> st.SearchStrategy[ast.Criterion]:
    leaf: st.SearchStrategy[ast.Criterion] = _paths(type_id, 2 if depth > 0 else 1).flatmap(
        lambda found: _comparison(found[0], found[1], found[2], vocab, subqueries)
    )
    if depth <= 0:
        return leaf
    inner = criteria(type_id, vocab, depth - 1, subqueries=subqueries)

    def relation(choice: tuple[ast.Path, ast.RelationKind, str]) -> st.SearchStrategy[Any]:
        path, kind, after = choice
        body = st.none() | criteria(after, vocab, depth - 1, subqueries=subqueries)
        return body.map(lambda b: ast.Relation(path, kind, b))

    choices = relation_paths(type_id)
    plain = [c for c in choices if len(c[0].segments) == 1 and c[0].segments[0].cast is None]
    relations = (
        (st.sampled_from(plain) | st.sampled_from(choices)).flatmap(
            lambda c: vocab.cached(("relation", c, depth, subqueries), lambda: relation(c))
        )
        if plain
        else st.nothing()
    )
    groups = st.lists(inner, min_size=2, max_size=3).map(tuple)
    return st.one_of(
        leaf,
        leaf,
        leaf,
        leaf,
        relations,
        inner.map(ast.Not),
        groups.map(ast.And),
        groups.map(ast.Or),
    )


def query_cases(
    vocab: Vocabulary, depths: Sequence[int] = (0, 1, 2)
) -> st.SearchStrategy[tuple[str, ast.Criterion]]:
    """A query type the world has entities of, with criteria over it nested up to one of
    ``depths`` (0: one comparison, through at most one relation)."""

    def cases(type_id: str, depth: int) -> st.SearchStrategy[tuple[str, ast.Criterion]]:
        return criteria(type_id, vocab, depth).map(lambda c: (type_id, c))

    choices = [(t, depth) for t in vocab.types or QUERY_TYPES for depth in depths]
    return st.sampled_from(choices).flatmap(lambda c: vocab.cached(("cases", c), lambda: cases(*c)))
