"""Every exception ftorm raises, in one tree.

::

    FtormError
    ├── QuerySyntaxError (ValueError)          bad query text; .line .column .expected
    ├── QueryCompileError (ValueError)         a query ftorm cannot send: NaN, a typed ``group by``
    ├── UnboundQueryError (RuntimeError)       running a query no session is bound to
    ├── SchemaError (ValueError)               a schema document ftorm cannot read
    ├── UnknownTypeError (KeyError)            an entity type the schema does not know
    ├── UnknownAttributeError (AttributeError) an attribute the model/type does not have
    │   └── UnknownKeyError (KeyError)          the same, asked as entity["key"]
    ├── NotInCollectionError (ValueError)      removing what a collection does not hold
    ├── NotLoadedError (AttributeError)        an attribute that was not loaded (lazy="raise")
    ├── ImmutableAttributeError (AttributeError)  writing an immutable or computed attribute
    ├── InvalidValueError (TypeError)          a value of the wrong type for an attribute
    ├── NotFoundError (LookupError)            one() / get() found nothing
    ├── MultipleResultsError (LookupError)     one() found more than one row
    ├── SessionClosedError                     using a closed session
    ├── TimerRunningError (ValueError)         start_timer while the user's timer runs
    ├── ConfigurationError (ValueError)        a bad option: server URL, credentials, bind address
    ├── StorageError                           the embedded server's database cannot be used
    │   └── FixtureError                        a data fixture that cannot be loaded
    ├── ModelSetError (TypeError)              a model class of another set than the session's
    ├── ComponentSourceError (ValueError)      a missing file, a sequence matching nothing
    ├── LocationError                          a location cannot store, find or remove a file
    │   ├── ComponentInLocationError            the component is in the location already
    │   ├── ComponentNotInLocationError (LookupError)  the component is not in the location
    │   ├── StructureError                      a structure cannot name the component's file
    │   └── AccessorError                       an accessor cannot read, write or remove
    └── TransportError                         the server could not be reached or answered badly
        ├── AnswerTooLargeError                an API answer longer than max_answer_bytes
        ├── ConnectError (ConnectionError)     connection refused, dropped or timed out
        ├── DownloadError                      a component's file could not be downloaded
        └── ServerError                        the server answered with an error object
            ├── AuthenticationError            InvalidCredentialsError / FTAuthenticationError
            ├── ValidationError                bad payload, query or value
            ├── PermissionDeniedError          PermissionError: immutable/forbidden writes
            ├── DiskFullError                  the server's disk (or database) is full
            └── ServerCompatibilityError       unknown action, unsupported server

One warning category sits in the tree too: ``CustomAttributeConflictWarning`` (FtormError,
UserWarning), a custom attribute key that is both hierarchical and not.

`ServerError` and its subclasses carry the server's own exception name, message and
error code, so the embedded server raises them and encodes them on the wire unchanged.
Every name in ``__all__`` is also exported from `ftorm`.
"""

from __future__ import annotations

import re
from typing import ClassVar

__all__ = [
    "AccessorError",
    "AnswerTooLargeError",
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
    "ModelSetError",
    "MultipleResultsError",
    "NotFoundError",
    "NotInCollectionError",
    "NotLoadedError",
    "PermissionDeniedError",
    "QueryCompileError",
    "QuerySyntaxError",
    "SchemaError",
    "ServerCompatibilityError",
    "ServerError",
    "SessionClosedError",
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
]


class FtormError(Exception):
    """Root of every exception ftorm raises."""


_WINDOW = 60
"""Characters of the query shown on each side of a syntax error's caret."""


_TOKEN = re.compile(r"""[\w.\-:]+|(["'])(?:(?!\1)[^\\]|\\.)*\1?|\S""", re.S)
"""What a syntax error quotes as found: a word (a name, number, date or uuid), a quoted
string (or the unterminated rest of one), else one character."""


def _token(text: str, position: int) -> str:
    """The token of ``text`` that starts at ``position`` (at most a window long)."""
    match = _TOKEN.match(text, position)
    token = match.group() if match else text[position : position + 1]
    return token if len(token) <= _WINDOW else token[: _WINDOW - 3] + "..."


