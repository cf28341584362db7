"""Typing helpers shared by every layer, without runtime dependencies beyond the stdlib.

``dataclass_transform`` and ``assert_never`` come from `typing` on 3.11+; on 3.10 small
stand-ins are used at runtime (type checkers read the 3.11 stubs).
"""

from __future__ import annotations

import sys
from typing import Any, TypeAlias

__all__ = ["JSON", "JSONObject", "assert_never", "dataclass_transform"]

if sys.version_info >= (3, 11):
    from typing import assert_never, dataclass_transform
else:  # pragma: no cover - exercised on 3.10 only
    from typing import NoReturn

    def dataclass_transform(**_: Any) -> Any:
        """No-op at runtime: only type checkers act on it."""

        def decorate(target: Any) -> Any:
            return target

        return decorate

    def assert_never(value: NoReturn, /) -> NoReturn:
        """Fail on a value a type checker proved impossible (an unhandled node type)."""
        msg = f"Expected code to be unreachable, but got: {value!r}"
        raise AssertionError(msg)


JSON: TypeAlias = Any
"""A decoded JSON value."""

JSONObject: TypeAlias = dict[str, Any]
"""A decoded JSON object."""
