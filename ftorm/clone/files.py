"""``--with-files``: the files of the copied components in the source's ``ftrack.server``
location, downloaded into the workspace's file store.

Once the rows are copied, every copied component with a ``ComponentLocation`` in the
``ftrack.server`` location has its file downloaded through a `Download` (e.g.
`ftorm.transport.http.HttpTransport.download`, which reads the source's
``/component/get``) into the workspace's `ftorm.server.files.FileStore`: where ``ftorm
serve --db`` finds it to answer ``/component/get`` with the same bytes. Each file is
streamed to a temporary file of the store and moved into place whole once complete, so a
file in place is a whole file and a resumed clone skips it.

Every file is bounded (`file_limit`): a download may write at most the component's
``size`` plus a margin of 1% (at least `SIZE_MARGIN`) when the copied ``Component.size`` is
a positive integer, and at most `ftorm.server.uploads.MAX_UPLOAD` (the largest file the
store takes, 16 GiB) otherwise. A server sending more is stopped at the limit with a
`DownloadError`, and nothing of that file is kept. (The transport bounds the time:
`ftorm.transport.http.HttpTransport.download_deadline`.)

Skipped, and counted: the component locations of other locations (``ftrack.unmanaged``,
``ftrack.origin``, disk locations: the server holds no content for them), and container
components (the server holds no file for a container itself; its members have their own).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import attrs

from ftorm.clone.progress import Progress, size_text
from ftorm.errors import DownloadError, StorageError, ValidationError
from ftorm.server.files import FileStore
from ftorm.server.storage import TYPE_COLUMN, Layout, quote
from ftorm.server.uploads import MAX_UPLOAD

__all__ = [
    "SERVER_LOCATION",
    "SIZE_MARGIN",
    "Download",
    "FilesResult",
    "copy_files",
    "file_limit",
    "server_files",
]

SIZE_MARGIN = 1024 * 1024
"""The least margin, in bytes, over a component's known size that its download may write."""

SERVER_LOCATION = "ftrack.server"
"""The location whose files the server holds."""

Download = Callable[[str, Callable[[bytes], object]], int]
"""Streams the file of a component (by id) to a writer, block by block; the bytes written.
Raises `ftorm.errors.DownloadError` when the file cannot be had whole."""


