"""Structures: where a location puts a component's file, as a resource identifier.

The same three structures as ftrack_api, with the same paths, so both clients find each
other's files:

- `StandardStructure`: ``project/contexts.../asset/v001/name.ext`` from the version's
  ``link`` (its context chain), sanitised for file systems; a sequence is
  ``.../name.%04d.ext`` and its members ``.../name.0042.ext``; a container is a folder
  ``.../name`` and its members ``.../name/member.ext``; a version published directly under
  its project goes under ``project_versions_prefix`` when one is set;
- `IdStructure`: from the component's id, ``1/2/3/4/56789....ext`` (sequence members
  ``.../file.0042.ext``), under ``prefix``;
- `OriginStructure`: the identifier the component has in the location it comes from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Protocol

from ftorm.errors import StructureError
from ftorm.model.base import Model

__all__ = [
    "IdStructure",
    "OriginStructure",
    "StandardStructure",
    "Structure",
    "entity_type_of",
    "is_container",
]

SOURCE_RESOURCE_IDENTIFIER = "source_resource_identifier"
"""The context key naming the identifier a component has in its source location."""


def entity_type_of(obj: Model) -> str:
    """The entity type name of ``obj`` (``"FileComponent"``)."""
    return type(obj).__ftorm_entity__ or type(obj).__name__


def is_container(component: Model) -> bool:
    """Whether ``component`` holds members (a container or a sequence)."""
    return "members" in type(component).__ftorm_fields__


def _get(obj: Model, name: str) -> Any:
    return getattr(obj, name)


class Structure(Protocol):
    """Names the file of a component in a location."""

    def get_resource_identifier(
        self, component: Model, context: Mapping[str, str] | None = None
    ) -> str:
        """The resource identifier of ``component``'s file.

        Raises:
            StructureError: when the component cannot be named.
        """
        ...


def _expression(sequence: Model) -> str:
    padding = _get(sequence, "padding")
    return f"%0{padding}d" if padding else "%d"


def _file_type(component: Model) -> str:
    value = _get(component, "file_type")
    return value if isinstance(value, str) else ""


class StandardStructure:
    """ftrack's standard structure: paths from the project hierarchy."""

    def __init__(
        self,
        project_versions_prefix: str | None = None,
        illegal_character_substitute: str | None = "_",
    ) -> None:
        self.project_versions_prefix: str | None = project_versions_prefix
        """The folder of versions published directly under their project (None: none)."""
        self.illegal_character_substitute: str | None = illegal_character_substitute
        """What replaces characters file systems handle badly; None keeps names as they are."""

    def sanitise_for_filesystem(self, value: str) -> str:
        """``value`` folded to ASCII, lower case, with every character other than letters,
        digits, ``_``, ``.`` and ``-`` replaced (as ftrack_api does)."""
        substitute = self.illegal_character_substitute
        if substitute is None:
            return value
        folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^\w\.-]", substitute, folded).strip().lower()

    def _parts(self, component: Model) -> list[str]:
        version = _get(component, "version")
        message = (
            f"{entity_type_of(component)} {_get(component, 'id')} must belong to a committed "
            "version of a committed asset with a parent context"
        )
        if version is None or _get(version, "id") is None:
            raise StructureError(message)
        link = _get(version, "link")
        asset = _get(version, "asset")
        if not link or asset is None:
            raise StructureError(message)
        project_name = str(link[0].get("name", ""))
        parts = [project_name]
        between = [str(item.get("name", "")) for item in link[1:-1]]
        if between:
            parts.extend(between)
        elif self.project_versions_prefix:
            parts.append(self.project_versions_prefix)
        parts.append(str(_get(asset, "name")))
        parts.append(f"v{int(_get(version, 'version') or 0):03d}")
        return [self.sanitise_for_filesystem(part) for part in parts]

    def get_resource_identifier(
        self, component: Model, context: Mapping[str, str] | None = None
    ) -> str:
        """``project/contexts.../asset/v001/<name><file_type>`` (see the module).

        Raises:
            StructureError: for a component without a committed version, or of a kind the
                structure cannot name.
        """
        kind = entity_type_of(component)
        name = str(_get(component, "name"))
        if kind == "SequenceComponent":
            parts = self._parts(component)
            parts.append(
                f"{self.sanitise_for_filesystem(name)}.{_expression(component)}"
                f"{self.sanitise_for_filesystem(_file_type(component))}"
            )
        elif is_container(component):
            parts = [*self._parts(component), self.sanitise_for_filesystem(name)]
        else:
            container = _get(component, "container")
            if container is None:
                parts = self._parts(component)
                parts.append(self.sanitise_for_filesystem(name + _file_type(component)))
            elif entity_type_of(container) == "SequenceComponent":
                folder = self.get_resource_identifier(container).rpartition("/")[0]
                member = f"{_get(container, 'name')}.{name}{_file_type(component)}"
                parts = [folder, self.sanitise_for_filesystem(member)]
            else:
                parts = [
                    self.get_resource_identifier(container),
                    self.sanitise_for_filesystem(name + _file_type(component)),
                ]
        return "/".join(parts)


class IdStructure:
    """Paths from the component's id: ``<prefix>/1/2/3/4/56789....ext``."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix: str = prefix
        """A folder every path starts with ("" for none)."""

    def get_resource_identifier(
        self, component: Model, context: Mapping[str, str] | None = None
    ) -> str:
        """The id-based path of ``component`` (see the module)."""
        ident = str(_get(component, "id"))
        kind = entity_type_of(component)
        head = [self.prefix, *ident[:4]]
        if kind == "SequenceComponent":
            parts = [*head, ident[4:], f"file.{_expression(component)}{_file_type(component)}"]
        elif is_container(component):
            parts = [*head, ident[4:]]
        else:
            container = _get(component, "container")
            if container is None:
                parts = [*head, ident[4:] + _file_type(component)]
            elif entity_type_of(container) == "SequenceComponent":
                folder = self.get_resource_identifier(container).rpartition("/")[0]
                parts = [folder, f"file.{_get(component, 'name')}{_file_type(component)}"]
            else:
                parts = [self.get_resource_identifier(container), ident + _file_type(component)]
        return "/".join(parts).strip("/")


class OriginStructure:
    """The identifier the component has where it comes from (``context``'s
    ``source_resource_identifier``)."""

    def get_resource_identifier(
        self, component: Model, context: Mapping[str, str] | None = None
    ) -> str:
        """The source's identifier.

        Raises:
            StructureError: when ``context`` names none.
        """
        found = (context or {}).get(SOURCE_RESOURCE_IDENTIFIER)
        if found is None:
            msg = "the origin structure needs the source's resource identifier"
            raise StructureError(msg)
        return found
