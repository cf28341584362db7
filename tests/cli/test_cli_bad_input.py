"""Every command: exit status 2 and a one-line message for bad input, never a traceback;
``ftorm query --local`` never changes a file."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

import ftorm
from ftorm.cli import main
from ftorm.models import Project


def _fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert "65535" in _fails(capsys, "serve", "--port", "99999")


@pytest.mark.parametrize("command", ["query", "generate"])
def test_a_bad_server_url(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTRACK_API_USER", "u")
    monkeypatch.setenv("FTRACK_API_KEY", "k")
    argv = [command, "Project", "--server", "ftp://x"] if command == "query" else [command]
    if command == "generate":
        argv += ["--server", "ftp://x"]
    assert "http" in _fails(capsys, *argv)


@pytest.mark.parametrize("content", [bytes(range(256)), b"[" * 100_000])
@pytest.mark.parametrize("command", ["generate", "serve"])
def test_a_binary_or_deep_schema_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, command: str
) -> None:
    schema = tmp_path / "schema.json"
    schema.write_bytes(content)
    argv = [command, "--schema", str(schema)] + (["--port", "0"] if command == "serve" else [])
    _fails(capsys, *argv)


def test_query_local_refuses_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"
    assert "does not exist" in _fails(capsys, "query", "Project", "--local", str(missing))
    assert not missing.exists()


@pytest.mark.parametrize("kind", ["empty", "unrelated"])
def test_query_local_refuses_a_file_that_is_not_a_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = tmp_path / f"{kind}.db"
    path.touch()
    if kind == "unrelated":
        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE notes (text TEXT)")
        connection.commit()
        connection.close()
    before = _digest(path)
    assert "not an ftorm workspace" in _fails(capsys, "query", "Project", "--local", str(path))
    assert _digest(path) == before


def test_query_local_reads_a_workspace_without_changing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "studio.db"
    with ftorm.Session.local(str(path)) as session:
        session.create(Project, name="p", full_name="P")
        session.commit()
    before = _digest(path)
    assert main(["query", "select name from Project", "--local", str(path)]) == 0
    assert "p" in capsys.readouterr().out
    assert _digest(path) == before


def test_a_read_only_session_refuses_commits(tmp_path: Path) -> None:
    path = tmp_path / "studio.db"
    ftorm.Session.local(str(path)).close()
    with ftorm.Session.local(str(path), read_only=True) as session:
        assert session.query(Project).all() == []
        session.create(Project, name="p", full_name="P")
        with pytest.raises(ftorm.PermissionDeniedError, match="read-only"):
            session.commit()


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "Project", "--local"],
        ["serve", "--port", "0", "--db"],
        ["demo", "--db"],
    ],
)
def test_a_corrupted_database_fails_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 20)
    assert "database" in _fails(capsys, *argv, str(corrupt))


def test_demo_runs_twice_on_the_same_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.db"
    assert main(["demo", "--db", str(path)]) == 0
    assert main(["demo", "--db", str(path)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("Done.")
