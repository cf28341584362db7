"""ftorm: a typed, declarative ORM-style mapping layer for the ftrack server.

This module is the public front door: the session, the model base and its field
specifiers, the query builder and parser, and every exception of `ftorm.errors`.
The generated standard models are in `ftorm.models`, testing helpers in `ftorm.testing`.
"""

from __future__ import annotations

from ftorm.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    DownloadError,
    FixtureError,
    FtormError,
    ImmutableAttributeError,
    InvalidValueError,
    ModelSetError,
    MultipleResultsError,
    NotFoundError,
    NotInCollectionError,
    NotLoadedError,
    PermissionDeniedError,
    QueryCompileError,
    QuerySyntaxError,
    SchemaError,
    ServerCompatibilityError,
    ServerError,
    SessionClosedError,
    StorageError,
    TransportError,
    UnboundQueryError,
    UnknownAttributeError,
    UnknownKeyError,
    UnknownTypeError,
    ValidationError,
)
from ftorm.model import UNSET, Attr, Many, Model, Ref, Related, attr, many, new_id, ref
from ftorm.query.builder import Query
from ftorm.query.expressions import and_, not_, or_
from ftorm.query.parser import parse
from ftorm.session import AsyncQuery, AsyncSession, Session, Stats

__version__: str = "0.1.0.dev0"
"""The version of ftorm (the packaging metadata reads it from here)."""

__all__ = [
    "UNSET",
    "AsyncQuery",
    "AsyncSession",
    "Attr",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "DownloadError",
    "FixtureError",
    "FtormError",
    "ImmutableAttributeError",
    "InvalidValueError",
    "Many",
    "Model",
    "ModelSetError",
    "MultipleResultsError",
    "NotFoundError",
    "NotInCollectionError",
    "NotLoadedError",
    "PermissionDeniedError",
    "Query",
    "QueryCompileError",
    "QuerySyntaxError",
    "Ref",
    "Related",
    "SchemaError",
    "ServerCompatibilityError",
    "ServerError",
    "Session",
    "SessionClosedError",
    "Stats",
    "StorageError",
    "TransportError",
    "UnboundQueryError",
    "UnknownAttributeError",
    "UnknownKeyError",
    "UnknownTypeError",
    "ValidationError",
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
