"""ftrack_api's everyday session conveniences: ``ensure``, ``refresh``, ``reset_remote`` and
``get_widget_url``, written over a session's public calls.

`ensure` follows ``ftrack_api.Session.ensure``: it queries for the entity whose
identifying values (by default every value given) equal those given; when one is found, the
other values are written to it where they differ and the session is committed if anything
changed; when none is found, the entity is created with every value and the session is
committed; when several are found, `ftorm.MultipleResultsError` is raised and nothing changes.
Unlike ftrack_api, the identifying values may be entities (``parent=shot``), compared by key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ftorm._typing import JSONObject
from ftorm.errors import (
    InvalidValueError,
    MultipleResultsError,
    NotFoundError,
    ServerError,
    excerpt,
)
from ftorm.model.base import Model
from ftorm.model.fields import Many
from ftorm.model.state import changes, hook_of, loaded, set_committed
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.protocol.operations import THEMES, WIDGETS, QueryOp, ResetRemoteOp, WidgetUrlOp
from ftorm.protocol.results import read_query
from ftorm.query import ast
from ftorm.query.aggregates import Grouped, Row
from ftorm.query.builder import Query
from ftorm.query.render import render
from ftorm.session.loading import class_info
from ftorm.session.queries import by_keys, key_of

if TYPE_CHECKING:
    from ftorm.session.writing import WritingSession

__all__ = ["aggregate", "ensure", "get_widget_url", "refresh", "reset_remote"]


def ensure(
    session: WritingSession,
    cls: type[Any],
    identifying_keys: Sequence[str] | None,
    values: dict[str, Any],
) -> Any:
    """The entity of ``cls`` whose ``identifying_keys`` values equal those in ``values``,
    updated with the other ``values``, or a new one made of ``values``; committed when
    anything was created or changed (see the module's text).

    Raises:
        InvalidValueError: no identifying key (no values given), or an identifying key
            without a value in ``values``.
        MultipleResultsError: more than one entity matches; nothing is changed.
        UnknownAttributeError: a key that is not an attribute of ``cls``.
    """
    if isinstance(identifying_keys, str):
        identifying_keys = (identifying_keys,)
    keys = list(identifying_keys) if identifying_keys else list(values)
    if not keys:
        msg = (
            f"ensure({cls.__name__}): no identifying data to look the entity up by; "
            "give values (and identifying_keys naming some of them)"
        )
        raise InvalidValueError(msg)
    lacking = [key for key in keys if key not in values]
    if lacking:
        msg = f"ensure({cls.__name__}): identifying keys without a value: {excerpt(lacking)}"
        raise InvalidValueError(msg)
    query: Query[Any] = session.query(cls).where(**{key: values[key] for key in keys})
    found = query.limit(2).all()
    if len(found) > 1:
        msg = f"ensure({cls.__name__}): more than one entity matches {query}"
        raise MultipleResultsError(msg)
    if not found:
        obj = session.create(cls, **values)
        session.commit()
        return obj
    obj = found[0]
    updated = False
    with session.lock:
        for name, value in values.items():
            if name in keys:
                continue
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                updated = True
    if updated:
        session.commit()
    return obj


def _check_held(session: WritingSession, obj: Model, what: str) -> type[Model]:
    if not isinstance(obj, Model):
        msg = f"{what} takes an entity, not {excerpt(obj)}"  # type: ignore[unreachable]
        raise InvalidValueError(msg)
    if hook_of(obj) is not session:
        msg = f"{what}: {obj!r} does not belong to this session"
        raise InvalidValueError(msg)
    return type(obj)


def refresh(session: WritingSession, obj: Model, created: bool) -> list[JSONObject]:
    """The rows read again for ``obj``: every attribute it holds (its default projections
    when it holds none but its key), by key, in one request. ``created`` (a new object,
    not on the server yet) is refused.

    Raises:
        InvalidValueError: ``obj`` is new, or not an entity of ``session``.
        NotFoundError: the server has no such entity any more.
    """
    cls = _check_held(session, obj, "session.refresh()")
    if created:
        msg = f"session.refresh(): {obj!r} is new, not on the server yet: commit it first"
        raise InvalidValueError(msg)
    fields = cls.__ftorm_fields__
    info = class_info(cls)
    names = [fields[name].key for name in loaded(obj) if name in fields]
    keys = [key for key in names if key not in info.pk_keys]
    if not keys:
        keys = [key for key in session._default_projections(cls) if key not in info.pk_keys]
    paths = [ast.Path.of(key) for key in (*info.pk_keys, *keys)]
    text = render(by_keys(cls, paths, [key_of(obj)]))
    rows = read_query(session.call([QueryOp(text)])[0]).data
    if not rows:
        msg = f"{obj!r} no longer exists on the server"
        raise NotFoundError(msg)
    return rows


def reset_remote(session: WritingSession, reset_type: str, entity: Model | None) -> Any:
    """Send ``reset_remote`` for ``reset_type`` of ``entity``; the server's new value,
    stored on ``entity`` when it is one of its attributes without a pending change.

    Raises:
        InvalidValueError: ``reset_type`` is not a non-empty string, or ``entity`` is not
            an entity of ``session``.
        ServerError: the server refused (an attribute without a default, say).
    """
    if not isinstance(reset_type, str) or not reset_type:
        msg = f"reset_remote() takes an attribute name, not {excerpt(reset_type)}"
        raise InvalidValueError(msg)
    if entity is None:
        op = ResetRemoteOp(reset_type)
    else:
        cls = _check_held(session, entity, "session.reset_remote()")
        key = key_of(entity)
        op = ResetRemoteOp(reset_type, cls.__ftorm_entity__ or "", str(key[0]))
    result = session.call([op])[0]
    if not isinstance(result, dict) or "data" not in result:
        msg = f"the server answered reset_remote with {excerpt(result)}"
        raise ServerError(msg)
    value = result["data"]
    if entity is not None:
        with session.lock:
            for name, field in type(entity).__ftorm_fields__.items():
                if field.key == reset_type and not isinstance(field, Many):
                    if name not in changes(entity) and not isinstance(value, Mapping):
                        set_committed(entity, name, value)
                    break
    return value


def aggregate(session: WritingSession, query: Grouped[Any]) -> list[Row]:
    """The rows of a grouped query (`ftorm.query.aggregates`), one request.

    Raises:
        InvalidValueError: ``query`` is not a `Grouped` query.
        ServerError: the server refuses it (ftrack: without ``strict_api``, or for an entity
            type it does not aggregate).
    """
    if not isinstance(query, Grouped):
        msg = f"session.aggregate() takes a Grouped query, not {excerpt(query)}"  # type: ignore[unreachable]  # untyped callers
        raise InvalidValueError(msg)
    node = query.ast
    rows = read_query(session.call([QueryOp(render(node))])[0]).data
    return [{key: value for key, value in row.items() if key != ENTITY_TYPE} for row in rows]


def get_widget_url(
    session: WritingSession,
    name: str,
    entity: Model | None,
    theme: Literal["light", "dark"] | None,
) -> str:
    """The URL of ftrack's widget ``name`` (``info``, ``tasks``, ``tasks_browser``) for
    ``entity``, from the ``get_widget_url`` action.

    Raises:
        InvalidValueError: an unknown widget or theme, or an entity of another session.
        ServerError: the server refused, or answered no URL.
    """
    if name not in WIDGETS:
        msg = f"get_widget_url(): the widget is one of {', '.join(WIDGETS)}, not {excerpt(name)}"
        raise InvalidValueError(msg)
    if theme is not None and theme not in THEMES:
        msg = f"get_widget_url(): theme is 'light' or 'dark', not {excerpt(theme)}"
        raise InvalidValueError(msg)
    operation = WidgetUrlOp(name, theme)
    if entity is not None:
        cls = _check_held(session, entity, "get_widget_url()")
        key = str(key_of(entity)[0])
        operation = WidgetUrlOp(name, theme, cls.__ftorm_entity__ or "", key)
    result = session.call([operation])[0]
    url = result.get("widget_url") if isinstance(result, dict) else None
    if not isinstance(url, str) or not url:
        msg = f"the server answered get_widget_url with {excerpt(result)}"
        raise ServerError(msg)
    return url
