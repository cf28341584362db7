"""ftorm: a typed, declarative ORM-style mapping layer for the ftrack server."""

from __future__ import annotations

from ftorm.errors import *  # noqa: F403
from ftorm.errors import __all__ as _errors_all
from ftorm.query.parser import parse

__version__ = "0.1.0.dev0"

__all__ = [*_errors_all, "__version__", "parse"]
