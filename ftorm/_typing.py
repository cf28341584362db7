"""Typing helpers shared by every layer, without runtime dependencies beyond the stdlib.

``dataclass_transform`` comes from `typing` on 3.11+; on 3.10 a no-op stand-in is used at
runtime (the decorator only informs type checkers, which read the 3.11 stubs).
"""

from __future__ import annotations

import sys
from typing import Any, TypeAlias

__all__ = ["JSON", "JSONObject", "dataclass_transform"]

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - exercised on 3.10 only

    def dataclass_transform(**_: Any) -> Any:
        def decorate(target: Any) -> Any:
            return target

        return decorate


JSON: TypeAlias = Any
"""A decoded JSON value."""

JSONObject: TypeAlias = dict[str, Any]
"""A decoded JSON object."""
