"""Query text to `ftorm.query.ast` nodes.

`parse` matches the text with the grammar in `ftorm.query.grammar`, then walks the
parsimonious tree with one small function per rule. Parsimonious nodes never leave this
module: callers get AST nodes or a `QuerySyntaxError`.
"""

from __future__ import annotations

import decimal
import re
from collections import defaultdict
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from ftorm.errors import InvalidValueError, QuerySyntaxError
from ftorm.query import ast
from ftorm.query.grammar import grammar

if TYPE_CHECKING:
    from parsimonious.exceptions import ParseError
    from parsimonious.nodes import Node as PNode

__all__ = ["parse", "parse_criteria"]

_MAX_DIGITS = 4000  # int() refuses longer strings by default (CVE-2020-10735 limit)

_OPERATORS: dict[str, ast.Operator] = {
    "is": ast.Operator.EQ,
    "=": ast.Operator.EQ,
    "is_not": ast.Operator.NE,
    "!=": ast.Operator.NE,
    ">": ast.Operator.GT,
    "greater_than": ast.Operator.GT,
    ">=": ast.Operator.GE,
    "<": ast.Operator.LT,
    "less_than": ast.Operator.LT,
    "<=": ast.Operator.LE,
    "in": ast.Operator.IN,
    "not_in": ast.Operator.NOT_IN,
    "not in": ast.Operator.NOT_IN,
    "like": ast.Operator.LIKE,
    "not_like": ast.Operator.NOT_LIKE,
    "before": ast.Operator.BEFORE,
    "after": ast.Operator.AFTER,
}

_DIRECTIONS = {
    "asc": ast.Direction.ASCENDING,
    "ascending": ast.Direction.ASCENDING,
    "desc": ast.Direction.DESCENDING,
    "descending": ast.Direction.DESCENDING,
}

# What to call each rule in an error message; rules not listed are not reported.
_EXPECTED: dict[str, str] = {
    "select_query": "'select'",
    "SELECT": "'select'",
    "projections": "a projection",
    "projection": "a projection",
    "projection_path": "a projection",
    "aggregate": "a projection",
    "FROM": "'from'",
    "entity_type": "an entity type",
    "where_clause": "'where'",
    "WHERE": "'where'",
    "group_by_clause": "'group by'",
    "GROUP": "'group by'",
    "BY": "'by'",
    "order_by_clause": "'order by'",
    "ORDER": "'order by'",
    "order_item": "an attribute",
    "DIRECTION": "'ascending' or 'descending'",
    "paging": "'offset' or 'limit'",
    "OFFSET": "'offset'",
    "LIMIT": "'limit'",
    "count": "a whole number",
    "criteria": "criteria",
    "conjunction": "criteria",
    "unary": "criteria",
    "AND": "'and'",
    "OR": "'or'",
    "REL_OP": "'has' or 'any'",
    "operator": "an operator (is, is_not, =, !=, <, <=, >, >=, in, not_in, like, ...)",
    "operand": "a value",
    "value": "a value",
    "path": "an attribute",
    "segment": "an attribute",
    "NAME": "a name",
    "group": "criteria",
    "negation": "criteria",
    "relation": "criteria",
    "comparison": "criteria",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
}


def _new_cache() -> Any:
    """A fresh packrat cache for one match."""
    return defaultdict(dict)


def _regex(node: PNode) -> re.Match[str]:
    """The regular-expression match behind a token node."""
    match: re.Match[str] = getattr(node, "match")  # noqa: B009 - RegexNode only
    return match


@cache
def _parse_error() -> type[ParseError]:
    """Parsimonious's `ParseError` (parsimonious is imported on the first parse, not before)."""
    from parsimonious.exceptions import ParseError

    return ParseError


@cache
def _furthest_failure() -> type[ParseError]:
    """The class of `_syntax_error`'s error collector, built on the first syntax error."""

    class FurthestFailure(_parse_error()):  # type: ignore[misc]
        """A ParseError that remembers every named rule that failed at the furthest position.

        Parsimonious sets ``expr`` and then ``pos`` on its error object for each failing
        expression at or beyond the furthest position so far; collecting them here gives the
        full set of things that were expected there.
        """

        def __init__(self, text: str) -> None:
            self.furthest = -1
            self.failed: list[Any] = []
            self.expr: Any = None
            super().__init__(text)

        @property
        def pos(self) -> int:
            return self.furthest

        @pos.setter
        def pos(self, value: int) -> None:
            expr = self.expr
            if value > self.furthest:
                self.furthest = value
                self.failed = [expr] if expr is not None else []
            elif value == self.furthest and expr is not None:
                self.failed.append(expr)

    return FurthestFailure


