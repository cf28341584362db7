"""What one server has: its information, its schema, and a model class for each of its types.

Fetched with one request on first use (``query_server_information`` and ``query_schemas``
together); classes come from the generated models where they exist and are built from the
served schema for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ftorm._typing import JSON
from ftorm.errors import UnknownTypeError
from ftorm.model.base import Model
from ftorm.model.dynamic import build_models
from ftorm.model.registry import REGISTRY
from ftorm.protocol.operations import OperationLike, SchemasOp, ServerInformationOp
from ftorm.schema.load import load_schema
from ftorm.schema.types import Schema
from ftorm.session.loading import class_info

__all__ = ["Catalog"]


class Catalog:
    """A server's schema and model classes, fetched through ``call`` on first use."""

    __slots__ = ("_call", "_information", "_models", "_scalars", "_schema", "_types")

    def __init__(
        self,
        call: Callable[[Sequence[OperationLike]], list[JSON]],
        models: Mapping[str, type[Model]] | None = None,
    ) -> None:
        self._call = call
        self._models = dict(models) if models is not None else None
        self._schema: Schema | None = None
        self._information: dict[str, Any] = {}
        self._types: dict[str, type[Model]] | None = None
        self._scalars: dict[type[Model], tuple[str, ...]] = {}

    @property
    def schema(self) -> Schema:
        """The server's schema."""
        if self._schema is None:
            info, documents = self._call([ServerInformationOp(), SchemasOp()])
            self._information = info if isinstance(info, dict) else {}
            self._schema = load_schema(documents)
        return self._schema

    @property
    def server_information(self) -> dict[str, Any]:
        """A copy of the server's ``query_server_information`` answer."""
        _ = self.schema
        return dict(self._information)

    @property
    def types(self) -> dict[str, type[Model]]:
        """A model class for every entity type of the server, by entity name."""
        if self._types is None:
            schema = self.schema
            existing = self._models
            if existing is None:
                import ftorm.models  # noqa: F401 - registers the generated standard classes

                existing = REGISTRY.classes()
            known = {name: cls for name, cls in existing.items() if name in schema.types}
            self._types = build_models(schema, existing=known)
        return self._types

    def class_or_none(self, name: str) -> type[Model] | None:
        """The class of entity type ``name``, or None."""
        return self.types.get(name)

    def class_of(self, name: str) -> type[Model]:
        """The class of entity type ``name``.

        Raises:
            UnknownTypeError: when the server has no such type.
        """
        cls = self.types.get(name)
        if cls is None:
            msg = f"the server has no entity type {name!r}"
            raise UnknownTypeError(msg)
        return cls

    def default_projections(self, cls: type[Model]) -> tuple[str, ...]:
        """What a query for ``cls`` loads when it names nothing: key, then the defaults."""
        found = self.schema.types.get(cls.__ftorm_entity__ or "")
        keys = class_info(cls).pk_keys
        if found is None:
            return keys
        return tuple(dict.fromkeys((*keys, *found.default_projections)))

    def scalar_projections(self, cls: type[Model]) -> tuple[str, ...]:
        """What loading a ``cls`` through a relation reads: key, then every scalar attribute.

        Scalars the server will not project (``restricted_projection``) are left out; so are
        attributes of the class that the server's type does not have.
        """
        found = self._scalars.get(cls)
        if found is not None:
            return found
        entity = self.schema.types.get(cls.__ftorm_entity__ or "")
        info = class_info(cls)
        if entity is None:
            found = info.pk_keys
        else:
            served = (p.name for p in entity.scalars() if not p.restricted_projection)
            found = tuple(dict.fromkeys((*info.pk_keys, *(k for k in served if k in info.scalars))))
        self._scalars[cls] = found
        return found
