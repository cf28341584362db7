"""The tutorial (``ftorm demo``) end to end: in-process, and over HTTP against ``ftorm serve``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ftorm.cli import main
from ftorm.cli.demo import run_demo, run_tutorial
from ftorm.session import Session


def _check(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert "== 12. Read it back in a fresh session" in text
    assert ">>> child.parent is project\nTrue" in text
    assert "requests used: 1;" in text
    assert "escape.parent is project: True" in text
    assert "parent='tutorial' description='The hero is revealed.'" in text
    assert "['Starlord Escape', 'Starlord Reveal', 'sq01', 'sq02']" in text
    assert "['tutorial']" in text  # criteria and the combined date criteria


def test_tutorial_in_process(tmp_path: Path) -> None:
    lines: list[str] = []
    run_demo(tmp_path / "studio.db", out=lines.append)
    _check(lines)


def test_demo_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    _check(capsys.readouterr().out.splitlines())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "ftorm", "serve", "--db", str(tmp_path / "served.db"),
            "--port", "0", "--api-user", "jane", "--api-key", "secret",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    # Bounded wait for the banner: a server that prints nothing is killed after 60 s, which
    # ends its output (readline then answers "").
    timer = threading.Timer(60, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        url = None
        seen: list[str] = []
        for _ in range(20):
            line = process.stdout.readline()
            seen.append(line)
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if found or not line:
                url = found.group(1) if found else None
                break
        timer.cancel()
        assert url, "ftorm serve did not start: " + "".join(seen)
        yield url
    finally:
        timer.cancel()
        process.terminate()
        process.communicate(timeout=10)  # also closes the pipes


@pytest.mark.http
def test_tutorial_over_http(served: str) -> None:
    lines: list[str] = []

    def connect() -> Session:
        return Session(served, "jane", "secret")

    run_tutorial(connect, f"Session({served!r}, 'jane', 'secret')", lines.append)
    _check(lines)


@pytest.mark.http
def test_wrong_key_over_http(served: str) -> None:
    from ftorm.errors import AuthenticationError

    with pytest.raises(AuthenticationError):
        _ = Session(served, "jane", "wrong").types
