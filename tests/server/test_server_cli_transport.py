"""``ftorm serve`` as a process, and the in-process transport."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ftorm.errors import ServerCompatibilityError, ValidationError
from ftorm.server.handlers import Server
from ftorm.transport.inprocess import InProcessTransport


def test_inprocess_transport_round_trip() -> None:
    transport = InProcessTransport(Server(api_key="k"))
    (created,) = transport.call(
        [{"action": "create", "entity_type": "Project", "entity_data": {"name": "p"}}]
    )
    assert created["data"]["name"] == "p"
    (result,) = transport.call([{"action": "query", "expression": "select name from Project"}])
    assert [row["name"] for row in result["data"]] == ["p"]
    with pytest.raises(ValidationError):
        transport.call([{"action": "query", "expression": "Project where"}])
    with pytest.raises(ServerCompatibilityError):
        transport.call([{"action": "launch"}])
    transport.close()
    transport.server.close()


@pytest.mark.http
def test_ftorm_serve_process(tmp_path: Path) -> None:
    database = tmp_path / "served.db"
    command = [
        sys.executable,
        "-c",
        "import sys; from ftorm.cli import main; sys.exit(main())",
        "serve",
        "--port",
        "0",
        "--db",
        str(database),
    ]
    env = {"FTRACK_API_USER": "env-user", "FTRACK_API_KEY": "", "PATH": ""}  # empty: no key
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    timer = threading.Timer(60, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        exports = dict(
            line.removeprefix("export ").strip().split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        assert exports["FTRACK_API_USER"] == "env-user"
        url = exports["FTRACK_SERVER"]
        host, port = url.removeprefix("http://").split(":")
        assert exports["FTRACK_API_KEY"]  # an empty key is no key: one was generated
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        for key in ("", " "):
            connection.request(
                "POST",
                "/api",
                body=b'[{"action": "query", "expression": "User"}]',
                headers={"ftrack-user": "env-user", "ftrack-api-key": key},
            )
            refused = json.loads(connection.getresponse().read())
            assert refused["exception"] == "InvalidCredentialsError"
        connection.request(
            "POST",
            "/api",
            body=b'[{"action": "query", "expression": "select username from User"}]',
            headers={"ftrack-user": "env-user", "ftrack-api-key": exports["FTRACK_API_KEY"]},
        )
        body = json.loads(connection.getresponse().read())
        connection.close()
        assert [row["username"] for row in body[0]["data"]] == ["env-user"]
    finally:
        timer.cancel()
        process.terminate()
        process.communicate(timeout=10)  # also closes the pipes
    assert database.exists()


def test_ftorm_serve_reports_bad_schema(tmp_path: Path) -> None:
    from ftorm.cli import main

    bad = tmp_path / "schema.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["serve", "--schema", str(bad), "--port", "0"]) == 2


@pytest.mark.parametrize("key", [None, ""])
def test_an_empty_key_is_no_key(key: str | None) -> None:
    server = Server(api_user="u", api_key=key)
    assert server.api_key
    assert not server.check_credentials("u", "")
    assert not server.check_credentials("u", None)
    assert not server.check_credentials("", server.api_key)
    assert server.check_credentials("u", server.api_key)
    server.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "example.org"])
def test_ftorm_serve_refuses_a_public_address_without_a_key(
    host: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ftorm.cli import main

    monkeypatch.setenv("FTRACK_API_KEY", "from-the-environment")  # not explicit enough
    assert main(["serve", "--host", host, "--port", "0"]) == 2
    assert "--api-key" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses(host: str) -> None:
    from ftorm.cli.serve import is_loopback

    assert is_loopback(host)
