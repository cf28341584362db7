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
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ftorm._typing import JSON, JSONObject
from ftorm.errors import (
    DiskFullError,
    FtormError,
    PermissionDeniedError,
    ServerError,
    StorageError,
    ValidationError,
)
from ftorm.protocol import operations as ops
from ftorm.schema.types import Schema
from ftorm.server.actions import (
    API_KEY,
    complete_upload,
    reset_remote,
    upload_metadata,
    widget_url,
)
from ftorm.server.answers import answer_parsed, parse_query
from ftorm.server.bulk import PRISTINE_KEY, get_meta, incomplete_reason, recorded_schema, set_meta
from ftorm.server.changes import Changes
from ftorm.server.encode import encode_one
from ftorm.server.encoding import encode_media
from ftorm.server.eventhub import Hub
from ftorm.server.fetch import Fetcher, Record, build_tree
from ftorm.server.files import FileStore
from ftorm.server.fixtures import load
from ftorm.server.opening import ensure_user, find_user, open_read_only, prepare
from ftorm.server.rows import StoredRow
from ftorm.server.storage import LINK, Layout, connect
from ftorm.server.thumbnails import Thumbnails
from ftorm.server.uploads import Uploads
from ftorm.server.writes import Writer

__all__ = ["SERVER_VERSION", "Server"]

logger: logging.Logger = logging.getLogger(__name__)

SERVER_VERSION = "dev"
"""Reported as ``version``; the official client skips its version check for ``"dev"``."""

LOCAL_URL = "http://localhost"
"""The address upload URLs name when the batch did not come over HTTP (`Server.handle`)."""


class _Batch:
    """What one batch carries besides its operations."""

    __slots__ = ("base_url", "changes", "denormalize", "done", "new_key")

    def __init__(self, denormalize: bool, base_url: str) -> None:
        self.denormalize = denormalize
        self.base_url = base_url
        self.done: list[str] = []  # what was answered, for the log line
        self.new_key: str | None = None  # the API user's new key, once the batch commits
        self.changes: Changes | None = None  # what a write batch changed (ftrack.update)


MAX_ERROR = 4000
"""The longest error message the server answers, in characters: messages quote excerpts of
the input, and this bounds whatever they add up to."""


_FULL = "database or disk is full"
"""SQLite's message for ``SQLITE_FULL`` (Python 3.10's errors carry no code)."""


