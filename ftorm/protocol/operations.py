"""ftrack API operations as typed values: what a client sends, and what a server validates.

Each class is one action. A client builds them (``QueryOp("select name from Task")``), a
transport turns a batch into JSON objects with `encode_batch` (``to_json`` of each), and a
server turns each received JSON object back into the same class with `validate`, which raises
`ftorm.errors.ValidationError` (or `ftorm.errors.ServerCompatibilityError` for an unknown
action) with a message that says what is wrong. ``validate(op.to_json()) == op`` for every
operation.

A batch may also hold raw JSON objects (`RawOperation`) for actions ftorm does not model
(``search``, ``permissions`` ...): `encode_batch` passes them through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, TypeAlias, get_args

import attrs

from ftorm._typing import JSON, JSONObject
from ftorm.errors import ServerCompatibilityError, ValidationError, excerpt

__all__ = [
    "CompleteUploadOp",
    "CreateOp",
    "OPERATIONS",
    "SEARCH_ACTION",
    "DeleteOp",
    "EncodeMediaOp",
    "Operation",
    "OperationLike",
    "QueryOp",
    "RawOperation",
    "ResetRemoteOp",
    "SchemasOp",
    "ServerInformationOp",
    "READ_ACTIONS",
    "UpdateOp",
    "UploadMetadataOp",
    "UploadPart",
    "THEMES",
    "WIDGETS",
    "WidgetUrlOp",
    "check_integer",
    "check_values",
    "is_read_only",
    "encode_batch",
    "validate",
]


@attrs.frozen(slots=True)
class ServerInformationOp:
    """``query_server_information``: the server's version, schema hash and settings."""

    action: ClassVar[str] = "query_server_information"
    read_only: ClassVar[bool] = True

    values: tuple[str, ...] | None = None
    """The keys to answer (``version`` always comes back); None for all of them."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> ServerInformationOp:
        """The operation from a received JSON object (`validate`)."""
        return cls(_values(operation))

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        if self.values is None:
            return {"action": self.action}
        return {"action": self.action, "values": list(self.values)}


@attrs.frozen(slots=True)
class SchemasOp:
    """``query_schemas``: the server's entity schemas."""

    action: ClassVar[str] = "query_schemas"
    read_only: ClassVar[bool] = True

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> SchemasOp:
        """The operation from a received JSON object (`validate`)."""
        return cls()

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        return {"action": self.action}


