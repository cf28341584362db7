"""The WSGI layer: credentials on every request, JSON errors, strict mode, no HTTP 500."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ftorm.server.handlers import Server
from ftorm.server.wsgi import serve

pytestmark = pytest.mark.http


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    server = Server(api_user="jane", api_key="s3cret")
    httpd = serve(server, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    host, port = httpd.server_address[:2]
    yield str(host), int(port)
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)
    server.close()


def post(
    address: tuple[str, int],
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    method: str = "POST",
    path: str = "/api",
) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(*address, timeout=10)
    sent = {"ftrack-user": "jane", "ftrack-api-key": "s3cret", "Content-Type": "application/json"}
    sent.update(headers or {})
    connection.request(method, path, body=body, headers={k: v for k, v in sent.items() if v})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else None


def test_a_batch(address: tuple[str, int]) -> None:
    status, body = post(address, b'[{"action": "query_server_information"}]')
    assert status == 200
    assert body[0]["version"]
    assert len(body[0]["schema_hash"]) == 32
    status, body = post(address, b"[]")
    assert (status, body) == (200, [])


@pytest.mark.parametrize(
    "headers",
    [
        {"ftrack-api-key": ""},
        {"ftrack-user": ""},
        {"ftrack-api-key": "wrong"},
        {"ftrack-user": "bob"},
    ],
)
def test_credentials_are_checked(address: tuple[str, int], headers: dict[str, str]) -> None:
    status, body = post(address, b'[{"action": "query_schemas"}]', headers)
    assert status == 200
    assert body["exception"] == "InvalidCredentialsError"
    status, body = post(address, b"[]", {**headers, "ftrack-strict-api": "true"})
    assert status == 401
    assert body["exception"] == "InvalidCredentialsError"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"\xff\xfe",
        b'{"action": "query"}',
        b"42",
        b'[{"action": "query", "expression": "Shot where"}]',
    ],
)
def test_malformed_bodies(address: tuple[str, int], body: bytes) -> None:
    status, answer = post(address, body)
    assert status == 200
    assert answer["exception"] == "ValidationError"
    assert answer["content"]
    status, answer = post(address, body, {"ftrack-strict-api": "true"})
    assert status == 400
    assert answer["exception"] == "ValidationError"


def test_other_methods_and_paths(address: tuple[str, int]) -> None:
    status, _ = post(address, b"", method="GET")
    assert status == 405
    status, body = post(address, b"[]", path="/elsewhere")
    assert status == 404
    assert "POST /api" in body["content"]


def test_concurrent_clients_lose_no_updates(address: tuple[str, int]) -> None:
    """Several clients create and bump a counter at once; every write lands."""
    status, body = post(
        address,
        json.dumps(
            [
                {
                    "action": "create",
                    "entity_type": "Project",
                    "entity_data": {"id": "race", "name": "r"},
                }
            ]
        ).encode(),
    )
    assert status == 200, body
    errors: list[object] = []

    def worker(index: int) -> None:
        for step in range(5):
            name = f"w{index}-{step}"
            batch = [
                {
                    "action": "create",
                    "entity_type": "Sequence",
                    "entity_data": {
                        "name": name,
                        "parent": {"__entity_type__": "Project", "id": "race"},
                    },
                },
            ]
            code, answer = post(address, json.dumps(batch).encode())
            if code != 200 or not isinstance(answer, list):
                errors.append(answer)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    query = [
        {"action": "query", "expression": 'select name from Sequence where parent.id is "race"'}
    ]
    _, answer = post(address, json.dumps(query).encode())
    assert len(answer[0]["data"]) == 20


def test_api_options_denormalize(address: tuple[str, int]) -> None:
    batch = [{"action": "query", "expression": "select name, state.name from Status"}]
    _, normal = post(address, json.dumps(batch).encode())
    _, full = post(
        address, json.dumps(batch).encode(), {"ftrack-api-options": "strict:1;denormalize:1"}
    )
    assert any(set(row["state"]) == {"__entity_type__", "id"} for row in normal[0]["data"])
    assert all("name" in row["state"] for row in full[0]["data"])
