"""The runtime field objects: `Field` and its kinds `Attr`, `Ref` and `Many`.

A model field is written ``name: Attr[str] = attr(default="")`` (`ftorm.model.fields`): the
annotation tells type checkers what class access (a typed column or path) and instance access
(the value) give; the specifier on the right-hand side *is* an instance of the class here,
carrying the runtime metadata (server name, primary key, default, immutability, relation
target). The model removes it from the class body and keeps it in ``Model.__ftorm_fields__``,
so instance reads are plain ``__dict__`` loads. The typed ``__get__``/``__set__`` exist for
checkers only.

Everything that depends on other classes (the value type of an annotation, a relation's
target class, the inverse side of a relationship) is resolved lazily, on first use, so
models may refer to classes defined later (``from __future__ import annotations``).
"""

from __future__ import annotations

import datetime
import decimal
import enum
import sys
import typing
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, Literal, TypeVar, overload

from ftorm._typing import arrow_class
from ftorm.errors import InvalidValueError, UnknownTypeError
from ftorm.model.checks import NONE_TYPE, make_scalar_check, union_members
from ftorm.query.expressions import Column, StrColumn, TimeColumn, ValueCheck

if TYPE_CHECKING:
    import arrow

    from ftorm.model.base import Model
    from ftorm.model.relations import Related

__all__ = ["MISSING", "UNSET", "Attr", "Field", "Many", "Ref", "new_id"]

T = TypeVar("T")
M = TypeVar("M")


class _Sentinel(enum.Enum):
    UNSET = "UNSET"
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return self.value

    def __bool__(self) -> bool:
        return False


UNSET: Final[Any] = _Sentinel.UNSET
"""``attr(default=UNSET)``: optional in the constructor, and left unset (the server decides)."""

MISSING: Final[Any] = _Sentinel.MISSING
"""Internal: "no value" (an attribute not in an instance, a specifier without ``default=``)."""


def new_id() -> str:
    """A new random entity id (a UUID4 string), as ftrack's ``{uid}`` default."""
    import uuid  # imported on first use: it costs start-up time (and loads platform)

    return str(uuid.uuid4())


class Field(Generic[T]):
    """Runtime metadata of one model field (base of `Attr`, `Ref`, `Many`).

    ``name`` is the Python attribute name, ``key`` the server-side attribute name.
    """

    kind: ClassVar[str] = "field"

    __slots__ = (
        "_check",
        "_resolved",
        "annotation",
        "computed",
        "default",
        "factory",
        "immutable",
        "key",
        "name",
        "owner",
        "primary_key",
        "py_type",
    )

    def __init__(
        self,
        *,
        primary_key: bool = False,
        default: Any = MISSING,
        factory: Callable[[], Any] | None = None,
        name: str | None = None,
        immutable: bool = False,
        computed: bool = False,
        py_type: Any = MISSING,
    ) -> None:
        if default is not MISSING and factory is not None:
            msg = "give a field default= or factory=, not both"
            raise InvalidValueError(msg)
        self.primary_key: bool = primary_key
        self.default: Any = default
        self.factory: Callable[[], Any] | None = factory
        self.key: str = name or ""
        self.name: str = name or ""
        self.immutable: bool = immutable or primary_key  # keys never change once set
        self.computed: bool = computed
        self.py_type: Any = py_type
        self.owner: type[Model] | None = None
        self.annotation: Any = None
        self._check: ValueCheck | None = None
        self._resolved = False

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        if not self.key:
            self.key = name

    def bind(self, owner: type[Model], name: str, annotation: Any) -> None:
        """Attach to the class that declares it (called by ``Model.__init_subclass__``)."""
        self.owner = owner
        self.name = name
        if not self.key:
            self.key = name
        self.annotation = annotation

    @property
    def required(self) -> bool:
        """True when the constructor must be given this field (no ``default=``/``factory=``)."""
        return self.default is MISSING and self.factory is None

    @property
    def label(self) -> str:
        """``Model.name`` for messages."""
        owner = self.owner.__name__ if self.owner is not None else "?"
        return f"{owner}.{self.name}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label}>"

    # --- lazy resolution ------------------------------------------------------------------

    def annotated_type(self) -> Any:
        """The ``T`` of ``Attr[T]``/``Ref[T]``/``Many[T]``, evaluated; MISSING if unknown."""
        if self.py_type is not MISSING:
            return self.py_type
        annotation = self.annotation
        if annotation is None:
            return MISSING
        if isinstance(annotation, str):
            annotation = _evaluate(annotation, self.owner)
            if annotation is MISSING:
                return MISSING
        if typing.get_origin(annotation) in (Attr, Ref, Many):
            args = typing.get_args(annotation)
            return args[0] if args else Any
        return annotation

    def resolve(self) -> None:
        """Work out everything that depends on other classes (done once, on first use)."""
        if not self._resolved:
            self._resolve()
            self._resolved = True

    def _resolve(self) -> None:
        raise NotImplementedError

    def check(self, value: object, model: type | None = None) -> object:
        """Validate (and normalise) a value for this field; raises `InvalidValueError`.

        ``model`` names the class in the message (default: the class declaring the field).
        """
        if not self._resolved:
            self.resolve()
        check = self._check
        if check is None:
            return value
        try:
            return check(value)
        except InvalidValueError as error:
            owner = model.__name__ if model is not None else self.label.partition(".")[0]
            msg = f"{owner}.{self.name} {error}"
            raise InvalidValueError(msg) from None

    @property
    def validator(self) -> ValueCheck | None:
        """The raw value check (None when anything goes); its errors carry no attribute name."""
        if not self._resolved:
            self.resolve()
        return self._check