@attrs.frozen(slots=True)
class QueryOp:
    """``query``: run one query expression (rendered from an `ftorm.query.ast.Select`)."""

    action: ClassVar[str] = "query"
    read_only: ClassVar[bool] = True

    expression: str
    """The query text."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> QueryOp:
        """The operation from a received JSON object (`validate`)."""
        return cls(_string(operation, "expression"))

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        return {"action": self.action, "expression": self.expression}


@attrs.frozen(slots=True)
class CreateOp:
    """``create``: a new entity; ``data`` is its ``entity_data``, ``__entity_type__`` included."""

    action: ClassVar[str] = "create"
    read_only: ClassVar[bool] = False

    entity_type: str
    """The schema id of the entity's type."""
    data: JSONObject
    """The encoded attribute values (`ftorm.protocol.codec.encode`)."""
    key: tuple[str, ...] | None = None
    """The primary key values, when the client made them."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> CreateOp:
        """The operation from a received JSON object (`validate`)."""
        key = _key(operation) if operation.get("entity_key") is not None else None
        return cls(_string(operation, "entity_type"), _data(operation), key)

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        operation: JSONObject = {
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_data": self.data,
        }
        if self.key is not None:
            operation["entity_key"] = list(self.key)
        return operation


@attrs.frozen(slots=True)
class UpdateOp:
    """``update``: changed attributes of one entity (``data`` with ``__entity_type__``)."""

    action: ClassVar[str] = "update"
    read_only: ClassVar[bool] = False

    entity_type: str
    """The schema id of the entity's type."""
    key: tuple[str, ...]
    """The primary key values."""
    data: JSONObject
    """The encoded changed attribute values."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> UpdateOp:
        """The operation from a received JSON object (`validate`)."""
        key = _key(operation)
        return cls(_string(operation, "entity_type"), key, _data(operation))

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        return {
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_key": list(self.key),
            "entity_data": self.data,
        }


@attrs.frozen(slots=True)
class DeleteOp:
    """``delete``: one entity."""

    action: ClassVar[str] = "delete"
    read_only: ClassVar[bool] = False

    entity_type: str
    """The schema id of the entity's type."""
    key: tuple[str, ...]
    """The primary key values."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> DeleteOp:
        """The operation from a received JSON object (`validate`)."""
        key = _key(operation)
        return cls(_string(operation, "entity_type"), key)

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        return {
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_key": list(self.key),
        }


@attrs.frozen(slots=True)
class ResetRemoteOp:
    """``reset_remote``: reset an attribute of one entity to its default on the server.

    ``reset_type`` names what is reset: an attribute with a schema default, or ``api_key``
    of a ``User`` (a new key is made). The answer's ``data`` is the new value.
    """

    action: ClassVar[str] = "reset_remote"
    read_only: ClassVar[bool] = False

    reset_type: str
    """The attribute (or ``api_key``) to reset."""
    entity_type: str | None = None
    """The schema id of the entity's type; None when no entity is named."""
    key: str | None = None
    """The entity's primary key value (ftrack's clients send it as one string)."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> ResetRemoteOp:
        """The operation from a received JSON object (`validate`)."""
        key = operation.get("entity_key")
        if isinstance(key, list) and len(key) == 1:  # a one-part key sent as a list
            key = key[0]
        if key is not None and not (isinstance(key, str) and key):
            msg = f"{cls.action}: 'entity_key' must be the entity's id, got {excerpt(key)}"
            raise ValidationError(msg)
        return cls(
            _string(operation, "reset_type"), _optional_string(operation, "entity_type"), key
        )

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        operation: JSONObject = {"action": self.action, "reset_type": self.reset_type}
        if self.entity_type is not None:
            operation["entity_type"] = self.entity_type
        if self.key is not None:
            operation["entity_key"] = self.key
        return operation


@attrs.frozen(slots=True)
class UploadMetadataOp:
    """``get_upload_metadata``: where and how to ``PUT`` a component's file.

    Answered with ``{"url", "headers", "component_id"}``, or, when ``parts`` is given, with
    one URL per part (``{"urls": [{"signed_url", "part_number"}], "upload_id",
    "component_id"}``) to be finished by a `CompleteUploadOp`.
    """

    action: ClassVar[str] = "get_upload_metadata"
    read_only: ClassVar[bool] = False

    component_id: str
    """The component the file belongs to."""
    file_name: str
    """The file's name (its extension gives the content type)."""
    file_size: int
    """The file's size in bytes."""
    checksum: str | None = None
    """The base64 MD5 digest of the file (RFC 1864's ``Content-MD5``), when known."""
    parts: int | None = None
    """The number of parts of a multipart upload; None for one ``PUT``."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> UploadMetadataOp:
        """The operation from a received JSON object (`validate`)."""
        parts = operation.get("parts")
        return cls(
            _string(operation, "component_id"),
            _string(operation, "file_name"),
            _count(operation, "file_size", cls.action),
            _optional_string(operation, "checksum"),
            None if parts is None else _count(operation, "parts", cls.action),
        )

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        operation: JSONObject = {
            "action": self.action,
            "component_id": self.component_id,
            "file_name": self.file_name,
            "file_size": self.file_size,
            "checksum": self.checksum,
        }
        if self.parts is not None:
            operation["parts"] = self.parts
        return operation


@attrs.frozen(slots=True)
class UploadPart:
    """One uploaded part of a multipart upload, as its ``PUT`` answered it."""

    part_number: int
    """The part's number, from 1."""
    e_tag: str
    """The ``ETag`` the part's ``PUT`` answered."""

    def to_json(self) -> JSONObject:
        """The part as a JSON object."""
        return {"part_number": self.part_number, "e_tag": self.e_tag}


