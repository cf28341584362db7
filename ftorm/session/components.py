"""Components: files of asset versions, created and placed in locations as ftrack_api does.

`create_component` (also `ftorm.Session.create_component`) reads ``path`` as

- a file: one ``FileComponent`` (``file_type`` its extension, ``size`` its size);
- a sequence in ftrack's notation (``/renders/sh010.%04d.exr [1001-1100]``,
  `ftorm.session.sequences`): a ``SequenceComponent`` (``padding``, ``file_type``, ``size``
  the members' total) with one member ``FileComponent`` per file, named by its index;
- a folder: a ``ContainerComponent`` with one member ``FileComponent`` per file in it.

Every file must exist before anything is created. The components are committed, their
files registered in the session's ``ftrack.origin`` location (in memory), then added to
``location`` (by default the preferred location with an accessor, ``ftrack.server`` unless
the session configured another): copied through the accessors and registered. If that
fails the components are deleted again, so nothing stays half-registered.

`location` returns a location of the session, configuring one in code the way ftrack_api's
location plugins do; `upload` and `url` are the one-file shortcuts of earlier versions.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ftorm.errors import (
    ComponentSourceError,
    FtormError,
    InvalidValueError,
    LocationError,
    ValidationError,
    excerpt,
)
from ftorm.model.base import Model
from ftorm.protocol.operations import EncodeMediaOp
from ftorm.schema.workspace import LOCATIONS
from ftorm.session.accessors import Accessor, file_transport
from ftorm.session.locations import (
    ORIGIN_LOCATION,
    SERVER_LOCATION,
    Location,
    builtin,
)
from ftorm.session.sequences import FileSequence, parse
from ftorm.session.session import Session
from ftorm.session.structures import Structure, entity_type_of

__all__ = [
    "SERVER_LOCATION",
    "create_component",
    "create_thumbnail",
    "encode_media",
    "location",
    "locations",
    "pick_location",
    "upload",
    "url",
]

_REGISTRY: weakref.WeakKeyDictionary[Session, dict[str, Location]] = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()


def _configured(session: Session) -> dict[str, Location]:
    with _LOCK:
        return _REGISTRY.setdefault(session, {})


def location(
    session: Session,
    name: str,
    *,
    accessor: Accessor | None = None,
    structure: Structure | None = None,
    priority: int | None = None,
) -> Location:
    """The location ``name`` of ``session``; the ``Location`` entity is created (and
    committed) when the server has none of that name. Given ``accessor``, ``structure`` or
    ``priority`` configure it for this session, as a location plugin of ftrack_api does::

        disk = session.location(
            "studio.disk", accessor=DiskAccessor("/mnt/projects"), structure=StandardStructure()
        )

    The built-in ``ftrack.server``, ``ftrack.unmanaged`` and ``ftrack.origin`` come
    configured.
    """
    known = _configured(session)
    with _LOCK:
        found = known.get(name)
    if found is None:
        entity = session.query(f'select id, name from Location where name is "{name}"').first()
        if entity is None:
            entity = session.create("Location", name=name)
            session.commit()
        found = builtin(session, name, entity)
        with _LOCK:
            found = known.setdefault(name, found)
    if accessor is not None:
        found.accessor = accessor
    if structure is not None:
        found.structure = structure
    if priority is not None:
        found.priority = priority
    return found


_location = location  # for `create_component`, whose ``location`` argument hides the name


def locations(session: Session) -> list[Location]:
    """The session's configured locations and the built-in ones, preferred first."""
    for name in LOCATIONS:
        if name != "ftrack.review":
            _location(session, name)
    with _LOCK:
        found = list(_configured(session).values())
    return sorted(found, key=lambda loc: (loc.priority, loc.name))


def pick_location(session: Session) -> Location:
    """The preferred location a new component goes to: the one with the lowest
    ``priority`` that has an accessor and a structure, other than the origin.

    Raises:
        LocationError: when there is none.
    """
    for candidate in locations(session):
        if candidate.kind != "origin" and candidate.accessor is not None and candidate.structure:
            return candidate
    msg = "no location with an accessor and a structure is configured"
    raise LocationError(msg)


