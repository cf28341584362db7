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
    env = {"FTRACK_API_USER": "env-user", "PATH": ""}
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
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
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
        process.wait(timeout=10)
    assert database.exists()


def test_ftorm_serve_reports_bad_schema(tmp_path: Path) -> None:
    from ftorm.cli import main

    bad = tmp_path / "schema.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["serve", "--schema", str(bad), "--port", "0"]) == 2