@attrs.frozen(slots=True)
class CompleteUploadOp:
    """``complete_multipart_upload``: join the uploaded parts into the component's file."""

    action: ClassVar[str] = "complete_multipart_upload"
    read_only: ClassVar[bool] = False

    component_id: str
    """The component the file belongs to."""
    upload_id: str
    """The ``upload_id`` that `UploadMetadataOp`'s answer gave."""
    parts: tuple[UploadPart, ...]
    """Every part, each with the ``ETag`` its ``PUT`` answered."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> CompleteUploadOp:
        """The operation from a received JSON object (`validate`)."""
        action = cls.action
        parts = operation.get("parts")
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            msg = f"{action}: 'parts' must be a list of objects, got {excerpt(parts)}"
            raise ValidationError(msg)
        typed: list[UploadPart] = []
        for part in parts:
            tag = part.get("e_tag")
            if not isinstance(tag, str) or not tag:
                msg = f"{action}: each part needs an 'e_tag' string, got {excerpt(part)}"
                raise ValidationError(msg)
            typed.append(UploadPart(_count(part, "part_number", action), tag))
        return cls(
            _string(operation, "component_id"), _string(operation, "upload_id"), tuple(typed)
        )

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        return {
            "action": self.action,
            "component_id": self.component_id,
            "upload_id": self.upload_id,
            "parts": [part.to_json() for part in self.parts],
        }


@attrs.frozen(slots=True)
class EncodeMediaOp:
    """``encode_media``: make a component's media playable in browsers; answered with
    ``{"job_id"}`` of the ``Job`` doing it."""

    action: ClassVar[str] = "encode_media"
    read_only: ClassVar[bool] = False

    component_id: str
    """The ``FileComponent`` (in ``ftrack.server``) whose file is encoded."""
    version_id: str | None = None
    """The version the encoded components belong to (None: the source's)."""
    keep_original: bool = True
    """Whether the source component stays."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> EncodeMediaOp:
        """The operation from a received JSON object (`validate`)."""
        keep = operation.get("keep_original", True)
        if not isinstance(keep, bool):
            msg = f"{cls.action}: 'keep_original' must be true or false, got {excerpt(keep)}"
            raise ValidationError(msg)
        return cls(
            _string(operation, "component_id"), _optional_string(operation, "version_id"), keep
        )

    def to_json(self) -> JSONObject:
        """The operation as a JSON object."""
        return {
            "action": self.action,
            "component_id": self.component_id,
            "version_id": self.version_id,
            "keep_original": self.keep_original,
        }


WIDGETS: tuple[str, ...] = ("info", "tasks", "tasks_browser")
"""The widget names ftrack's ``get_widget_url`` action knows."""

THEMES: tuple[str, ...] = ("light", "dark")
"""The themes of ``get_widget_url``."""


@attrs.frozen(slots=True)
class WidgetUrlOp:
    """``get_widget_url``: an authenticated URL of one of ftrack's web widgets, answered
    with ``{"widget_url"}``."""

    action: ClassVar[str] = "get_widget_url"
    read_only: ClassVar[bool] = True

    name: str
    """The widget (one of `WIDGETS`)."""
    theme: str | None = None
    """``light`` or ``dark`` (None: the server's default)."""
    entity_type: str | None = None
    """The schema id of the entity the widget shows; None for none."""
    key: str | None = None
    """The entity's primary key value."""

    @classmethod
    def from_json(cls, operation: Mapping[str, Any]) -> WidgetUrlOp:
        """The operation from a received JSON object (`validate`)."""
        return _widget_url(operation)

    def to_json(self) -> JSONObject:
        """The operation as a JSON object (``entity_key`` a list, as ftrack_api sends it)."""
        operation: JSONObject = {"action": self.action, "name": self.name, "theme": self.theme}
        if self.entity_type is not None and self.key is not None:
            operation["entity_type"] = self.entity_type
            operation["entity_key"] = [self.key]
        return operation


Operation: TypeAlias = (
    ServerInformationOp
    | SchemasOp
    | WidgetUrlOp
    | QueryOp
    | CreateOp
    | UpdateOp
    | DeleteOp
    | ResetRemoteOp
    | UploadMetadataOp
    | CompleteUploadOp
    | EncodeMediaOp
)
"""One typed operation."""

RawOperation: TypeAlias = Mapping[str, JSON]
"""An operation as a JSON object, for actions without a typed class."""

OperationLike: TypeAlias = Operation | RawOperation
"""What a batch may hold."""


def encode_batch(operations: Sequence[OperationLike]) -> list[JSONObject]:
    """The batch as JSON objects: ``to_json()`` of typed operations, raw ones as they are."""
    return [dict(op) if isinstance(op, Mapping) else op.to_json() for op in operations]


# --- validation ---------------------------------------------------------------------------


def _invalid_action(action: object) -> ServerCompatibilityError:
    """ftrack's answer to an action it does not know (the client matches this text)."""
    msg = f"Invalid action u'{action}'"
    return ServerCompatibilityError(msg, exception="ServerError")


def _string(operation: Mapping[str, Any], name: str) -> str:
    value = operation.get(name)
    if not isinstance(value, str) or not value:
        msg = f"{operation.get('action')}: {name!r} must be a non-empty string, got {value!r}"
        raise ValidationError(msg)
    return value


def _key(operation: Mapping[str, Any]) -> tuple[str, ...]:
    value = operation.get("entity_key")
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (str(value),)
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)
    ):
        return tuple(str(v) for v in value)
    msg = (
        f"{operation.get('action')}: 'entity_key' must be a list of primary key values, "
        f"got {value!r}"
    )
    raise ValidationError(msg)


def _data(operation: Mapping[str, Any]) -> JSONObject:
    value = operation.get("entity_data", {})
    if not isinstance(value, dict):
        msg = f"{operation.get('action')}: 'entity_data' must be an object, got {value!r}"
        raise ValidationError(msg)
    return value