def _size(path: Path) -> int:
    try:
        if not path.is_file():
            msg = f"{excerpt(str(path))} is not a file"
            raise ComponentSourceError(msg)
        return path.stat().st_size
    except OSError as error:
        msg = f"cannot read {excerpt(str(path))}: {error.strerror or error}"
        raise ComponentSourceError(msg) from None


def _file_type(path: str) -> str:
    return os.path.splitext(path)[1]


def create_component(
    session: Session,
    path: str | os.PathLike[str],
    data: Mapping[str, Any] | None = None,
    location: Location | Literal["auto"] | None = "auto",
    *,
    version: Model | None = None,
) -> Model:
    """A new component for the file, sequence or folder at ``path`` (see the module),
    committed, its files added to ``location`` (None: only to the origin); the component.

    ``data`` holds further values of the component (``name``, ``version`` ...);
    ``version`` attaches it to that version.

    Raises:
        ComponentSourceError: for a missing file, a sequence that is not ftrack's notation
            or names missing files, an empty folder. Nothing is created.
        LocationError: when the location has no accessor or structure (nothing is created),
            or the files cannot be added (the components are deleted again).
    """
    values = dict(data or {})
    if version is not None:
        values["version"] = version
    target = pick_location(session) if location == "auto" else location
    if target is not None and (target.accessor is None or target.structure is None):
        msg = f"the location {target.name} has no accessor or structure"
        raise LocationError(msg)
    text = os.fspath(path)
    sequence = parse(text)
    origin = _location(session, ORIGIN_LOCATION)
    if sequence is not None:
        component, members, sources = _sequence(session, sequence, values)
    elif Path(text).is_dir():
        component, members, sources = _container(session, Path(text), values)
    else:
        values.setdefault("size", _size(Path(text)))
        values.setdefault("file_type", _file_type(text))
        component, members, sources = session.create("FileComponent", **values), [], {}
    session.commit()
    created = [*members, component]
    try:
        origin.add_components(created, [sources.get(id(c), text) for c in created], recursive=False)
        if target is not None:
            target.add_component(component, origin, recursive=True)
    except FtormError:
        _discard(session, created)
        raise
    return component


def _sequence(
    session: Session, sequence: FileSequence, values: dict[str, Any]
) -> tuple[Model, list[Model], dict[int, str]]:
    sizes = {index: _size(Path(sequence.path(index))) for index in sequence.indexes}
    file_type = _file_type(sequence.expression)
    values.setdefault("padding", sequence.padding)
    values.setdefault("file_type", file_type)
    values.setdefault("size", sum(sizes.values()))
    container = session.create("SequenceComponent", **values)
    members = [
        session.create(
            "FileComponent",
            name=sequence.name(index),
            container=container,
            size=sizes[index],
            file_type=file_type,
        )
        for index in sequence.indexes
    ]
    sources = {id(container): sequence.expression}
    sources.update(
        (id(m), sequence.path(i)) for m, i in zip(members, sequence.indexes, strict=True)
    )
    return container, members, sources


def _container(
    session: Session, folder: Path, values: dict[str, Any]
) -> tuple[Model, list[Model], dict[int, str]]:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    if not files:
        msg = f"the folder {excerpt(str(folder))} holds no file"
        raise ComponentSourceError(msg)
    sizes = [_size(p) for p in files]
    values.setdefault("size", sum(sizes))
    container = session.create("ContainerComponent", **values)
    members = [
        session.create(
            "FileComponent", name=p.stem, container=container, size=s, file_type=p.suffix
        )
        for p, s in zip(files, sizes, strict=True)
    ]
    sources = {id(container): str(folder)}
    sources.update((id(m), str(p)) for m, p in zip(members, files, strict=True))
    return container, members, sources


def _discard(session: Session, created: Sequence[Model]) -> None:
    """Delete components whose files could not be added (best effort: the first error is
    the one raised)."""
    try:
        for component in created:
            session.delete(component)
        session.commit()
    except FtormError:
        session.rollback()


