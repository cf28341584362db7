"""Typing helpers shared by every layer, without runtime dependencies beyond the stdlib.

``dataclass_transform`` and ``assert_never`` come from `typing` on 3.11+; on 3.10 small
stand-ins are used at runtime (type checkers read the 3.11 stubs).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from typing import TypeGuard

    import arrow

__all__ = ["JSON", "JSONObject", "arrow_class", "assert_never", "dataclass_transform", "is_arrow"]

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


class _NoArrow:
    """Stands for ``arrow.Arrow`` while arrow is not imported: no value is one of these."""


def arrow_class() -> type[Any]:
    """``arrow.Arrow`` once arrow is imported, else a class no value belongs to.

    arrow is imported where a date is converted (a date-time read from the server, a date
    attribute resolved), not on ``import ftorm``: until then no value can be an
    ``arrow.Arrow``, and a type test against this class answers as one against the real
    one would."""
    module = sys.modules.get("arrow")
    found = getattr(module, "Arrow", None)
    return found if isinstance(found, type) else _NoArrow


def is_arrow(value: object) -> TypeGuard[arrow.Arrow]:
    """``isinstance(value, arrow.Arrow)``, without importing arrow."""
    return isinstance(value, arrow_class())
