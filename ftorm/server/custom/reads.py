"""Custom attributes as ftrack serves them: one item per configuration that applies.

An entity's ``custom_attributes`` (a keyed collection of ``<X>CustomAttributeValue``
items) holds one item for every ``CustomAttributeConfiguration`` that applies to it
(`ftorm.schema.custom.rules.applies`), whether or not a value was ever stored: ``key`` is
the configuration's, ``value`` the stored value or else the configuration's ``default``.
`members_source` renders that relation as a subquery read in place of the value table
wherever the collection is read (criteria in `ftorm.server.sql`, projections in
`ftorm.server.fetch`), so ``custom_attributes any (key is "fstart" and value >= 1001)``
sees the items the projection serves, defaults included. Querying a value type directly
still reads its stored rows; the bare ``CustomAttributeValue`` reads every stored value
(`stored_values_source`).

What a written value must satisfy is `ftorm.server.custom.writes`.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Final

from ftorm.schema.custom.rules import (
    CONFIGURATION_TYPE,
    HIERARCHICAL_ENTITY_TYPES,
    KIND_TYPE,
    TEXT_KINDS,
    VALUE_SUFFIX,
    configuration_entity_type,
    is_custom_attribute_value,
)
from ftorm.schema.types import Kind
from ftorm.server.fragments import Bind, column, placeholders, type_condition
from ftorm.server.storage import ID_COLUMN, TYPE_COLUMN, Collection, Layout, quote

__all__ = ["effective", "members_source", "owners", "stored_values_source"]

_NEEDED: Final = ("id", "key", "entity_type")
"""Configuration columns without which no configuration can be matched."""

_PROJECT_PATH: Final[Mapping[str, str]] = {"AssetVersion": "asset", "Asset": "parent"}
"""The reference leading towards the project, for types that do not store ``project_id``."""

_OWNERS: weakref.WeakKeyDictionary[Layout, dict[str, tuple[str, ...]]] = weakref.WeakKeyDictionary()


def owners(layout: Layout, value_type: str) -> tuple[str, ...]:
    """The types whose keyed collections hold ``value_type`` items and that configurations
    can apply to, sorted."""
    cache = _OWNERS.setdefault(layout, {})
    found = cache.get(value_type)
    if found is None:
        schema = layout.schema
        found = tuple(
            sorted(
                type_id
                for type_id, entity in schema.types.items()
                if configuration_entity_type(schema, type_id) is not None
                and any(
                    p.kind is Kind.MAPPED and p.target == value_type
                    for p in entity.properties.values()
                )
            )
        )
        cache[value_type] = found
    return found


def effective(layout: Layout, coll: Collection) -> bool:
    """Whether ``coll`` is read as the configurations that apply (a ``custom_attributes``
    collection of a schema with configurations), not as the stored rows."""
    types = layout.schema.types
    config = types.get(CONFIGURATION_TYPE)
    return (
        coll.mode == "reverse"
        and is_custom_attribute_value(coll.target)
        and types[coll.owner].properties[coll.name].kind is Kind.MAPPED
        and config is not None
        and all(layout.stored(CONFIGURATION_TYPE, name) for name in _NEEDED)
        and {"configuration_id", "entity_id"} <= set(layout.table(coll.target).columns)
        and bool(owners(layout, coll.target))
    )


def members_source(layout: Layout, coll: Collection, bind: Bind) -> str:
    """What to read ``coll``'s members from: the value table, or for an `effective`
    collection a subquery with the value table's columns (``rowid`` being the
    configuration's, so members come in configuration order)."""
    if not effective(layout, coll):
        return quote(layout.table(coll.target).name)
    return "(" + _relation(layout, coll.target, bind) + ")"


