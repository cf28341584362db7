"""``ftorm clone --with-files``: the ``ftrack.server`` files of the copied components are
downloaded over HTTP into the workspace's file store, and ``ftorm serve`` on the copy
serves the same bytes; without it the copy holds metadata only. Other locations and
containers are skipped; a failed download leaves the clone to resume, which downloads only
what is missing."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ftorm.cli import main
from ftorm.clone import clone
from ftorm.errors import DownloadError, StorageError
from ftorm.schema.workspace import LOCATIONS
from ftorm.server.files import FileStore
from ftorm.server.handlers import Server
from ftorm.session import components
from ftorm.session.session import Session
from ftorm.transport.http import HttpTransport
from ftorm.transport.inprocess import InProcessTransport
from tests.server.server_helpers import serving

pytestmark = pytest.mark.http

KEY = "k"
LARGE = os.urandom(3 * 1024 * 1024 + 7)  # more than one streamed block
SMALL = b"\x89PNG small plate"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, bytes]]]:
    """A project whose version has two uploaded files, a component in ftrack.unmanaged and
    a container in ftrack.server; the server and {component id: bytes}."""
    folder = tmp_path_factory.mktemp("files")
    server = Server(api_key=KEY)
    session = Session(transport=InProcessTransport(server))
    project = session.create("Project", name="show", full_name="The Show")
    asset_type = session.query("AssetType").first()
    asset = session.create("Asset", name="plate", parent=project, type=asset_type)
    version = session.create("AssetVersion", asset=asset)
    session.commit()
    uploaded = {}
    for name, body in (("large.exr", LARGE), ("small.png", SMALL)):
        path = folder / name
        path.write_bytes(body)
        uploaded[str(components.upload(session, version, path).id)] = body
    unmanaged = session.create("FileComponent", name="disk", version=version)
    container = session.create("ContainerComponent", name="frames", version=version)
    session.commit()
    for component, location in ((unmanaged, "ftrack.unmanaged"), (container, "ftrack.server")):
        session.create(
            "ComponentLocation",
            component=component,
            location_id=LOCATIONS[location],
            resource_identifier=f"/shows/{component.id}",
        )
    session.commit()
    session.close()
    yield server, uploaded
    server.close()


@pytest.fixture
def url(source: tuple[Server, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("FTRACK_API_USER", source[0].api_user)
    monkeypatch.setenv("FTRACK_API_KEY", KEY)
    with serving(source[0], close=False) as (host, port):
        yield f"http://{host}:{port}"


def _served(database: str, component_id: str) -> tuple[int, bytes]:
    """What ``ftorm serve --db database`` answers for the component's file."""
    copy = Server(database=database, api_key=KEY)
    with serving(copy) as (host, port):
        answer = requests.get(
            f"http://{host}:{port}/component/get",
            params={"id": component_id, "username": copy.api_user, "apiKey": KEY},
            timeout=10,
        )
        return answer.status_code, answer.content


def test_with_files_the_copy_serves_the_same_bytes(
    source: tuple[Server, dict[str, bytes]],
    url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(tmp_path / "copy.db")
    argv = ["clone", "--server", url, "--project", "show", "--db", path, "--quiet"]
    assert main([*argv, "--with-files"]) == 0
    out = capsys.readouterr().out
    size = f"{(len(LARGE) + len(SMALL)) / 1e6:,.1f} MB"
    assert f"2 files ({size}) downloaded" in out
    skipped = "2 component locations skipped (1 not in ftrack.server, 1 container: no file"
    assert skipped in out
    for component_id, body in source[1].items():
        assert _served(path, component_id) == (200, body)
    assert sorted(p.name for p in Path(f"{path}.files").iterdir()) == sorted(
        [*source[1], ".incoming"]
    )
    assert not list(Path(f"{path}.files", ".incoming").iterdir())


def test_without_it_components_are_metadata_only(
    source: tuple[Server, dict[str, bytes]], url: str, tmp_path: Path
) -> None:
    path = str(tmp_path / "meta.db")
    assert main(["clone", "--server", url, "--project", "show", "--db", path, "--quiet"]) == 0
    copy = Server(database=path, read_only=True)
    try:
        located = copy.query("select component_id from ComponentLocation")["data"]
        assert set(source[1]) <= {row["component_id"] for row in located}
    finally:
        copy.close()
    assert not Path(f"{path}.files").exists()
    for component_id in source[1]:
        assert _served(path, component_id)[0] == 404


def _counting(transport: HttpTransport, fail_on: int | None = None) -> tuple[Any, list[str]]:
    asked: list[str] = []

    def download(component_id: str, write: Callable[[bytes], object]) -> int:
        asked.append(component_id)
        if fail_on is not None and len(asked) == fail_on:
            write(b"partial")
            msg = f"cannot download {component_id}: test"
            raise DownloadError(msg)
        return transport.download(component_id, write)

    return download, asked


def test_a_failed_download_is_refused_then_resumed(
    source: tuple[Server, dict[str, bytes]],
    url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, uploaded = source
    path = str(tmp_path / "resumed.db")
    transport = HttpTransport(url, server.api_user, KEY)
    try:
        failing, asked = _counting(transport, fail_on=2)
        with pytest.raises(DownloadError):
            clone(transport.call, path, ["show"], with_files=True, download=failing)
        with pytest.raises(StorageError, match="interrupted clone"):
            Server(database=path)
        store = FileStore(path)
        assert [store.exists(c) for c in asked] == [True, False]
        assert not list((store.folder / ".incoming").iterdir())  # the partial file is gone
        resumed, again = _counting(transport)
        result = clone(transport.call, path, resume=True, download=resumed)  # recorded option
        assert again == asked[1:]
        assert result.files is not None
        assert (result.files.files, result.files.present) == (1, 1)
    finally:
        transport.close()
    for component_id, body in uploaded.items():
        assert _served(path, component_id) == (200, body)

    # over the CLI: a file the source lacks is one line, and the clone can be resumed
    other = str(tmp_path / "cli.db")
    missing = sorted(uploaded)[0]
    kept = server.files.path(missing).read_bytes()
    server.files.remove(missing)
    try:
        argv = ["clone", "--server", url, "--project", "show", "--db", other, "--quiet"]
        assert main([*argv, "--with-files"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert f"cannot download the file of the component {missing}" in err
        assert "HTTP 404" in err
        assert f"carry on with: ftorm clone --resume --db {other}" in err
    finally:
        server.files.path(missing).write_bytes(kept)
    assert main(["clone", "--resume", "--db", other, "--quiet"]) == 0
    assert "2 files (" in capsys.readouterr().out  # the missing file came first
    for component_id, body in uploaded.items():
        assert _served(other, component_id) == (200, body)
