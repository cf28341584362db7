"""A clone that fails before it starts leaves nothing in the way (issue 18, B3): the
projects are checked before the workspace file is created, a clone that copied nothing may
be started over, and the CLI's messages spell its options as they are typed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from benchmarks.project_data import populate
from ftorm.cli import main
from ftorm.clone import clone, never_started
from ftorm.errors import NotFoundError, StorageError
from ftorm.protocol.operations import OperationLike
from ftorm.server.handlers import Server
from ftorm.transport.inprocess import InProcessTransport
from tests.clone.helpers import Interrupted, failing_after
from tests.server.server_helpers import serving


@pytest.fixture(scope="module")
def source() -> Iterator[Server]:
    server = Server(api_user="ftorm", api_key="k")  # the bundled schema
    populate(server, entities=300)  # projects "show" and "elsewhere"
    yield server
    server.close()


def test_a_mistyped_project_creates_nothing_and_names_the_closest(
    source: Server, tmp_path: Path
) -> None:
    path = tmp_path / "c.db"
    calls: list[int] = []
    transport = InProcessTransport(source)

    def counting(ops: Sequence[OperationLike]) -> list[object]:
        calls.append(len(ops))
        return transport.call(ops)  # type: ignore[return-value]

    with pytest.raises(NotFoundError, match=r"no project named 'shwo' \(did you mean 'show'\?\)"):
        clone(counting, str(path), ["shwo"])
    assert calls[0] == 2  # the check rides in the first request, beside the schema
    assert not list(tmp_path.iterdir())  # no file, not even SQLite's side files
    with pytest.raises(NotFoundError, match="'nope'") as caught:
        clone(transport.call, str(path), ["show", "nope"])
    assert "show" not in str(caught.value).replace("'nope'", "")
    result = clone(transport.call, str(path), ["show"])  # the right name: no refusal
    assert result.entities > 100


def test_a_clone_that_never_started_is_started_over(source: Server, tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    with pytest.raises(Interrupted):  # the schema and projects read, then the source goes away
        clone(failing_after(source, 1), path, ["elsewhere"])
    assert Path(path).exists()
    assert never_started(path)
    with pytest.raises(StorageError, match="interrupted clone"):
        Server(database=path)  # still refused by servers: it is incomplete
    result = clone(InProcessTransport(source).call, path, ["show"])  # over, other project
    assert result.entities > 100
    assert not never_started(path)
    copy = Server(database=path, read_only=True)
    try:
        names = {row["name"] for row in copy.query("select name from Project")["data"]}
        assert names == {"show"}
    finally:
        copy.close()


def test_resume_of_a_clone_that_never_started_takes_new_projects(
    source: Server, tmp_path: Path
) -> None:
    path = str(tmp_path / "c.db")
    with pytest.raises(Interrupted):
        clone(failing_after(source, 1), path, ["elsewhere"])
    with pytest.raises(NotFoundError, match="did you mean 'show'"):
        clone(InProcessTransport(source).call, path, ["shwo"], resume=True)
    assert never_started(path)  # the typo was not recorded: a plain resume still works
    assert clone(InProcessTransport(source).call, path, resume=True).entities > 0
    copy = Server(database=path, read_only=True)
    try:
        names = {row["name"] for row in copy.query("select name from Project")["data"]}
        assert names == {"elsewhere"}
    finally:
        copy.close()
    path = str(tmp_path / "d.db")
    with pytest.raises(Interrupted):
        clone(failing_after(source, 1), path, ["elsewhere"])
    result = clone(InProcessTransport(source).call, path, ["show"], resume=True)
    assert result.entities > 100
    with pytest.raises(StorageError, match="nothing to resume"):
        clone(InProcessTransport(source).call, path, resume=True)


def test_a_started_clone_is_kept(source: Server, tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    with pytest.raises(Interrupted):  # some pages stored, then the source goes away
        clone(failing_after(source, 3), path, ["show"], page_size=20)
    assert not never_started(path)
    with pytest.raises(StorageError, match="exists"):
        clone(InProcessTransport(source).call, path, ["show"])
    with pytest.raises(StorageError, match="a clone of show, not elsewhere"):
        clone(InProcessTransport(source).call, path, ["elsewhere"], resume=True)
    assert clone(InProcessTransport(source).call, path, resume=True, page_size=20).entities


def test_never_started_is_false_for_other_files(tmp_path: Path) -> None:
    assert not never_started(str(tmp_path / "missing.db"))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database")
    assert not never_started(str(junk))
    server = Server(database=str(tmp_path / "w.db"))
    server.close()
    assert not never_started(str(tmp_path / "w.db"))


@pytest.fixture
def cli(
    source: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[list[str], str]]:
    """``ftorm clone`` arguments for ``source`` served over HTTP, and the workspace path."""
    path = str(tmp_path / "c.db")
    monkeypatch.setenv("FTRACK_API_USER", "ftorm")
    monkeypatch.setenv("FTRACK_API_KEY", "k")
    with serving(source, close=False) as (host, port):
        yield ["clone", "--server", f"http://{host}:{port}", "--quiet", "--db", path], path


@pytest.mark.http
def test_the_cli_loop_after_a_typo(
    cli: tuple[list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    base, path = cli
    assert main([*base, "--project", "shwo"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no project named 'shwo' (did you mean 'show'?)" in err
    assert not Path(path).exists()
    assert main([*base, "--resume"]) == 2  # nothing to resume: said once, plainly
    assert "not a clone to resume" in capsys.readouterr().err
    assert main([*base, "--project", "show"]) == 0
    assert main([*base, "--project", "show"]) == 2
    err = capsys.readouterr().err
    assert "exists" in err
    assert " resume" not in err.replace("--resume", "")  # options as typed


@pytest.mark.http
def test_the_cli_hints_spell_options_as_typed(
    source: Server, cli: tuple[list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    base, path = cli
    with pytest.raises(Interrupted):
        clone(failing_after(source, 3), path, ["show"], page_size=20)
    assert main([*base, "--project", "show"]) == 2
    err = capsys.readouterr().err
    assert f"carry on with: ftorm clone --resume --db {path}" in err
    assert "pass resume" not in err
    assert main([*base, "--resume"]) == 0


@pytest.mark.http
def test_the_cli_says_a_clone_that_never_started_can_start_again(
    source: Server, cli: tuple[list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    base, path = cli
    with pytest.raises(Interrupted):
        clone(failing_after(source, 1), path, ["elsewhere"])
    assert main([*base, "--resume", "--project", "shwo"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'show'?" in err
    assert f"start again with: ftorm clone --project NAME --db {path}" in err
    assert main([*base, "--project", "show"]) == 0