def stored_values_source(layout: Layout, type_id: str) -> str | None:
    """What to read the bare ``CustomAttributeValue`` type from: as ftrack keeps every stored
    value in one table, its own rows and the stored rows of every ``<X>CustomAttributeValue``
    type (``ContextCustomAttributeValue`` ...), a subquery with the bare table's columns; a row
    of its own that a typed table also holds gives way to it. None for any other type.

    This is what clients read an entity's *own* values from (``select value, entity_id,
    configuration_id from CustomAttributeValue where entity_id in (...)``): the typed
    collections fill in defaults."""
    if type_id != VALUE_SUFFIX or type_id not in layout.schema.types:
        return None
    bare = layout.table(type_id)
    keys = ("configuration_id", "entity_id")
    tables = {layout.table(t).name: layout.table(t) for t in layout.schema.types}
    typed = [
        tables[name]
        for name in sorted(tables)
        if name != bare.name  # a schema whose typed kinds derive from the bare type (ftorm's
        # standard one) keeps them in its table already: its family holds every value
        and any(is_custom_attribute_value(t) for t in tables[name].types)
        and set(keys) <= set(tables[name].columns)
    ]
    if not typed or not set(keys) <= set(bare.columns):
        return None
    count = len(typed) + 1  # rowids stay distinct: rowid * count + the table's index
    own = ", ".join(column("b", c) for c in bare.columns)
    same = " AND ".join(f"{column('t', k)} = {column('b', k)}" for k in keys)
    shadowed = " AND ".join(
        f"NOT EXISTS (SELECT 1 FROM {quote(table.name)} AS t WHERE {same})" for table in typed
    )
    arms = [
        f"SELECT b.rowid * {count} AS rowid, {column('b', TYPE_COLUMN)} AS {quote(TYPE_COLUMN)}, "
        f"{own} FROM {quote(bare.name)} AS b WHERE {shadowed}"
    ]
    for index, table in enumerate(typed, 1):
        selected = ", ".join(
            f"{column('t', c) if c in table.columns else 'NULL'} AS {quote(c)}"
            for c in bare.columns
        )
        arms.append(
            f"SELECT t.rowid * {count} + {index} AS rowid, '{VALUE_SUFFIX}' AS "
            f"{quote(TYPE_COLUMN)}, {selected} FROM {quote(table.name)} AS t"
        )
    return "(" + " UNION ALL ".join(arms) + ")"


def _config(name: str, layout: Layout) -> str:
    return column("c", name) if layout.stored(CONFIGURATION_TYPE, name) else "NULL"


def _default(layout: Layout) -> str:
    """The configuration's default as the value of an entity that has none stored; an empty
    default is "no value" except for text types (`TEXT_KINDS`)."""
    default = _config("default", layout)
    if not layout.stored(CONFIGURATION_TYPE, "type_id") or KIND_TYPE not in layout.schema.types:
        return default
    types = layout.table(KIND_TYPE)
    kinds = ", ".join(f"'{kind}'" for kind in sorted(TEXT_KINDS))
    kind = (
        f"(SELECT t.{quote('name')} FROM {quote(types.name)} AS t "
        f"WHERE t.{quote(ID_COLUMN)} = {column('c', 'type_id')})"
    )
    return f"CASE WHEN {default} = '\"\"' AND {kind} NOT IN ({kinds}) THEN NULL ELSE {default} END"


