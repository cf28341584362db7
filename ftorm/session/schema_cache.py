"""The on-disk schema cache: one server's ``query_schemas`` answer, keyed by its ``schema_hash``.

A new process that talks to a server whose schema has not changed reads the schema from disk
instead of downloading it again (as ftrack_api does with ``ftrack_api_schema_cache.json``).
The file is one JSON object per server (``{"server": <digest of its URL>, "schema_hash":
h, "schemas": [...]}``; the URL itself is not written, it may hold credentials) in the cache
folder: ``$FTORM_CACHE_DIR`` when set (an empty value turns the cache off), else
``$XDG_CACHE_HOME/ftorm``, else ``~/.cache/ftorm``.

Safe against:

- a changed schema: the entry is used only when the server's current ``schema_hash`` is the
  one stored with it; otherwise the schema is downloaded and the entry rewritten;
- a corrupt or foreign file (not JSON, another server's, a schema that does not load): it is
  ignored, as if absent, and rewritten after the next download;
- several processes writing at once: each writes a temporary file of its own in the same
  folder and renames it over the entry (``os.replace``, atomic), so a reader sees one whole
  entry or another, never a mix.

A cache that cannot be written (read-only folder, full disk) is skipped silently: the cache
only saves a download.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import attrs

from ftorm._typing import JSON
from ftorm.errors import FtormError
from ftorm.schema.load import load_schema
from ftorm.schema.types import Schema

__all__ = ["CACHE_VARIABLE", "CachedSchema", "SchemaCache", "cache_folder"]

CACHE_VARIABLE = "FTORM_CACHE_DIR"
"""The environment variable naming ftorm's cache folder (empty: no cache)."""


def cache_folder() -> Path | None:
    """ftorm's cache folder for this user (None when ``$FTORM_CACHE_DIR`` is set empty)."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ftorm"


@attrs.frozen
class CachedSchema:
    """A stored schema: the hash the server gave it, its documents, and it loaded."""

    schema_hash: str
    documents: JSON
    schema: Schema


class SchemaCache:
    """The cache entry of one server in one folder."""

    __slots__ = ("path", "server")

    def __init__(self, folder: Path, server: str) -> None:
        """The entry of the server at URL ``server`` in ``folder``."""
        import hashlib  # on first use, not on ``import ftorm``

        digest = hashlib.sha256(server.encode("utf-8")).hexdigest()
        self.server: str = digest
        """The SHA-256 of the server's URL: the server the entry belongs to."""
        self.path: Path = folder / f"schema-{digest[:24]}.json"
        """The entry's file."""

    @classmethod
    def for_server(cls, server: str) -> SchemaCache | None:
        """The entry for ``server`` in the user's cache folder (None: cache turned off)."""
        folder = cache_folder()
        return None if folder is None else cls(folder, server)

    def load(self) -> CachedSchema | None:
        """The stored schema, or None when there is none or it cannot be used."""
        try:
            stored = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict) or stored.get("server") != self.server:
            return None
        schema_hash, documents = stored.get("schema_hash"), stored.get("schemas")
        if not isinstance(schema_hash, str) or not schema_hash or not isinstance(documents, list):
            return None
        try:
            schema = load_schema(documents)
        except (FtormError, ValueError, TypeError, KeyError, AttributeError):
            return None
        return CachedSchema(schema_hash, documents, schema)

    def store(self, schema_hash: str, documents: JSON) -> None:
        """Write the entry (atomically; failures to write are ignored)."""
        body = json.dumps({"server": self.server, "schema_hash": schema_hash, "schemas": documents})
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            import tempfile  # only when writing (not on ``import ftorm``)

            handle, temporary = tempfile.mkstemp(prefix=".schema-", suffix=".tmp", dir=folder)
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(body)
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
