"""The embedded server's entry point: operation batches in, results (or one error) out.

`Server.handle` runs a batch in one SQLite transaction: operations see the effects of the
ones before them; the first failure rolls everything back and the answer is that failure's
error object. Nothing raised inside escapes as an exception: unexpected failures become a
``ServerError`` object naming the problem, never a traceback.

Every batch is logged at INFO on the ``ftorm.server.handlers`` logger, one line: its
actions and entity types, the time taken, and the error when it failed.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ftorm._typing import JSON, JSONObject
from ftorm.errors import PermissionDeniedError, ServerError, StorageError, ValidationError
from ftorm.protocol import operations as ops
from ftorm.schema.types import Schema
from ftorm.server import transactions
from ftorm.server.answers import answer_parsed, parse_query
from ftorm.server.bulk import PRISTINE_KEY, get_meta, incomplete_reason, recorded_schema, set_meta
from ftorm.server.changes import Changes
from ftorm.server.credentials import credentials_match, new_api_key
from ftorm.server.dispatch import Batch, answer
from ftorm.server.eventhub import Hub
from ftorm.server.files import FileStore
from ftorm.server.fixtures import load
from ftorm.server.opening import ensure_user, find_user, open_read_only, prepare
from ftorm.server.readers import ReaderPool
from ftorm.server.statistics import Statistics, analyze
from ftorm.server.storage import Layout, connect
from ftorm.server.thumbnails import Thumbnails
from ftorm.server.uploads import Uploads
from ftorm.server.writes import Writer

__all__ = ["SERVER_VERSION", "Server"]

logger: logging.Logger = logging.getLogger(__name__)

SERVER_VERSION = "dev"
"""Reported as ``version``; the official client skips its version check for ``"dev"``."""

LOCAL_URL = "http://localhost"
"""The address upload URLs name when the batch did not come over HTTP (`Server.handle`)."""


class Server:
    """An ftrack-compatible server over one SQLite database.

    ``schema`` defaults to the schema recorded in the workspace (`ftorm.server.bulk`: a
    clone's), else ftorm's standard schema. A new database is created and seeded; an existing
    one is reused (its tables are extended for new schema attributes); an interrupted clone
    is refused (`StorageError`) unless opened ``read_only``.
    ``api_key`` None or empty generates a random key (see `api_key`): an empty key is no key.
    """

    def __init__(
        self,
        schema: Schema | None = None,
        *,
        database: str = ":memory:",
        api_user: str = "ftorm",
        api_key: str | None = None,
        read_only: bool = False,
    ) -> None:
        if not read_only and (reason := incomplete_reason(database)) is not None:
            raise StorageError(reason)
        if schema is None:
            schema = recorded_schema(database)
        if schema is None:
            from ftorm.schema.standard import standard_schema

            schema = standard_schema()
        self.schema: Schema = schema
        """The schema served."""
        self.layout: Layout = Layout(schema)
        """Where the schema's types live in the database."""
        self.api_user: str = api_user
        """The one user the server knows."""
        self.api_key: str = api_key or new_api_key()
        """The key every request must carry."""
        self.documents: list[JSONObject] = [dict(d) for d in schema.documents]
        """The ``query_schemas`` answer."""
        self.schema_hash: str = schema.hash
        """The ``schema_hash`` of ``query_server_information``."""
        self.user_id: str | None = None
        """The API user's id (None when the schema has no ``User``, or until the first write
        adds the API user to a workspace that holds none: `ftorm.server.opening`)."""
        self.connection: sqlite3.Connection
        """The database connection (the server serialises its use)."""
        self._lock = threading.RLock()  # the writer's: held for a whole write batch
        self._closed = False
        self._database = database
        self._readers = ReaderPool(database)  # its own lock: readers never wait for writes
        self.read_only: bool = read_only
        """The database is opened read-only: an existing workspace, never changed."""
        # One in-memory database per connection: reads apart only for files.
        self._separate_reads = database != ":memory:" and not read_only
        self._statistics = Statistics()
        self._pristine = False  # the workspace holds its seed only (`ftorm.server.bulk`)
        self.files: FileStore = FileStore(database)
        self.thumbnails: Thumbnails = Thumbnails()
        """Signs the ``thumbnail_url`` answered and checks it when opened."""
        """The ``ftrack.server`` location's files, in a folder beside the database."""
        self.uploads: Uploads = Uploads(self.files)
        """The uploads in progress (``get_upload_metadata``, then ``PUT``)."""
        self.events: Hub = Hub(self.check_credentials)
        """The event hub (`ftorm.server.eventhub`): ``ftrack.update`` after every commit
        that changed entities, and whatever clients publish."""
        try:
            if read_only:
                self.connection = open_read_only(database, self.layout)
                self.user_id = find_user(self.connection, self.layout, api_user)
            else:
                self.connection = connect(database)
                self.user_id = prepare(self.connection, self.layout, api_user)
                self._pristine = get_meta(self.connection, PRISTINE_KEY) is not None
                self.analyze()
        except sqlite3.Error as error:
            msg = f"cannot use the database {database!r}: {error}"
            raise StorageError(msg) from None

    # --- credentials ----------------------------------------------------------------------

    def check_credentials(self, user: str | None, key: str | None) -> bool:
        """True when ``user`` and ``key`` are the server's (constant-time comparison)."""
        return credentials_match(user, key, self.api_user, self.api_key)

    # --- batches --------------------------------------------------------------------------

    def handle(
        self, operations: Any, *, denormalize: bool = False, base_url: str | None = None
    ) -> list[JSON] | JSONObject:
        """Answer a decoded batch: the list of results, or one error object.

        ``denormalize`` (ftrack's ``ftrack-api-options: denormalize``) repeats entities in
        full instead of answering later occurrences with references. ``base_url`` is the
        address the client reached the server at, for the upload URLs answered (by default
        `LOCAL_URL`).
        """
        started = time.perf_counter()
        batch = Batch(denormalize, base_url or LOCAL_URL)
        answer = self._handle(operations, batch)
        if logger.isEnabledFor(logging.INFO):
            elapsed = (time.perf_counter() - started) * 1000
            summary = ", ".join(batch.done) or "nothing"
            if isinstance(answer, dict):
                error = f"{answer.get('exception')}: {answer.get('content')}"
                logger.info("%s: failed in %.1f ms: %s", summary, elapsed, error)
            else:
                logger.info("%s: %.1f ms", summary, elapsed)
        return answer

    def _handle(self, operations: Any, batch: Batch) -> list[JSON] | JSONObject:
        if not isinstance(operations, list):
            return ValidationError(
                f"the request body must be a JSON array of operations, got "
                f"{type(operations).__name__}"
            ).to_payload()
        if self.read_only and not ops.is_read_only(operations):
            msg = "the database is open read-only: this server answers queries only"
            return PermissionDeniedError(msg).to_payload()
        if self._separate_reads and ops.is_read_only(operations):
            # Reads run on a connection of their own, beside the writer (SQLite's WAL gives
            # each a consistent snapshot): a long query never holds up the others.
            reader = self._readers.acquire()
            if reader is None:
                return ServerError("the server is closed").to_payload()
            try:
                return self._transaction(reader, "BEGIN", operations, batch)
            finally:
                self._readers.release(reader)
        with self._lock:
            if self._closed:
                return ServerError("the server is closed").to_payload()
            writes = not ops.is_read_only(operations)
            answer = self._transaction(
                self.connection, "BEGIN IMMEDIATE", operations, batch, writes=writes
            )
            if isinstance(answer, list):
                if self._statistics.due(operations):
                    self.analyze()
                if batch.new_key is not None:
                    self.api_key = batch.new_key
                if batch.changes:
                    self.events.publish(batch.changes.event(self.api_user, self.user_id))
            return answer

    def _transaction(
        self,
        conn: sqlite3.Connection,
        begin: str,
        operations: list[Any],
        batch: Batch,
        *,
        writes: bool = False,
    ) -> list[JSON] | JSONObject:
        """Run a batch in one transaction on ``conn`` (`ftorm.server.transactions.run`): its
        results, or one error object; the transaction is over when this returns. A batch
        that ``writes`` first adds the API user when the workspace holds none, and its
        changes end the workspace's pristine state (`ftorm.server.bulk`)."""
        user_id = self.user_id

        def work() -> list[JSON]:
            nonlocal user_id
            if writes and user_id is None:
                user_id = ensure_user(conn, self.layout, self.api_user)
            changes = conn.total_changes
            writer = Writer(self.layout, conn, user_id)
            if conn is self.connection:
                batch.changes = Changes(
                    self.schema, writer.find, lambda type_id: self.layout.table(type_id).root
                )
            results = [answer(self, writer, op, batch) for op in operations]
            writer.finish()
            if self._pristine and conn.total_changes != changes:
                set_meta(conn, PRISTINE_KEY, None)
            return results

        results = transactions.run(conn, begin, work, self._end)
        if writes and isinstance(results, list):
            self.user_id = user_id
            self._pristine = self._pristine and get_meta(conn, PRISTINE_KEY) is not None
        return results

    def _end(self, conn: sqlite3.Connection) -> None:
        """Roll back whatever transaction ``conn`` is in; reopen the writer's connection to a
        file when even that fails (a reader's is closed instead of going back to the pool)."""
        if transactions.roll_back(conn):
            return
        if conn is not self.connection:  # a reader: closed, never back in the pool
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        elif self._database == ":memory:":  # reopening would lose everything
            logger.error("the in-memory database is stuck in a failed transaction")
        else:
            logger.warning("reopening the database connection")
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            self.connection = connect(self._database, read_only=self.read_only)

    def load_fixture(self, fixture: Any, *, replace: bool = False, name: str = "fixture") -> int:
        """Load a data fixture into the workspace (`ftorm.server.fixtures.load`: a pristine
        workspace ends up holding exactly the fixture); the number of rows written."""
        with self._lock:
            if self.read_only:
                msg = "the database is open read-only: a fixture cannot be loaded into it"
                raise PermissionDeniedError(msg)
            written = load(self.layout, self.connection, fixture, replace=replace, name=name)
            self._pristine = False
            self.user_id = find_user(self.connection, self.layout, self.api_user)
        return written

    def analyze(self) -> None:
        """Gather SQLite's statistics so the planner picks the right index (about 0.2 s for
        100,000 entities; run as the database doubles in size)."""
        with self._lock:
            analyze(self.connection)

    # --- actions --------------------------------------------------------------------------

    def server_information(self, values: tuple[str, ...] | None = None) -> JSONObject:
        """``query_server_information``: all of it, or ``values`` (``version`` always)."""
        info: JSONObject = {
            "version": SERVER_VERSION,
            "schema_hash": self.schema_hash,
            "is_timezone_support_enabled": True,
            "storage_scenario": {"scenario": "ftrack.automatic", "data": {}},
            "server": "ftorm",
        }
        if values is None:
            return info
        return {k: v for k, v in info.items() if k in values or k == "version"}

    def query(self, expression: str, *, denormalize: bool = False) -> JSONObject:
        """Answer query text: ``{"action": "query", "data": [...], "metadata": ...}``;
        `ValidationError` naming the query when it is not valid."""
        return answer_parsed(
            self.layout,
            self.connection,
            expression,
            parse_query(expression),
            denormalize,
            self._local_thumbnail,
        )

    def _local_thumbnail(self, component_id: str) -> str:
        return self.thumbnails.url(LOCAL_URL, component_id)

    def app(self) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
        """The server's HTTP endpoints as a WSGI application (`ftorm.server.wsgi.make_app`):
        what an in-process transport sends files through, as a client does over HTTP."""
        from ftorm.server.wsgi import make_app

        return make_app(self)

    def file_path(self, component_id: str) -> Path | None:
        """The stored file of ``component_id``, or None when there is none."""
        files = self.files
        return files.path(component_id) if files.exists(component_id) else None

    def close(self) -> None:
        """Close the database; later batches answer an error."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._readers.close()
            self.events.close()
            self.connection.close()
            self.files.close()
