"""`assert_never` on every supported Python (it is in `typing` from 3.11 on)."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - Python 3.10
    from typing import NoReturn

    def assert_never(arg: NoReturn, /) -> NoReturn:
        """Fail on a value a type checker proved impossible (an unhandled node type)."""
        message = f"Expected code to be unreachable, but got: {arg!r}"
        raise AssertionError(message)


__all__ = ["assert_never"]
