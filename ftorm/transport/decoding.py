"""The body of an API answer, decompressed with a limit on the bytes it unpacks to.

Both HTTP transports ask for ``Accept-Encoding: gzip, deflate`` (`ACCEPT_ENCODING`), read
the body as it arrives on the wire, and feed it to a `BoundedDecoder`, which never unpacks
more than one byte past its limit at a time: a compression bomb (a few kilobytes that
unpack to gigabytes) or an endless body raises `AnswerTooLargeError` with memory bounded by
the limit, whatever the HTTP library would have unpacked in one go.
"""

from __future__ import annotations

import zlib

from ftorm.errors import AnswerTooLargeError, TransportError

__all__ = ["ACCEPT_ENCODING", "IDENTITY", "BoundedDecoder"]

ACCEPT_ENCODING = "gzip, deflate"
"""The ``Accept-Encoding`` of every API request: the encodings `BoundedDecoder` reads."""

_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
"""zlib's window setting for each ``Content-Encoding`` read (``identity``: none)."""
IDENTITY = frozenset({"", "identity"})
"""``Content-Encoding`` values meaning the bytes as stored (no compression)."""


class BoundedDecoder:
    """Decodes the body of one answer sent with ``Content-Encoding: encoding``, fed as it
    arrives (`feed`, then `finish`); at most ``limit`` bytes once decoded.

    Raises (from the constructor):
        TransportError: an encoding that was not asked for (`ACCEPT_ENCODING`).
    """

    def __init__(self, encoding: str, limit: int, display: str) -> None:
        encoding = encoding.strip().lower()
        if encoding not in IDENTITY and encoding not in _WBITS:
            shown = encoding[:40]
            msg = (
                f"{display} answered with Content-Encoding {shown!r}, which was not asked "
                f"for (Accept-Encoding: {ACCEPT_ENCODING})"
            )
            raise TransportError(msg)
        self._wbits = _WBITS.get(encoding)
        self._zlib = None if self._wbits is None else zlib.decompressobj(self._wbits)
        self._started = False  # a "deflate" body may be raw deflate, without zlib's header
        self.limit = limit
        self.size = 0
        """Bytes decoded so far."""
        self._display = display

    def feed(self, data: bytes) -> bytes:
        """The bytes ``data`` (as received) decode to.

        Raises:
            AnswerTooLargeError: when the body decodes to more than ``limit`` bytes.
            TransportError: a body that does not decompress.
        """
        if self._zlib is None:
            return self._count(data)
        out: list[bytes] = []
        while data:
            try:
                block = self._zlib.decompress(data, self.limit - self.size + 1)
            except zlib.error as error:
                if self._started or self._wbits != zlib.MAX_WBITS:
                    raise self._broken(error) from None
                self._zlib, self._wbits = zlib.decompressobj(-zlib.MAX_WBITS), -zlib.MAX_WBITS
                continue
            self._started = True
            out.append(self._count(block))
            data = self._zlib.unconsumed_tail
            if self._zlib.eof:  # gzip allows several members one after the other
                data = self._zlib.unused_data
                if data and self._wbits is not None:
                    self._zlib = zlib.decompressobj(self._wbits)
        return b"".join(out)

    def finish(self) -> bytes:
        """What is left once the whole body was fed (`feed`'s errors)."""
        if self._zlib is None:
            return b""
        try:
            return self._count(self._zlib.flush())
        except zlib.error as error:  # pragma: no cover - flush after max_length reads
            raise self._broken(error) from None

    def _count(self, block: bytes) -> bytes:
        self.size += len(block)
        if self.size > self.limit:
            msg = (
                f"{self._display} answered more than {self.limit} bytes (decoded); the answer "
                "was dropped (raise max_answer_bytes if the server is trusted and the answer "
                "is really this big)"
            )
            raise AnswerTooLargeError(msg)
        return block

    def _broken(self, error: zlib.error) -> TransportError:
        return TransportError(f"{self._display} answered a body that does not decompress: {error}")