@attrs.frozen
class FilesResult:
    """What ``--with-files`` did."""

    files: int = 0
    """Files downloaded (this run)."""
    bytes: int = 0
    """Their bytes."""
    present: int = 0
    """Files stored already (by an interrupted run), not downloaded again."""
    elsewhere: int = 0
    """Component locations skipped: of other locations than ``ftrack.server``."""
    containers: int = 0
    """Container components in ``ftrack.server`` skipped: the server holds no file for them."""

    def summary(self) -> str:
        """E.g. ``2 files (1.5 MB) downloaded; 3 component locations skipped (...)``."""
        text = f"{_count(self.files, 'file')} ({size_text(self.bytes)}) downloaded"
        if self.present:
            text += f", {self.present:,} stored already"
        skipped = []
        if self.elsewhere:
            skipped.append(f"{self.elsewhere:,} not in {SERVER_LOCATION}")
        if self.containers:
            skipped.append(_count(self.containers, "container"))
        if skipped:
            total = _count(self.elsewhere + self.containers, "component location")
            text += f"; {total} skipped ({', '.join(skipped)}: no file on the server)"
        return text


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def file_limit(size: object) -> int:
    """The most bytes the download of a component whose ``Component.size`` is ``size`` may
    write: ``size`` plus 1% (at least `SIZE_MARGIN`) when it is a positive integer, else
    `MAX_UPLOAD`."""
    if isinstance(size, int) and not isinstance(size, bool) and 0 < size <= MAX_UPLOAD:
        return size + max(SIZE_MARGIN, size // 100)
    return MAX_UPLOAD


def server_files(
    layout: Layout, connection: sqlite3.Connection
) -> tuple[list[tuple[str, int]], int, int]:
    """The copied components with a file in ``ftrack.server`` (sorted by id), each with the
    most bytes its download may write (`file_limit`), and the numbers of component
    locations skipped: of other locations, and of containers."""
    types = layout.schema.types
    needed = (
        ("ComponentLocation", "component_id"),
        ("ComponentLocation", "location_id"),
        ("Location", "name"),
        ("Component", "id"),
    )
    if not all(t in types and layout.stored(t, c) for t, c in needed):
        return [], 0, 0
    located = layout.table("ComponentLocation").name
    locations = layout.table("Location").name
    components = layout.table("Component").name
    size = f"c.{quote('size')}" if layout.stored("Component", "size") else "NULL"
    rows = connection.execute(
        f"SELECT DISTINCT cl.component_id, l.name, c.{quote(TYPE_COLUMN)}, {size} "
        f"FROM {quote(located)} AS cl "
        f"LEFT JOIN {quote(locations)} AS l ON l.id = cl.location_id "
        f"LEFT JOIN {quote(components)} AS c ON c.id = cl.component_id "
        "WHERE cl.component_id IS NOT NULL ORDER BY cl.component_id"
    ).fetchall()
    wanted: list[tuple[str, int]] = []
    elsewhere = containers = 0
    for component_id, location, concrete, known in rows:
        if location != SERVER_LOCATION or concrete is None:
            elsewhere += 1
        elif "ContainerComponent" in types and layout.is_a(str(concrete), "ContainerComponent"):
            containers += 1
        else:
            wanted.append((str(component_id), file_limit(known)))
    return wanted, elsewhere, containers


def copy_files(
    download: Download,
    database: str,
    layout: Layout,
    connection: sqlite3.Connection,
    progress: Progress,
) -> FilesResult:
    """Download the ``ftrack.server`` files of the components copied into the workspace
    ``database`` (whose connection is ``connection``) that its store lacks.

    Raises:
        DownloadError: when a file cannot be downloaded whole (the ones before it stay).
        StorageError: when a file cannot be written to the store.
    """
    wanted, elsewhere, containers = server_files(layout, connection)
    store = FileStore(database)
    files = size = present = 0
    progress.unit = "files"
    try:
        for done, (component_id, limit) in enumerate(wanted):
            try:
                stored = store.exists(component_id)
                store.path(component_id)
            except ValidationError:  # an id that cannot name a file: not ftrack's
                elsewhere += 1
                continue
            if stored:
                present += 1
                continue
            got = _fetch(download, store, component_id, limit)
            files, size = files + 1, size + got
            progress.add_file(got)
            progress.update(len(wanted) - done - 1, done + 1)
    finally:
        store.close()
    return FilesResult(files, size, present, elsewhere, containers)


def _fetch(download: Download, store: FileStore, component_id: str, limit: int) -> int:
    """Download one file, of at most ``limit`` bytes, into place; its size."""
    temporary = store.incoming()
    try:
        try:
            with temporary.open("xb") as out:
                size = download(component_id, _Capped(out.write, limit, component_id))
            store.keep(temporary, component_id)
        except OSError as error:
            msg = (
                f"cannot store the file of the component {component_id} in {store.folder}: {error}"
            )
            raise StorageError(msg) from None
    finally:
        store.discard(temporary)
    return size


class _Capped:
    """A writer passing blocks on until they would exceed ``limit`` bytes in all."""

    __slots__ = ("component_id", "limit", "write", "written")

    def __init__(self, write: Callable[[bytes], object], limit: int, component_id: str) -> None:
        self.write = write
        self.limit = limit
        self.component_id = component_id
        self.written = 0

    def __call__(self, block: bytes) -> None:
        if self.written + len(block) > self.limit:
            msg = (
                f"cannot download the file of the component {self.component_id}: the server "
                f"sent more than {self.limit:,} bytes, the most its size allows "
                "(Component.size plus a margin, or the largest file stored when it has none)"
            )
            raise DownloadError(msg)
        self.write(block)
        self.written += len(block)
