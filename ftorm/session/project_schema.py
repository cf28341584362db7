"""A project schema's statuses and types, as ftrack_api's ``ProjectSchema.get_statuses`` and
``get_types`` answer them.

- ``Task``: the statuses of the override whose ``type_id`` is the task's type, else of the
  schema's task workflow; the types of its task type schema.
- ``AssetVersion``: the statuses of the version workflow (it has no types).
- Any other typed context (``Shot``, ``Sequence``, ``AssetBuild``, ...): the ``SchemaStatus``
  / ``SchemaType`` rows of the schema's object-type ``Schema`` whose ``type_id`` is the
  type's object type (the default ``object_type_id`` of its class).

Statuses and types come in the order the server keeps them (``sort``, where it has one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftorm.errors import InvalidValueError, NotFoundError, UnknownTypeError, excerpt
from ftorm.model.base import Model

if TYPE_CHECKING:
    from ftorm.session.session import Session

__all__ = ["get_statuses", "get_types"]

TASK = "Task"
VERSION = "AssetVersion"


def _read(obj: Model, key: str) -> Any:
    """The value of the attribute whose ftrack key is ``key`` (loaded when missing)."""
    for name, field in type(obj).__ftorm_fields__.items():
        if field.key == key:
            return getattr(obj, name)
    msg = f"{type(obj).__name__} has no attribute {key!r}: is this a ProjectSchema?"
    raise InvalidValueError(msg)


def _session(project_schema: Model) -> Session:
    from ftorm.model.state import hook_of
    from ftorm.session.session import Session

    if not isinstance(project_schema, Model) or type(project_schema).__ftorm_entity__ != (
        "ProjectSchema"
    ):
        msg = f"a ProjectSchema entity is needed, not {excerpt(project_schema)}"
        raise InvalidValueError(msg)
    session = hook_of(project_schema)
    if not isinstance(session, Session):
        msg = f"{project_schema!r} is not attached to a session"
        raise InvalidValueError(msg)
    return session


def _object_type_id(session: Session, schema: str) -> str:
    try:
        cls = session.types[schema]
    except KeyError:
        msg = f"schema {excerpt(schema)} is not an entity type of the server"
        raise UnknownTypeError(msg) from None
    for field in cls.__ftorm_fields__.values():
        if field.key == "object_type_id" and isinstance(getattr(field, "default", None), str):
            return str(field.default)
    msg = f"{schema} has no object type: it has no statuses or types in a project schema"
    raise InvalidValueError(msg)


def _rows(project_schema: Model, schema: str, member: str, target: str) -> list[Model]:
    session = _session(project_schema)
    object_type_id = _object_type_id(session, schema)
    for entry in _read(project_schema, "_schemas"):
        if _read(entry, "type_id") == object_type_id:
            rows = list(_read(entry, member))
            rows.sort(key=lambda row: _read(row, "sort") or 0)
            session.populate(rows, target)
            return [value for row in rows if (value := _read(row, target)) is not None]
    msg = f"{project_schema!r} has no schema for {schema}"
    raise NotFoundError(msg)


def get_statuses(project_schema: Model, schema: str, type_id: str | None = None) -> list[Model]:
    """The ``Status`` entities ``project_schema`` allows for entities of type ``schema``
    (``"Task"``, ``"AssetVersion"``, ``"Shot"`` ...); for a ``Task``, ``type_id`` (the id of
    its ``Type``) picks the workflow override for that type, if there is one.

    Raises:
        InvalidValueError: ``project_schema`` is not a ``ProjectSchema`` of a session, or
            ``schema`` has no object type.
        UnknownTypeError: ``schema`` is not an entity type of the server.
        NotFoundError: the project schema has no schema for that type, or no workflow.
    """
    _session(project_schema)
    if schema == TASK:
        if type_id is not None:
            for override in _read(project_schema, "_overrides"):
                if _read(override, "type_id") == type_id:
                    return _statuses(_read(override, "workflow_schema"), project_schema)
        return _statuses(_read(project_schema, "_task_workflow"), project_schema)
    if schema == VERSION:
        return _statuses(_read(project_schema, "_version_workflow"), project_schema)
    return _rows(project_schema, schema, "statuses", "task_status")


def _statuses(workflow: Model | None, project_schema: Model) -> list[Model]:
    if workflow is None:
        msg = f"{project_schema!r} has no such workflow"
        raise NotFoundError(msg)
    return list(_read(workflow, "statuses"))


def get_types(project_schema: Model, schema: str) -> list[Model]:
    """The ``Type`` entities ``project_schema`` allows for entities of type ``schema``:
    its task type schema's for ``"Task"``, the object-type schema's for the others.

    Raises:
        InvalidValueError, UnknownTypeError, NotFoundError: as `get_statuses`.
    """
    _session(project_schema)
    if schema == TASK:
        task_types = _read(project_schema, "_task_type_schema")
        if task_types is None:
            msg = f"{project_schema!r} has no task type schema"
            raise NotFoundError(msg)
        return list(_read(task_types, "types"))
    return _rows(project_schema, schema, "types", "task_type")
