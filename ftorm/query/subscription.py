"""ftrack's event expressions as values: parse, match, and write back as text.

`parse` turns ``topic=ftrack.update and data.user.name="martin"`` into a tree of `Condition`,
`All`, `AnyOf` and `Not` (`SubscriptionSyntaxError`, with a caret, when the text is not an
expression). ``str(tree)`` writes it back; parsing that text gives an equal tree.

Matching (``tree.match(candidate)``) reads each condition's key through nested mappings
(``data.user.name``; a list is indexed by a number, ``data.entities.0.action``):

- A missing key never matches, whatever the operator (ftrack's rule).
- ``=`` with ``*`` in the value is a wildcard match of the whole text: ``ftrack.*`` matches
  ``ftrack.update``; ``*update`` and ``ftrack.*.launch`` work too, and ``!=`` negates it.
- Otherwise the value is compared as the candidate's kind: text as text, numbers as numbers
  (``data.count>=3``), booleans as ``true``/``false``. Values of different kinds are not
  equal, and ordering them is false.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs

from ftorm.errors import InvalidValueError, SubscriptionSyntaxError
from ftorm.query.parser import _new_cache, _parse_error, furthest_failure
from ftorm.query.subscription_grammar import BARE_VALUE, grammar

if TYPE_CHECKING:
    from parsimonious.nodes import Node as PNode

__all__ = ["OPERATORS", "All", "AnyOf", "Condition", "Expression", "Not", "parse", "topic_is"]

OPERATORS: Final = ("=", "!=", ">", ">=", "<", "<=")
"""The comparison operators."""

_BARE = re.compile(BARE_VALUE)
_MISSING = object()
_MAX_TEXT = 10_000  # characters; a longer expression is refused before parsing


@attrs.frozen
class Expression:
    """A parsed expression (`Condition`, `All`, `AnyOf` or `Not`)."""

    def match(self, candidate: Any) -> bool:
        """Whether ``candidate`` (an event, or a subscriber's metadata) satisfies this."""
        raise NotImplementedError


@attrs.frozen
class Condition(Expression):
    """``key operator value``."""

    key: str
    operator: str
    value: str

    def __str__(self) -> str:
        value = self.value
        if not _BARE.fullmatch(value):
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            value = f'"{escaped}"'
        return f"{self.key}{self.operator}{value}"

    def match(self, candidate: Any) -> bool:
        found = _lookup(candidate, self.key)
        if found is _MISSING:
            return False
        if self.operator in ("=", "!=") and "*" in self.value:
            hit = isinstance(found, str) and _wildcard(self.value).fullmatch(found) is not None
            return hit if self.operator == "=" else not hit
        return _compare(found, self.operator, self.value)


@attrs.frozen
class _Compound(Expression):
    items: tuple[Expression, ...]
    word: ClassVar[str] = ""

    def __str__(self) -> str:
        return f" {self.word} ".join(_operand(item) for item in self.items)


@attrs.frozen
class All(_Compound):
    """Every item matches (``and``)."""

    word: ClassVar[str] = "and"

    def match(self, candidate: Any) -> bool:
        return all(item.match(candidate) for item in self.items)


@attrs.frozen
class AnyOf(_Compound):
    """At least one item matches (``or``)."""

    word: ClassVar[str] = "or"

    def match(self, candidate: Any) -> bool:
        return any(item.match(candidate) for item in self.items)


@attrs.frozen
class Not(Expression):
    """The item does not match (``not``)."""

    item: Expression

    def __str__(self) -> str:
        return f"not {_operand(self.item)}"

    def match(self, candidate: Any) -> bool:
        return not self.item.match(candidate)


def _operand(item: Expression) -> str:
    return f"({item})" if isinstance(item, _Compound) else str(item)


def _lookup(candidate: Any, key: str) -> Any:
    value = candidate
    for part in key.split("."):
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


@lru_cache(maxsize=256)
def _wildcard(value: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in value.split("*")), re.S)


