"""ftrack's event expression language (subscriptions and targets) as a parsimonious grammar.

``topic=ftrack.update and data.user.name="martin"``; ``topic=ftrack.action.*``;
``not (source.user.username=bot or data.entities.0.action=remove)``.

Conventions of the grammar below (the same as the query language's, `ftorm.query.grammar`;
the token rules both share are written once, in `ftorm.query.tokens`):

- Every token eats the whitespace after it, so a failure is reported where something else
  was expected, not at the whitespace before it.
- ``not`` binds tighter than ``and``, which binds tighter than ``or``; parentheses group.
  The words are case-insensitive and end on a word boundary (``notes=1`` is a condition).
- A condition is ``key operator value``: the key is dot-separated names (``data.user.name``),
  the operators ``= != > >= < <=``, the value a double- or single-quoted string with
  backslash escapes, or a bare word of letters, digits and ``-_,./*@+``.
- ``*`` in a value compared with ``=`` (or ``!=``) is a wildcard (`ftorm.query.subscription`).

Only this module and `ftorm.query.subscription` know this grammar.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parsimonious.grammar import Grammar

from ftorm.query.tokens import shared

__all__ = ["BARE_VALUE", "GRAMMAR_TEXT", "grammar"]

BARE_VALUE = r"[A-Za-z0-9_\-,./*@+]+"
"""A value that needs no quotes (ftrack's set of characters; anything else is quoted)."""

GRAMMAR_TEXT = shared(
    r"""
    # --- a whole expression: or of ands of (possibly negated) conditions ------------------
    expression      = _ disjunction
    disjunction     = conjunction (OR conjunction)*
    conjunction     = unary (AND unary)*
    unary           = negation / group / condition
    negation        = NOT unary
    group           = LPAR disjunction RPAR

    # --- one condition: data.user.name = "martin" -------------------------------------
    condition       = key operator value
    key             = ~r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\s*"
    operator        = ~r"(COMPARISON_SYMBOLS)\s*"
    # One token: "string", 'string', or a bare word.
    value           = ~r'QUOTED_STRING|(BARE_VALUE)\s*'s
""".replace("BARE_VALUE", BARE_VALUE)
)


@cache
def grammar() -> Grammar:
    """The compiled grammar (built once, on first use; parsimonious is imported then)."""
    from parsimonious.grammar import Grammar

    return Grammar(GRAMMAR_TEXT)
