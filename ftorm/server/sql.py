"""The query AST rendered as one SQLite statement with bound parameters.

Semantics (the differential test's naive evaluator mirrors these):

- Every hop of a dotted path is existential: ``parent.name is "x"`` holds when the entity
  has a parent and its name is ``"x"``; through a collection, when at least one member
  matches (each condition separately; ``any (...)`` makes one member satisfy all of them).
  ``has`` / ``any`` with an empty body test that the relation is set / non-empty.
- At the final attribute: ``is`` / ``is_not`` with ``none`` test for null; ``is`` with a value
  is exact equality (strings case-sensitive), ``<``/``>``/``before``/``after``/... are false
  on null; ``like`` is SQLite's: ``%`` any run, ``_`` one character, ``\\`` escapes, case folded
  for ASCII letters only, false on null. The negated operators ``is_not``, ``not_in`` and
  ``not_like`` are the exact complements of ``is``, ``in`` and ``like`` (so they hold on null).
- ``not`` is two-valued: ``not c`` holds exactly when ``c`` does not.
- Datetimes compare as UTC text; literal dates/datetimes are normalised the same way.
- Without ``order by`` rows come in insertion order; ``order by`` keys are followed by the
  insertion order as a tie-breaker, so paging is stable. Nulls sort first.

Values are always bound (named) parameters; identifiers come from the schema and are quoted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ftorm._typing import assert_never
from ftorm.errors import ValidationError, excerpt
from ftorm.protocol.fields import INT64_MAX
from ftorm.query import ast
from ftorm.schema.types import Kind, Property
from ftorm.server.custom.reads import members_source, stored_values_source
from ftorm.server.fragments import SYMBOLS, column, members, type_condition
from ftorm.server.storage import (
    ID_COLUMN,
    PARENT_COLUMN,
    TYPE_COLUMN,
    Collection,
    Layout,
    Reference,
    quote,
)
from ftorm.server.values import from_literal
from ftorm.server.variables import compare_variable, variable_in

__all__ = ["Compiled", "Renderer", "check_entity_type", "resolve"]

_NEGATED = {
    ast.Operator.NE: ast.Operator.EQ,
    ast.Operator.NOT_IN: ast.Operator.IN,
    ast.Operator.NOT_LIKE: ast.Operator.LIKE,
}


@attrs.frozen(slots=True)
class Compiled:
    """SQL text and its parameters."""

    sql: str
    params: dict[str, Any]


def check_entity_type(layout: Layout, name: str) -> str:
    """``name`` when the schema has that entity type, else `ValidationError`. Run once per
    query (and per subquery): everything reached from a checked type is a schema type."""
    if name not in layout.schema.types:
        msg = f"Unknown entity type {excerpt(name)}"
        raise ValidationError(msg)
    return name


def resolve(layout: Layout, type_id: str, name: str) -> Property:
    """Attribute ``name`` of the (checked) type ``type_id``; `ValidationError` naming the
    type when it has no such attribute."""
    entity = layout.schema.types[type_id]
    prop = entity.properties.get(name)
    if prop is None:
        close = sorted(n for n in entity.properties if n.startswith(name[:3]))[:3]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        msg = f"{type_id} has no attribute {excerpt(name)}{hint}"
        raise ValidationError(msg)
    return prop


class Renderer:
    """Builds SQL for one statement; create one per query (it collects parameters)."""

    def __init__(self, layout: Layout) -> None:
        self.layout: Layout = layout
        """Where the schema's types live."""
        self.params: dict[str, Any] = {}
        """The statement's parameters, by name."""
        self._aliases = 0

    # --- helpers --------------------------------------------------------------------------

    def alias(self) -> str:
        """A fresh table alias."""
        self._aliases += 1
        return f"a{self._aliases}"

    def bind(self, value: Any) -> str:
        """A named placeholder for ``value`` (named, so text order does not matter)."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        return ":" + name

    def source(
        self, type_id: str, alias: str, conditions: list[str], table: str | None = None
    ) -> str:
        """``FROM table alias WHERE ...`` for rows of ``type_id`` (its subtypes included),
        read from ``table`` when given (a subquery with the table's columns)."""
        condition = type_condition(self.layout, type_id, alias, self.bind)
        where = [c for c in (condition, *conditions) if c]
        table = table or stored_values_source(self.layout, type_id)
        text = f"FROM {table or quote(self.layout.table(type_id).name)} AS {alias}"
        if where:
            text += " WHERE " + " AND ".join(where)
        return text

    def _cast(self, segment: ast.Segment, target: str) -> str:
        if segment.cast is None:
            return target
        cast = segment.cast
        if cast not in self.layout.schema.types:
            msg = f"Unknown entity type {excerpt(cast)} in cast {segment}"
            raise ValidationError(msg)
        if not (self.layout.is_a(cast, target) or self.layout.is_a(target, cast)):
            msg = f"{cast} is not a kind of {target} in cast {segment}"
            raise ValidationError(msg)
        return cast

    def _pk(self, type_id: str) -> str:
        key = self.layout.schema.types[type_id].primary_key
        if len(key) != 1:
            msg = f"{type_id} has a composite key and cannot be traversed"
            raise ValidationError(msg)
        return key[0]

    def attribute(
        self, type_id: str, alias: str, prop: Property, doing: str
    ) -> tuple[str, Property | None]:
        """The column holding attribute ``prop`` of ``type_id`` on ``alias``, with the
        property its values are converted by: a scalar's own column, or a reference's key
        column (no property: it holds keys). `ValidationError` saying what cannot be done
        (``doing``) for any other relation."""
        if prop.kind is Kind.REFERENCE:
            ref = self.layout.reference(type_id, prop.name)
            if ref is not None:
                return column(alias, ref.column), None
        elif not prop.is_relation:
            return column(alias, prop.name), prop
        hint = " (compare its members' attributes or use 'any')" if doing == "compare" else ""
        msg = f"cannot {doing} the relation {type_id}.{prop.name}{hint}"
        raise ValidationError(msg)

    # --- relation hops --------------------------------------------------------------------

    def hop(
        self,
        type_id: str,
        alias: str,
        segment: ast.Segment,
        inner: Callable[[str, str], str | None],
    ) -> str:
        """A condition on ``alias`` (of ``type_id``): the relation ``segment`` leads to at
        least one entity for which ``inner(target_type, target_alias)`` holds (None: any)."""
        prop = resolve(self.layout, type_id, segment.name)
        if prop.kind is Kind.REFERENCE:
            ref = self.layout.reference(type_id, prop.name)
            if ref is None:
                msg = f"{type_id}.{prop.name} cannot be traversed"
                raise ValidationError(msg)
            return self._hop_reference(ref, alias, self._cast(segment, ref.target), inner)
        if prop.kind in (Kind.COLLECTION, Kind.MAPPED):
            coll = self.layout.collection(type_id, prop.name)
            if coll is None:
                msg = f"{type_id}.{prop.name} cannot be traversed"
                raise ValidationError(msg)
            return self._hop_collection(
                coll, type_id, alias, self._cast(segment, coll.target), inner
            )
        msg = f"{type_id}.{prop.name} is not a relation"
        raise ValidationError(msg)

    def _hop_reference(
        self, ref: Reference, alias: str, target: str, inner: Callable[[str, str], str | None]
    ) -> str:
        key = column(alias, ref.column)
        inner_alias = self.alias()
        body = inner(target, inner_alias)
        if body is None and self.layout.type_filter(target) == self.layout.type_filter(ref.target):
            return f"{key} IS NOT NULL"
        pk = column(inner_alias, self._pk(target))
        sub = self.source(target, inner_alias, [body] if body else [])
        return f"{key} IN (SELECT {pk} {sub})"

    def _hop_collection(
        self,
        coll: Collection,
        owner: str,
        alias: str,
        target: str,
        inner: Callable[[str, str], str | None],
    ) -> str:
        owner_pk = column(alias, self._pk(owner))
        inner_alias = self.alias()
        conditions: list[str] = []
        body = inner(target, inner_alias)
        if body:
            conditions.append(body)
        if coll.mode == "reverse":
            assert coll.key is not None
            key = column(inner_alias, coll.key)
            if coll.where is not None:
                conditions.append(
                    f"{column(inner_alias, coll.where[0])} = {self.bind(coll.where[1])}"
                )
            conditions.append(f"{key} IS NOT NULL")
            source = self.source(
                target, inner_alias, conditions, members_source(self.layout, coll, self.bind)
            )
            return f"{owner_pk} IN (SELECT {key} {source})"
        member_pk = column(inner_alias, self._pk(target))
        if coll.mode == "link":
            link = self.alias()
            members = f"SELECT {member_pk} {self.source(target, inner_alias, conditions)}"
            return (
                f"{owner_pk} IN (SELECT {column(link, coll.link_owner or '')} "
                f"FROM {quote(coll.link_table or '')} AS {link} "
                f"WHERE {column(link, coll.link_member or '')} IN ({members}))"
            )
        # closure over the parent column
        table = quote(self.layout.table(target).name)
        matching = f"SELECT {member_pk} {self.source(target, inner_alias, conditions)}"
        step = self.alias()
        ident, parent = column("c", ID_COLUMN), column("c", PARENT_COLUMN)
        if coll.upward:  # ancestors any (...): descendants of the matching entities
            start, where, walk, found = ident, parent, f"{parent} = {step}.id", ""
        else:  # descendants any (...): ancestors of the matching entities
            start, where, walk, found = (
                parent,
                ident,
                f"{ident} = {step}.id",
                " WHERE id IS NOT NULL",
            )
        return (
            f"{owner_pk} IN (WITH RECURSIVE {step}(id) AS ("
            f"SELECT {start} FROM {table} AS c WHERE {where} IN ({matching}) "
            f"UNION SELECT {start} FROM {table} AS c JOIN {step} ON {walk}"
            f") SELECT id FROM {step}{found})"
        )

    def along(
        self,
        type_id: str,
        alias: str,
        segments: tuple[ast.Segment, ...],
        last: Callable[[str, str], str | None],
    ) -> str | None:
        """Walk all of ``segments`` as relation hops, then apply ``last``."""
        if not segments:
            return last(type_id, alias)
        head, rest = segments[0], segments[1:]
        return self.hop(type_id, alias, head, lambda t, a: self.along(t, a, rest, last))

    # --- criteria -------------------------------------------------------------------------

    def criterion(self, node: ast.Criterion, type_id: str, alias: str) -> str:
        """A condition on ``alias`` (of ``type_id``) holding where ``node`` does."""
        match node:
            case ast.And():
                parts = [self.criterion(o, type_id, alias) for o in node.operands]
                return "(" + " AND ".join(parts) + ")"
            case ast.Or():
                parts = [self.criterion(o, type_id, alias) for o in node.operands]
                return "(" + " OR ".join(parts) + ")"
            case ast.Not():
                return f"(NOT COALESCE({self.criterion(node.operand, type_id, alias)}, 0))"
            case ast.Relation():
                return self.relation(node, type_id, alias)
            case ast.Comparison():
                return self.comparison(node, type_id, alias)
            case _:
                assert_never(node)

    def relation(self, node: ast.Relation, type_id: str, alias: str) -> str:
        """``has`` / ``any``: the relation at the end of the path leads to a match."""
        segments = node.path.segments
        # check has/any against the relation kind of the last segment
        criteria = node.criteria

        def body(target: str, inner: str) -> str | None:
            return None if criteria is None else self.criterion(criteria, target, inner)

        def last(owner: str, owner_alias: str) -> str | None:
            prop = resolve(self.layout, owner, segments[-1].name)
            if node.kind is ast.RelationKind.HAS and prop.kind is not Kind.REFERENCE:
                msg = (
                    f"'has' needs a scalar relation; {owner}.{prop.name} is a collection "
                    "(use 'any')"
                )
                raise ValidationError(msg)
            if node.kind is ast.RelationKind.ANY and prop.kind is Kind.REFERENCE:
                msg = (
                    f"'any' needs a collection; {owner}.{prop.name} is a scalar relation "
                    "(use 'has')"
                )
                raise ValidationError(msg)
            return self.hop(owner, owner_alias, segments[-1], body)

        return self.along(type_id, alias, segments[:-1], last) or "1"

    def comparison(self, node: ast.Comparison, type_id: str, alias: str) -> str:
        """The attribute at the end of the path compares as ``node`` says."""
        operator = node.operator
        segments = node.path.segments

        def last(owner: str, owner_alias: str) -> str:
            if operator in _NEGATED:  # the complement at the attribute, not along the path
                positive = test(owner, owner_alias, _NEGATED[operator])
                return f"(NOT COALESCE({positive}, 0))"
            return test(owner, owner_alias, operator)

        def test(owner: str, owner_alias: str, operator: ast.Operator) -> str:
            segment = segments[-1]
            prop = resolve(self.layout, owner, segment.name)
            where = f"{owner}.{prop.name}"
            if segment.cast is not None and not prop.is_relation:
                msg = f"{where} is not a relation and cannot be cast"
                raise ValidationError(msg)
            key, converter = self.attribute(owner, owner_alias, prop, "compare")
            return self._test(key, converter, operator, node.operand, where)

        return self.along(type_id, alias, segments[:-1], last) or "1"

    def _test(
        self,
        key: str,
        prop: Property | None,
        operator: ast.Operator,
        operand: ast.Operand,
        where: str,
    ) -> str:
        match operand:
            case ast.Subquery():
                self._needs_in(operator, where)
                return f"{key} IN ({self.subquery(operand.query)})"
            case ast.ValueList():
                self._needs_in(operator, where)
                return self._in(key, prop, operand.values, where)
            case (
                ast.String()
                | ast.Integer()
                | ast.Decimal()
                | ast.Boolean()
                | ast.Null()
                | ast.Bare()
            ):
                if operator is ast.Operator.IN:
                    return self._in(key, prop, (operand,), where)
                return self._compare(key, prop, operator, operand, where)
            case _:
                assert_never(operand)

    @staticmethod
    def _needs_in(operator: ast.Operator, where: str) -> None:
        if operator is not ast.Operator.IN:
            msg = f"{where}: a list or subquery needs 'in' or 'not_in'"
            raise ValidationError(msg)

    def _in(
        self, key: str, prop: Property | None, values: tuple[ast.Value, ...], where: str
    ) -> str:
        if prop is not None and prop.type == "variable":
            return variable_in(key, values, self.bind, where)
        converted = [from_literal(prop, value, where) for value in values]
        present = [value for value in converted if value is not None]
        parts = [f"{key} IN ({members(present, self.bind)})"] if present else []
        if len(present) < len(converted):
            parts.append(f"{key} IS NULL")
        return "(" + " OR ".join(parts) + ")" if parts else "0"

    def _compare(
        self,
        key: str,
        prop: Property | None,
        operator: ast.Operator,
        operand: ast.Value,
        where: str,
    ) -> str:
        if prop is not None and prop.type == "variable":
            return compare_variable(key, operator, operand, self.bind, where)
        if operator is ast.Operator.LIKE:
            if isinstance(operand, ast.Null):
                msg = f"{where}: 'like' needs a pattern, got none"
                raise ValidationError(msg)
            pattern = str(from_literal(None, operand, where))
            if (len(pattern) - len(pattern.rstrip("\\"))) % 2 == 1:
                pattern += "\\"
            return f"{key} LIKE {self.bind(pattern)} ESCAPE '\\'"
        value = from_literal(prop, operand, where)
        if operator is ast.Operator.EQ:
            if value is None:
                return f"{key} IS NULL"
            return f"{key} = {self.bind(value)}"
        if value is None:
            msg = f"{where}: '{operator}' cannot compare with none"
            raise ValidationError(msg)
        return f"{key} {SYMBOLS[operator]} {self.bind(value)}"

    # --- queries --------------------------------------------------------------------------

    def subquery(self, query: ast.Select) -> str:
        """``SELECT column FROM ...`` for ``in (select x from T ...)``."""
        if len(query.projections) != 1 or not isinstance(query.projections[0], ast.Path):
            msg = "a subquery must select exactly one attribute"
            raise ValidationError(msg)
        type_id = check_entity_type(self.layout, query.entity_type)
        alias = self.alias()
        path = query.projections[0]
        segments = path.segments
        if len(segments) != 1:
            msg = f"a subquery must select a plain attribute, got {path}"
            raise ValidationError(msg)
        prop = resolve(self.layout, type_id, segments[0].name)
        selected, _ = self.attribute(type_id, alias, prop, "select in a subquery")
        conditions = [f"{selected} IS NOT NULL"]
        if query.where is not None:
            conditions.append(self.criterion(query.where, type_id, alias))
        text = f"SELECT {selected} {self.source(type_id, alias, conditions)}"
        text += self.order_and_page(query, type_id, alias)
        return text

    def order_key(self, path: ast.Path, type_id: str, alias: str) -> str:
        """A scalar expression for an ``order by`` path (references followed, not
        collections)."""
        segments = path.segments
        prop = resolve(self.layout, type_id, segments[0].name)
        if len(segments) == 1:
            return self.attribute(type_id, alias, prop, "order by")[0]
        if prop.kind is not Kind.REFERENCE:
            msg = f"cannot order by a path through {type_id}.{prop.name}"
            raise ValidationError(msg)
        ref = self.layout.reference(type_id, prop.name)
        if ref is None:
            msg = f"{type_id}.{prop.name} cannot be traversed"
            raise ValidationError(msg)
        target = self._cast(segments[0], ref.target)
        inner = self.alias()
        value = self.order_key(ast.Path(segments[1:]), target, inner)
        pk = column(inner, self._pk(target))
        table = quote(self.layout.table(target).name)
        return f"(SELECT {value} FROM {table} AS {inner} WHERE {pk} = {column(alias, ref.column)})"

    def order_and_page(self, query: ast.Select, type_id: str, alias: str, extra: int = 0) -> str:
        """``ORDER BY`` (insertion order breaking ties) and the paging of ``query``."""
        keys = [
            self.order_key(item.path, type_id, alias)
            + (" DESC" if item.direction is ast.Direction.DESCENDING else " ASC")
            for item in query.order_by
        ]
        keys.append(f"{column(alias, 'rowid')} ASC")
        return " ORDER BY " + ", ".join(keys) + self.page(query, extra)

    def page(self, query: ast.Select, extra: int = 0) -> str:
        """``LIMIT``/``OFFSET`` for the query's paging (``extra`` more rows than the limit)."""
        text = ""
        if query.limit is not None and query.limit + extra <= INT64_MAX:
            text += f" LIMIT {self.bind(query.limit + extra)}"
        elif query.offset:
            text += " LIMIT -1"
        if query.offset:
            text += f" OFFSET {self.bind(query.offset)}"
        return text

    def rows(self, query: ast.Select, columns: tuple[str, ...]) -> Compiled:
        """The main statement: ``rowid, __type__, columns...`` of the matching rows, one
        more than ``limit`` so the caller knows whether more rows follow. The query's entity
        type has been checked (`check_entity_type`)."""
        type_id = query.entity_type
        alias = self.alias()
        conditions: list[str] = []
        if query.where is not None:
            conditions.append(self.criterion(query.where, type_id, alias))
        selected = ", ".join(column(alias, c) for c in ("rowid", TYPE_COLUMN, *columns))
        text = f"SELECT {selected} {self.source(type_id, alias, conditions)}"
        text += self.order_and_page(query, type_id, alias, extra=1)
        return Compiled(text, dict(self.params))
