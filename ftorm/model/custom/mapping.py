"""``shot["custom_attributes"]``: an entity's custom attributes as the ftrack_api-style
mapping, over the same values as ``shot.custom`` (`ftorm.model.custom.namespace`)."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, Protocol

from ftorm.errors import InvalidValueError, UnknownAttributeError, UnknownKeyError

__all__ = ["CustomAttributeMapping"]


class _Namespace(Protocol):
    """What the mapping reads and writes through: an entity's namespace (``shot.custom``)."""

    def __getitem__(self, key: str, /) -> Any: ...
    def __setitem__(self, key: str, value: Any, /) -> None: ...
    def _ftorm_keys(self) -> list[str]: ...


class CustomAttributeMapping(MutableMapping[str, Any]):
    """``shot["custom_attributes"]``: the entity's custom attributes by key, as ftrack_api
    exposes them; the same data as ``shot.custom`` (keys never set read their default)."""

    __slots__ = ("_namespace",)

    def __init__(self, namespace: _Namespace) -> None:
        self._namespace = namespace

    def __getitem__(self, key: str) -> Any:
        try:
            return self._namespace[key]
        except UnknownAttributeError as error:
            raise UnknownKeyError(error.model, key, error.candidates) from None

    def __setitem__(self, key: str, value: Any) -> None:
        try:
            self._namespace[key] = value
        except UnknownAttributeError as error:
            raise UnknownKeyError(error.model, key, error.candidates) from None

    def __delitem__(self, key: str) -> None:
        msg = (
            f"custom attribute {key!r} cannot be removed: set it to None to clear it "
            "(ftrack keeps one value per configuration)"
        )
        raise InvalidValueError(msg)

    def __iter__(self) -> Iterator[str]:
        return iter(self._namespace._ftorm_keys())

    def __len__(self) -> int:
        return len(self._namespace._ftorm_keys())

    def __repr__(self) -> str:
        return f"CustomAttributeMapping({dict(self)!r})"
