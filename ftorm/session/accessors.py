"""Accessors: how a location reads and writes the bytes behind a resource identifier.

- `DiskAccessor`: files under a folder (``prefix``); a resource identifier is a relative
  path (``/`` separated) that may not leave the folder, except with an empty prefix, where it
  is any path (ftrack's unmanaged and origin locations);
- `ServerAccessor`: the ``ftrack.server`` location's files, through the session's transport
  (`ftorm.transport.base.Transport`): writing uploads through ``get_upload_metadata`` (in
  parts for large files, each part's checksum checked by the server), reading streams
  ``/component/get``, removing calls ``/component/remove``. A resource identifier is the
  component's id. Each request has the transport's timeout; one that runs out raises
  `AccessorError` saying so.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Final, Protocol

from ftorm.errors import (
    AccessorError,
    ConfigurationError,
    DownloadError,
    TransportError,
    ValidationError,
    excerpt,
)
from ftorm.protocol.operations import CompleteUploadOp, UploadMetadataOp, UploadPart
from ftorm.transport.base import Transport

__all__ = [
    "CHUNK",
    "FILE_OPERATIONS",
    "MULTIPART_SIZE",
    "Accessor",
    "DiskAccessor",
    "ServerAccessor",
    "file_transport",
    "md5_base64",
]

CHUNK: Final = 1024 * 1024
"""Bytes copied at a time."""

MULTIPART_SIZE: Final = 64 * 1024 * 1024
"""Files at least this large are uploaded in parts of this size."""


FILE_OPERATIONS: Final = ("put_file", "download", "remove_file", "file_url")
"""The file operations of `ftorm.transport.base.Transport`."""


def file_transport(transport: Transport) -> Transport:
    """``transport``, checked to have the file operations (a transport written before they
    were part of the protocol may lack them).

    Raises:
        ConfigurationError: when it lacks one.
    """
    missing = [name for name in FILE_OPERATIONS if not callable(getattr(transport, name, None))]
    if missing:
        msg = f"the transport {transport!r} moves no files (it has no {', '.join(missing)})"
        raise ConfigurationError(msg)
    return transport


def md5_base64(stream: BinaryIO, size: int | None = None) -> str:
    """The base64 MD5 digest (``Content-MD5``) of the next ``size`` bytes of ``stream``
    (all of them when None)."""
    digest = hashlib.md5(usedforsecurity=False)
    left = size
    while left is None or left > 0:
        block = stream.read(CHUNK if left is None else min(CHUNK, left))
        if not block:
            break
        digest.update(block)
        if left is not None:
            left -= len(block)
    return base64.b64encode(digest.digest()).decode("ascii")


class Accessor(Protocol):
    """Reads and writes the bytes of resource identifiers."""

    def exists(self, resource_identifier: str) -> bool:
        """Whether the resource holds data."""
        ...

    def read_to(self, resource_identifier: str, write: Callable[[bytes], object]) -> int:
        """Stream the resource's bytes to ``write``; how many there were.

        Raises:
            AccessorError: when the resource cannot be read.
        """
        ...

    def write_from(self, resource_identifier: str, source: Path) -> None:
        """Store the file at ``source`` as the resource.

        Raises:
            AccessorError: when it cannot be written.
        """
        ...

    def remove(self, resource_identifier: str) -> None:
        """Delete the resource.

        Raises:
            AccessorError: when it cannot be removed.
        """
        ...

    def get_filesystem_path(self, resource_identifier: str) -> str | None:
        """The resource's path on this machine, or None when it has none."""
        ...

    def get_url(self, resource_identifier: str) -> str:
        """A URL the resource can be read at."""
        ...


class DiskAccessor:
    """Files under the folder ``prefix``."""

    def __init__(self, prefix: str | os.PathLike[str]) -> None:
        self.prefix: str = os.fspath(prefix)
        """The folder; "" for paths used as they are."""

    def _path(self, resource_identifier: str) -> Path:
        if not self.prefix:
            return Path(resource_identifier)
        relative = PurePosixPath(resource_identifier.replace("\\", "/"))
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            msg = f"the resource identifier {excerpt(resource_identifier)} leaves {self.prefix}"
            raise AccessorError(msg)
        return Path(self.prefix, *relative.parts)

    def get_filesystem_path(self, resource_identifier: str) -> str:
        """The file's path: the prefix joined with the identifier."""
        return os.path.normpath(self._path(resource_identifier))

    def exists(self, resource_identifier: str) -> bool:
        """Whether the file (or folder) exists."""
        return self._path(resource_identifier).exists()

    def read_to(self, resource_identifier: str, write: Callable[[bytes], object]) -> int:
        """Stream the file to ``write``.

        Raises:
            AccessorError: when the file cannot be read.
        """
        path = self._path(resource_identifier)
        total = 0
        try:
            with path.open("rb") as stream:
                while block := stream.read(CHUNK):
                    write(block)
                    total += len(block)
        except OSError as error:
            msg = f"cannot read {path}: {error.strerror or error}"
            raise AccessorError(msg) from None
        return total

    def write_from(self, resource_identifier: str, source: Path) -> None:
        """Copy ``source`` to the file, through a temporary name in the same folder (a
        reader never sees half a file).

        Raises:
            AccessorError: when it cannot be written.
        """
        target = self._path(resource_identifier)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".ftorm-", dir=target.parent)
            try:
                with os.fdopen(handle, "wb") as out, source.open("rb") as stream:
                    shutil.copyfileobj(stream, out, CHUNK)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            msg = f"cannot write {target}: {error.strerror or error}"
            raise AccessorError(msg) from None

    def make_container(self, resource_identifier: str) -> None:
        """Make the folder of a container."""
        try:
            self._path(resource_identifier).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            msg = f"cannot make the folder {resource_identifier}: {error.strerror or error}"
            raise AccessorError(msg) from None

    def remove(self, resource_identifier: str) -> None:
        """Delete the file (or the empty folder of a container).

        Raises:
            AccessorError: when there is nothing to remove or it cannot be removed.
        """
        path = self._path(resource_identifier)
        try:
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
        except OSError as error:
            msg = f"cannot remove {path}: {error.strerror or error}"
            raise AccessorError(msg) from None

    def get_url(self, resource_identifier: str) -> str:
        """The file's ``file://`` URL."""
        return Path(self.get_filesystem_path(resource_identifier)).absolute().as_uri()


