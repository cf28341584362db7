"""Class-level attribute access: columns and relationship paths.

``Shot.name`` is a column (`ftorm.query.expressions.Column` and subclasses). ``Shot.parent``
is a `RelationPath`: to a type checker it *is* the target class (``type[Context]``), so
``Shot.parent.name`` types and completes exactly; at runtime it is this small proxy that
prefixes the attribute path, and adds ``has``, ``any`` and ``as_``.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, NoReturn

from ftorm.errors import InvalidValueError, UnknownAttributeError
from ftorm.model.fields import Attr, Many
from ftorm.query import ast
from ftorm.query.criteria import _Related
from ftorm.query.expressions import Column, Expr, and_, kept_on_root

if TYPE_CHECKING:
    from ftorm.model.base import Model

__all__ = ["RelationPath", "column_for", "unknown_attribute"]


def unknown_attribute(model: type[Model], name: str) -> UnknownAttributeError:
    """`UnknownAttributeError` for ``model.name``, naming the closest field names."""
    candidates = tuple(difflib.get_close_matches(name, list(model.__ftorm_fields__), n=3))
    return UnknownAttributeError(model.__name__, name, candidates)


def column_for(
    model: type[Model], name: str, prefix: tuple[ast.Segment, ...], root: type[Model]
) -> Column[Any] | RelationPath:
    """The column or path for field ``name`` of ``model``, under ``prefix``, rooted at ``root``."""
    field = model.__ftorm_fields__.get(name)
    if field is None:
        raise unknown_attribute(model, name)
    field.resolve()
    path = ast.Path((*prefix, ast.Segment(field.key)))
    if isinstance(field, Attr):
        return field.column_class(
            path, root, field.validator, text=field.passes_text, number=field.passes_int
        )
    target = field.target  # type: ignore[attr-defined]
    return RelationPath(path, root, target, isinstance(field, Many))


def _key_criteria(path: ast.Path, root: type[Model], value: Model) -> Expr:
    cls = type(value)
    names = cls.__ftorm_primary_key__
    if not names:
        msg = f"{cls.__name__} declares no primary key to compare with"
        raise InvalidValueError(msg)
    exprs = []
    for name in names:
        field = cls.__ftorm_fields__[name]
        key = value.__dict__.get(name)
        if key is None:
            msg = f"{cls.__name__}.{name} has no value: cannot compare with it"
            raise InvalidValueError(msg)
        segment_path = ast.Path((*path.segments, ast.Segment(field.key)))
        exprs.append(Column(segment_path, root).__ftorm_equals__(key))
    return and_(*exprs)


class RelationPath:
    """A relationship reached from a model class: ``Shot.parent``, ``Project.children``."""

    __slots__ = (
        "__dict__",
        "_ftorm_casts",
        "_ftorm_many",
        "_ftorm_path",
        "_ftorm_path_text",
        "_ftorm_root",
        "_ftorm_target",
    )

    def __init__(self, path: ast.Path, root: type[Model], target: type[Model], many: bool) -> None:
        self._ftorm_path = path
        self._ftorm_root = root
        self._ftorm_target = target
        self._ftorm_many = many
        self._ftorm_path_text: str | None = None
        """The rendered path, kept once a query has selected it."""
        self._ftorm_casts: dict[type[Model], RelationPath] = {}
        """The paths `as_` gave, by subtype: the next cast (and the columns under it) is a
        lookup, not a rebuild."""

    @property
    def __ftorm_path__(self) -> ast.Path:
        return self._ftorm_path

    def __repr__(self) -> str:
        return (
            f"<RelationPath {self._ftorm_root.__name__}.{self._ftorm_path.dotted} "
            f"-> {self._ftorm_target.__name__}>"
        )

    if not TYPE_CHECKING:
        __get__ = kept_on_root  # kept as a class attribute of its root, as columns are

    def __getattr__(self, name: str) -> Column[Any] | RelationPath:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        found = column_for(self._ftorm_target, name, self._ftorm_path.segments, self._ftorm_root)
        # Kept in the instance's ``__dict__``: the next ``path.name`` is a plain attribute
        # read, with no failed lookup first. (Field names never clash with the methods here:
        # the model API's names are reserved, `ftorm.schema.naming.RESERVED_NAMES`.)
        self.__dict__[name] = found
        return found

    def _criteria(self, method: str, criteria: tuple[Expr, ...]) -> Expr | None:
        if not criteria:
            return None
        target = self._ftorm_target
        for criterion in criteria:
            if not isinstance(criterion, Expr):
                msg = (  # type: ignore[unreachable]  # untyped callers
                    f"{method}() takes criteria such as {target.__name__}.name == 'x', "
                    f"got {type(criterion).__name__}: {criterion!r}"
                )
                raise InvalidValueError(msg)
            for root in criterion.roots:
                if not (issubclass(target, root) or issubclass(root, target)):
                    msg = (
                        f"{self._ftorm_path.dotted}.{method}(...) holds {target.__name__} "
                        f"entities; a criterion built on {root.__name__} does not apply"
                    )
                    raise InvalidValueError(msg)
        return and_(*criteria)

    def has(self, *criteria: Expr) -> Expr:
        """``path has (criteria)``: the related entity satisfies all criteria."""
        if self._ftorm_many:
            msg = f"{self._ftorm_path.dotted} is a collection: use .any(...) instead of .has(...)"
            raise InvalidValueError(msg)
        inner = self._criteria("has", criteria)
        return _Related(self._ftorm_path, ast.RelationKind.HAS, inner, (self._ftorm_root,))

    def any(self, *criteria: Expr) -> Expr:
        """``path any (criteria)``: at least one element satisfies all criteria together."""
        if not self._ftorm_many:
            msg = (
                f"{self._ftorm_path.dotted} is a single reference: use .has(...) instead of "
                ".any(...)"
            )
            raise InvalidValueError(msg)
        inner = self._criteria("any", criteria)
        return _Related(self._ftorm_path, ast.RelationKind.ANY, inner, (self._ftorm_root,))

    def as_(self, subtype: type[Model]) -> RelationPath:
        """Cast the last segment to ``subtype``: ``parent[Sequence]``."""
        try:
            return self._ftorm_casts[subtype]
        except (KeyError, TypeError):  # not cast to it yet, or not a class (refused below)
            pass
        target = self._ftorm_target
        entity = getattr(subtype, "__ftorm_entity__", None)
        if not isinstance(subtype, type) or not issubclass(subtype, target) or entity is None:
            msg = (
                f"{self._ftorm_path.dotted}.as_() takes an entity model derived from "
                f"{target.__name__}, got {subtype!r}"
            )
            raise InvalidValueError(msg)
        *head, last = self._ftorm_path.segments
        path = ast.Path((*head, ast.Segment(last.name, entity)))
        cast = RelationPath(path, self._ftorm_root, subtype, self._ftorm_many)
        # Kept only for a subtype of the root's own model set: a session's dynamic classes
        # (another registry) must not be held alive by a path of the static models.
        if getattr(subtype, "__ftorm_registry__", None) is getattr(
            self._ftorm_root, "__ftorm_registry__", None
        ):
            self._ftorm_casts[subtype] = cast
        return cast

    def __ftorm_equals__(self, value: object) -> Expr:
        if value is None:
            node = ast.Comparison(self._ftorm_path, ast.Operator.EQ, ast.Null())
            return Expr(node, (self._ftorm_root,))
        if not isinstance(value, self._ftorm_target):
            msg = (
                f"{self._ftorm_root.__name__}.{self._ftorm_path.dotted} compares with a "
                f"{self._ftorm_target.__name__} entity, got {type(value).__name__}: {value!r}"
            )
            raise InvalidValueError(msg)
        return _key_criteria(self._ftorm_path, self._ftorm_root, value)

    def _misuse(self, what: str) -> NoReturn:
        msg = (
            f"{self._ftorm_root.__name__}.{self._ftorm_path.dotted} is a relationship path; "
            f"{what} only works on a model class such as {self._ftorm_root.__name__}"
        )
        raise InvalidValueError(msg)

    def where(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Always a `TypeError`: queries start from a model class (``Shot.where(...)``)."""
        self._misuse("where()")

    def select(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Always a `TypeError`: queries start from a model class (``Shot.select(...)``)."""
        self._misuse("select()")

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._misuse("calling it")
