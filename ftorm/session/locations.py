"""Locations: where components' files are, as ftrack_api models them.

A `Location` pairs a ``Location`` entity with an accessor (how bytes are read and written,
`ftorm.session.accessors`) and a structure (where a component's file goes,
`ftorm.session.structures`). A component is in a location when a ``ComponentLocation``
row names both, with the file's resource identifier; both clients read the same rows.

- ``ftrack.server``: the server's own files (`ServerAccessor`, the component id as
  identifier);
- ``ftrack.unmanaged``: files left where they are (the identifier is their path); adding
  copies nothing;
- ``ftrack.origin``: where a new component's file comes from; kept in memory by the session,
  never registered on the server (as ftrack_api's);
- any other location the session configures (`ftorm.Session.location`): a folder
  (`DiskAccessor`) and a structure (`StandardStructure`, `IdStructure` ...).

Adding copies the files first, then registers every component in one commit; when a copy
fails nothing is registered and the files already copied are removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from ftorm.errors import (
    AccessorError,
    ComponentInLocationError,
    ComponentNotInLocationError,
    FtormError,
    LocationError,
    TransportError,
)
from ftorm.model.base import Model
from ftorm.schema.workspace import LOCATIONS
from ftorm.session.accessors import Accessor, DiskAccessor, ServerAccessor
from ftorm.session.structures import (
    SOURCE_RESOURCE_IDENTIFIER,
    OriginStructure,
    Structure,
    entity_type_of,
    is_container,
)

if TYPE_CHECKING:
    from ftorm.session.session import Session

__all__ = [
    "ORIGIN_LOCATION",
    "SERVER_LOCATION",
    "UNMANAGED_LOCATION",
    "ComponentIdStructure",
    "Location",
]

SERVER_LOCATION: Final = "ftrack.server"
"""The location of the files the server stores."""
UNMANAGED_LOCATION: Final = "ftrack.unmanaged"
"""The location of files left where they are."""
ORIGIN_LOCATION: Final = "ftrack.origin"
"""Where new components' files come from (kept in memory)."""

Kind = Literal["managed", "unmanaged", "origin"]

DEFAULT_DEADLINE: Final = 3600.0
"""Seconds a download may take by default."""


class ComponentIdStructure:
    """The ``ftrack.server`` location's structure: the component's id."""

    def get_resource_identifier(
        self, component: Model, context: Mapping[str, str] | None = None
    ) -> str:
        """The component's id."""
        return str(getattr(component, "id"))  # noqa: B009  # every component has an id


def _id(obj: Model) -> str:
    return str(getattr(obj, "id"))  # noqa: B009  # components and locations have an id


def _members(component: Model) -> list[Model]:
    return list(getattr(component, "members", None) or []) if is_container(component) else []