def _coerce(found: Any, value: str) -> Any:
    """``value`` as the kind of ``found``, or `_MISSING` when it is not one."""
    if isinstance(found, bool):
        lowered = value.lower()
        return lowered == "true" if lowered in ("true", "false") else _MISSING
    if isinstance(found, (int, float)):
        try:
            number = float(value) if len(value) < 400 else math.nan
        except ValueError:
            return _MISSING
        return _MISSING if math.isnan(number) else number
    if isinstance(found, str):
        return value
    return _MISSING


def _compare(found: Any, operator: str, value: str) -> bool:
    other = _coerce(found, value)
    if other is _MISSING:
        return operator == "!="
    if operator == "=":
        return bool(found == other)
    if operator == "!=":
        return bool(found != other)
    if isinstance(found, bool):
        return False
    if operator == ">":
        return bool(found > other)
    if operator == ">=":
        return bool(found >= other)
    if operator == "<":
        return bool(found < other)
    return bool(found <= other)


# --- parsing ------------------------------------------------------------------------------

_EXPECTED: dict[str, str] = {
    "disjunction": "a condition",
    "conjunction": "a condition",
    "unary": "a condition",
    "condition": "a condition",
    "negation": "a condition",
    "group": "a condition",
    "key": "a key",
    "operator": "an operator (=, !=, >, >=, <, <=)",
    "value": "a value",
    "AND": "'and'",
    "OR": "'or'",
    "NOT": "'not'",
    "LPAR": "'('",
    "RPAR": "')'",
}
_SUBSUMED: dict[str, str] = {"a key": "a condition", "'('": "a condition", "'not'": "a condition"}


def _syntax_error(text: str) -> SubscriptionSyntaxError:
    position, labels, reason = furthest_failure(grammar()["expression"], text, _EXPECTED)
    labels = [label for label in labels if _SUBSUMED.get(label) not in labels]
    labels = labels or ["end of expression"]
    expected = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
    return SubscriptionSyntaxError(text, position, expected, reason)


def topic_is(topic: str) -> Condition:
    """``topic=<topic>``, what ``parse(f"topic={topic}")`` gives, built without the grammar
    (so a hub's own subscriptions do not import parsimonious)."""
    return Condition("topic", "=", topic)


@lru_cache(maxsize=1024)
def parse(text: str) -> Expression:
    """The expression ``text`` is; `SubscriptionSyntaxError` (with a caret) when it is not.

    Results are cached: a hub parses the same subscriptions and targets over and over.
    """
    if not isinstance(text, str):
        msg = f"an event expression must be a str, not {type(text).__name__}"  # type: ignore[unreachable]
        raise InvalidValueError(msg)
    if len(text) > _MAX_TEXT:
        msg = f"an expression of at most {_MAX_TEXT:,} characters"
        raise SubscriptionSyntaxError(text, _MAX_TEXT, msg, "expression too long")
    try:
        node = grammar()["expression"].match_core(text, 0, _new_cache(), _parse_error()(text))
        if node is None or node.end < len(text):
            raise _syntax_error(text)
    except RecursionError:
        raise SubscriptionSyntaxError(text, 0, "", "expression is nested too deeply") from None
    try:
        return _disjunction(node.children[1])
    except RecursionError:
        raise SubscriptionSyntaxError(text, 0, "", "expression is nested too deeply") from None


def _disjunction(node: PNode) -> Expression:
    items = [_conjunction(node.children[0])]
    items.extend(_conjunction(rest.children[1]) for rest in node.children[1].children)
    return items[0] if len(items) == 1 else AnyOf(tuple(items))


def _conjunction(node: PNode) -> Expression:
    items = [_unary(node.children[0])]
    items.extend(_unary(rest.children[1]) for rest in node.children[1].children)
    return items[0] if len(items) == 1 else All(tuple(items))


def _unary(node: PNode) -> Expression:
    chosen = node.children[0]
    if chosen.expr_name == "negation":
        return Not(_unary(chosen.children[1]))
    if chosen.expr_name == "group":
        return _disjunction(chosen.children[1])
    key, operator, value = chosen.children
    match: re.Match[str] = getattr(value, "match")  # noqa: B009 - RegexNode only
    double, single, bare = match.groups()
    if bare is not None:
        text = bare
    else:
        quoted = double if double is not None else single
        text = re.sub(r"\\(.)", r"\1", quoted, flags=re.S)
    return Condition(key.text.strip(), operator.text.strip(), text)