class QuerySyntaxError(FtormError, ValueError):
    """Query text that is not ftrack's query language.

    ``line`` and ``column`` are 1-based; ``position`` is the 0-based offset into
    ``text``; ``expected`` says what would have been valid there.
    """

    text: str
    """The query text that failed to parse."""
    position: int
    """0-based offset of the fault in ``text``."""
    expected: str
    """What would have been valid at ``position``."""
    reason: str
    """A message replacing "expected ..., found ...", or empty."""
    line: int
    """1-based line of the fault."""
    column: int
    """1-based column of the fault."""
    _WHAT = "query"  # the language, as messages name it

    def __init__(self, text: str, position: int, expected: str, reason: str = "") -> None:
        self.text = text
        self.position = max(0, min(position, len(text)))
        self.expected = expected
        self.reason = reason
        before = text[: self.position]
        self.line = before.count("\n") + 1
        self.column = self.position - (before.rfind("\n") + 1) + 1
        super().__init__(text, self.position, expected, reason)

    def __str__(self) -> str:
        lines = self.text.split("\n")
        source = lines[self.line - 1] if lines else ""
        found = _token(self.text, self.position)
        where = f"found {found!r}" if found else f"found end of {self._WHAT}"
        head = self.reason or f"expected {self.expected}, {where}"
        # A window of the line around the fault: a huge query is never quoted whole.
        start = max(0, self.column - 1 - _WINDOW)
        end = self.column - 1 + _WINDOW
        prefix = "..." if start else ""
        suffix = "..." if end < len(source) else ""
        caret = " " * (len(prefix) + self.column - 1 - start)
        return (
            f"{head} at line {self.line}, column {self.column}\n"
            f"  {prefix}{source[start:end]}{suffix}\n"
            f"  {caret}^"
        )


class SubscriptionSyntaxError(QuerySyntaxError):
    """A subscription (or target) expression that is not ftrack's event expression language
    (``topic=ftrack.update and data.user.name="martin"``); the caret shows where."""

    _WHAT = "expression"


class QueryCompileError(FtormError, ValueError):
    """A query ftorm cannot send: a non-finite number, a ``group by`` read as entities."""


class UnboundQueryError(FtormError, RuntimeError):
    """Running a query that is not bound to a session (``session.query(q)`` binds it)."""


class SchemaError(FtormError, ValueError):
    """A schema document that cannot be read as ftrack's ``query_schemas`` format."""


class UnknownTypeError(FtormError, KeyError):
    """An entity type that the schema or registry does not know."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown entity type"


class UnknownAttributeError(FtormError, AttributeError):
    """An attribute that the model does not have; names the closest ones."""

    model: str
    """The name of the model (or entity type)."""
    attribute: str
    """The attribute that was asked for."""
    candidates: tuple[str, ...]
    """The closest existing attribute names, best first."""

    def __init__(self, model: str, name: str, candidates: tuple[str, ...] = ()) -> None:
        self.model = model
        self.attribute = name
        self.candidates = candidates
        hint = f"; did you mean {', '.join(repr(c) for c in candidates)}?" if candidates else ""
        super().__init__(f"{model} has no attribute {name!r}{hint}")


class UnknownKeyError(UnknownAttributeError, KeyError):
    """An unknown attribute asked for with mapping access (``entity["nmae"]``)."""

    def __str__(self) -> str:  # KeyError's own would show the message quoted
        return str(self.args[0]) if self.args else ""


class NotInCollectionError(FtormError, ValueError):
    """Removing an entity that a collection does not hold (as `list.remove` does)."""


class NotLoadedError(FtormError, AttributeError):
    """An attribute that was not loaded and may not be loaded implicitly."""


class ImmutableAttributeError(FtormError, AttributeError):
    """Writing an attribute that is immutable once set, or computed by the server."""


class InvalidValueError(FtormError, TypeError):
    """A value of the wrong type for an attribute or an operator."""


class NotFoundError(FtormError, LookupError):
    """A query or lookup expected exactly one entity and found none."""


class MultipleResultsError(FtormError, LookupError):
    """A query expected exactly one entity and found several."""


class TimerRunningError(FtormError, ValueError):
    """A user already has a running timer (ftrack_api's ``NotUniqueError`` for
    ``start_timer``): stop it first, or start with ``force=True``."""


class SessionClosedError(FtormError):
    """The session was closed."""


class ConfigurationError(FtormError, ValueError):
    """An option ftorm cannot work with: a server URL that is not http(s), missing
    credentials, a public bind address without an explicit API key."""


class StorageError(FtormError):
    """The embedded server's SQLite database cannot be opened or used (a bad path, a file that
    is not a database, a database from an incompatible schema)."""


class FixtureError(StorageError):
    """A data fixture (`ftorm dump`) that cannot be loaded: not a fixture, loaded already,
    rows that clash with the workspace's, or a type or attribute the workspace's schema lacks
    (the message names the first)."""


class ComponentSourceError(FtormError, ValueError):
    """A component's source that cannot be used: a missing file, a sequence pattern that
    matches no file or is not ftrack's notation (``/renders/sh010.%04d.exr [1001-1100]``)."""


class LocationError(FtormError):
    """A location cannot do what was asked: it has no accessor or structure, or the file it
    would write exists already. Nothing was registered."""


class ComponentInLocationError(LocationError):
    """A component is in the location already."""


class ComponentNotInLocationError(LocationError, LookupError):
    """A component is not in the location."""


class StructureError(LocationError):
    """A structure cannot name a component's file (the standard structure needs a committed
    version and asset with a parent context)."""


class AccessorError(LocationError):
    """An accessor cannot read, write or remove a resource (a missing file, a timeout of the
    server's file endpoints)."""


class TransportError(FtormError):
    """The server could not be reached, or answered with something that is not the API."""


