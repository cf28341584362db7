"""``ftorm clone``: copy projects from any ftrack server into an embedded workspace.

`clone` reads through a transport (HTTP to a real ftrack server or ``ftorm serve``, or
in-process to an embedded server), records the source's schema in the workspace
(`ftorm.server.bulk`), and copies each project, everything beneath it and what that
references (`ftorm.clone.plan`) with paged projection queries batched across types
(`ftorm.clone.engine`). The copy is exact: ids, values, datetimes and links as the source
answers them. With ``with_files``, the files of the copied components in the source's
``ftrack.server`` location are downloaded into the workspace's file store
(`ftorm.clone.files`). Until it completes the workspace is marked incomplete, and servers
refuse it; ``resume=True`` carries on from where an interrupted clone stopped.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import attrs

from ftorm._typing import JSON
from ftorm.clone.anonymize import FREE_TEXT_TYPES, Anonymizer
from ftorm.clone.engine import Call, Copier
from ftorm.clone.files import Download, FilesResult, copy_files
from ftorm.clone.progress import Progress
from ftorm.errors import (
    ConfigurationError,
    NotFoundError,
    ServerCompatibilityError,
    StorageError,
    TransportError,
)
from ftorm.protocol.operations import QueryOp, SchemasOp
from ftorm.protocol.results import read_query
from ftorm.query import ast
from ftorm.query.render import render
from ftorm.schema.custom.rules import CONFIGURATION_TYPE, KIND_TYPE
from ftorm.schema.load import load_schema
from ftorm.schema.types import Schema
from ftorm.server.bulk import (
    INCOMPLETE_KEY,
    create_workspace,
    get_meta,
    read_meta,
    recorded_schema,
    set_meta,
)
from ftorm.server.storage import Layout, connect, quote

__all__ = ["CloneResult", "clone", "never_started"]

CLONE_KEY = "clone"
"""The ``ftorm_meta`` key recording what a clone copies (for ``resume``)."""


@attrs.frozen
class CloneResult:
    """What a clone did."""

    entities: int
    """Entities copied (this run)."""
    requests: int
    """API requests made to the source (this run; file downloads are not counted)."""
    seconds: float
    """Time taken (this run)."""
    counts: dict[str, int]
    """Entities copied per concrete type (this run)."""
    files: FilesResult | None = None
    """What ``with_files`` downloaded (this run); None without it."""

    @property
    def rate(self) -> float:
        """Entities copied per second."""
        return self.entities / self.seconds if self.seconds else 0.0

    @property
    def requests_per_1000(self) -> float:
        """Source requests per 1,000 entities copied."""
        return 1000 * self.requests / self.entities if self.entities else 0.0


def clone(
    call: Call,
    database: str,
    projects: Sequence[str] = (),
    *,
    source: str = "",
    resume: bool = False,
    anonymize: bool = False,
    with_files: bool = False,
    download: Download | None = None,
    page_size: int = 1000,
    chunk: int = 400,
    batch: int = 16,
    progress: Progress | None = None,
) -> CloneResult:
    """Clone ``projects`` (by name) through ``call`` (one request per call, e.g. a
    transport's ``call``) into the workspace file ``database``.

    A new clone needs a file that does not exist yet. ``resume`` carries on with an
    interrupted one (its projects and options are recorded in the workspace; ``projects``
    may then be empty). ``source`` names the server in the record. Raises `StorageError` for
    a workspace that cannot be used so, `ftorm.NotFoundError` for a project the source does
    not have, `ftorm.ServerCompatibilityError` for a source schema without a ``Project``
    type (before anything is written), `ftorm.ServerError` for answers it cannot use (a
    ``next.offset`` that does not advance, a malformed or too deeply nested answer), and
    the transport's errors.

    ``with_files`` (kept for ``resume``) downloads the files of the copied components in the
    ``ftrack.server`` location with ``download`` (e.g. `HttpTransport.download`), skipping
    files stored already; a file that cannot be had raises `ftorm.DownloadError` and leaves
    the clone to resume.
    """
    progress = progress or Progress(enabled=False)
    started = time.perf_counter()
    requests = 0
    if resume:
        if never_started(database):  # nothing copied: check the projects, as a new clone does
            record = json.loads(read_meta(database, CLONE_KEY) or "{}")
            wanted = list(projects) or [str(p) for p in record.get("projects", [])]
            found = call([QueryOp(render(_projects_query(wanted)))])[0]
            requests += 1
            _check_projects(call, wanted, found)
        conn, projects, anonymize, with_files = _reopen(database, projects, anonymize, with_files)
        schema = recorded_schema(database)
        assert schema is not None
    else:
        if not projects:
            msg = "name at least one project to clone"
            raise ConfigurationError(msg)
        if with_files and download is None:
            msg = "with_files needs a download function, e.g. HttpTransport.download"
            raise ConfigurationError(msg)
        restart = database != ":memory:" and never_started(database)
        if database == ":memory:" or (Path(database).exists() and not restart):
            msg = f"{database} exists: clone into a new file"
            if read_meta(database, INCOMPLETE_KEY) is not None and read_meta(database, CLONE_KEY):
                msg += ", or resume the interrupted clone it holds"
            raise StorageError(msg)
        # The projects are checked in the first request, before anything is created.
        answers = call([SchemasOp(), QueryOp(render(_projects_query(projects)))])
        requests += 1
        if len(answers) != 2:
            msg = f"the server answered {len(answers)} operations of 2"
            raise TransportError(msg)
        documents, found = answers
        if not isinstance(documents, list):
            msg = "the server's query_schemas answer is not a list"
            raise TransportError(msg)
        schema = load_schema(documents)
        _check_schema(schema)  # a schema with no Project type: the project check cannot hold
        _check_projects(call, projects, found)
        if restart:
            _remove(database)
        conn = create_workspace(database, schema, documents)
        record = {
            "source": source,
            "projects": list(projects),
            "anonymize": anonymize,
            "with_files": with_files,
        }
        conn.execute("BEGIN IMMEDIATE")
        set_meta(conn, CLONE_KEY, json.dumps(record, sort_keys=True))
        set_meta(conn, INCOMPLETE_KEY, f"cloning {', '.join(projects)} from {source or 'a server'}")
        conn.execute("COMMIT")
    try:
        if with_files and download is None:
            msg = f"{database} is a clone with files: resume it with a download function"
            raise ConfigurationError(msg)
        layout = Layout(schema)
        anonymizer = None
        if anonymize:
            anonymizer = Anonymizer(_free_text(call, layout))
            requests += 1
        copier = Copier(
            call,
            layout,
            conn,
            page_size=page_size,
            chunk=chunk,
            batch=batch,
            progress=progress,
            anonymizer=anonymizer,
        )
        copier.state.load()
        copier.start(projects)
        copier.run()
        requests += copier.requests
        files = None
        if with_files and download is not None:
            files = copy_files(download, database, layout, conn, progress)
        conn.execute("BEGIN IMMEDIATE")
        copier.state.drop()
        set_meta(conn, INCOMPLETE_KEY, None)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    result = CloneResult(progress.total, requests, seconds, dict(progress.counts), files)
    progress.finish(
        f"cloned {result.entities:,} entities in {seconds:.1f} s ({result.rate:,.0f}/s) "
        f"with {requests:,} requests to the source"
        + (f"; {files.summary()}" if files is not None else "")
    )
    return result


def _check_schema(schema: Schema) -> None:
    """Refuse a source schema a clone cannot start from: one without a ``Project`` type
    whose rows have a ``name`` (a clone copies projects by name)."""
    project = schema.types.get("Project")
    if project is None or "name" not in project.properties or not project.primary_key:
        msg = (
            "the server's schema has no Project type with a name and a primary key: "
            "ftorm clone copies projects by name, so there is nothing it can copy"
        )
        raise ServerCompatibilityError(msg)


def _reopen(
    database: str, projects: Sequence[str], anonymize: bool, with_files: bool
) -> tuple[sqlite3.Connection, list[str], bool, bool]:
    """Reopen an interrupted clone: its connection, projects, and its anonymize and
    with_files options (``with_files`` asked now is recorded for later resumes)."""
    text = read_meta(database, CLONE_KEY)
    if text is None:
        msg = f"{database} is not a clone to resume"
        raise StorageError(msg)
    record = json.loads(text)
    if read_meta(database, INCOMPLETE_KEY) is None:
        msg = f"{database} holds a complete clone: there is nothing to resume"
        raise StorageError(msg)
    recorded = list(record.get("projects", []))
    restart = never_started(database)
    if projects and sorted(projects) != sorted(recorded) and not restart:
        msg = f"{database} is a clone of {', '.join(recorded)}, not {', '.join(projects)}"
        raise StorageError(msg)
    schema = recorded_schema(database)
    if schema is None:
        msg = f"{database} records no schema to resume with"
        raise StorageError(msg)
    conn = create_workspace(database, schema)
    if get_meta(conn, INCOMPLETE_KEY) is None:  # pragma: no cover - checked above
        conn.close()
        msg = f"{database} is not an interrupted clone"
        raise StorageError(msg)
    changed = with_files and not record.get("with_files")
    if changed:
        record["with_files"] = True
    if projects and restart and sorted(projects) != sorted(recorded):
        # Nothing was copied yet: the clone starts over with the projects named now.
        record["projects"] = recorded = list(projects)
        changed = True
    if changed:
        conn.execute("BEGIN IMMEDIATE")
        set_meta(conn, CLONE_KEY, json.dumps(record, sort_keys=True))
        conn.execute("COMMIT")
    anonymize = bool(record.get("anonymize")) or anonymize
    return conn, recorded, anonymize, bool(record.get("with_files"))


def never_started(database: str) -> bool:
    """Whether the workspace file ``database`` holds an interrupted clone that copied no
    row yet (it failed before its first page was stored): such a clone may be started over,
    into the same file, with other projects."""
    if read_meta(database, CLONE_KEY) is None or read_meta(database, INCOMPLETE_KEY) is None:
        return False
    schema = recorded_schema(database)
    if schema is None:
        return False
    layout = Layout(schema)
    names = [table.name for table in layout.tables.values()] + list(layout.link_tables)
    try:
        conn = connect(database, read_only=True)
    except sqlite3.Error:
        return False
    try:
        for name in names:
            if conn.execute(f"SELECT 1 FROM {quote(name)} LIMIT 1").fetchone() is not None:
                return False
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return True


def _remove(database: str) -> None:
    """Delete a never-started clone's file and SQLite's files beside it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            Path(database + suffix).unlink(missing_ok=True)
        except OSError as error:
            msg = f"cannot start the clone in {database} over: {error}"
            raise StorageError(msg) from None


def _projects_query(projects: Sequence[str]) -> ast.Select:
    """``select name from Project where name in (...)`` (or every project, without names)."""
    name = ast.Path.of("name")
    where = None
    if projects:
        names = ast.ValueList(tuple(ast.String(p) for p in sorted(set(projects))))
        where = ast.Comparison(name, ast.Operator.IN, names)
    return ast.Select("Project", projections=(name,), where=where, order_by=(ast.OrderItem(name),))


def _check_projects(call: Call, projects: Sequence[str], answer: JSON) -> None:
    """Raise `NotFoundError` naming the projects the source does not have (``answer`` is
    its reply to `_projects_query`), with the closest names it has."""
    # Compared without case: whether a server's `in` ignores case is not documented.
    have = {str(row.get("name")).casefold() for row in read_query(answer).data}
    missing = [p for p in projects if p.casefold() not in have]
    if not missing:
        return
    # Only on failure: one more request, for the names to suggest.
    every = read_query(call([QueryOp(render(_projects_query(())))])[0]).data
    names = [str(row["name"]) for row in every if isinstance(row.get("name"), str)]
    parts = []
    for name in missing:
        close = difflib.get_close_matches(name, names, n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        parts.append(f"{name!r}{hint}")
    msg = f"the server has no project named {', '.join(parts)}"
    raise NotFoundError(msg)


def _free_text(call: Call, layout: Layout) -> set[str]:
    """The ids of the source's custom attribute configurations whose values are free text."""
    types = layout.schema.types
    if CONFIGURATION_TYPE not in types or KIND_TYPE not in types:
        return set()
    names = ast.ValueList(tuple(ast.String(n) for n in sorted(FREE_TEXT_TYPES)))
    ident = ast.Path.of("id")
    found: set[str] = set()
    offset: int | None = 0
    while offset is not None:
        select = ast.Select(
            CONFIGURATION_TYPE,
            projections=(ident,),
            where=ast.Comparison(ast.Path.of("type.name"), ast.Operator.IN, names),
            order_by=(ast.OrderItem(ident),),
            offset=offset,
            limit=1000,
        )
        page = read_query(call([QueryOp(render(select))])[0])
        found.update(str(row["id"]) for row in page.data)
        offset = page.following(offset)
    return found