class Location:
    """A location and how to reach its files (see the module)."""

    def __init__(
        self,
        session: Session,
        entity: Model,
        *,
        accessor: Accessor | None = None,
        structure: Structure | None = None,
        priority: int = 100,
        kind: Kind = "managed",
    ) -> None:
        self.session: Session = session
        """The session whose rows register the files."""
        self.entity: Model = entity
        """The ``Location`` entity."""
        self.accessor: Accessor | None = accessor
        """How the files are read and written (None: this location cannot move data)."""
        self.structure: Structure | None = structure
        """Where a component's file goes (None: nothing can be added)."""
        self.priority: int = priority
        """Lower is preferred when a location is picked."""
        self.kind: Kind = kind
        """``managed`` (files are copied in and out), ``unmanaged`` (left where they are) or
        ``origin`` (in memory only)."""
        self._origin: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        """The ``Location`` entity's id."""
        return _id(self.entity)

    @property
    def name(self) -> str:
        """The location's name."""
        return str(getattr(self.entity, "name"))  # noqa: B009  # locations have a name

    def __repr__(self) -> str:
        return f"<Location {self.name!r}>"

    # --- resource identifiers ------------------------------------------------------------

    def get_resource_identifier(self, component: Model) -> str:
        """The identifier of ``component``'s file here.

        Raises:
            ComponentNotInLocationError: when the component is not in this location.
        """
        return self.get_resource_identifiers([component])[0]

    def get_resource_identifiers(self, components: Sequence[Model]) -> list[str]:
        """The identifiers of ``components``' files here, in order.

        Raises:
            ComponentNotInLocationError: naming every component not in this location.
        """
        found = self._registered([_id(c) for c in components])
        missing = [_id(c) for c in components if _id(c) not in found]
        if missing:
            msg = f"not in the location {self.name}: {', '.join(missing[:10])}"
            raise ComponentNotInLocationError(msg)
        return [found[_id(c)] for c in components]

    def _registered(self, ids: Sequence[str]) -> dict[str, str]:
        """component id -> resource identifier, for those of ``ids`` in this location."""
        if self.kind == "origin":
            with self._lock:
                return {i: self._origin[i] for i in ids if i in self._origin}
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 100):
            chunk = ", ".join(f'"{i}"' for i in unique[start : start + 100])
            rows = self.session.query(
                "select component_id, resource_identifier from ComponentLocation "
                f'where location_id is "{self.id}" and component_id in ({chunk})'
            ).all()
            for row in rows:
                identifier = getattr(row, "resource_identifier")  # noqa: B009
                found[str(getattr(row, "component_id"))] = str(identifier or "")  # noqa: B009
        return found

    def get_filesystem_path(self, component: Model) -> str | None:
        """The path of ``component``'s file on this machine (None where it has none, as in
        ``ftrack.server``).

        Raises:
            ComponentNotInLocationError: when the component is not in this location.
            LocationError: when the location has no accessor.
        """
        return self._need_accessor().get_filesystem_path(self.get_resource_identifier(component))

    def get_url(self, component: Model) -> str:
        """A URL ``component``'s file can be read at.

        Raises:
            ComponentNotInLocationError: when the component is not in this location.
            LocationError: when the location has no accessor.
        """
        return self._need_accessor().get_url(self.get_resource_identifier(component))

    def get_thumbnail_url(self, component: Model, size: int | None = None) -> str:
        """Where ``component``'s file can be read as a thumbnail (``ftrack.server`` only).

        Raises:
            LocationError: for a location whose accessor serves no thumbnails.
        """
        accessor = self._need_accessor()
        if not isinstance(accessor, ServerAccessor):
            msg = f"the location {self.name} serves no thumbnails"
            raise LocationError(msg)
        return accessor.get_thumbnail_url(self.get_resource_identifier(component), size)

    # --- availability ----------------------------------------------------------------------

    def get_component_availability(self, component: Model) -> float:
        """How much of ``component`` is here, in percent: 100.0 or 0.0 for a file, the share
        of members here for a container (as ftrack_api counts)."""
        return self.get_component_availabilities([component])[0]

    def get_component_availabilities(self, components: Sequence[Model]) -> list[float]:
        """`get_component_availability` of each of ``components``, in order."""
        members = {_id(c): _members(c) for c in components}
        ids = [_id(c) for c in components] + [_id(m) for ms in members.values() for m in ms]
        here = set(self._registered(ids))
        result = []
        for component in components:
            inside = members[_id(component)]
            if inside:
                share = 100.0 * sum(_id(m) in here for m in inside) / len(inside)
            else:
                share = 100.0 if _id(component) in here else 0.0
            result.append(max(0.0, min(round(share, 9), 100.0)))
        return result

    # --- adding ----------------------------------------------------------------------------

    def add_component(
        self, component: Model, source: Location | str | os.PathLike[str], *, recursive: bool = True
    ) -> None:
        """Copy ``component``'s file from ``source`` (another location; a path for the origin)
        and register it here; with ``recursive`` a container's members too. Commits.

        Raises:
            ComponentInLocationError: when the component is here already (nothing changes).
            LocationError: when this location or the source has no structure or accessor,
                the target file exists already, or a copy fails (nothing is registered).
        """
        self.add_components([component], [source], recursive=recursive)

    def add_components(
        self,
        components: Sequence[Model],
        sources: Location | str | os.PathLike[str] | Sequence[Location | str | os.PathLike[str]],
        *,
        recursive: bool = True,
    ) -> None:
        """`add_component` for several components: ``sources`` is one source for all, or one
        per component. Every file is copied before any component is registered.

        Raises:
            ComponentInLocationError: when any component is here already (nothing changes).
            LocationError: as `add_component`; nothing is registered and the files copied
                are removed.
        """
        if isinstance(sources, (Location, str, os.PathLike)):
            listed: list[Location | str | os.PathLike[str]] = [sources] * len(components)
        else:
            listed = list(sources)
            if len(listed) == 1:
                listed = listed * len(components)
        if len(listed) != len(components):
            msg = "give one source, or one source per component"
            raise LocationError(msg)
        if self.structure is None and self.kind != "origin":
            msg = f"the location {self.name} has no structure"
            raise LocationError(msg)
        if not components:
            return
        plan: list[tuple[Model, Location | str | os.PathLike[str]]] = []
        for component, source in zip(components, listed, strict=True):
            if recursive:
                plan.extend((member, source) for member in _members(component))
            plan.append((component, source))
        present = self._registered([_id(c) for c, _ in plan])
        if present:
            msg = f"already in the location {self.name}: {', '.join(sorted(present)[:10])}"
            raise ComponentInLocationError(msg)
        copied: list[str] = []
        registrations: list[tuple[Model, str]] = []
        try:
            for component, source in plan:
                identifier = self._identifier(component, source)
                if self.kind == "managed":
                    self._add_data(component, identifier, source)
                    copied.append(identifier)
                registrations.append((component, identifier))
            self._register(registrations)
        except (FtormError, OSError) as error:
            self._undo(copied)
            if isinstance(error, LocationError):
                raise
            msg = f"cannot add to the location {self.name}: {error}"
            raise LocationError(msg) from error

    def _identifier(self, component: Model, source: Location | str | os.PathLike[str]) -> str:
        context: dict[str, str] = {}
        if isinstance(source, Location):
            found = source._registered([_id(component)])
            if _id(component) in found:
                context[SOURCE_RESOURCE_IDENTIFIER] = found[_id(component)]
        else:
            context[SOURCE_RESOURCE_IDENTIFIER] = os.fspath(source)
        structure = self.structure if self.structure is not None else OriginStructure()
        return structure.get_resource_identifier(component, context)

    def _add_data(
        self, component: Model, identifier: str, source: Location | str | os.PathLike[str]
    ) -> None:
        accessor = self._need_accessor()
        if is_container(component):
            if entity_type_of(component) != "SequenceComponent" and isinstance(
                accessor, DiskAccessor
            ):
                accessor.make_container(identifier)
            return
        if not isinstance(source, Location):
            msg = f"copy into {self.name} from a location, not from {os.fspath(source)!r}"
            raise LocationError(msg)
        source_accessor = source._need_accessor()
        if accessor.exists(identifier):
            msg = (
                f"cannot add {_id(component)} to {self.name}: {identifier} exists already "
                "(overwriting could lose data)"
            )
            raise LocationError(msg)
        source_identifier = source.get_resource_identifier(component)
        local = source_accessor.get_filesystem_path(source_identifier)
        if local is not None:
            accessor.write_from(identifier, Path(local))
            return
        with tempfile.TemporaryDirectory(prefix="ftorm-copy-") as folder:
            staged = Path(folder) / "data"
            with staged.open("wb") as out:
                source_accessor.read_to(source_identifier, out.write)
            accessor.write_from(identifier, staged)

    def _register(self, registrations: Sequence[tuple[Model, str]]) -> None:
        if self.kind == "origin":
            with self._lock:
                self._origin.update((_id(c), i) for c, i in registrations)
            return
        for component, identifier in registrations:
            self.session.create(
                "ComponentLocation",
                component_id=_id(component),
                location_id=self.id,
                resource_identifier=identifier,
            )
        self.session.commit()

    def _undo(self, copied: Sequence[str]) -> None:
        if self.accessor is None:
            return
        for identifier in reversed(copied):
            with contextlib.suppress(LocationError):
                self.accessor.remove(identifier)

    # --- removing --------------------------------------------------------------------------

    def remove_component(self, component: Model, *, recursive: bool = True) -> None:
        """Delete ``component``'s file here (not for the unmanaged and origin locations) and
        its registration; with ``recursive`` a container's members too. Commits.

        Raises:
            ComponentNotInLocationError: when the component is not here.
            AccessorError: when the file cannot be removed.
        """
        self.remove_components([component], recursive=recursive)

    def remove_components(self, components: Sequence[Model], *, recursive: bool = True) -> None:
        """`remove_component` for several components."""
        plan: list[Model] = []
        for component in components:
            if recursive:
                plan.extend(_members(component))
            plan.append(component)
        self.get_resource_identifiers(components)
        found = self._registered([_id(c) for c in plan])
        for component in plan:
            identifier = found.get(_id(component))
            if identifier is None:
                continue
            if self.kind == "managed" and not is_container(component):
                self._need_accessor().remove(identifier)
            elif (
                self.kind == "managed"
                and isinstance(self.accessor, DiskAccessor)
                and entity_type_of(component) != "SequenceComponent"
            ):
                with contextlib.suppress(AccessorError):  # a folder still holding files
                    self.accessor.remove(identifier)
        if self.kind == "origin":
            with self._lock:
                for component in plan:
                    self._origin.pop(_id(component), None)
            return
        ids = ", ".join(f'"{_id(c)}"' for c in plan)
        rows = self.session.query(
            "select id from ComponentLocation "
            f'where location_id is "{self.id}" and component_id in ({ids})'
        ).all()
        for row in rows:
            self.session.delete(row)
        self.session.commit()

    # --- reading ---------------------------------------------------------------------------

    def download(
        self,
        component: Model,
        target: str | os.PathLike[str],
        *,
        deadline: float | None = DEFAULT_DEADLINE,
    ) -> Path:
        """Stream ``component``'s file to the path ``target`` (written whole or not at all),
        checking its size against the component's ``size`` when that is set; the path.

        Raises:
            ComponentNotInLocationError: when the component is not here.
            AccessorError: when the file cannot be read, is not the size recorded, or takes
                longer than ``deadline`` seconds (None: no deadline).
        """
        identifier = self.get_resource_identifier(component)
        accessor = self._need_accessor()
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".ftorm-", dir=path.parent)
        started = time.monotonic()
        try:
            with os.fdopen(handle, "wb") as out:
                write = _within(out.write, started, deadline, identifier)
                try:
                    written = accessor.read_to(identifier, write)
                except TransportError as error:
                    raise AccessorError(str(error)) from None
            expected = getattr(component, "size", None)
            if isinstance(expected, int) and expected > 0 and written != expected:
                msg = f"{identifier}: {written} bytes arrived, the component records {expected}"
                raise AccessorError(msg)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path

    def _need_accessor(self) -> Accessor:
        if self.accessor is None:
            msg = f"the location {self.name} has no accessor"
            raise LocationError(msg)
        return self.accessor


def _within(
    write: Callable[[bytes], Any], started: float, deadline: float | None, what: str
) -> Callable[[bytes], None]:
    def guarded(block: bytes) -> None:
        if deadline is not None and time.monotonic() - started > deadline:
            msg = f"reading {what} ran past its deadline of {deadline} s"
            raise AccessorError(msg)
        write(block)

    return guarded


def builtin(session: Session, name: str, entity: Model) -> Location:
    """The built-in location ``name`` of ``session`` (`LOCATIONS`), configured as ftrack_api
    configures it."""
    if name == SERVER_LOCATION:
        return Location(
            session,
            entity,
            accessor=ServerAccessor(session.transport),
            structure=ComponentIdStructure(),
            priority=150,
        )
    if name in (UNMANAGED_LOCATION, ORIGIN_LOCATION):
        unmanaged = name == UNMANAGED_LOCATION
        return Location(
            session,
            entity,
            accessor=DiskAccessor(""),
            structure=OriginStructure(),
            priority=90 if unmanaged else 100,
            kind="unmanaged" if unmanaged else "origin",
        )
    return Location(session, entity)


BUILTIN_NAMES: Final = frozenset(LOCATIONS)
"""The names of the locations every workspace has."""
