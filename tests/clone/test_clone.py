"""``ftorm clone`` end to end: a generated show of about 20,000 entities on the recorded
116-type schema, cloned in-process and over HTTP, compared entity by entity with its source;
interrupted and resumed; anonymized. (Rates at 20,000 and 100,000 entities are
``benchmarks/bench_clone.py``; the official client's comparison is
``tests/compat/test_clone_official_client.py``.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.project_data import COPIED_IN_FULL, populate
from ftorm.cli import main
from ftorm.clone import clone
from ftorm.errors import NotFoundError, StorageError
from ftorm.schema.load import load_schema_file
from ftorm.server.handlers import Server
from ftorm.transport.http import HttpTransport
from ftorm.transport.inprocess import InProcessTransport
from tests.clone.helpers import Interrupted, compare, failing_after, rows
from tests.paths import RECORDED_SCHEMA as SCHEMA
from tests.server.server_helpers import serving


@pytest.fixture(scope="module")
def source() -> Iterator[Server]:
    server = Server(load_schema_file(SCHEMA), api_user="ftorm", api_key="k")
    populate(server, entities=20_000)  # the size the issue names; about 6 s in all
    yield server
    server.close()


@pytest.fixture(scope="module")
def cloned(source: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clone") / "show.db"
    clone(InProcessTransport(source).call, str(path), ["show"], page_size=200)
    return path


def _project_id(server: Server, name: str) -> str:
    return str(server.query(f'select id from Project where name is "{name}"')["data"][0]["id"])


def test_the_copy_is_exact(source: Server, cloned: Path) -> None:
    copy = Server(database=str(cloned), read_only=True)
    try:
        assert compare(source, copy) > 1000
    finally:
        copy.close()


def test_everything_beneath_the_project_and_nothing_else(source: Server, cloned: Path) -> None:
    copy = Server(database=str(cloned), read_only=True)
    try:
        show, elsewhere = _project_id(source, "show"), _project_id(source, "elsewhere")
        assert set(rows(copy, "Project")) == {(show,)}
        for type_id in ("Episode", "Sequence", "Shot", "Task", "Milestone", "AssetBuild"):
            theirs = source.query(f'select id from {type_id} where project_id is "{show}"')
            assert set(rows(copy, type_id)) == {(e["id"],) for e in theirs["data"]}, type_id
        assert not copy.query(f'select id from Context where project_id is "{elsewhere}"')["data"]
        kinds = [*COPIED_IN_FULL, "ProjectSchema", "WorkflowSchemaStatus"]
        for type_id in kinds:
            assert rows(copy, type_id) == rows(source, type_id), type_id
    finally:
        copy.close()


def test_the_workspace_serves_the_source_schema(source: Server, cloned: Path) -> None:
    copy = Server(database=str(cloned))  # as `ftorm serve --db` opens it
    try:
        assert copy.schema_hash == source.schema_hash
        assert len(copy.schema.types) == 116
        shots = copy.query('select name, parent.name from Shot where name is "sh00001"')["data"]
        assert shots[0]["parent"]["name"] == "sq000"
    finally:
        copy.close()


def test_an_interrupted_clone_is_refused_then_resumed(
    source: Server, cloned: Path, tmp_path: Path
) -> None:
    path = str(tmp_path / "resumed.db")
    with pytest.raises(Interrupted):
        clone(failing_after(source, 6), path, ["show"], page_size=200)
    with pytest.raises(StorageError, match=r"interrupted clone.*--resume"):
        Server(database=path)
    assert main(["serve", "--db", path, "--port", "0", "--api-key", "k"]) == 2
    result = clone(InProcessTransport(source).call, path, resume=True, page_size=200)
    assert result.entities > 0
    resumed, whole = Server(database=path), Server(database=str(cloned), read_only=True)
    try:
        assert compare(source, resumed) == compare(source, whole)
    finally:
        resumed.close()
        whole.close()
    with pytest.raises(StorageError, match="nothing to resume"):
        clone(InProcessTransport(source).call, path, resume=True)


def test_requests_grow_with_pages_not_entities(source: Server, tmp_path: Path) -> None:
    small = clone(InProcessTransport(source).call, str(tmp_path / "a.db"), ["show"], page_size=50)
    large = clone(InProcessTransport(source).call, str(tmp_path / "b.db"), ["show"])
    assert small.entities == large.entities > 1000
    assert large.requests < small.requests
    assert large.requests_per_1000 < 25


def test_an_unknown_project_and_an_existing_file_are_refused(
    source: Server, cloned: Path, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError, match="no project named 'nope'"):
        clone(InProcessTransport(source).call, str(tmp_path / "x.db"), ["nope"])
    with pytest.raises(StorageError, match="exists"):
        clone(InProcessTransport(source).call, str(cloned), ["show"])


def test_anonymize_keeps_ids_and_structure(source: Server, tmp_path: Path) -> None:
    path = str(tmp_path / "anon.db")
    clone(InProcessTransport(source).call, path, ["show"], anonymize=True)
    copy = Server(database=path, read_only=True)
    try:
        users, originals = rows(copy, "User"), rows(source, "User")
        assert set(users) <= set(originals)
        for key, user in users.items():
            assert user["username"] != originals[key]["username"]
            assert user["email"] in (None, f"{user['username']}@example.com")
            assert user["is_active"] == originals[key]["is_active"]
        notes, source_notes = rows(copy, "Note"), rows(source, "Note")
        assert set(notes) == set(source_notes)
        assert all(n["content"] != source_notes[k]["content"] for k, n in notes.items())
        values = rows(copy, "ContextCustomAttributeValue")
        texts = [v["value"] for v in values.values() if isinstance(v["value"], str)]
        numbers = [v["value"] for v in values.values() if not isinstance(v["value"], str)]
        assert texts
        assert all(t.startswith("text ") for t in texts)
        assert numbers
        assert all(n >= 1001 for n in numbers)
        assert rows(copy, "Shot") == rows(source, "Shot") | {}  # contexts untouched
    finally:
        copy.close()
    again = str(tmp_path / "anon2.db")
    clone(InProcessTransport(source).call, again, ["show"], anonymize=True)
    second = Server(database=again, read_only=True)
    try:
        assert rows(second, "User") == users  # stable fakes
    finally:
        second.close()


@pytest.mark.http
def test_clone_over_http_with_the_cli(
    source: Server, cloned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "http.db")
    with serving(source, close=False) as (host, port):
        url = f"http://{host}:{port}"
        env = {"FTRACK_API_USER": "ftorm", "FTRACK_API_KEY": "k"}
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            assert main(["clone", "--server", url, "--project", "show", "--db", path]) == 0
            assert main(["clone", "--server", url, "--project", "show", "--db", path]) == 2
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        transport = HttpTransport(url, "ftorm", "k")
        transport.close()
    out = capsys.readouterr()
    assert "requests to the source" in out.out
    assert "exists" in out.err
    copy, whole = (
        Server(database=path, read_only=True),
        Server(database=str(cloned), read_only=True),
    )
    try:
        assert compare(source, copy) == compare(source, whole)
    finally:
        copy.close()
        whole.close()
