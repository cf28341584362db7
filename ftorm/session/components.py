"""Files of asset versions: upload one to the ``ftrack.server`` location, and read it back.

`upload` does what the official client's ``version.create_component(path,
location=server_location)`` does, in ftrack's own protocol, so it works against ftrack and
``ftorm serve`` alike: it creates the ``FileComponent`` of the version, asks
``get_upload_metadata`` where to put the file, sends it there, and registers the
component in the ``ftrack.server`` location (a ``ComponentLocation`` whose resource
identifier is the component's id). `url` answers where the file can be read.

Over HTTP the file is sent with a ``PUT`` to the URL the server answered, and `url` is the
server's ``/component/get`` URL with the API user's credentials (the form ftrack's own
clients use: anyone holding it can read the file). In-process (`ftorm.Session.local`) the
file goes straight into the embedded server's folder, and `url` is a ``file://`` URL.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlencode

from ftorm.errors import ConfigurationError, NotFoundError, ValidationError
from ftorm.model.base import Model
from ftorm.protocol.operations import UploadMetadataOp
from ftorm.schema.workspace import LOCATIONS
from ftorm.session.session import Session
from ftorm.transport.http import HttpTransport
from ftorm.transport.inprocess import InProcessTransport

__all__ = ["SERVER_LOCATION", "upload", "url"]

SERVER_LOCATION = "ftrack.server"
"""The name of the location ftrack stores uploaded files in."""

_BLOCK = 1024 * 1024


def upload(
    session: Session,
    version: Model,
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
) -> Model:
    """Upload the file at ``path`` as a new ``FileComponent`` of ``version``; the component.

    The component is called ``name`` (by default the file's name without its extension),
    its ``file_type`` is the extension (``".exr"``) and its ``size`` the file's size. The
    session is committed twice, with its other pending changes: once to create the
    component, once to register it in the ``ftrack.server`` location after the file is
    stored.

    Raises:
        OSError: when the file cannot be read.
        ConfigurationError: for a session on a transport that is neither HTTP nor in-process.
        ServerError: when the server refuses the component or the upload.
        TransportError: when the file cannot be sent.
    """
    source = Path(path)
    size = source.stat().st_size
    with source.open("rb") as stream:
        checksum = _checksum(stream)
    component = session.create(
        "FileComponent",
        name=name if name is not None else source.stem,
        file_type=source.suffix or None,
        size=size,
        version=version,
    )
    session.commit()
    component_id = str(_id(component))
    transport = session.transport
    with source.open("rb") as stream:
        if isinstance(transport, InProcessTransport):
            uploads = transport.server.uploads
            token = uploads.start(component_id, size, checksum, None)
            uploads.put(token, None, stream, size)
        elif isinstance(transport, HttpTransport):
            metadata = UploadMetadataOp(component_id, source.name, size, checksum)
            answer = session.call([metadata])[0]
            _put(transport, answer, stream)
        else:
            msg = f"upload needs an HTTP or in-process session, not one over {transport!r}"
            raise ConfigurationError(msg)
    session.create(
        "ComponentLocation",
        component=component,
        location_id=LOCATIONS[SERVER_LOCATION],
        resource_identifier=component_id,
    )
    session.commit()
    return component


def url(session: Session, component: Model) -> str:
    """Where the file of ``component`` in the ``ftrack.server`` location can be read.

    Raises:
        NotFoundError: in-process, when no file is stored for the component.
        ConfigurationError: for a session on a transport that is neither HTTP nor in-process.
    """
    component_id = str(_id(component))
    transport = session.transport
    if isinstance(transport, InProcessTransport):
        files = transport.server.files
        if not files.exists(component_id):
            msg = f"no file is stored for the component {component_id}"
            raise NotFoundError(msg)
        return str(files.path(component_id).as_uri())
    if isinstance(transport, HttpTransport):
        user, key = transport.credentials
        query = urlencode({"id": component_id, "username": user, "apiKey": key})
        return f"{transport.url.removesuffix('/api')}/component/get?{query}"
    msg = f"url needs an HTTP or in-process session, not one over {transport!r}"
    raise ConfigurationError(msg)


def _id(component: Model) -> object:
    return getattr(component, "id")  # noqa: B009  # every component type has an id


def _checksum(stream: BinaryIO) -> str:
    """The base64 MD5 digest of the stream's bytes (``Content-MD5``)."""
    digest = hashlib.md5(usedforsecurity=False)
    while block := stream.read(_BLOCK):
        digest.update(block)
    return base64.b64encode(digest.digest()).decode("ascii")


def _put(transport: HttpTransport, answer: object, stream: BinaryIO) -> None:
    """``PUT`` the file where ``get_upload_metadata`` said, with the headers it named."""
    if not isinstance(answer, dict) or not isinstance(answer.get("url"), str):
        msg = f"get_upload_metadata answered no URL: {answer!r}"
        raise ValidationError(msg)
    headers = answer.get("headers")
    sent = {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}
    transport.put_file(answer["url"], stream, sent)
