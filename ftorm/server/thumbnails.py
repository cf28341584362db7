"""The computed ``thumbnail_url``: where to fetch an entity's thumbnail from this server.

An entity with a thumbnail (``thumbnail_id``: a component whose file the ``ftrack.server``
location stores) reads ``thumbnail_url`` as ``{"url": "<address>/component/thumbnail?id=
<component id>&token=<token>"}``; without one, as null. As on ftrack the URL opens the
image by itself: the token signs the component id with a secret of the running server, so
the URL needs no API key and stops working when the server restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final
from urllib.parse import quote

__all__ = ["THUMBNAIL_URL", "Thumbnails"]

THUMBNAIL_URL: Final = "thumbnail_url"
"""The computed attribute."""

THUMBNAIL_ID: Final = "thumbnail_id"
"""The key column naming an entity's thumbnail component."""


class Thumbnails:
    """Signs the thumbnail URLs one server answers, and checks them."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def token(self, component_id: str) -> str:
        """The token that opens ``component_id``'s thumbnail."""
        digest = hmac.new(self._secret, component_id.encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()[:40]

    def valid(self, component_id: str, token: str | None) -> bool:
        """Whether ``token`` opens ``component_id``'s thumbnail."""
        return token is not None and hmac.compare_digest(self.token(component_id), token)

    def url(self, base_url: str, component_id: str) -> str:
        """The URL of ``component_id``'s thumbnail on the server reached at ``base_url``."""
        ident = quote(component_id, safe="")
        return (
            f"{base_url.rstrip('/')}/component/thumbnail?id={ident}"
            f"&token={self.token(component_id)}"
        )
