"""A fresh session's first query costs one request, and the on-disk schema cache
(`ftorm.session.schema_cache`) is safe against a changed schema, a corrupt file and several
writers at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from ftorm.models import Project, Status, Task
from ftorm.protocol.operations import OperationLike, encode_batch
from ftorm.server.handlers import Server
from ftorm.session import Session
from ftorm.session.schema_cache import CACHE_VARIABLE, SchemaCache, cache_folder
from ftorm.testing import assert_max_requests
from ftorm.transport.inprocess import InProcessTransport

URL = "http://studio.invalid"


class _Remote:
    """An in-process transport that says it talks to ``URL`` (so the session caches the
    schema) and keeps the actions of every batch it sends."""

    threaded = False
    server_url = URL

    def __init__(self, server: Server) -> None:
        self.inner = InProcessTransport(server)
        self.batches: list[list[str]] = []

    def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        self.batches.append([op["action"] for op in encode_batch(operations)])
        return self.inner.call(operations)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def server() -> Iterator[Server]:
    served = Server()
    with Session(transport=InProcessTransport(served)) as session:
        status = session.query(Status).first()
        project = session.create(Project, name="p", full_name="p")
        for index in range(30):
            session.create(Task, name=f"t{index:02d}", parent=project, status=status)
        session.commit()
    yield served
    served.close()


def _fresh(server: Server) -> tuple[Session, _Remote]:
    remote = _Remote(server)
    return Session(transport=remote), remote  # type: ignore[arg-type]


def test_the_first_query_of_a_fresh_session_costs_one_request(server: Server) -> None:
    session, remote = _fresh(server)
    with assert_max_requests(session, 1):
        tasks = session.query(Task.where(Task.parent.name == "p")).all()
    assert len(tasks) == 30
    assert remote.batches == [["query_server_information", "query_schemas", "query"]]


@pytest.mark.parametrize("cached", [False, True])
def test_populate_and_a_loop_cost_two_requests_from_a_fresh_session(
    server: Server, cached: bool
) -> None:
    if cached:
        _fresh(server)[0].query(Task).first()  # fills the cache
    session, remote = _fresh(server)
    with assert_max_requests(session, 2):
        tasks = session.query(Task.where(Task.parent.name == "p")).all()
        session.populate(tasks, Task.status)
        names = {task.status.name for task in tasks if task.status is not None}
    assert names
    expected_first = ["query_server_information", "query"]
    assert remote.batches[0] == (
        expected_first if cached else [*expected_first[:1], "query_schemas", "query"]
    )


def test_an_unchanged_schema_is_read_from_the_cache(server: Server, tmp_path: Path) -> None:
    _fresh(server)[0].query(Task).first()
    session, remote = _fresh(server)
    assert len(session.query(Task).all()) == 30
    assert remote.batches[0] == ["query_server_information", "query"]
    assert session.schema.types["Task"].default_projections


def test_a_changed_schema_is_downloaded_again(server: Server) -> None:
    _fresh(server)[0].query(Task).first()
    cache = SchemaCache.for_server(URL)
    assert cache is not None
    stored = json.loads(cache.path.read_text("utf-8"))
    stored["schema_hash"] = "an older schema"
    cache.path.write_text(json.dumps(stored), "utf-8")
    session, remote = _fresh(server)
    assert len(session.query(Task).all()) == 30
    assert remote.batches[:2] == [["query_server_information", "query"], ["query_schemas"]]
    assert json.loads(cache.path.read_text("utf-8"))["schema_hash"] != "an older schema"


def test_a_stale_cached_plan_that_fails_is_planned_again(server: Server) -> None:
    _fresh(server)[0].query(Task).first()
    cache = SchemaCache.for_server(URL)
    assert cache is not None
    stored = json.loads(cache.path.read_text("utf-8"))
    for document in stored["schemas"]:  # an older schema: Task projected an attribute gone now
        if document.get("id") == "Task":
            document["default_projections"] = ["id", "name", "gone_attribute"]
            document["properties"]["gone_attribute"] = {"type": "string"}
    stored["schema_hash"] = "an older schema"
    cache.path.write_text(json.dumps(stored), "utf-8")
    session, _ = _fresh(server)
    assert len(session.query(Task).all()) == 30
    assert "gone_attribute" not in session.schema.types["Task"].properties


@pytest.mark.parametrize(
    "body", [b"", b"{not json", b"[]", b'{"schema_hash": 3}', b'{"schemas": "x"}', b"\xff\xfe"]
)
def test_a_corrupt_cache_file_is_ignored_and_rewritten(server: Server, body: bytes) -> None:
    cache = SchemaCache.for_server(URL)
    assert cache is not None
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_bytes(body)
    session, remote = _fresh(server)
    assert len(session.query(Task).all()) == 30
    assert remote.batches[0] == ["query_server_information", "query_schemas", "query"]
    assert cache.load() is not None


def test_another_servers_entry_is_not_used(tmp_path: Path) -> None:
    SchemaCache(tmp_path, "http://a.invalid").store("h", [])
    other = SchemaCache(tmp_path, "http://b.invalid")
    other.path.write_bytes(SchemaCache(tmp_path, "http://a.invalid").path.read_bytes())
    assert other.load() is None


def test_several_writers_at_once_leave_one_whole_entry(server: Server, tmp_path: Path) -> None:
    documents = Session(transport=InProcessTransport(server)).schema.documents
    cache = SchemaCache(tmp_path, URL)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            for _ in range(5):
                cache.store(f"hash{index}", list(documents))
                found = cache.load()
                assert found is not None
                assert found.schema_hash.startswith("hash")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert [p.name for p in tmp_path.iterdir()] == [cache.path.name]  # no temporary left


def test_an_unwritable_folder_only_skips_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = SchemaCache(blocker / "below", URL)
    cache.store("h", [])
    assert cache.load() is None


def test_the_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    assert cache_folder() == tmp_path
    monkeypatch.setenv(CACHE_VARIABLE, "")
    assert cache_folder() is None
    assert SchemaCache.for_server(URL) is None
    monkeypatch.delenv(CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "ftorm"


def test_the_url_is_not_written(tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path, "http://user:secret@studio.invalid")
    cache.store("h", [])
    assert b"secret" not in cache.path.read_bytes()
