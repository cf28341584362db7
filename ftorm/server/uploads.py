"""Uploads in progress: what ``get_upload_metadata`` promised and the ``PUT`` s that keep it.

``get_upload_metadata`` registers an upload under an unguessable token (32 random bytes);
the URL it answers carries the token, which is the only credential the ``PUT`` needs (as a
signed storage URL is on ftrack). A token is valid for `TOKEN_SECONDS` and for its own
component, size and checksum only:

- a one-part upload is one ``PUT`` of exactly the promised size, whose MD5 digest must
  match the promised checksum when one was given; it stores the file and spends the token;
- a multipart upload takes one ``PUT`` per part (a part may be sent again, replacing it),
  never more bytes in all than promised; ``complete_multipart_upload`` names every part with
  the ``ETag`` its ``PUT`` answered, and joins them into the file when their sizes add up to
  the promised size.

At most `MAX_PENDING` uploads wait at a time: expired ones are dropped first, then the
oldest.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from pathlib import Path
from typing import BinaryIO, Final

import attrs

from ftorm.errors import PermissionDeniedError, ValidationError, excerpt
from ftorm.protocol.operations import UploadPart
from ftorm.server.files import FileStore, Received

__all__ = ["MAX_PARTS", "MAX_PENDING", "MAX_UPLOAD", "TOKEN_SECONDS", "Upload", "Uploads"]

MAX_UPLOAD: Final = 16 * 1024**3
"""The largest file accepted, in bytes (16 GiB)."""
MAX_PARTS: Final = 10_000
"""The most parts a multipart upload may have."""
MAX_PENDING: Final = 1024
"""The most uploads waiting for their ``PUT`` at a time."""
TOKEN_SECONDS: Final = 3600.0
"""How long an upload URL stays valid, in seconds."""


def md5_of_checksum(checksum: str | None) -> bytes | None:
    """The MD5 digest a base64 ``Content-MD5`` checksum (RFC 1864) holds.

    Raises:
        ValidationError: when it is not the base64 form of 16 bytes.
    """
    if checksum is None:
        return None
    try:
        digest = base64.b64decode(checksum, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        msg = f"the checksum {excerpt(checksum)} is not a base64 MD5 digest"
        raise ValidationError(msg)
    return digest


@attrs.define
class Upload:
    """One upload in progress."""

    component_id: str
    """The component whose file this is."""
    size: int
    """The promised size in bytes."""
    digest: bytes | None
    """The promised MD5 digest, when a checksum was given."""
    parts: int | None
    """The number of parts of a multipart upload; None for one ``PUT``."""
    expires: float
    """When the token stops being valid (`time.monotonic` seconds)."""
    received: dict[int, Received] = attrs.field(factory=dict)
    """The parts received so far, by part number."""


class Uploads:
    """The uploads in progress of one server, and the ``PUT`` s and completions of them."""

    def __init__(self, files: FileStore, *, max_size: int = MAX_UPLOAD) -> None:
        self.files: FileStore = files
        """Where the files go."""
        self.max_size: int = max_size
        """The largest file accepted, in bytes."""
        self._pending: dict[str, Upload] = {}
        self._lock = threading.Lock()

    def start(self, component_id: str, size: int, checksum: str | None, parts: int | None) -> str:
        """Register an upload; its token.

        Raises:
            ValidationError: for a size over `max_size`, a part count outside 1 to
                `MAX_PARTS`, a checksum that is not base64 MD5, or an id that cannot name a
                file.
        """
        self.files.path(component_id)  # refuses an id that cannot name a file
        if size > self.max_size:
            msg = f"the file is {size:,} bytes; this server accepts at most {self.max_size:,}"
            raise ValidationError(msg)
        if parts is not None and not 1 <= parts <= MAX_PARTS:
            msg = f"a multipart upload has 1 to {MAX_PARTS:,} parts, not {parts}"
            raise ValidationError(msg)
        digest = md5_of_checksum(checksum)
        token = secrets.token_urlsafe(32)
        upload = Upload(component_id, size, digest, parts, time.monotonic() + TOKEN_SECONDS)
        with self._lock:
            self._expire()
            while len(self._pending) >= MAX_PENDING:
                self._drop(next(iter(self._pending)))
            self._pending[token] = upload
        return token

    def put(self, token: str, part: int | None, stream: BinaryIO, length: int) -> str:
        """Store the body of one ``PUT``; the ``ETag`` to answer.

        Raises:
            PermissionDeniedError: for a token that is unknown, expired or spent, or a part
                number the upload does not have.
            ValidationError: for a body of the wrong size or checksum.
        """
        upload = self._find(token)
        if (part is None) != (upload.parts is None) or (
            part is not None and upload.parts is not None and not 1 <= part <= upload.parts
        ):
            msg = "this upload URL is not valid"
            raise PermissionDeniedError(msg)
        if part is None and length != upload.size:
            msg = f"the upload must be {upload.size:,} bytes, not {length:,}"
            raise ValidationError(msg)
        if part is not None:
            others = sum(r.size for n, r in upload.received.items() if n != part)
            if others + length > upload.size:
                msg = f"the parts would exceed the promised {upload.size:,} bytes"
                raise ValidationError(msg)
        received = self.files.receive(stream, length)
        if part is not None:
            with self._lock:
                replaced = upload.received.get(part)
                upload.received[part] = received
            if replaced is not None:
                self.files.discard(replaced.path)
            return received.etag
        try:
            self._check_digest(upload, received)
        except ValidationError:
            self.files.discard(received.path)
            raise
        with self._lock:
            self._pending.pop(token, None)
        self.files.keep(received, upload.component_id)
        return received.etag

    def complete(self, component_id: str, token: str, parts: tuple[UploadPart, ...]) -> Path:
        """Join the parts of a multipart upload into the component's file; its path.

        Raises:
            PermissionDeniedError: for an unknown, expired or spent upload, or one of
                another component.
            ValidationError: for parts not received, an ``ETag`` that does not match, sizes
                that do not add up, or a checksum that does not match.
        """
        upload = self._find(token)
        if upload.parts is None or upload.component_id != component_id:
            msg = f"no multipart upload {excerpt(token)} for component {excerpt(component_id)}"
            raise PermissionDeniedError(msg)
        numbers = sorted({part.part_number for part in parts})
        if len(numbers) != len(parts):
            msg = "complete_multipart_upload: a part is named twice"
            raise ValidationError(msg)
        chosen: list[Received] = []
        for part in sorted(parts, key=lambda p: p.part_number):
            received = upload.received.get(part.part_number)
            if received is None:
                msg = f"part {part.part_number} was never uploaded"
                raise ValidationError(msg)
            if part.e_tag.strip('"') != received.etag.strip('"'):
                msg = f"part {part.part_number}: the ETag {excerpt(part.e_tag)} does not match"
                raise ValidationError(msg)
            chosen.append(received)
        total = sum(r.size for r in chosen)
        if total != upload.size:
            msg = f"the parts hold {total:,} bytes, not the promised {upload.size:,}"
            raise ValidationError(msg)
        joined = self.files.join([r.path for r in chosen])
        try:
            self._check_digest(upload, joined)
        except ValidationError:
            self.files.discard(joined.path)
            raise
        with self._lock:
            self._drop(token)
        return self.files.keep(joined, component_id)

    def _check_digest(self, upload: Upload, received: Received) -> None:
        if upload.digest is not None and received.digest != upload.digest:
            msg = "the file's MD5 digest does not match the checksum it was announced with"
            raise ValidationError(msg)

    def _find(self, token: str) -> Upload:
        with self._lock:
            self._expire()
            upload = self._pending.get(token)
        if upload is None:
            msg = "this upload URL is not valid: unknown, expired or already used"
            raise PermissionDeniedError(msg)
        return upload

    def _expire(self) -> None:
        """Drop the expired uploads (the lock is held)."""
        now = time.monotonic()
        for token in [t for t, u in self._pending.items() if u.expires <= now]:
            self._drop(token)

    def _drop(self, token: str) -> None:
        """Forget an upload and remove its parts (the lock is held)."""
        upload = self._pending.pop(token, None)
        if upload is not None:
            for received in upload.received.values():
                self.files.discard(received.path)