def _is_full(error: sqlite3.Error) -> bool:
    """True when ``error`` is SQLite's ``SQLITE_FULL``: the disk, or ``max_page_count``."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == sqlite3.SQLITE_FULL
    return _FULL in str(error)


def _storage_error(error: sqlite3.Error, what: str) -> ServerError:
    """The error answered for a failure of the database: `DiskFullError` when it is full."""
    if _is_full(error):
        return DiskFullError(
            "the server's disk is full: nothing of this batch was stored; send it again once "
            f"there is room ({error})"
        )
    return ServerError(f"{what}: {type(error).__name__}: {error}")


def _idle(conn: sqlite3.Connection) -> bool:
    """True when ``conn`` is open and in no transaction."""
    try:
        return not conn.in_transaction
    except sqlite3.ProgrammingError:  # closed
        return False


def _bounded(payload: JSONObject) -> JSONObject:
    content = payload.get("content")
    if isinstance(content, str) and len(content) > MAX_ERROR:
        payload["content"] = f"{content[:MAX_ERROR]}... ({len(content) - MAX_ERROR:,} more)"
    return payload


def _peek(writer: Writer, type_id: str, key: Any) -> StoredRow | None:
    """The stored row an update or delete is about to change (None when there is none: the
    operation itself then reports what is wrong)."""
    if type_id not in writer.schema.types:
        return None
    try:
        return writer.find(type_id, key)
    except (FtormError, LookupError, TypeError, ValueError):
        return None


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
        self.api_key: str = api_key or secrets.token_urlsafe(24)
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
        self._pool_lock = threading.Lock()  # the readers': never held across a batch
        self._closed = False
        self._database = database
        self._readers: list[sqlite3.Connection] = []  # idle read-only connections
        self.read_only: bool = read_only
        """The database is opened read-only: an existing workspace, never changed."""
        # One in-memory database per connection: reads apart only for files.
        self._separate_reads = database != ":memory:" and not read_only
        self._writes = 0
        self._next_analyze = 1000
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
        if not user or not key:
            return False
        ok_user = secrets.compare_digest(user.encode("utf-8"), self.api_user.encode("utf-8"))
        ok_key = secrets.compare_digest(key.encode("utf-8"), self.api_key.encode("utf-8"))
        return ok_user and ok_key

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
        batch = _Batch(denormalize, base_url or LOCAL_URL)
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

    def _handle(self, operations: Any, batch: _Batch) -> list[JSON] | JSONObject:
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
            reader = self._acquire_reader()
            if reader is None:
                return ServerError("the server is closed").to_payload()
            try:
                return self._transaction(reader, "BEGIN", operations, batch)
            finally:
                self._release_reader(reader)
        with self._lock:
            if self._closed:
                return ServerError("the server is closed").to_payload()
            writes = not ops.is_read_only(operations)
            answer = self._transaction(
                self.connection, "BEGIN IMMEDIATE", operations, batch, writes=writes
            )
            if isinstance(answer, list):
                self._count_writes(operations)
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
        batch: _Batch,
        *,
        writes: bool = False,
    ) -> list[JSON] | JSONObject:
        """Run a batch in one transaction on ``conn``: its results, or one error object.

        Whatever fails, the transaction is over when this returns (rolled back, or the
        connection reopened): a failed ``COMMIT`` (a full disk) must not leave ``conn`` inside
        a transaction that every later batch would trip over. A batch that ``writes`` first
        adds the API user when the workspace holds none, and its changes end the workspace's
        pristine state (`ftorm.server.bulk`)."""
        try:
            conn.execute(begin)
        except sqlite3.Error as error:
            self._end(conn)
            return _storage_error(error, "the database is not available").to_payload()
        user_id = self.user_id
        try:
            if writes and user_id is None:
                user_id = ensure_user(conn, self.layout, self.api_user)
            changes = conn.total_changes
            writer = Writer(self.layout, conn, user_id)
            if conn is self.connection:
                batch.changes = Changes(
                    self.schema, writer.find, lambda type_id: self.layout.table(type_id).root
                )
            results = [self._one(writer, op, batch) for op in operations]
            writer.finish()
            if self._pristine and conn.total_changes != changes:
                set_meta(conn, PRISTINE_KEY, None)
            conn.execute("COMMIT")
        except ServerError as error:
            self._end(conn)
            return _bounded(error.to_payload())
        except FtormError as error:
            self._end(conn)
            return _bounded(ValidationError(str(error)).to_payload())
        except sqlite3.Error as error:
            self._end(conn)
            if not _is_full(error):
                logger.exception("database error")
            return _storage_error(error, "internal error").to_payload()
        except Exception as error:  # a bug must still answer, not crash the request
            self._end(conn)
            logger.exception("internal error")
            return ServerError(
                f"internal error: {type(error).__name__}: {error}", exception="ServerError"
            ).to_payload()
        if writes:
            self.user_id = user_id
            self._pristine = self._pristine and get_meta(conn, PRISTINE_KEY) is not None
        return results

    def _end(self, conn: sqlite3.Connection) -> None:
        """Roll back whatever transaction ``conn`` is in; reopen the writer's connection to a
        file when even that fails (a reader's is closed instead of going back to the pool)."""
        if _idle(conn):
            return
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error as error:
            logger.warning("rollback failed: %s", error)
        if _idle(conn):
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

    _IDLE_READERS = 8
    """Read-only connections kept open between batches."""

    def _acquire_reader(self) -> sqlite3.Connection | None:
        """An idle read-only connection, or a new one; None once the server is closed.

        The pool has its own lock, never the writer's: a reader never waits for a write
        batch, however long (SQLite's WAL gives it the last committed snapshot)."""
        with self._pool_lock:
            if self._closed:
                return None
            if self._readers:
                return self._readers.pop()
        reader = connect(self._database)
        reader.execute("PRAGMA query_only=ON")
        return reader

    def _release_reader(self, reader: sqlite3.Connection) -> None:
        with self._pool_lock:
            usable = _idle(reader)
            if usable and not self._closed and len(self._readers) < self._IDLE_READERS:
                self._readers.append(reader)
                return
        reader.close()

    def _count_writes(self, operations: list[Any]) -> None:
        """Refresh the planner's statistics as the database grows (1k, 2k, 4k ... writes)."""
        self._writes += sum(
            1 for op in operations if isinstance(op, dict) and op.get("action") != "query"
        )
        if self._writes >= self._next_analyze:
            self._next_analyze = self._writes * 2
            self.analyze()

    def analyze(self) -> None:
        """Gather SQLite's statistics so the planner picks the right index (about 0.2 s for
        100,000 entities; run as the database doubles in size)."""
        with self._lock:
            try:
                self.connection.execute("PRAGMA analysis_limit=0")
                self.connection.execute("ANALYZE")
            except sqlite3.Error as error:  # statistics are an optimisation only
                logger.warning("ANALYZE failed: %s", error)

    def _one(self, writer: Writer, operation: JSON, batch: _Batch) -> JSON:
        valid = ops.validate(operation)
        denormalize, done = batch.denormalize, batch.done
        if isinstance(valid, ops.QueryOp):
            select = parse_query(valid.expression)
            done.append(f"query {select.entity_type}")
            base_url = batch.base_url
            return answer_parsed(
                self.layout,
                writer.connection,
                valid.expression,
                select,
                denormalize,
                lambda component: self.thumbnails.url(base_url, component),
            )
        changes = batch.changes
        if isinstance(valid, ops.CreateOp):
            done.append(f"create {valid.entity_type}")
            type_id, key = writer.create(valid.entity_type, valid.data, valid.key)
            if changes is not None and (row := writer.find(type_id, key)) is not None:
                changes.record_add(row)
            return {"action": "create", "data": self._echo(writer, type_id, key, valid.data)}
        if isinstance(valid, ops.UpdateOp):
            done.append(f"update {valid.entity_type}")
            before = _peek(writer, valid.entity_type, valid.key) if changes is not None else None
            type_id, key = writer.update(valid.entity_type, valid.key, valid.data)
            if changes is not None and (after := writer.find(type_id, key)) is not None:
                if before is None:  # an upsert created it
                    changes.record_add(after)
                else:
                    changes.record_update(before, after)
            return {"action": "update", "data": self._echo(writer, type_id, key, valid.data)}
        if isinstance(valid, ops.DeleteOp):
            done.append(f"delete {valid.entity_type}")
            if changes is not None and (doomed := _peek(writer, valid.entity_type, valid.key)):
                changes.record_remove(doomed)
            writer.delete(valid.entity_type, valid.key)
            return {"action": "delete", "data": True}
        if isinstance(valid, ops.SchemasOp):
            done.append("query_schemas")
            return self.documents
        if isinstance(valid, ops.ResetRemoteOp):
            done.append(f"reset_remote {valid.reset_type}")
            value = reset_remote(writer, valid)
            if valid.reset_type == API_KEY and valid.key == self.user_id:
                batch.new_key = str(value)  # the old key stops working, as on ftrack
            return {"action": valid.action, "data": value}
        if isinstance(valid, ops.WidgetUrlOp):
            done.append(f"get_widget_url {valid.name}")
            return {"widget_url": widget_url(writer, valid, batch.base_url)}
        if isinstance(valid, ops.UploadMetadataOp):
            done.append(f"get_upload_metadata {valid.component_id}")
            return upload_metadata(self.uploads, valid, batch.base_url)
        if isinstance(valid, ops.CompleteUploadOp):
            done.append(f"complete_multipart_upload {valid.component_id}")
            return complete_upload(self.uploads, valid, batch.base_url)
        if isinstance(valid, ops.EncodeMediaOp):
            done.append(f"encode_media {valid.component_id}")
            return encode_media(writer, self.files, valid, self.user_id)
        done.append("query_server_information")
        return self.server_information(valid.values)

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

    def _echo(
        self, writer: Writer, type_id: str, key: tuple[str, ...], sent: JSONObject
    ) -> JSONObject:
        """The stored entity with the scalar attributes that have a value (an unset one
        stays unset in a client's cache, as ftrack answers), its ``link`` when its type has
        one, and the relations that were written (so a client merging the answer sees their
        new members)."""
        row = writer.find(type_id, key)
        if row is None:  # deleted again later in a batch never reaches here
            msg = f"{type_id} {list(key)!r} does not exist"
            raise ValidationError(msg)
        fetcher = Fetcher(self.layout, self.connection)
        record: Record = fetcher.record(row.type_id, row.columns)
        keep = set(self.schema.types[row.type_id].primary_key)
        record.fields = {
            n: None for n in record.fields if n in keep or row.columns.get(n) is not None
        }
        record.fields.update(
            dict.fromkeys(
                name
                for name in sorted(self.layout.stored_names(row.type_id))
                if row.columns.get(name) is not None
            )
        )
        entity = self.schema.types[row.type_id]
        written = [
            (name,) for name in sent if name in entity.properties and entity[name].is_relation
        ]
        if LINK in entity.properties:
            written.append((LINK,))
        if written:
            fetcher.load([record], build_tree(written))
        return encode_one(self.schema, record)

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
            with self._pool_lock:
                self._closed = True
                idle, self._readers = self._readers, []
            self.events.close()
            self.connection.close()
            for reader in idle:
                reader.close()
            self.files.close()
