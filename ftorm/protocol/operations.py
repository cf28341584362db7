"""ftrack API operations as typed values: what a client sends, and what a server validates.

Each class is one action. A client builds them (``QueryOp("select name from Task")``), a
transport turns a batch into JSON objects with `encode_batch` (``to_json`` of each), and a
server turns each received JSON object back into the same class with `validate`, which raises
`ftorm.errors.ValidationError` (or `ftorm.errors.ServerCompatibilityError` for an unknown
action) with a message that says what is wrong. ``validate(op.to_json()) == op`` for every
operation. The fields of a received object are read and checked in `ftorm.protocol.fields`;
this module holds the classes and the one table of actions.

A batch may also hold raw JSON objects (`RawOperation`) for actions ftorm does not model
(``search``, ``permissions`` ...): `encode_batch` passes them through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, TypeAlias, get_args

import attrs

from ftorm._typing import JSON, JSONObject
from ftorm.errors import ValidationError, excerpt
from ftorm.protocol import fields
from ftorm.protocol.fields import INT64_MAX as INT64_MAX
from ftorm.protocol.fields import INT64_MIN as INT64_MIN
from ftorm.protocol.fields import check_integer, check_values

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
        return cls(fields.string_list(operation, "values"))

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
        return cls(fields.string(operation, "expression"))

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
        key = fields.entity_key(operation) if operation.get("entity_key") is not None else None
        return cls(fields.string(operation, "entity_type"), fields.entity_data(operation), key)

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
        key = fields.entity_key(operation)
        return cls(fields.string(operation, "entity_type"), key, fields.entity_data(operation))

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
        key = fields.entity_key(operation)
        return cls(fields.string(operation, "entity_type"), key)

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
        key = fields.entity_id(operation, cls.action, empty=False)
        reset_type = fields.string(operation, "reset_type")
        return cls(reset_type, fields.optional_string(operation, "entity_type"), key)

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
            fields.string(operation, "component_id"),
            fields.string(operation, "file_name"),
            fields.whole_number(operation, "file_size", cls.action),
            fields.optional_string(operation, "checksum"),
            None if parts is None else fields.whole_number(operation, "parts", cls.action),
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
        parts = tuple(UploadPart(*part) for part in fields.upload_parts(operation, cls.action))
        component = fields.string(operation, "component_id")
        return cls(component, fields.string(operation, "upload_id"), parts)

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
        keep = fields.flag(operation, "keep_original", cls.action, True)
        version = fields.optional_string(operation, "version_id")
        return cls(fields.string(operation, "component_id"), version, keep)

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
        name = fields.string(operation, "name")
        if name not in WIDGETS:
            msg = f"{cls.action}: 'name' must be one of {', '.join(WIDGETS)}, got {excerpt(name)}"
            raise ValidationError(msg)
        theme = operation.get("theme")
        if theme is not None and theme not in THEMES:
            msg = f"{cls.action}: 'theme' must be 'light' or 'dark', got {excerpt(theme)}"
            raise ValidationError(msg)
        entity_type = fields.optional_string(operation, "entity_type")
        key = fields.entity_id(operation, cls.action, empty=True)
        if (entity_type is None) != (key is None):
            msg = f"{cls.action}: give both 'entity_type' and 'entity_key', or neither"
            raise ValidationError(msg)
        return cls(name, theme, entity_type, key)

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
    """True when every operation of a batch (JSON objects or typed operations) is one of
    `READ_ACTIONS` (False for a malformed one: the batch is then refused where it is
    validated)."""
    return all(_action_of(op) in READ_ACTIONS for op in batch)


def _action_of(op: object) -> str | None:
    if isinstance(op, dict):
        action = op.get("action")
        return action if isinstance(action, str) else None
    action = getattr(type(op), "action", None)
    return action if type(op) in _TYPED and isinstance(action, str) else None


_TYPED: frozenset[type] = frozenset(OPERATIONS.values())


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
        raise fields.invalid_action(action)
    return kind.from_json(operation)
