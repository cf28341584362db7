"""``ftorm query`` against an embedded server file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftorm.cli import main
from ftorm.cli.demo import run_demo


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("query") / "studio.db"
    run_demo(path, out=lambda line: None)
    return str(path)


def test_table(workspace: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--local", workspace, "select name, parent.name from Shot"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["name", "parent.name"]
    assert "sq01_sh010  sq01" in "\n".join(out)
    assert out[-1] == "(4 rows)"


def test_json(workspace: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = "Sequence where parent.name is tutorial order by name"
    assert main(["query", "--local", workspace, "--format", "json", text]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == ["Starlord Escape", "Starlord Reveal", "sq01", "sq02"]
    assert set(rows[0]) == {"id", "context_type", "name"}


@pytest.mark.parametrize("text", ["Sequence where", "Spaceship"])
def test_errors_exit_2(workspace: str, text: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--local", workspace, text]) == 2
    assert capsys.readouterr().err.startswith("ftorm query: ")


def test_no_server_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("FTRACK_SERVER", "FTRACK_API_USER", "FTRACK_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["query", "Shot"]) == 2


@pytest.mark.parametrize("command", ["query", "demo", "serve"])
def test_unusable_database_is_a_clear_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "not-a-database.db"
    bad.write_text("hello")
    argv = {
        "query": ["query", "--local", str(bad), "Shot"],
        "demo": ["demo", "--db", str(bad)],
        "serve": ["serve", "--db", str(bad), "--port", "0"],
    }[command]
    assert main(argv) == 2
    assert "not a database" in capsys.readouterr().err
