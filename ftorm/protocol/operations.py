"""Typed builders and validators of ftrack API operation objects.

Builders (`query`, `create`, `update`, `delete`, `query_schemas`,
`query_server_information`) produce the dicts a batch is made of; `validate` checks a
received operation's shape and returns it as one of the typed views below, raising
`ftorm.errors.ValidationError` (or `ServerCompatibilityError` for an unknown action) with a
message that says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ftorm._typing import JSON, JSONObject, Operation
from ftorm.errors import ServerCompatibilityError, ValidationError

__all__ = [
    "ACTIONS",
    "CreateOp",
    "DeleteOp",
    "QueryOp",
    "SchemasOp",
    "ServerInformationOp",
    "UpdateOp",
    "ValidOperation",
    "create",
    "delete",
    "invalid_action",
    "query",
    "query_schemas",
    "query_server_information",
    "update",
    "validate",
]

ACTIONS = ("query_server_information", "query_schemas", "query", "create", "update", "delete")
"""The actions ftorm's server implements."""


# --- builders -----------------------------------------------------------------------------


def query(expression: str) -> Operation:
    """``{"action": "query", "expression": expression}``."""
    return {"action": "query", "expression": expression}


def query_schemas() -> Operation:
    return {"action": "query_schemas"}


def query_server_information(values: Sequence[str] | None = None) -> Operation:
    operation: Operation = {"action": "query_server_information"}
    if values is not None:
        operation["values"] = list(values)
    return operation


def create(
    entity_type: str, data: Mapping[str, JSON], key: Sequence[str] | None = None
) -> Operation:
    """A create; ``data`` should already be encoded (`ftorm.protocol.codec.encode`)."""
    operation: Operation = {
        "action": "create",
        "entity_type": entity_type,
        "entity_data": {"__entity_type__": entity_type, **data},
    }
    if key is not None:
        operation["entity_key"] = [str(k) for k in key]
    return operation


def update(entity_type: str, key: Sequence[str], data: Mapping[str, JSON]) -> Operation:
    return {
        "action": "update",
        "entity_type": entity_type,
        "entity_key": [str(k) for k in key],
        "entity_data": {"__entity_type__": entity_type, **data},
    }


def delete(entity_type: str, key: Sequence[str]) -> Operation:
    return {"action": "delete", "entity_type": entity_type, "entity_key": [str(k) for k in key]}


# --- validated views ----------------------------------------------------------------------


@attrs.frozen(slots=True)
class ServerInformationOp:
    values: tuple[str, ...] | None = None


@attrs.frozen(slots=True)
class SchemasOp:
    pass


@attrs.frozen(slots=True)
class QueryOp:
    expression: str


@attrs.frozen(slots=True)
class CreateOp:
    entity_type: str
    data: JSONObject
    key: tuple[str, ...] | None = None


@attrs.frozen(slots=True)
class UpdateOp:
    entity_type: str
    key: tuple[str, ...]
    data: JSONObject


@attrs.frozen(slots=True)
class DeleteOp:
    entity_type: str
    key: tuple[str, ...]


ValidOperation = ServerInformationOp | SchemasOp | QueryOp | CreateOp | UpdateOp | DeleteOp


def invalid_action(action: object) -> ServerCompatibilityError:
    """ftrack's answer to an action it does not know (the client matches this text)."""
    return ServerCompatibilityError(f"Invalid action u'{action}'", exception="ServerError")


def _string(operation: Mapping[str, Any], name: str) -> str:
    value = operation.get(name)
    if not isinstance(value, str) or not value:
        raise ValidationError(
            f"{operation.get('action')}: {name!r} must be a non-empty string, got {value!r}"
        )
    return value


def _key(operation: Mapping[str, Any], required: bool) -> tuple[str, ...] | None:
    value = operation.get("entity_key")
    if value is None and not required:
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (str(value),)
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)
    ):
        return tuple(str(v) for v in value)
    raise ValidationError(
        f"{operation.get('action')}: 'entity_key' must be a list of primary key values, "
        f"got {value!r}"
    )


def _data(operation: Mapping[str, Any]) -> JSONObject:
    value = operation.get("entity_data", {})
    if not isinstance(value, dict):
        raise ValidationError(
            f"{operation.get('action')}: 'entity_data' must be an object, got {value!r}"
        )
    return value


def validate(operation: JSON) -> ValidOperation:
    """Check one received operation and return its typed view."""
    if not isinstance(operation, dict):
        raise ValidationError(f"an operation must be a JSON object, got {operation!r}")
    action = operation.get("action")
    if not isinstance(action, str):
        raise ValidationError(f"an operation needs an 'action' string, got {action!r}")
    if action == "query":
        return QueryOp(_string(operation, "expression"))
    if action == "create":
        key = _key(operation, required=False)
        return CreateOp(_string(operation, "entity_type"), _data(operation), key)
    if action == "update":
        key = _key(operation, required=True)
        assert key is not None
        return UpdateOp(_string(operation, "entity_type"), key, _data(operation))
    if action == "delete":
        key = _key(operation, required=True)
        assert key is not None
        return DeleteOp(_string(operation, "entity_type"), key)
    if action == "query_schemas":
        return SchemasOp()
    if action == "query_server_information":
        values = operation.get("values")
        if values is None:
            return ServerInformationOp()
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValidationError(f"'values' must be a list of strings, got {values!r}")
        return ServerInformationOp(tuple(values))
    raise invalid_action(action)
