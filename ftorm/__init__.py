"""ftorm: a typed, declarative ORM-style mapping layer for the ftrack server.

The public names (``ftorm.Session``, ``ftorm.Query``, ``ftorm.Model`` ...) are re-exported
here; every exception of `ftorm.errors` is too.
"""

from __future__ import annotations

from ftorm.errors import *  # noqa: F403
from ftorm.errors import __all__ as _errors_all
from ftorm.model import UNSET, Attr, Many, Model, Ref, Related, attr, many, new_id, ref
from ftorm.query.builder import Query
from ftorm.query.expressions import and_, not_, or_
from ftorm.query.parser import parse
from ftorm.session import Session, Stats

__version__ = "0.1.0.dev0"

__all__ = [
    *_errors_all,
    "UNSET",
    "Attr",
    "Many",
    "Model",
    "Query",
    "Ref",
    "Related",
    "Session",
    "Stats",
    "__version__",
    "and_",
    "attr",
    "many",
    "new_id",
    "not_",
    "or_",
    "parse",
    "ref",
]