def _evaluate(text: str, owner: type[Model] | None) -> Any:
    namespace: dict[str, Any] = {
        "Attr": Attr,
        "Ref": Ref,
        "Many": Many,
        "Any": Any,
        "Literal": Literal,
        "Optional": typing.Optional,
        "Union": typing.Union,
        "datetime": datetime,
        "decimal": decimal,
    }
    if "arrow" in text:  # an annotation naming arrow.Arrow: dates will be converted
        import arrow

        namespace["arrow"] = arrow
    if owner is not None:
        registry = owner.__ftorm_registry__
        namespace.update(registry.classes())
        module = sys.modules.get(owner.__module__)
        if module is not None:
            namespace.update(vars(module))
        namespace.setdefault(owner.__name__, owner)
    try:
        return eval(text, namespace)  # annotations are code the model's author wrote
    except Exception:
        return MISSING


class _OnlyAny:
    """Never a value type: only ``Attr[Any]`` matches ``Attr[_OnlyAny]`` (checkers only)."""


# --- Attr -----------------------------------------------------------------------------------


class Attr(Field[T]):
    """A scalar attribute: ``name: Attr[str] = attr(default="")``.

    Class access (``Project.name``) is a typed column (`StrColumn` for text, `TimeColumn` for
    ``arrow.Arrow``, `Column` otherwise); instance access is the value.
    """

    kind: ClassVar[str] = "attr"

    __slots__ = ("column_class", "passes_int", "passes_text")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.column_class: type[Column[Any]] = Column
        self.passes_text: bool = False
        """True when every `str` is a valid value, kept as it is (``Attr[str | None]``)."""
        self.passes_int: bool = False
        """True when every `int` (not `bool`) is a valid value, kept as it is (``Attr[int]``,
        ``Attr[float]``)."""

    def _resolve(self) -> None:
        tp = self.annotated_type()
        self._check = None if tp is MISSING else make_scalar_check(tp)
        members = {m for m in union_members(tp) if m is not NONE_TYPE and m is not None}
        self.passes_text = str in members
        self.passes_int = bool not in members and bool(members & {int, float})
        if members == {str}:
            self.column_class = StrColumn
        elif members and members <= {arrow_class(), datetime.datetime}:
            self.column_class = TimeColumn

    if TYPE_CHECKING:
        # Class access gives a column whose class depends on T; instance access gives T.
        # ``Attr[Any]`` matches every self-typed overload, so it is caught first by one only
        # ``Any`` can match: a plain column, with no text- or date-only operators.
        @overload
        def __get__(self: Attr[_OnlyAny], obj: None, owner: Any) -> Column[Any]: ...
        @overload
        def __get__(self: Attr[str], obj: None, owner: Any) -> StrColumn[str]: ...
        @overload
        def __get__(self: Attr[str | None], obj: None, owner: Any) -> StrColumn[str | None]: ...
        @overload
        def __get__(self: Attr[arrow.Arrow], obj: None, owner: Any) -> TimeColumn[arrow.Arrow]: ...
        @overload
        def __get__(
            self: Attr[arrow.Arrow | None], obj: None, owner: Any
        ) -> TimeColumn[arrow.Arrow | None]: ...
        @overload
        def __get__(self, obj: None, owner: Any) -> Column[T]: ...
        # Two instance overloads (the same T) mark the descriptor asymmetric for pyright, so
        # ``p.name = "x"`` does not narrow later reads of ``p.name`` to ``Literal["x"]``: the
        # attribute holds whatever the server answers next. Ref and Many do the same.
        @overload
        def __get__(self, obj: Model, owner: Any) -> T: ...
        @overload
        def __get__(self, obj: object, owner: Any) -> T: ...
        def __get__(self, obj: object, owner: Any) -> Any: ...
        def __set__(self, obj: object, value: T) -> None: ...


# --- Ref --------------------------------------------------------------------------------------


