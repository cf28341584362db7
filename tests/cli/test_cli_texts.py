"""What the command line says (issue 18, B5): ``--version``, help in plain text, connection
errors that name the command's own options."""

from __future__ import annotations

from pathlib import Path

import pytest

import ftorm
from ftorm.cli import _COMMANDS, main, plain


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"ftorm {ftorm.__version__}"


@pytest.mark.parametrize("command", [(), *((name,) for name in _COMMANDS)])
def test_help_is_plain_text(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ftorm")
    assert "`" not in out


def test_plain_keeps_the_words() -> None:
    assert plain("``ftorm clone --resume`` and `Session.local` ``a`b``") == (
        "ftorm clone --resume and Session.local a`b"
    )


@pytest.mark.parametrize(
    ("argv", "instead"),
    [
        (["query", "Shot"], "(or use --local DB)"),
        (["clone", "--project", "show", "--db", "never-written.db"], None),
    ],
)
def test_no_server_names_the_options_as_typed(
    argv: list[str],
    instead: str | None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name in ("FTRACK_SERVER", "FTRACK_API_USER", "FTRACK_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "missing --server / FTRACK_SERVER, FTRACK_API_USER, FTRACK_API_KEY" in err
    assert "Session.local" not in err
    assert "server_url" not in err
    if instead is not None:
        assert err.endswith(instead)
    else:
        assert "(or use" not in err


def test_the_library_names_its_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FTRACK_SERVER", "FTRACK_API_USER", "FTRACK_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(
        ftorm.ConnectError,
        match=r"missing api_key / FTRACK_API_KEY \(or use "
        r"Session.local\(\)\)",
    ):
        ftorm.Session("http://127.0.0.1:9", "user")