def furthest_failure(rule: Any, text: str, labels: dict[str, str]) -> tuple[int, list[str], str]:
    """Re-run ``rule`` (a grammar rule) on ``text`` collecting failures: the furthest
    position reached, the ``labels`` of the rules expected there (in order, once each), and
    a reason replacing "expected ..." (an unterminated string) or empty. Shared by the
    query language and the event expressions (`ftorm.query.subscription`)."""
    error: Any = _furthest_failure()(text)
    node = rule.match_core(text, 0, _new_cache(), error)
    position = error.furthest
    if node is not None and node.end > position:
        position = node.end
    expected: list[str] = []
    if node is None or position == error.furthest:
        for expr in error.failed:
            label = labels.get(getattr(expr, "name", ""))
            if label and label not in expected:
                expected.append(label)
    reason = ""
    rest = text[position:]
    if rest[:1] in ("'", '"') and not re.match(r"""(["'])(?:(?!\1)[^\\]|\\.)*\1""", rest, re.S):
        reason = "unterminated string"
    return position, expected, reason


def _syntax_error(text: str) -> QuerySyntaxError:
    """Describe the furthest failure of the query grammar on ``text``."""
    position, expected, reason = furthest_failure(grammar()["query"], text, _EXPECTED)
    return QuerySyntaxError(text, position, _join(expected or ["end of query"]), reason)


# A label is left out when one of the labels it is part of was also expected there.
_SUBSUMED_BY: dict[str, tuple[str, ...]] = {
    "a name": ("an attribute", "an entity type", "criteria", "a projection"),
    "an attribute": ("criteria",),
    "'('": ("criteria", "a value"),
    "'select'": ("a value",),
    "'offset'": ("'offset' or 'limit'",),
    "'limit'": ("'offset' or 'limit'",),
    "'has' or 'any'": (_EXPECTED["operator"],),
}


def _join(labels: list[str]) -> str:
    labels = [
        label
        for label in labels
        if not any(other in labels for other in _SUBSUMED_BY.get(label, ()))
    ]
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def _match(rule: str, text: str) -> PNode:
    if not isinstance(text, str):
        msg = f"query text must be a str, not {type(text).__name__}"  # type: ignore[unreachable]  # untyped callers
        raise InvalidValueError(msg)
    expression = grammar()[rule]
    try:
        node = expression.match_core(text, 0, _new_cache(), _parse_error()(text))
    except RecursionError:
        raise QuerySyntaxError(text, 0, "", "query is nested too deeply") from None
    if node is None or node.end < len(text):
        try:
            raise _syntax_error(text)
        except RecursionError:
            raise QuerySyntaxError(text, 0, "", "query is nested too deeply") from None
    return node


def parse(text: str) -> ast.Select:
    """Parse a whole query (``select ... from T where ...`` or ``T where ...``).

    Raises `QuerySyntaxError` for anything that is not the query language.
    """
    node = _match("query", text)
    try:
        return _Walker(text).query(node)
    except RecursionError:
        raise QuerySyntaxError(text, 0, "", "query is nested too deeply") from None


def parse_criteria(text: str) -> ast.Criterion:
    """Parse criteria alone (the part after ``where``)."""
    query = parse(f"_ where {text}")
    assert query.where is not None
    return query.where