class ServerAccessor:
    """The ``ftrack.server`` location's files, through a transport."""

    def __init__(self, transport: Transport, *, multipart_size: int = MULTIPART_SIZE) -> None:
        """Raises `ConfigurationError` for a transport without the file operations."""
        self.transport: Transport = file_transport(transport)
        """Where the files go."""
        self.multipart_size: int = max(1, multipart_size)
        """Files at least this large go in parts of this size."""

    @contextmanager
    def _failures(self, what: str) -> Iterator[None]:
        try:
            yield
        except (TransportError, ValidationError) as error:
            text = str(error)
            hint = (
                " (timed out)" if "timed out" in text.lower() or "timeout" in text.lower() else ""
            )
            msg = f"cannot {what}{hint}: {text}"
            raise AccessorError(msg) from None

    def exists(self, resource_identifier: str) -> bool:
        """Whether the server stores a file for the component (one ``/component/get``
        whose body is not read past its first block)."""

        class _Seen(Exception):
            pass

        def stop(_: bytes) -> None:
            raise _Seen

        try:
            self.transport.download(resource_identifier, stop)
        except _Seen:
            return True
        except DownloadError:
            return False
        return True

    def read_to(self, resource_identifier: str, write: Callable[[bytes], object]) -> int:
        """Stream the component's file to ``write``.

        Raises:
            AccessorError: when the file cannot be read whole (missing, a timeout).
        """
        with self._failures(f"read the file of the component {resource_identifier}"):
            return self.transport.download(resource_identifier, write)
        raise AssertionError  # pragma: no cover  (the context re-raises)

    def write_from(self, resource_identifier: str, source: Path) -> None:
        """Upload ``source`` as the component's file: ``get_upload_metadata``, then one
        ``PUT`` (or one per part and ``complete_multipart_upload``), each checksum checked.

        Raises:
            AccessorError: when the server refuses or a request fails or times out.
        """
        size = source.stat().st_size
        parts = -(-size // self.multipart_size) if size >= self.multipart_size else None
        with source.open("rb") as stream:
            checksum = md5_base64(stream)
        with self._failures(f"upload {source.name}"), source.open("rb") as stream:
            metadata = UploadMetadataOp(resource_identifier, source.name, size, checksum, parts)
            answer = self.transport.call([metadata])[0]
            if not isinstance(answer, dict):
                msg = f"get_upload_metadata answered {str(answer)[:200]}"
                raise ValidationError(msg)
            if parts is None:
                url = answer.get("url")
                if not isinstance(url, str):
                    msg = f"get_upload_metadata answered no URL: {str(answer)[:200]}"
                    raise ValidationError(msg)
                headers = answer.get("headers")
                sent = (
                    {str(k): str(v) for k, v in headers.items()}
                    if isinstance(headers, dict)
                    else {}
                )
                self.transport.put_file(url, stream, sent)
                return
            self._put_parts(resource_identifier, answer, stream, size)

    def _put_parts(
        self, component_id: str, answer: dict[str, object], stream: BinaryIO, size: int
    ) -> None:
        urls = answer.get("urls")
        upload_id = answer.get("upload_id")
        if not isinstance(urls, list) or not isinstance(upload_id, str):
            msg = f"get_upload_metadata answered no part URLs: {str(answer)[:200]}"
            raise ValidationError(msg)
        done: list[UploadPart] = []
        for item in urls:
            if not isinstance(item, dict):
                continue
            number = int(item.get("part_number", 0))
            url = str(item.get("signed_url", ""))
            stream.seek((number - 1) * self.multipart_size)
            length = min(self.multipart_size, size - (number - 1) * self.multipart_size)
            digest = hashlib.md5(usedforsecurity=False)
            with tempfile.TemporaryFile() as part:
                left = length
                while left > 0:
                    block = stream.read(min(CHUNK, left))
                    if not block:
                        break
                    part.write(block)
                    digest.update(block)
                    left -= len(block)
                part.seek(0)
                checksum = base64.b64encode(digest.digest()).decode("ascii")
                self.transport.put_file(url, part, {"Content-MD5": checksum})
            done.append(UploadPart(number, f'"{digest.hexdigest()}"'))
        self.transport.call([CompleteUploadOp(component_id, upload_id, tuple(done))])

    def remove(self, resource_identifier: str) -> None:
        """Delete the component's file on the server.

        Raises:
            AccessorError: when the server refuses or the request fails or times out.
        """
        with self._failures(f"remove the file of the component {resource_identifier}"):
            self.transport.remove_file(resource_identifier)

    def get_filesystem_path(self, resource_identifier: str) -> None:
        """None: the server's files have no path here."""
        return None

    def get_url(self, resource_identifier: str) -> str:
        """Where the file can be read (`Transport.file_url`)."""
        return self.transport.file_url(resource_identifier)

    def get_thumbnail_url(self, resource_identifier: str, size: int | None = None) -> str:
        """Where the file can be read as a thumbnail of at most ``size`` pixels."""
        return self.transport.file_url(resource_identifier, thumbnail_size=size)
