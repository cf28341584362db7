"""ftorm: a typed, declarative ORM-style mapping layer for the ftrack server.

This module is the public front door: the session, the model base and its field
specifiers, the query builder and parser, and every exception of `ftorm.errors`.
The generated standard models are in `ftorm.models`, testing helpers in `ftorm.testing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftorm._embedded import event_hub, open_server
from ftorm.errors import (
    AccessorError,
    AnswerTooLargeError,
    AuthenticationError,
    ComponentInLocationError,
    ComponentNotInLocationError,
    ComponentSourceError,
    ConfigurationError,
    ConnectError,
    CustomAttributeConflictWarning,
    DiskFullError,
    DownloadError,
    EventHubConnectionError,
    EventHubError,
    EventRejectedError,
    EventStreamOverflowError,
    EventSubscriptionRefusedError,
    FixtureError,
    FtormError,
    ImmutableAttributeError,
    InvalidValueError,
    LocationError,
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
    StructureError,
    SubscriptionSyntaxError,
    TimerRunningError,
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
from ftorm.session import Session, Stats
from ftorm.session.connect import provide_embedded_server, provide_event_hub

if TYPE_CHECKING:
    from ftorm.session import AsyncQuery, AsyncSession

provide_embedded_server(open_server)  # Session.local creates its server through it
provide_event_hub(event_hub)  # Session.events makes its client through it

__version__: str = "0.1.0.dev0"
"""The version of ftorm (the packaging metadata reads it from here)."""

__all__ = [
    "UNSET",
    "AccessorError",
    "AnswerTooLargeError",
    "AsyncQuery",
    "AsyncSession",
    "Attr",
    "AuthenticationError",
    "ComponentInLocationError",
    "ComponentNotInLocationError",
    "ComponentSourceError",
    "ConfigurationError",
    "ConnectError",
    "CustomAttributeConflictWarning",
    "DiskFullError",
    "DownloadError",
    "EventHubConnectionError",
    "EventHubError",
    "EventRejectedError",
    "EventStreamOverflowError",
    "EventSubscriptionRefusedError",
    "FixtureError",
    "FtormError",
    "ImmutableAttributeError",
    "InvalidValueError",
    "LocationError",
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
    "StructureError",
    "SubscriptionSyntaxError",
    "TimerRunningError",
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


def __getattr__(name: str) -> Any:
    # AsyncSession and AsyncQuery import asyncio: only when first asked for (ftorm.session)
    if name in ("AsyncQuery", "AsyncSession"):
        import ftorm.session

        return getattr(ftorm.session, name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
