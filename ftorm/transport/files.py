"""The component files of the ``ftrack.server`` location over HTTP, with requests: upload
(``PUT`` to the URL the server answered), download (``/component/get``), removal
(``/component/remove``) and the file's URL; the methods of `HttpFiles`, the base of
`ftorm.transport.http.HttpTransport`, which gives them its keep-alive client and its body
reading.

Downloads (`HttpFiles.download`) ask for the bytes as stored and take them so: an answer
with a ``Content-Encoding`` other than ``identity`` is refused (`DownloadError`), and the
body is read raw, never decompressed, so the bytes written are the bytes received. Each
download must end within `HttpFiles.download_deadline` seconds in all, however slowly the
server sends (on the transport's ``clock``). Redirects are followed by hand, a few hops at
most: to the server's origin with the credentials, elsewhere without them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlencode, urljoin

from ftorm.errors import DownloadError, TransportError, excerpt
from ftorm.transport.decoding import IDENTITY
from ftorm.transport.endpoint import MAX_REDIRECTS, REDIRECT_STATUS, Endpoint, error_text, origin

if TYPE_CHECKING:  # requests is imported on the first transfer: a session starts without it
    import requests

__all__ = ["DOWNLOAD_DEADLINE", "HttpFiles"]

_DOWNLOAD_CHUNK = 1024 * 1024
_DOWNLOAD_HEADERS = {"Accept": "*/*", "Accept-Encoding": "identity", "Content-Type": None}
"""A download asks for the bytes as stored (no compression) and sends no JSON headers."""

DOWNLOAD_DEADLINE = 3600.0
"""Seconds one download may take in all, by default (`HttpFiles.download_deadline`)."""


class HttpFiles(Endpoint):
    """Moves component files over HTTP; the transport gives it its client (`_client`) and
    its body reading (`_blocks`)."""

    download_deadline: float
    """Seconds one download may take in all (`DOWNLOAD_DEADLINE` by default)."""

    def _client(self) -> requests.Session:
        """The transport's keep-alive `requests.Session`."""
        raise NotImplementedError  # pragma: no cover - HttpTransport's

    def _blocks(
        self, response: requests.Response, size: int, deadline: float, late: str
    ) -> Iterator[bytes]:
        """The body of ``response`` in blocks of at most ``size`` bytes, as sent, within
        ``deadline`` (`ftorm.transport.http.HttpTransport._blocks`)."""
        raise NotImplementedError  # pragma: no cover - HttpTransport's

    def put_file(self, url: str, stream: BinaryIO, headers: Mapping[str, str]) -> None:
        """``PUT`` a file's bytes to an upload URL a server answered (no credentials sent).

        Raises:
            TransportError: when the file cannot be sent or is refused.
        """
        import requests

        try:
            response = requests.put(url, data=stream, headers=dict(headers), timeout=self.timeout)
        except requests.RequestException as error:
            msg = f"the file could not be sent: {self._scrub(str(error))}"
            raise TransportError(msg) from None
        if response.status_code >= 400:
            msg = f"the file was refused ({response.status_code}): {response.text[:200]}"
            raise TransportError(msg)

    def download(self, component_id: str, write: Callable[[bytes], object]) -> int:
        """Stream the file of ``component_id`` in the ``ftrack.server`` location to
        ``write``, block by block (at most 1 MiB in memory); the number of bytes written.
        The bytes are taken as received, never decompressed, and the whole download must
        end within `download_deadline` seconds. ``write`` may raise `DownloadError` itself
        (to cap the size, say): the download stops there.

        It asks ``<server>/component/get?id=<id>`` with the API user's credentials in the
        ``ftrack-user`` and ``ftrack-api-key`` headers. Redirects are followed by hand, a few
        hops at most: to the server's origin with the credentials, elsewhere (ftrack answers
        with a signed storage URL) without them.

        Raises:
            DownloadError: for an error status, a connection that fails or times out, too
                many redirects, a compressed body (a ``Content-Encoding`` other than
                ``identity``), a download that takes longer than `download_deadline`, or a
                body whose size is not the ``Content-Length`` announced.
        """
        import requests

        server = self.display_url.removesuffix("/api")
        what = f"the file of the component {component_id} from {server}"
        url = f"{self.url.removesuffix('/api')}/component/get?{urlencode({'id': component_id})}"
        deadline = self.clock() + self.download_deadline
        late = f"the download took longer than {self.download_deadline:g} s in all"
        written = 0
        try:
            response = self._get_file(url)
            with response:
                if response.status_code >= 400:
                    msg = f"cannot download {what}: {error_text(response)}"
                    raise DownloadError(msg)
                length = response.headers.get("Content-Length")
                encoding = response.headers.get("Content-Encoding", "").strip().lower()
                if encoding not in IDENTITY:
                    msg = (
                        f"cannot download {what}: the server sent it compressed "
                        f"(Content-Encoding: {excerpt(encoding, 40)}) although the bytes as "
                        "stored were asked for; a compressed file is refused, as it could "
                        "unpack to any size"
                    )
                    raise DownloadError(msg)
                for block in self._blocks(response, _DOWNLOAD_CHUNK, deadline, late):
                    write(block)
                    written += len(block)
        except requests.RequestException as error:
            after = f" after {written} bytes" if written else ""
            msg = f"cannot download {what}{after}: {self._scrub(str(error))}"
            raise DownloadError(msg) from None
        announced = int(length) if length is not None and length.isdigit() else None
        if announced is not None and written != announced:
            msg = f"cannot download {what}: {written} bytes arrived, {length} were announced"
            raise DownloadError(msg)
        return written

    def remove_file(self, component_id: str) -> None:
        """``POST <server>/component/remove?id=<id>`` with the API user's credentials.

        Raises:
            TransportError: when the server refuses, cannot be reached or does not answer
                within the timeout.
        """
        import requests

        base = self.url.removesuffix("/api")
        url = f"{base}/component/remove?{urlencode({'id': component_id})}"
        try:
            response = self._client().post(
                url, headers=_DOWNLOAD_HEADERS, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as error:
            msg = f"the file of {component_id} could not be removed: {self._scrub(str(error))}"
            raise TransportError(msg) from None
        with response:
            if response.status_code >= 400:
                msg = f"the file of {component_id} could not be removed: {error_text(response)}"
                raise TransportError(msg)

    def file_url(self, component_id: str, *, thumbnail_size: int | None = None) -> str:
        """``<server>/component/get?id=...&username=...&apiKey=...`` (``/component/thumbnail``
        with ``&size=`` for a thumbnail): the form ftrack's own clients hand out, which opens
        the file for anyone holding it."""
        user, key = self.credentials
        route = "get" if thumbnail_size is None else "thumbnail"
        params: dict[str, object] = {"id": component_id, "username": user, "apiKey": key}
        if thumbnail_size is not None:
            params["size"] = thumbnail_size
        return f"{self.url.removesuffix('/api')}/component/{route}?{urlencode(params)}"

    def _get_file(self, url: str) -> requests.Response:
        """``GET url``, streamed; redirects followed with credentials only to the origin."""
        import requests

        for _ in range(MAX_REDIRECTS + 1):
            if origin(url) == origin(self.url):
                response = self._client().get(
                    url,
                    headers=_DOWNLOAD_HEADERS,
                    timeout=self.timeout,
                    allow_redirects=False,
                    stream=True,
                )
            else:  # a plain request: the session's credentials stay home
                headers = {k: v for k, v in _DOWNLOAD_HEADERS.items() if v is not None}
                response = requests.get(
                    url, headers=headers, timeout=self.timeout, allow_redirects=False, stream=True
                )
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUS or not location:
                return response
            response.close()
            url = urljoin(url, location)
        msg = f"{self.display_url.removesuffix('/api')}: more than {MAX_REDIRECTS} redirects"
        raise DownloadError(msg)