def create_thumbnail(
    session: Session,
    entity: Model,
    path: str | os.PathLike[str],
    data: Mapping[str, Any] | None = None,
) -> Model:
    """Upload the image at ``path`` to ``ftrack.server`` as a component (named
    ``thumbnail`` unless ``data`` says otherwise) and make it ``entity``'s thumbnail;
    commits. The component.

    Raises:
        ComponentSourceError: when the file is missing.
        InvalidValueError: when ``entity`` has no thumbnail.
    """
    if "thumbnail_id" not in type(entity).__ftorm_fields__:
        msg = f"{type(entity).__name__} has no thumbnail"
        raise InvalidValueError(msg)
    values = {"name": "thumbnail", **dict(data or {})}
    server = _location(session, SERVER_LOCATION)
    component = create_component(session, path, values, server)
    setattr(entity, "thumbnail_id", getattr(component, "id"))  # noqa: B009, B010
    session.commit()
    return component


def encode_media(
    session: Session,
    media: str | os.PathLike[str] | Model,
    *,
    version_id: str | None = None,
    keep_original: bool | Literal["auto"] = "auto",
) -> Model:
    """Ask the server to make ``media`` playable in browsers; the ``Job`` doing it.

    ``media`` is a path (uploaded to ``ftrack.server`` first; not kept unless
    ``keep_original``) or a ``FileComponent`` in ``ftrack.server`` (kept unless
    ``keep_original`` is False). The job's components are attached to ``version_id``. The
    embedded server records the job and its component at once, with the bytes as they are
    (it does not transcode).

    Raises:
        InvalidValueError: for media that is neither a path nor a ``FileComponent``.
        ComponentSourceError: for a missing file.
        ServerError: when the server refuses (no stored file for the component).
    """
    if isinstance(media, Model):
        if entity_type_of(media) != "FileComponent":
            msg = f"encode_media takes a path or a FileComponent, not {media!r}"
            raise InvalidValueError(msg)
        component = media
        keep = True if keep_original == "auto" else keep_original
    elif isinstance(media, (str, os.PathLike)):
        keep = False if keep_original == "auto" else keep_original
        data = {"version_id": version_id} if keep and version_id is not None else None
        component = create_component(session, media, data, _location(session, SERVER_LOCATION))
    else:
        msg = f"encode_media takes a path or a FileComponent, not {media!r}"  # type: ignore[unreachable]  # untyped callers
        raise InvalidValueError(msg)
    operation = EncodeMediaOp(str(getattr(component, "id")), version_id, keep)  # noqa: B009
    answer = session.call([operation])[0]
    job_id = answer.get("job_id") if isinstance(answer, dict) else None
    found: Model | None = None
    if job_id is not None:
        found = session.get(session.types["Job"], str(job_id))
    if found is None:
        msg = f"encode_media answered no job: {str(answer)[:200]}"
        raise ValidationError(msg)
    return found


def upload(
    session: Session,
    version: Model,
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
) -> Model:
    """Upload the file at ``path`` as a new ``FileComponent`` of ``version`` in
    ``ftrack.server``; the component, called ``name`` (by default the file's name without
    its extension).

    Raises:
        ComponentSourceError: when the file cannot be read.
        LocationError: when the upload fails (the component is deleted again).
    """
    source = Path(path)
    data = {"name": name if name is not None else source.stem}
    return create_component(
        session, source, data, _location(session, SERVER_LOCATION), version=version
    )


def url(session: Session, component: Model) -> str:
    """Where the file of ``component`` in the ``ftrack.server`` location can be read:
    ``<server>/component/get?...`` with the API user's credentials over HTTP, a ``file://``
    URL in-process.

    Raises:
        NotFoundError: in-process, when no file is stored for the component.
        ConfigurationError: for a transport without the file operations.
    """
    return file_transport(session.transport).file_url(str(getattr(component, "id")))  # noqa: B009
