"""ftrack's query language as one parsimonious PEG grammar.

Conventions of the grammar below:

- Every token rule (upper-case names, strings, numbers, names followed by ``_``) eats the
  whitespace after it, so a rule that fails at the end of a token reports the position where
  something else was expected, not the whitespace before it.
- Keywords and word operators are case-insensitive and end on a word boundary (``\\b``), so
  ``wherever`` is never ``where``; symbols need no whitespace around them, and ``and``/``or``
  need none next to a quote or parenthesis: real clients send ``status=active`` and
  ``(parent_id is "x"and key is "y")``.
- ``not`` binds tighter than ``and``, which binds tighter than ``or``.
- Values: strings in double or single quotes with backslash escapes (the token rules the
  event expression language shares are written once, in `ftorm.query.tokens`); numbers, booleans and
  none only as whole tokens (so a uuid starting with digits is a bare word); anything else
  without spaces, quotes, commas or parentheses is a bare word (``active``, ``NOT_STARTED``,
  an unquoted uuid).
- ``from`` cannot be a projection of its own (``select from Task`` is an error), but an
  attribute called ``from`` can be walked (``select from.name from TypedContextLink``).

Only this module and `ftorm.query.parser` know about parsimonious.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parsimonious.grammar import Grammar

from ftorm.query.tokens import shared

__all__ = ["GRAMMAR_TEXT", "grammar"]

GRAMMAR_TEXT = shared(r"""
    # --- a whole query --------------------------------------------------------------
    query           = _ (select_query / bare_query)
    select_query    = SELECT projections FROM entity_type tail
    bare_query      = entity_type tail
    tail            = where_clause? group_by_clause? order_by_clause? paging?

    # --- projections: paths or aggregates such as count(id) ----------------------------
    projections     = projection (COMMA projection)*
    projection      = aggregate / projection_path
    # A path that is not the keyword "from" on its own (select from.name ... is fine).
    projection_path = ~r"(?![Ff][Rr][Oo][Mm]\b(?!\.))[A-Za-z_][A-Za-z0-9_]*(?:\[[A-Za-z_][A-Za-z0-9_]*\])?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[[A-Za-z_][A-Za-z0-9_]*\])?)*\s*"
    aggregate       = AGG_FN LPAR path RPAR

    # --- clauses -----------------------------------------------------------------------
    where_clause    = WHERE criteria
    group_by_clause = GROUP BY path (COMMA path)*
    order_by_clause = ORDER BY order_item (COMMA order_item)*
    order_item      = path DIRECTION?
    paging          = offset_first / limit_first
    offset_first    = OFFSET count (LIMIT count)?
    limit_first     = LIMIT count (OFFSET count)?

    # --- criteria: or of ands of (possibly negated) atoms -------------------------------
    criteria        = conjunction (OR conjunction)*
    conjunction     = unary (AND unary)*
    unary           = negation / group / relation / comparison
    negation        = NOT unary
    group           = LPAR criteria RPAR
    relation        = path REL_OP LPAR criteria? RPAR
    comparison      = path operator operand

    # --- operands ------------------------------------------------------------------------
    operand         = subquery / string_list / value_list / value
    subquery        = LPAR select_query RPAR
    # A list of double-quoted strings only (thousands of ids, say), read as one token:
    # the same tree as value_list gives, at a small fraction of the cost.
    string_list     = ~r'\(\s*"(?:[^"\\]|\\.)*"\s*(?:,\s*"(?:[^"\\]|\\.)*"\s*)*\)\s*'s
    value_list      = LPAR value (COMMA value)* RPAR
    # One token, tried in this order: "string", 'string', number, boolean, none, bare word.
    value           = ~r'QUOTED_STRING|(-?\d+(?:\.\d+)?)(?![^\s(),])\s*|(true|false)(?![^\s(),])\s*|(none|null)(?![^\s(),])\s*|([^\s()"\',]+)\s*'is

    # --- paths: parent.status.name, parent[TypedContext].name ---------------------------
    # One token: names joined by dots, each optionally cast to a subtype.
    path            = ~r"[A-Za-z_][A-Za-z0-9_]*(?:\[[A-Za-z_][A-Za-z0-9_]*\])?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[[A-Za-z_][A-Za-z0-9_]*\])?)*\s*"
    entity_type     = ~r"[A-Za-z_][A-Za-z0-9_]*\s*"

    # --- tokens (each eats the whitespace after it) --------------------------------------
    operator        = ~r"(COMPARISON_SYMBOLS|(?:is_not|is|not_in|not\s+in|in|not_like|like|after|before|greater_than|less_than)\b)\s*"i
    count           = ~r"(\d+)(?![^\s(),])\s*"
    AGG_FN          = ~r"(count|sum|avg|min|max)\s*(?=\()"i
    REL_OP          = ~r"(has|any)\b\s*"i
    DIRECTION       = ~r"(ascending|descending|asc|desc)\b\s*"i
    SELECT          = ~r"select\b\s*"i
    FROM            = ~r"from\b\s*"i
    WHERE           = ~r"where\b\s*"i
    GROUP           = ~r"group\b\s*"i
    ORDER           = ~r"order\b\s*"i
    BY              = ~r"by\b\s*"i
    OFFSET          = ~r"offset\b\s*"i
    LIMIT           = ~r"limit\b\s*"i
    COMMA           = ~r",\s*"
""")


@cache
def grammar() -> Grammar:
    """The compiled grammar (built once, on first use; parsimonious is imported then)."""
    from parsimonious.grammar import Grammar

    return Grammar(GRAMMAR_TEXT)
