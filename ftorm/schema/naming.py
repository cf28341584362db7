"""How schema attribute names become Python names, and which relations pair up.

Shared by the code generator (`ftorm.schema.codegen`) and the runtime model builder
(`ftorm.model.dynamic`), so generated and dynamic classes name and link fields the same way.
The pairs themselves are listed once, in `ftorm.schema.pairings`.
"""

from __future__ import annotations

import keyword
import unicodedata
from collections.abc import Collection
from typing import Final

from ftorm.schema.hierarchy import base_of
from ftorm.schema.pairings import KNOWN_BACKREFS
from ftorm.schema.types import Kind, Property, Schema

__all__ = ["KNOWN_BACKREFS", "RESERVED_NAMES", "backref_of", "python_name", "source_name"]

RESERVED_NAMES: Final = frozenset({"where", "select", "has", "any", "as_", "mro", "keys", "custom"})
"""Attribute names model classes use for their own API (class-level query methods and the
mapping-style ``keys``, the custom attribute namespace ``custom``); fields with these names
are renamed."""


def source_name(name: str) -> str:
    """``name`` as Python reads it in source: NFKC-normalised, as the tokenizer normalises
    identifiers: the ligature fi is the letters f and i, a superscript 2 is the digit 2, a
    full-width T is T."""
    return unicodedata.normalize("NFKC", name)


def python_name(name: str, taken: Collection[str] = ()) -> str:
    """The Python attribute name for a server attribute, as Python reads it (`source_name`):
    Python keywords, `RESERVED_NAMES` and ``taken`` names get trailing underscores until free
    (``from`` -> ``from_``, ``as`` -> ``as__`` since ``as_`` is reserved). The caller checks
    that the result is an identifier."""
    name = source_name(name)
    while keyword.iskeyword(name) or name in RESERVED_NAMES or name in taken:
        name += "_"
    return name


def backref_of(schema: Schema, type_id: str, prop: Property) -> str | None:
    """The server name of the reference on ``prop``'s items that points back at ``type_id``
    (from `KNOWN_BACKREFS`, looked up through the type's bases), when the schema has it."""
    current: str | None = type_id
    while current is not None:
        reverse = KNOWN_BACKREFS.get((current, prop.name))
        if reverse is not None:
            target = schema.types.get(prop.target or "")
            back = target.properties.get(reverse) if target is not None else None
            return reverse if back is not None and back.kind is Kind.REFERENCE else None
        current = base_of(schema, current)
    return None
