"""The token rules ftorm's two grammars share, written once.

ftrack's query language (`ftorm.query.grammar`) and its event expression language
(`ftorm.query.subscription_grammar`) are separate parsimonious grammars with the same
conventions: every token eats the whitespace after it; ``not``, ``and`` and ``or`` are
case-insensitive words ending on a word boundary; strings are double- or single-quoted with
backslash escapes. Each grammar's text names the shared pieces (``QUOTED_STRING``,
``COMPARISON_SYMBOLS``) and `shared` fills them in and adds the shared rules.
"""

from __future__ import annotations

__all__ = ["COMPARISON_SYMBOLS", "QUOTED_STRING", "SHARED_RULES", "shared"]

QUOTED_STRING = r'"((?:[^"\\]|\\.)*)"\s*|\'((?:[^\'\\]|\\.)*)\'\s*'
"""A string in double or single quotes with backslash escapes, and the whitespace after it:
two alternatives of a value token, capturing the text between the quotes (group 1 for double
quotes, group 2 for single ones)."""

COMPARISON_SYMBOLS = r"!=|>=|<=|=|>|<"
"""The comparison operators written as symbols, each before its own prefixes."""

SHARED_RULES = r"""
    # --- tokens both languages share (each eats the whitespace after it) ----------------
    NOT             = ~r"not\b\s*"i
    AND             = ~r"and\b\s*"i
    OR              = ~r"or\b\s*"i
    LPAR            = ~r"\(\s*"
    RPAR            = ~r"\)\s*"
    _               = ~r"\s*"
"""
"""The words ``not``, ``and``, ``or``, the parentheses, and optional whitespace (``_``)."""


def shared(text: str) -> str:
    """A grammar's ``text`` with the shared pieces it names filled in and `SHARED_RULES`
    added."""
    filled = text.replace("QUOTED_STRING", QUOTED_STRING)
    return filled.replace("COMPARISON_SYMBOLS", COMPARISON_SYMBOLS) + SHARED_RULES
