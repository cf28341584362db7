"""Custom attributes as ftrack serves them: one item per configuration that applies.

An entity's ``custom_attributes`` (a keyed collection of ``<X>CustomAttributeValue``
items) holds one item for every ``CustomAttributeConfiguration`` that applies to it
(`ftorm.schema.custom.applies`), whether or not a value was ever stored: ``key`` is the
configuration's, ``value`` the stored value or else the configuration's ``default``.
`members_source` renders that relation as a subquery read in place of the value table
wherever the collection is read (criteria in `ftorm.server.sql`, projections in
`ftorm.server.fetch`), so ``custom_attributes any (key is "fstart" and value >= 1001)``
sees the items the projection serves, defaults included. Querying a value type directly
still reads its stored rows.

Writes (`check_value`): a value written (created, or updated and so upserted) must belong
to a configuration that applies to its entity, takes the configuration's ``key``, and must
suit the configuration's type (`ftorm.schema.custom.check_value`).
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from collections.abc import Mapping
from typing import Any, Final

from ftorm.errors import InvalidValueError, ValidationError, excerpt
from ftorm.protocol.codec import unwrap_date
from ftorm.schema.custom import (
    CONFIGURATION_TYPE,
    DATE_KIND,
    HIERARCHICAL_ENTITY_TYPES,
    TEXT_KINDS,
    VALUE_SUFFIX,
    check_value,
    configuration_entity_type,
    is_custom_attribute_value,
)
from ftorm.schema.types import Kind
from ftorm.server.fragments import Bind, column, placeholders, positional, type_condition
from ftorm.server.rows import find
from ftorm.server.storage import ID_COLUMN, TYPE_COLUMN, Collection, Layout, quote

__all__ = [
    "check_value_write",
    "effective",
    "members_source",
    "stored_values_source",
    "value_type_for",
]


TYPES: Final = "CustomAttributeType"
"""The type naming a configuration's kind of value (``number``, ``text`` ...)."""

_NEEDED: Final = ("id", "key", "entity_type")
"""Configuration columns without which no configuration can be matched."""

_PROJECT_PATH: Final[Mapping[str, str]] = {"AssetVersion": "asset", "Asset": "parent"}
"""The reference leading towards the project, for types that do not store ``project_id``."""

_OWNERS: weakref.WeakKeyDictionary[Layout, dict[str, tuple[str, ...]]] = weakref.WeakKeyDictionary()


def _owners(layout: Layout, value_type: str) -> tuple[str, ...]:
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


def value_type_for(layout: Layout, connection: sqlite3.Connection, entity_id: object) -> str | None:
    """The ``<X>CustomAttributeValue`` type whose items the entity ``entity_id`` holds in its
    ``custom_attributes`` (``ContextCustomAttributeValue`` for a task), or None when no
    entity with that id has custom attributes. A value created as the bare
    ``CustomAttributeValue`` is stored as this type, so the entity's collection shows it."""
    if entity_id is None:
        return None
    for value_type in sorted(t for t in layout.schema.types if is_custom_attribute_value(t)):
        owners = _owners(layout, value_type)
        for root in sorted({layout.table(owner).root for owner in owners}):
            if len(layout.schema.types[root].primary_key) != 1:
                continue
            row = find(layout, connection, root, (str(entity_id),))
            if row is not None and any(layout.is_a(row.type_id, o) for o in owners):
                return value_type
    return None


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
        and bool(_owners(layout, coll.target))
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
    if not layout.stored(CONFIGURATION_TYPE, "type_id") or TYPES not in layout.schema.types:
        return default
    types = layout.table(TYPES)
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
    for owner in _owners(layout, value_type):
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


def check_value_write(
    layout: Layout, connection: sqlite3.Connection, type_id: str, columns: dict[str, Any]
) -> None:
    """For a value of ``type_id`` being written with ``columns`` (its key columns
    included): `ValidationError` unless its configuration applies to its entity and the
    value suits the configuration's type; fills ``key`` from the configuration."""
    if not is_custom_attribute_value(type_id) or CONFIGURATION_TYPE not in layout.schema.types:
        return
    coll = next(
        (c for c in layout.collections.values() if c.target == type_id and effective(layout, c)),
        None,
    )
    if coll is None:
        return
    config_id, entity_id = columns.get("configuration_id"), columns.get("entity_id")
    config = find(layout, connection, CONFIGURATION_TYPE, (str(config_id),))
    if config is None:
        msg = f"{type_id}: no {CONFIGURATION_TYPE} {excerpt(config_id)}"
        raise ValidationError(msg)
    params: list[Any] = []
    source = members_source(layout, coll, positional(params))
    found = connection.execute(
        f"SELECT 1 FROM {source} AS m WHERE m.configuration_id = ? AND m.entity_id = ? LIMIT 1",
        [*params, str(config_id), str(entity_id)],
    ).fetchone()
    key = config.columns.get("key")
    if found is None:
        msg = (
            f"{type_id}: the custom attribute {excerpt(key)} ({config.columns.get('entity_type')}"
            f") does not apply to entity {excerpt(entity_id)}"
        )
        raise ValidationError(msg)
    if layout.stored(type_id, "key"):
        columns["key"] = key
    if "value" in columns:
        _check(layout, connection, config.columns, columns["value"], f"{type_id}.value ({key})")


def _check(
    layout: Layout,
    connection: sqlite3.Connection,
    config: Mapping[str, Any],
    stored: Any,
    where: str,
) -> None:
    type_name = None
    type_key = config.get("type_id")
    if type_key is not None and "CustomAttributeType" in layout.schema.types:
        found = find(layout, connection, "CustomAttributeType", (str(type_key),))
        type_name = None if found is None else found.columns.get("name")
    try:
        value = json.loads(stored) if isinstance(stored, str) else stored
    except ValueError:
        value = stored
    if type_name == DATE_KIND:
        value = unwrap_date(value)
    try:
        check_value(type_name, config.get("config"), value, where)
    except InvalidValueError as error:
        raise ValidationError(str(error)) from None
