"""The ``ftrack.server`` location's files: one file per component, in a folder of the server.

A database file ``studio.db`` keeps its files in ``studio.db.files/``, named by component
id; an in-memory database keeps them in a temporary folder the server removes when it
closes. The folder is made on the first write. A component id becomes a file name only when
it is made of letters, digits and ``-`` (ftrack's ids are UUIDs), so no id can name a path
outside the folder. Files are written to a temporary name first and moved into place whole:
a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Final

from ftorm.errors import ServerError, ValidationError, excerpt

__all__ = ["CHUNK", "FileStore", "Received"]

CHUNK: Final = 1024 * 1024
"""Bytes read from a request body at a time."""

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,127}")
_INCOMING = ".incoming"


class Received:
    """A body written to a temporary file of the store: its path, size and MD5 digest."""

    __slots__ = ("digest", "path", "size")

    def __init__(self, path: Path, size: int, digest: bytes) -> None:
        self.path: Path = path
        """Where the bytes are (inside the store's folder)."""
        self.size: int = size
        """How many bytes were written."""
        self.digest: bytes = digest
        """Their MD5 digest (16 bytes)."""

    @property
    def etag(self) -> str:
        """The ``ETag`` answered for these bytes: their MD5 digest in hex, quoted."""
        return f'"{self.digest.hex()}"'


class FileStore:
    """The folder of one server's component files."""

    def __init__(self, database: str) -> None:
        self._temporary = database == ":memory:"
        self._folder: Path | None = None if self._temporary else Path(f"{database}.files")
        self._closed = False

    @property
    def folder(self) -> Path:
        """The folder (made on first use; a temporary one for an in-memory database).

        Raises:
            ServerError: once the store is closed.
        """
        if self._closed:
            msg = "the server is closed"
            raise ServerError(msg)
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="ftorm-files-"))
        self._folder.mkdir(parents=True, exist_ok=True)
        return self._folder

    def path(self, component_id: str) -> Path:
        """Where the file of ``component_id`` is kept.

        Raises:
            ValidationError: when the id cannot be a file name (see the module docstring).
        """
        if _ID.fullmatch(component_id) is None:
            msg = f"the component id {excerpt(component_id)} cannot name a stored file"
            raise ValidationError(msg)
        return self.folder / component_id

    def exists(self, component_id: str) -> bool:
        """True when a file is stored for ``component_id``."""
        return _ID.fullmatch(component_id) is not None and self.path(component_id).is_file()

    def remove(self, component_id: str) -> bool:
        """Delete the file of ``component_id``; True when there was one.

        Raises:
            ValidationError: when the id cannot be a file name (see the module docstring).
        """
        path = self.path(component_id)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def incoming(self) -> Path:
        """A new name for a temporary file of the store (not made yet): bytes written there
        are moved into place with `keep`, or removed with `discard`."""
        incoming = self.folder / _INCOMING
        incoming.mkdir(exist_ok=True)
        return incoming / secrets.token_hex(16)

    def receive(self, stream: BinaryIO, length: int) -> Received:
        """Write exactly ``length`` bytes of ``stream`` to a new temporary file of the store.

        Raises:
            ValidationError: when the stream ends (or times out) before ``length`` bytes.
        """
        path = self.incoming()
        digest = hashlib.md5(usedforsecurity=False)
        remaining = length
        try:
            with path.open("xb") as out:
                while remaining:
                    block = stream.read(min(CHUNK, remaining))
                    if not block:
                        break
                    digest.update(block)
                    out.write(block)
                    remaining -= len(block)
        except OSError as error:
            path.unlink(missing_ok=True)
            msg = f"the upload stopped after {length - remaining} of {length} bytes: {error}"
            raise ValidationError(msg) from None
        if remaining:
            path.unlink(missing_ok=True)
            msg = f"the upload ended after {length - remaining} of {length} bytes"
            raise ValidationError(msg)
        return Received(path, length, digest.digest())

    def join(self, parts: list[Path]) -> Received:
        """The files ``parts`` joined, in order, into one new temporary file."""
        path = self.incoming()
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        with path.open("xb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while block := source.read(CHUNK):
                        digest.update(block)
                        out.write(block)
                        size += len(block)
        return Received(path, size, digest.digest())

    def keep(self, received: Received | Path, component_id: str) -> Path:
        """Move a received file (or a temporary file from `incoming`) into place, whole, as
        the file of ``component_id``."""
        target = self.path(component_id)
        os.replace(received.path if isinstance(received, Received) else received, target)
        return target

    def discard(self, path: Path) -> None:
        """Remove a temporary file or folder of the store, if it is still there."""
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        """Remove the folder when it is the temporary one of an in-memory database."""
        self._closed = True
        if self._temporary and self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