class Ref(Field[T]):
    """A reference to one related entity: ``status: Ref[Status | None] = ref("Status")``.

    Class access is a path typed as the target class (``Shot.parent.name``, ``.has(...)``,
    ``.as_(Sequence)``); instance access is the related entity (or None).
    """

    kind: ClassVar[str] = "ref"

    __slots__ = ("_inverse", "_target", "nullable", "target_name")

    def __init__(self, target: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.target_name: str | None = target
        self._target: type[Model] | None = None
        self._inverse: Many[Any] | _Sentinel | None = MISSING
        self.nullable: bool = True

    @property
    def target(self) -> type[Model]:
        """The class of the related entity."""
        if not self._resolved:
            self.resolve()
        assert self._target is not None
        return self._target

    def _resolve(self) -> None:
        tp = self.annotated_type()
        members = [] if tp is MISSING else list(union_members(tp))
        classes = [m for m in members if m is not NONE_TYPE and m is not None]
        if self.target_name is not None:
            self._target = _lookup(self, self.target_name)
        elif len(classes) == 1 and isinstance(classes[0], type):
            self._target = classes[0]
        else:
            msg = (
                f"cannot tell the target of {self.label}: give it as ref('EntityName'), "
                "or make the annotation resolvable at runtime"
            )
            raise InvalidValueError(msg)
        if members:
            self.nullable = len(classes) < len(members) or self.default is None
        target = self._target

        def check(value: object) -> object:
            if value is None:
                if self.nullable:
                    return None
            elif isinstance(value, target):
                return value
            msg = (
                f"expects {target.__name__}{' or None' if self.nullable else ''}, "
                f"got {type(value).__name__}: {value!r}"
            )
            raise InvalidValueError(msg)

        self._check = check

    def inverse(self) -> Many[Any] | None:
        """The collection on the target that lists entities through this reference, if known.

        Found among the target's `Many` fields whose ``backref`` names this field.
        """
        inverse = self._inverse
        if inverse is MISSING:
            inverse = None
            owner = self.owner
            for field in self.target.__ftorm_fields__.values():
                if isinstance(field, Many) and field.backref == self.name:
                    other = field.target
                    if owner is not None and (issubclass(owner, other) or issubclass(other, owner)):
                        inverse = field
                        break
            self._inverse = inverse
        return inverse  # type: ignore[return-value]

    if TYPE_CHECKING:
        # Overload order matters: the ``M | None`` form first (see guides/typing.md 2.3).
        @overload
        def __get__(self: Ref[M | None], obj: None, owner: Any) -> type[M]: ...
        @overload
        def __get__(self: Ref[M], obj: None, owner: Any) -> type[M]: ...
        @overload
        def __get__(self, obj: Model, owner: Any) -> T: ...
        @overload
        def __get__(self, obj: object, owner: Any) -> T: ...
        def __get__(self, obj: object, owner: Any) -> Any: ...
        def __set__(self, obj: object, value: T) -> None: ...


# --- Many -------------------------------------------------------------------------------------


class Many(Field[M]):
    """A collection of related entities: ``children: Many[Context] = many("Context")``.

    Class access is a path typed as the target class (``Project.children.any(...)``,
    ``Project.children.name`` for projections); instance access is a `Related` list whose
    changes keep the inverse reference (``backref``) in sync.
    """

    kind: ClassVar[str] = "many"

    __slots__ = ("_target", "backref", "key_value", "target_name")

    def __init__(
        self,
        target: str | None = None,
        *,
        backref: str | None = None,
        key_value: tuple[str, str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.target_name: str | None = target
        self.backref: str | None = backref
        self.key_value: tuple[str, str] | None = key_value
        self._target: type[Model] | None = None

    @property
    def target(self) -> type[Model]:
        """The class of the entities in the collection."""
        if not self._resolved:
            self.resolve()
        assert self._target is not None
        return self._target

    def _resolve(self) -> None:
        if self.target_name is not None:
            self._target = _lookup(self, self.target_name)
        else:
            tp = self.annotated_type()
            if not isinstance(tp, type):
                msg = (
                    f"cannot tell the target of {self.label}: give it as many('EntityName'), "
                    "or make the annotation resolvable at runtime"
                )
                raise InvalidValueError(msg)
            self._target = tp
        target = self._target

        def check(value: object) -> object:
            if isinstance(value, target):
                return value
            msg = f"holds {target.__name__} entities, got {type(value).__name__}: {value!r}"
            raise InvalidValueError(msg)

        self._check = check

    def inverse(self) -> Ref[Any] | None:
        """The reference on each element that points back at the owner (``backref``)."""
        if self.backref is None:
            return None
        field = self.target.__ftorm_fields__.get(self.backref)
        if not isinstance(field, Ref):
            msg = (
                f"{self.label}: backref {self.backref!r} is not a ref() field of "
                f"{self.target.__name__}"
            )
            raise InvalidValueError(msg)
        return field

    if TYPE_CHECKING:

        @overload
        def __get__(self, obj: None, owner: Any) -> type[M]: ...
        @overload
        def __get__(self, obj: Model, owner: Any) -> Related[M]: ...
        @overload
        def __get__(self, obj: object, owner: Any) -> Related[M]: ...
        def __get__(self, obj: object, owner: Any) -> Any: ...
        def __set__(self, obj: object, value: Iterable[M]) -> None: ...


def _lookup(field: Field[Any], target: str) -> type[Model]:
    owner = field.owner
    if owner is None:
        msg = f"{field!r} is not part of a model"
        raise InvalidValueError(msg)
    try:
        return owner.__ftorm_registry__.lookup(target)
    except UnknownTypeError as error:
        msg = f"{field.label} refers to {error}"
        raise UnknownTypeError(msg) from None