def _values(operation: Mapping[str, Any]) -> tuple[str, ...] | None:
    values = operation.get("values")
    if values is None:
        return None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        msg = f"'values' must be a list of strings, got {excerpt(values)}"
        raise ValidationError(msg)
    return tuple(values)


def _optional_string(operation: Mapping[str, Any], name: str) -> str | None:
    if operation.get(name) is None:
        return None
    return _string(operation, name)


def _count(operation: Mapping[str, Any], name: str, action: str) -> int:
    value = operation.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        msg = f"{action}: {name!r} must be a whole number, got {excerpt(value)}"
        raise ValidationError(msg)
    return value


SEARCH_ACTION = "search"
"""ftrack's full-text search: a read ftorm's server does not implement (sent raw)."""

OPERATIONS: Mapping[str, type[Operation]] = MappingProxyType(
    {cls.action: cls for cls in get_args(Operation)}
)
"""Every typed operation class by its action: the one table `validate` reads."""

READ_ACTIONS: frozenset[str] = frozenset(
    {action for action, cls in OPERATIONS.items() if cls.read_only} | {SEARCH_ACTION}
)
"""Actions that change nothing on the server: a batch of only these may be retried by a
client, and is answered beside writers by a server."""


def is_read_only(batch: Sequence[Any]) -> bool:
    """True when every operation of a JSON batch is one of `READ_ACTIONS` (False for a
    malformed one: the batch is then refused where it is validated)."""
    return all(
        isinstance(op, dict) and isinstance(op.get("action"), str) and op["action"] in READ_ACTIONS
        for op in batch
    )


INT64_MIN: int = -(2**63)
"""The smallest integer a value may be (ftrack's integers are 64-bit)."""
INT64_MAX: int = 2**63 - 1
"""The largest integer a value may be."""


def _check_text(text: str, where: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        msg = (
            f"{where} holds a lone surrogate ({text[error.start]!r} at position {error.start}), "
            f"which is not valid Unicode: {excerpt(text)}"
        )
        raise ValidationError(msg) from None


def check_integer(value: int, where: str = "") -> None:
    """Refuse an integer beyond 64 bits (`ValidationError`, prefixed with ``where``)."""
    if not INT64_MIN <= value <= INT64_MAX:
        msg = (
            f"{where + ': ' if where else ''}the integer {excerpt(value)} is out of range: "
            f"integers must lie between {INT64_MIN} and {INT64_MAX}"
        )
        raise ValidationError(msg)


def check_values(value: JSON) -> None:
    """Refuse what no ftrack value can be, anywhere in ``value``: integers beyond 64 bits,
    NaN and infinities, and text (values or keys) holding lone surrogates.

    Raises:
        ValidationError: naming the first such value.
    """
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item, "a text")
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            check_integer(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                msg = f"{item!r} is not a number a value can hold"
                raise ValidationError(msg)
        elif isinstance(item, dict):
            for key, member in item.items():
                if isinstance(key, str):
                    _check_text(key, "an attribute name")
                stack.append(member)
        elif isinstance(item, list):
            stack.extend(item)


def _widget_url(operation: Mapping[str, Any]) -> WidgetUrlOp:
    name = _string(operation, "name")
    if name not in WIDGETS:
        msg = f"get_widget_url: 'name' must be one of {', '.join(WIDGETS)}, got {excerpt(name)}"
        raise ValidationError(msg)
    theme = operation.get("theme")
    if theme is not None and theme not in THEMES:
        msg = f"get_widget_url: 'theme' must be 'light' or 'dark', got {excerpt(theme)}"
        raise ValidationError(msg)
    entity_type = _optional_string(operation, "entity_type")
    raw = operation.get("entity_key")
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    if raw is not None and not isinstance(raw, str):
        msg = f"get_widget_url: 'entity_key' must be the entity's id, got {excerpt(raw)}"
        raise ValidationError(msg)
    if (entity_type is None) != (raw is None):
        msg = "get_widget_url: give both 'entity_type' and 'entity_key', or neither"
        raise ValidationError(msg)
    return WidgetUrlOp(name, theme, entity_type, raw)


def validate(operation: JSON) -> Operation:
    """Check one received operation and return it as its typed class.

    Raises:
        ValidationError: when a field is missing or has the wrong shape.
        ServerCompatibilityError: for an action ftorm's server does not implement.
    """
    if not isinstance(operation, dict):
        msg = f"an operation must be a JSON object, got {excerpt(operation)}"
        raise ValidationError(msg)
    action = operation.get("action")
    if not isinstance(action, str):
        msg = f"an operation needs an 'action' string, got {excerpt(action)}"
        raise ValidationError(msg)
    check_values(operation)
    kind = OPERATIONS.get(action)
    if kind is None:
        raise _invalid_action(action)
    return kind.from_json(operation)