class AnswerTooLargeError(TransportError):
    """An API answer whose decoded body is longer than the transport's ``max_answer_bytes``
    (a compression bomb, an endless body): dropped unread past the limit. For a commit, the
    server may have applied it; the session reconciles before its next commit."""


class ConnectError(TransportError, ConnectionError):
    """Connection refused, dropped, or timed out."""


class DownloadError(TransportError):
    """A component's file could not be downloaded from the server's ``/component/get``: an
    error status, a connection that failed, or fewer or more bytes than announced."""


class ServerError(TransportError):
    """The server answered a batch with an error object.

    ``exception`` is the server's exception name (``ValidationError`` ...), ``content`` its
    message and ``error_code`` its code (often ``None``).
    """

    default_exception: ClassVar[str] = "ServerError"
    """The server's exception name when none is given."""
    content: str
    """The server's message."""
    exception: str
    """The server's exception name (``ValidationError``, ``PermissionError`` ...)."""
    error_code: str | None
    """The server's error code, often None."""

    def __init__(
        self, content: str, *, exception: str | None = None, error_code: str | None = None
    ) -> None:
        self.content = content
        self.exception = exception or self.default_exception
        self.error_code = error_code
        super().__init__(content)

    def __str__(self) -> str:
        return f"Server reported error: {self.exception}({self.content})"

    def to_payload(self) -> dict[str, str | None]:
        """The error object as ftrack's API sends it."""
        return {"exception": self.exception, "content": self.content, "error_code": self.error_code}


class AuthenticationError(ServerError):
    """The server refused the credentials."""

    default_exception: ClassVar[str] = "InvalidCredentialsError"


class ValidationError(ServerError):
    """The server refused a payload, a query or a value."""

    default_exception: ClassVar[str] = "ValidationError"


class PermissionDeniedError(ServerError):
    """The server refused a write (immutable attribute, forbidden operation)."""

    default_exception: ClassVar[str] = "PermissionError"


class DiskFullError(ServerError):
    """The server could not store a write batch: its disk, or its database's size limit, is
    full. Nothing of the batch was stored; the server takes writes again once there is room,
    so the batch can be sent again."""

    default_exception: ClassVar[str] = "DiskFullError"


class ServerCompatibilityError(ServerError):
    """The server does not support what was asked (an unknown action, an old version)."""

    default_exception: ClassVar[str] = "ServerError"


_BY_EXCEPTION: dict[str, type[ServerError]] = {
    "ValidationError": ValidationError,
    "PermissionError": PermissionDeniedError,
    "FTAuthenticationError": AuthenticationError,
    "InvalidCredentialsError": AuthenticationError,
    "DiskFullError": DiskFullError,
}


EXCERPT = 200
"""Characters of a user's input that an error message quotes at most."""


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """``repr(value)``, cut to ``limit`` characters: what error messages quote of input."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"<an integer of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except RecursionError:
        return f"<a {type(value).__name__} nested too deeply to show>"
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def server_error_from_payload(payload: dict[str, object]) -> ServerError:
    """Build the typed exception for an error object received from a server.

    Internal to ftorm's transports and server (not in ``__all__``).
    """
    exception = str(payload.get("exception") or "ServerError")
    content = str(payload.get("content") or "")
    code = payload.get("error_code")
    error_code = None if code is None else str(code)
    cls = _BY_EXCEPTION.get(exception, ServerError)
    if cls is ServerError and "Invalid action" in content:
        cls = ServerCompatibilityError
    if error_code == "api_credentials_invalid":
        cls = AuthenticationError
    return cls(content, exception=exception, error_code=error_code)


class EventHubError(FtormError):
    """The event hub (``session.events``, the server's hub) could not do what was asked."""


class EventHubConnectionError(EventHubError, ConnectionError):
    """The event hub is not connected, or its connection failed (handshake, websocket)."""


class EventStreamOverflowError(EventHubError):
    """An asynchronous event stream (``AsyncSession.events.stream``) whose reader fell
    behind by more than its buffer holds, with ``overflow="raise"``: raised after the
    buffered events were read, where the first event was dropped."""


class EventSubscriptionRefusedError(EventHubError):
    """The event hub refused a subscription (an asynchronous event stream's, raised where the
    stream is first awaited): ``reason`` is the server's message (say, one subscriber too
    many on a connection)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason: str = reason
        """The server's message."""


class EventRejectedError(EventHubError, ValueError):
    """An event or packet the hub refuses: not valid socket.io, not an event object, larger
    than the hub accepts, a reserved topic, or one subscription too many."""


class CustomAttributeConflictWarning(FtormError, UserWarning):
    """A custom attribute key that is both hierarchical and configured for an entity type
    itself (a known ftrack trap): the message says which configuration is read. Issued by
    ``ftorm generate`` and, once per session and key, when such a value is read."""


class ModelSetError(FtormError, TypeError):
    """A model class (or an object of one) from another set of models than the session's.

    A session works with one set: the ``models=`` it was given, else the set of the first
    model class it is used with, else ``ftorm.models``. Classes of two generated modules
    (or of a generated module and ``ftorm.models``) cannot be mixed in one session.
    """