def _relation(layout: Layout, value_type: str, bind: Bind) -> str:
    """``SELECT`` of every (configuration, entity) pair that applies, one arm per table of
    owners, with the stored value or else the configuration's default."""
    values = layout.table(value_type)
    by_table: dict[str, list[str]] = {}
    for owner in owners(layout, value_type):
        for type_id in layout.subtypes(owner):
            by_table.setdefault(layout.table(type_id).root, []).append(type_id)
    arms: list[str] = []
    for root, types in sorted(by_table.items()):
        # placeholders are made in text order: positional binds depend on it
        tag = bind(value_type)
        selected = {
            "configuration_id": column("c", ID_COLUMN),
            "entity_id": column("o", ID_COLUMN),
            "key": column("c", "key"),
            "value": (
                f"CASE WHEN v.rowid IS NULL THEN {_default(layout)} ELSE {column('v', 'value')} END"
            ),
        }
        cols = ", ".join(
            f"{selected.get(name, column('v', name))} AS {quote(name)}" for name in values.columns
        )
        head = (
            f"SELECT c.rowid AS rowid, {tag} AS {quote(TYPE_COLUMN)}, {cols} "
            f"FROM {quote(layout.table(CONFIGURATION_TYPE).name)} AS c "
            f"JOIN {quote(layout.table(root).name)} AS o"
        )
        where = [_applies(layout, sorted(set(types)), root, bind)]
        restrict = type_condition(layout, CONFIGURATION_TYPE, "c", bind)
        if restrict is not None:
            where.append(restrict)
        join = (
            f"LEFT JOIN {quote(values.name)} AS v ON {column('v', 'configuration_id')} = "
            f"{column('c', ID_COLUMN)} AND {column('v', 'entity_id')} = {column('o', ID_COLUMN)}"
        )
        arms.append(f"{head} ON {' AND '.join(where)} {join}")
    return " UNION ALL ".join(arms)


def _applies(layout: Layout, types: list[str], root: str, bind: Bind) -> str:
    """The condition under which configuration ``c`` applies to entity ``o`` (a row of the
    table of ``root`` whose type is one of ``types``)."""
    kinds: dict[str, list[str]] = {}
    for type_id in types:
        kind = configuration_entity_type(layout.schema, type_id)
        if kind is not None:
            kinds.setdefault(kind, []).append(type_id)
    of_type = column("o", TYPE_COLUMN)
    object_type = _config("object_type_id", layout)
    scope = _config("project_id", layout)
    project = _project(layout, root, "o", bind, depth=0)
    choices: list[str] = []
    for kind, members in sorted(kinds.items()):
        if kind == "task":
            match = f"{object_type} = {column('o', 'object_type_id')}"
        else:
            match = f"{object_type} IS NULL"
        choices.append(
            f"({of_type} IN ({placeholders(members, bind)}) AND "
            f"{column('c', 'entity_type')} = {bind(kind)} AND {match})"
        )
    hierarchical = [t for k, m in kinds.items() if k in HIERARCHICAL_ENTITY_TYPES for t in m]
    if hierarchical and layout.stored(CONFIGURATION_TYPE, "is_hierarchical"):
        choices.append(
            f"({column('c', 'is_hierarchical')} = 1 AND "
            f"{of_type} IN ({placeholders(sorted(hierarchical), bind)}))"
        )
    return f"({scope} IS NULL OR {scope} = {project}) AND ({' OR '.join(choices) or '0'})"


def _project(layout: Layout, root: str, alias: str, bind: Bind, depth: int) -> str:
    """The id of the project a row ``alias`` of ``root``'s table belongs to (NULL when it
    belongs to none): its own id for a project, its ``project_id``, or its parent's."""
    table = layout.table(root)
    projects = [t for t in table.types if layout.is_a(t, "Project")]
    mixed = bool(projects) and not set(projects) >= set(table.types)
    if projects and not mixed:
        return column(alias, ID_COLUMN)
    case = ""
    if mixed:
        case = f"CASE WHEN {column(alias, TYPE_COLUMN)} IN ({placeholders(projects, bind)}) "
    if "project_id" in table.columns:
        other = column(alias, "project_id")
    else:
        other = "NULL"
        ref = layout.reference(root, _PROJECT_PATH.get(root, ""))
        if ref is not None and depth < 3:
            inner = f"{alias}x"
            target = layout.table(ref.target)
            value = _project(layout, target.root, inner, bind, depth + 1)
            other = (
                f"(SELECT {value} FROM {quote(target.name)} AS {inner} "
                f"WHERE {column(inner, ID_COLUMN)} = {column(alias, ref.column)})"
            )
    if not mixed:
        return other
    return f"({case}THEN {column(alias, ID_COLUMN)} ELSE {other} END)"
