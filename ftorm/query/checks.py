"""Argument checks of the query builder (`ftorm.query.builder`), kept apart from it.

Duck-typed like the builder: a model is anything with ``__ftorm_entity__``.
"""

from __future__ import annotations

from ftorm.errors import InvalidValueError

__all__ = ["check_roots", "count_arg", "entity_of", "name_of", "roots_of"]


def entity_of(model: object) -> str:
    """The entity type name a model declares (``__ftorm_entity__``)."""
    entity = getattr(model, "__ftorm_entity__", None)
    if not isinstance(entity, str):
        msg = f"{model!r} is not an entity model (it declares no entity=...)"
        raise InvalidValueError(msg)
    return entity


def name_of(model: object) -> str:
    """The name a model is shown by in messages."""
    return getattr(model, "__name__", None) or repr(model)


def check_roots(model: object, roots: tuple[type, ...], what: str) -> None:
    """Refuse a criterion, path or key built on a class that is not ``model`` or a base."""
    for root in roots:
        if root is not model and isinstance(model, type) and not issubclass(model, root):
            msg = (
                f"{what} is built on {root.__name__}, which is not {model.__name__} or one of "
                f"its bases; build it from {model.__name__} (e.g. {model.__name__}.name)"
            )
            raise InvalidValueError(msg)


def roots_of(model: object) -> tuple[type, ...]:
    """The roots an expression built on ``model`` has."""
    return (model,) if isinstance(model, type) else ()


def count_arg(method: str, value: int | None) -> int | None:
    """``value`` checked as a non-negative int (None passes) for ``method``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"{method}() takes a non-negative int, got {value!r}"
        raise InvalidValueError(msg)
    return value
