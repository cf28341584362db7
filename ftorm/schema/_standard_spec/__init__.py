"""The facts behind ftorm's standard schema, in a compact notation expanded by `standard`.

Each entity type is written as a `Spec`: its attributes as a whitespace-separated string of
``name:kind[@server_name][flags]`` tokens, plus the few facts that do not fit a token.

Kinds: ``str`` ``bool`` ``int`` ``num`` (float) ``var`` (any JSON value) ``obj`` (JSON object)
``date`` (date-time string) ``json`` (JSON text in a string) ``fk`` (string key column of a
relation) ``ifk`` (integer key column) ``uid`` (string primary key defaulting to a new uuid)
``subid`` (the same, for a subtype whose key is also the key of its base's row), ``>Type``
(one related entity), ``*Type`` (collection), ``%Type`` (key/value collection keyed by
``key`` with values in ``value``).
Flags: ``!`` required, ``^`` immutable, ``~`` computed (read-only for clients whatever ``^``
says), ``#`` restricted projection (usable in criteria, never selected).
Primary keys are always required and immutable.

Groups of attributes shared by a family (the ``Context`` attributes, the ``TypedContext``
attributes, the ``Component`` attributes ...) are written once and combined per type
(`ftorm.schema._standard_spec.notation`). The types are written by family:
`ftorm.schema._standard_spec.contexts`, `people` and `assets`.
"""

from __future__ import annotations

from typing import Final

from ftorm.schema._standard_spec.assets import assets, custom_attributes, lists
from ftorm.schema._standard_spec.contexts import context_family, workflow
from ftorm.schema._standard_spec.notation import Spec
from ftorm.schema._standard_spec.people import activity, notes, people

__all__ = ["SPECS", "Spec"]

SPECS: Final[tuple[Spec, ...]] = tuple(
    context_family()
    + workflow()
    + people()
    + notes()
    + activity()
    + assets()
    + custom_attributes()
    + lists()
)
"""Every type of the standard schema."""
