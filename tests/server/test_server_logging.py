"""The server logs one line per request through `logging`, and ``ftorm serve --log-level``
chooses how much of it reaches stderr."""

from __future__ import annotations

import http.client
import json
import logging
import subprocess
import sys
import threading

import pytest

from ftorm.server.handlers import Server

LOGGER = "ftorm.server.handlers"


def test_one_info_line_per_request(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ftorm.server")
    server.handle(
        [
            {"action": "create", "entity_type": "Project", "entity_data": {"name": "p"}},
            {"action": "query", "expression": "select name from Project"},
        ]
    )
    (record,) = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert message.startswith("create Project, query Project: ")
    assert message.endswith(" ms")
    assert "failed" not in message


def test_a_failed_request_names_its_error(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ftorm.server")
    server.handle([{"action": "query", "expression": "select nope from Shot"}])
    (record,) = [r for r in caplog.records if r.name == LOGGER]
    message = record.getMessage()
    assert message.startswith("query Shot: failed in ")
    assert "ValidationError" in message
    assert "nope" in message


def test_nothing_below_the_level(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="ftorm.server")
    server.handle([{"action": "query", "expression": "select name from Project"}])
    assert not [r for r in caplog.records if r.name == LOGGER]


def test_bad_log_level_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    from ftorm.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--log-level", "chatty", "--port", "0"])
    assert exit_info.value.code == 2
    assert "--log-level" in capsys.readouterr().err


def _serve_one_request(level: str) -> tuple[list[str], str]:
    """Start ``ftorm serve --log-level level``, send one query, stop it: (stdout lines read
    at start-up, everything written on stderr)."""
    command = [
        sys.executable, "-c", "import sys; from ftorm.cli import main; sys.exit(main())",
        "serve", "--port", "0", "--api-key", "k", "--log-level", level,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(60, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        url = lines[1].strip().removeprefix("export FTRACK_SERVER=")
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request(
            "POST",
            "/api",
            body=b'[{"action": "query", "expression": "select username from User"}]',
            headers={"ftrack-user": "ftorm", "ftrack-api-key": "k"},
        )
        assert isinstance(json.loads(connection.getresponse().read()), list)
        connection.close()
    finally:
        timer.cancel()
        process.terminate()
        _, err = process.communicate(timeout=10)
    return lines, err


@pytest.mark.http
def test_ftorm_serve_logs_requests_on_stderr() -> None:
    lines, err = _serve_one_request("INFO")
    assert lines[0].startswith("ftorm serve: listening on http://127.0.0.1:")
    assert lines[1].startswith("export FTRACK_SERVER=")
    assert lines[2] == "export FTRACK_API_USER=ftorm\n"
    assert lines[3] == "# FTRACK_API_KEY: the key you gave\n"
    (line,) = [line for line in err.splitlines() if LOGGER in line]
    assert " INFO " in line
    assert "query User: " in line


@pytest.mark.http
def test_ftorm_serve_log_level_warning_is_quiet() -> None:
    _, err = _serve_one_request("warning")
    assert LOGGER not in err