class _Walker:
    """Turns a parsimonious tree into AST nodes; one method per grammar rule."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def _int(self, node: PNode) -> int:
        digits: str = _regex(node).group(1)
        if len(digits.lstrip("-")) > _MAX_DIGITS:
            raise QuerySyntaxError(self.text, node.start, "", "number is too long")
        return int(digits)

    # --- queries ---------------------------------------------------------------------

    def query(self, node: PNode) -> ast.Select:
        body = node.children[1].children[0]
        if body.expr_name == "select_query":
            return self.select_query(body)
        return self.bare_query(body)

    def select_query(self, node: PNode) -> ast.Select:
        _, projections, _, entity, tail = node.children
        return self.tail(entity.text.rstrip(), self.projections(projections), tail)

    def bare_query(self, node: PNode) -> ast.Select:
        entity, tail = node.children
        return self.tail(entity.text.rstrip(), (), tail)

    def tail(
        self, entity_type: str, projections: tuple[ast.Projection, ...], node: PNode
    ) -> ast.Select:
        where_node, group_node, order_node, paging_node = node.children
        where = self.criteria(where_node.children[0].children[1]) if where_node.children else None
        group_by: tuple[ast.Path, ...] = ()
        if group_node.children:
            _, _, first, rest = group_node.children[0].children
            group_by = (self.path(first), *(self.path(item.children[1]) for item in rest))
        order_by: tuple[ast.OrderItem, ...] = ()
        if order_node.children:
            _, _, first, rest = order_node.children[0].children
            order_by = (
                self.order_item(first),
                *(self.order_item(item.children[1]) for item in rest),
            )
        offset = limit = None
        if paging_node.children:
            choice = paging_node.children[0].children[0]
            _, first_count, more = choice.children
            first_value = self._int(first_count)
            second_value = self._int(more.children[0].children[1]) if more.children else None
            if choice.expr_name == "offset_first":
                offset, limit = first_value, second_value
            else:
                limit, offset = first_value, second_value
        return ast.Select(entity_type, projections, where, group_by, order_by, offset, limit)

    def projections(self, node: PNode) -> tuple[ast.Projection, ...]:
        first, rest = node.children
        return (self.projection(first), *(self.projection(item.children[1]) for item in rest))

    def projection(self, node: PNode) -> ast.Projection:
        choice = node.children[0]
        if choice.expr_name == "aggregate":
            function, _, path, _ = choice.children
            return ast.Aggregate(_regex(function).group(1).lower(), self.path(path))
        return self.path(choice)

    def order_item(self, node: PNode) -> ast.OrderItem:
        path, direction = node.children
        if direction.children:
            word = _regex(direction.children[0]).group(1).lower()
            return ast.OrderItem(self.path(path), _DIRECTIONS[word])
        return ast.OrderItem(self.path(path))

    # --- criteria --------------------------------------------------------------------

    def criteria(self, node: PNode) -> ast.Criterion:
        first, rest = node.children
        head = self.conjunction(first)
        if not rest.children:
            return head
        return ast.Or((head, *(self.conjunction(item.children[1]) for item in rest)))

    def conjunction(self, node: PNode) -> ast.Criterion:
        first, rest = node.children
        head = self.unary(first)
        if not rest.children:
            return head
        return ast.And((head, *(self.unary(item.children[1]) for item in rest)))

    def unary(self, node: PNode) -> ast.Criterion:
        choice = node.children[0]
        if choice.expr_name == "negation":
            return ast.Not(self.unary(choice.children[1]))
        atom = choice
        name = atom.expr_name
        if name == "group":
            return self.criteria(atom.children[1])
        if name == "relation":
            path, kind, _, body, _ = atom.children
            criteria = self.criteria(body.children[0]) if body.children else None
            relation_kind = ast.RelationKind(_regex(kind).group(1).lower())
            return ast.Relation(self.path(path), relation_kind, criteria)
        path, operator, operand = atom.children
        word = _regex(operator).group(1).lower()
        op = _OPERATORS.get(word) or _OPERATORS["not in"]  # only "not <spaces> in" is left
        return ast.Comparison(self.path(path), op, self.operand(operand))

    # --- operands --------------------------------------------------------------------

    def operand(self, node: PNode) -> ast.Operand:
        choice = node.children[0]
        name = choice.expr_name
        if name == "subquery":
            return ast.Subquery(self.select_query(choice.children[1]))
        if name == "string_list":
            return ast.ValueList(tuple(_string(text) for text in _STRINGS.findall(choice.text)))
        if name == "value_list":
            _, first, rest, _ = choice.children
            return ast.ValueList(
                (self.value(first), *(self.value(item.children[1]) for item in rest))
            )
        return self.value(choice)

    def value(self, node: PNode) -> ast.Value:
        match = _regex(node)
        group = match.lastindex or 0
        text: str = match.group(group)
        if group <= 2:  # a double- or single-quoted string
            return _string(text)
        if group == 3:
            if "." in text:
                return ast.Decimal(decimal.Decimal(text))
            if len(text) > _MAX_DIGITS:
                raise QuerySyntaxError(self.text, node.start, "", "number is too long")
            return ast.Integer(int(text))
        if group == 4:
            return ast.Boolean(text.lower() == "true")
        if group == 5:
            return ast.Null()
        return ast.Bare(text)

    # --- paths -----------------------------------------------------------------------

    def path(self, node: PNode) -> ast.Path:
        return _path(node.text.rstrip())


_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([A-Za-z_][A-Za-z0-9_]*)\])?")


@lru_cache(maxsize=4096)
def _path(text: str) -> ast.Path:
    return ast.Path(
        tuple(ast.Segment(match.group(1), match.group(2)) for match in _SEGMENT.finditer(text))
    )


# In a quoted string a backslash escapes the character after it (\", \', \\).
_ESCAPE = re.compile(r"\\(.)", re.S)
_STRINGS = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
"""The double-quoted strings of a `string_list` token, without their quotes."""


def _string(text: str) -> ast.String:
    """A string literal's text (quotes removed) with its backslash escapes undone."""
    return ast.String(_ESCAPE.sub(r"\1", text) if "\\" in text else text)
