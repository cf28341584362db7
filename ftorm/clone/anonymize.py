"""``ftorm clone --anonymize``: stable fakes for what identifies people and what they wrote.

Users' names, user names and emails, notes' text, and the values of free-text custom
attributes (configurations of type ``text``) are replaced as rows are written, before they
reach the disk. A fake is derived from the row's key and the attribute's name (a keyed hash),
so the same entity gets the same fake in every clone of the same source, and two entities
never share one by chance. Ids, references and every other value are kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from typing import Any, Final

from ftorm.schema.custom.rules import VALUE_SUFFIX

__all__ = ["FREE_TEXT_TYPES", "Anonymizer"]

FREE_TEXT_TYPES: Final = frozenset({"text"})
"""Custom attribute types whose values are free text."""

_WORDS: Final = [
    "amber",
    "basil",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "grove",
    "harbor",
    "iris",
    "juniper",
    "kestrel",
    "lumen",
]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _words(seed: str, count: int) -> str:
    digest = _digest(seed)
    while len(digest) < count * 2:
        digest += _digest(digest)
    picks = [_WORDS[int(digest[i * 2 : i * 2 + 2], 16) % len(_WORDS)] for i in range(count)]
    return " ".join(picks).capitalize() + "."


def _user(key: str, column: str, value: Any) -> Any:
    tag = _digest("user", key)[:8]
    fakes = {
        "username": f"user-{tag}",
        "first_name": "User",
        "last_name": tag.upper(),
        "email": f"user-{tag}@example.com",
    }
    return fakes.get(column, value)


class Anonymizer:
    """Rewrites rows (storage form) in place; ``free_text`` are the ids of the custom
    attribute configurations whose values are free text."""

    def __init__(self, free_text: Collection[str]) -> None:
        self.free_text: frozenset[str] = frozenset(free_text)
        self._rules: dict[str, Callable[[dict[str, Any]], None]] = {
            "User": self._user,
            "Note": self._note,
        }

    def apply(self, type_id: str, columns: dict[str, Any]) -> None:
        """Replace what identifies people in one row of concrete type ``type_id``."""
        rule = self._rules.get(type_id)
        if rule is not None:
            rule(columns)
        elif type_id.endswith(VALUE_SUFFIX):
            self._value(columns)

    @staticmethod
    def _user(columns: dict[str, Any]) -> None:
        key = str(columns.get("id"))
        for column in ("username", "first_name", "last_name", "email"):
            if columns.get(column):
                columns[column] = _user(key, column, columns[column])

    @staticmethod
    def _note(columns: dict[str, Any]) -> None:
        content = columns.get("content")
        if content:
            count = max(1, min(40, len(str(content).split())))
            columns["content"] = _words(f"note\x1f{columns.get('id')}", count)

    def _value(self, columns: dict[str, Any]) -> None:
        if str(columns.get("configuration_id")) not in self.free_text:
            return
        value = columns.get("value")
        if isinstance(value, str) and value not in ("", '""', "null"):
            seed = f"value\x1f{columns.get('configuration_id')}\x1f{columns.get('entity_id')}"
            fake = f"text {_digest(seed)[:10]}"
            # variable values are stored as JSON text; plain text columns as text
            columns["value"] = f'"{fake}"' if value.startswith('"') else fake
