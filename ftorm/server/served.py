"""What the server's parts ask of the server: `ftorm.server.handlers.Server` is both.

`Server` composes the parts below it: it answers each operation through
`ftorm.server.dispatch` and gives its HTTP endpoints through `ftorm.server.wsgi`
(`Server.app`). Those parts take the server as one of these protocols, not as the class, so
every import in the package points one way (``tests/test_layers.py``).
"""

from __future__ import annotations

from typing import Any, Protocol

from ftorm._typing import JSON, JSONObject
from ftorm.schema.types import Schema
from ftorm.server.eventhub import Hub
from ftorm.server.files import FileStore
from ftorm.server.storage import Layout
from ftorm.server.thumbnails import Thumbnails
from ftorm.server.uploads import Uploads

__all__ = ["Answering", "Endpoint", "Files"]


class Files(Protocol):
    """The server's files, as both faces below use them."""

    @property
    def files(self) -> FileStore:
        """The ``ftrack.server`` location's files."""
        ...

    @property
    def thumbnails(self) -> Thumbnails:
        """Signs each ``thumbnail_url`` answered and checks it when it is opened."""
        ...

    @property
    def uploads(self) -> Uploads:
        """The uploads in progress (``get_upload_metadata``, then ``PUT``)."""
        ...


class Answering(Files, Protocol):
    """The server as one operation's answer reads it (`ftorm.server.dispatch.answer`)."""

    @property
    def layout(self) -> Layout:
        """Where the schema's types live in the database."""
        ...

    @property
    def documents(self) -> list[JSONObject]:
        """The ``query_schemas`` answer."""
        ...

    @property
    def user_id(self) -> str | None:
        """The API user's id, None when there is none."""
        ...

    def server_information(self, values: tuple[str, ...] | None = None) -> JSONObject:
        """The ``query_server_information`` answer."""
        ...


class Endpoint(Files, Protocol):
    """The server as its HTTP endpoints use it (`ftorm.server.wsgi`, `ftorm.server.web`,
    `ftorm.server.downloads`)."""

    @property
    def schema(self) -> Schema:
        """The schema served."""
        ...

    @property
    def events(self) -> Hub:
        """The event hub the websocket serves."""
        ...

    def check_credentials(self, user: str | None, key: str | None) -> bool:
        """True when ``user`` and ``key`` are the server's."""
        ...

    def handle(
        self, operations: Any, *, denormalize: bool = False, base_url: str | None = None
    ) -> list[JSON] | JSONObject:
        """Answer a decoded batch: the list of results, or one error object."""
        ...
