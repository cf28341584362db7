"""reset_remote, get_upload_metadata and complete_multipart_upload, in-process and over HTTP."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from ftorm.protocol.operations import (
    CompleteUploadOp,
    ResetRemoteOp,
    UploadMetadataOp,
    UploadPart,
    validate,
)
from ftorm.server.handlers import LOCAL_URL, Server
from ftorm.server.wsgi import make_app
from tests.paths import FIXTURES
from tests.server.server_helpers import create, make_call, serving


def _component(server: Server, **data: Any) -> str:
    entity = create(make_call(server), "FileComponent", name="plate", **data)
    return str(entity["id"])


def _error(server: Server, *operations: dict[str, Any]) -> dict[str, Any]:
    answer = server.handle(list(operations))
    assert isinstance(answer, dict), answer
    return answer


def _metadata(server: Server, component_id: str, body: bytes, **extra: Any) -> dict[str, Any]:
    op = {
        "action": "get_upload_metadata",
        "component_id": component_id,
        "file_name": "plate.exr",
        "file_size": len(body),
        **extra,
    }
    result: dict[str, Any] = make_call(server)(op)[0]
    return result


def _put(server: Server, url: str, body: bytes, **headers: str) -> tuple[str, dict[str, str]]:
    """PUT ``body`` to ``url`` through the WSGI app, without sockets: (status, headers)."""
    path = url.split("://", 1)[1].partition("/")[2]
    environ = {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": "/" + path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **headers,
    }
    answered: list[Any] = []
    b"".join(make_app(server)(environ, lambda status, head: answered.extend([status, head])))
    return answered[0], dict(answered[1])


def _checksum(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


# --- the operations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op",
    [
        ResetRemoteOp("api_key", "User", "u1"),
        ResetRemoteOp("api_key"),
        UploadMetadataOp("c1", "a.exr", 3),
        UploadMetadataOp("c1", "a.exr", 3, "abc", 2),
        CompleteUploadOp("c1", "up", (UploadPart(1, '"e1"'), UploadPart(2, '"e2"'))),
    ],
)
def test_operations_round_trip(op: Any) -> None:
    assert validate(op.to_json()) == op


@pytest.mark.parametrize(
    "operation",
    [
        {"action": "reset_remote"},
        {"action": "reset_remote", "reset_type": "api_key", "entity_key": 5},
        {"action": "get_upload_metadata", "component_id": "c", "file_name": "a"},
        {"action": "get_upload_metadata", "component_id": "c", "file_name": "a", "file_size": -1},
        {"action": "complete_multipart_upload", "component_id": "c", "upload_id": "u"},
        {"action": "complete_multipart_upload", "component_id": "c", "upload_id": "u",
         "parts": [{"part_number": 1}]},
    ],
)  # fmt: skip
def test_malformed_operations_answer_validation_errors(server: Server, operation: Any) -> None:
    assert _error(server, operation)["exception"] == "ValidationError"


# --- reset_remote ---------------------------------------------------------------------------


def test_reset_remote_sets_an_attribute_back_to_its_default(either: Server) -> None:
    component = _component(either, size=42)
    call = make_call(either)
    result = call(
        {
            "action": "reset_remote",
            "reset_type": "size",
            "entity_type": "Component",
            "entity_key": component,
        }
    )[0]
    assert result == {"action": "reset_remote", "data": 0}
    rows = call(
        {"action": "query", "expression": f"select size from Component where id is {component}"}
    )
    assert rows[0]["data"][0]["size"] == 0


def test_reset_remote_api_key_of_a_user_answers_a_new_key(either: Server) -> None:
    user = create(make_call(either), "User", username="bob")
    reset = {
        "action": "reset_remote",
        "reset_type": "api_key",
        "entity_type": "User",
        "entity_key": user["id"],
    }
    first = make_call(either)(reset)[0]["data"]
    second = make_call(either)(reset)[0]["data"]
    assert isinstance(first, str)
    assert first
    assert first != second
    assert either.check_credentials(either.api_user, "test-key")  # another user's key


def test_reset_remote_api_key_of_the_api_user_replaces_the_servers_key(server: Server) -> None:
    reset = {
        "action": "reset_remote",
        "reset_type": "api_key",
        "entity_type": "User",
        "entity_key": server.user_id,
    }
    new_key = make_call(server)(reset)[0]["data"]
    assert not server.check_credentials(server.api_user, "test-key")
    assert server.check_credentials(server.api_user, new_key)


def test_reset_remote_key_is_kept_only_when_the_batch_commits(server: Server) -> None:
    reset = {
        "action": "reset_remote",
        "reset_type": "api_key",
        "entity_type": "User",
        "entity_key": server.user_id,
    }
    _error(server, reset, {"action": "delete", "entity_type": "Shot", "entity_key": ["none"]})
    assert server.check_credentials(server.api_user, "test-key")


@pytest.mark.parametrize(
    ("reset_type", "entity_type", "key"),
    [
        ("id", "Component", None),
        ("file_type", "Component", None),
        ("no_such", "Component", None),
        ("size", "Component", "no-such-id"),
        ("size", "NoSuchType", None),
    ],
)
def test_reset_remote_refuses_what_cannot_be_reset(
    either: Server, reset_type: str, entity_type: str, key: str | None
) -> None:
    component = _component(either, size=7)
    error = _error(
        either,
        {"action": "update", "entity_type": "Component", "entity_key": [component],
         "entity_data": {"size": 8}},
        {"action": "reset_remote", "reset_type": reset_type, "entity_type": entity_type,
         "entity_key": key or component},
    )  # fmt: skip
    assert error["exception"] == "ValidationError"
    rows = make_call(either)(
        {"action": "query", "expression": f"select size from Component where id is {component}"}
    )
    assert rows[0]["data"][0]["size"] == 7  # the batch was rolled back


def test_reset_remote_needs_an_entity(server: Server) -> None:
    error = _error(server, {"action": "reset_remote", "reset_type": "api_key"})
    assert "name the entity" in error["content"]


# --- uploads in-process ---------------------------------------------------------------------


def test_upload_metadata_has_the_recorded_shape(either: Server) -> None:
    recorded = json.loads((FIXTURES / "get_upload_metadata.json").read_text())
    component = _component(either)
    answer = _metadata(either, component, b"hello", checksum=_checksum(b"hello"))
    assert set(answer) == set(recorded)
    assert answer["component_id"] == component
    assert answer["url"].startswith(f"{LOCAL_URL}/upload/")
    assert answer["headers"]["Content-Length"] == "5"
    assert answer["headers"]["Content-MD5"] == _checksum(b"hello")


def test_a_put_stores_the_file_and_spends_the_token(either: Server) -> None:
    component = _component(either)
    url = _metadata(either, component, b"pixels", checksum=_checksum(b"pixels"))["url"]
    status, headers = _put(either, url, b"pixels")
    assert status == "200 OK"
    assert headers["ETag"] == f'"{hashlib.md5(b"pixels").hexdigest()}"'
    assert either.files.path(component).read_bytes() == b"pixels"
    assert _put(either, url, b"pixels")[0] == "403 Forbidden"


@pytest.mark.parametrize(
    ("sent", "status"),
    [(b"short", "400 Bad Request"), (b"PIXELS", "400 Bad Request")],
)
def test_a_put_of_the_wrong_size_or_checksum_is_refused(
    server: Server, sent: bytes, status: str
) -> None:
    component = _component(server)
    url = _metadata(server, component, b"pixels", checksum=_checksum(b"pixels"))["url"]
    assert _put(server, url, sent)[0] == status
    assert not server.files.exists(component)
    assert _put(server, url, b"pixels")[0] == "200 OK"  # the token still works


def test_unknown_tokens_and_methods_are_refused(server: Server) -> None:
    assert _put(server, "http://h/upload/guess", b"x")[0] == "403 Forbidden"
    assert _put(server, "http://h/upload/guess/0", b"x")[0] == "400 Bad Request"
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/upload/guess", "wsgi.input": io.BytesIO()}
    answered: list[Any] = []
    make_app(server)(environ, lambda status, head: answered.append(status))
    assert answered == ["405 Method Not Allowed"]


def test_upload_metadata_refuses_bad_requests(server: Server) -> None:
    component = _component(server)
    base = {"action": "get_upload_metadata", "file_name": "a.exr"}
    for operation in (
        {**base, "component_id": component, "file_size": server.uploads.max_size + 1},
        {**base, "component_id": component, "file_size": 1, "checksum": "not md5"},
        {**base, "component_id": component, "file_size": 1, "parts": 0},
    ):
        assert _error(server, operation)["exception"] == "ValidationError"


def test_component_ids_that_cannot_name_a_file_are_refused(server: Server) -> None:
    call = make_call(server)
    entity = create(call, "FileComponent", id="../../escape", name="x")
    error = _error(server, {"action": "get_upload_metadata", "component_id": entity["id"],
                            "file_name": "a", "file_size": 1})  # fmt: skip
    assert "cannot name a stored file" in error["content"]


def test_multipart_upload_joins_its_parts(either: Server) -> None:
    recorded = json.loads((FIXTURES / "complete_multipart_upload.json").read_text())
    component = _component(either)
    body = b"first-part|second"
    answer = _metadata(either, component, body, parts=2, checksum=_checksum(body))
    assert set(answer) == {"urls", "upload_id", "component_id"}
    urls = {item["part_number"]: item["signed_url"] for item in answer["urls"]}
    assert sorted(urls) == [1, 2]
    tags = {
        1: _put(either, urls[1], body[:11])[1]["ETag"],
        2: _put(either, urls[2], body[11:])[1]["ETag"],
    }
    done = make_call(either)(
        {
            "action": "complete_multipart_upload",
            "component_id": component,
            "upload_id": answer["upload_id"],
            "parts": [{"part_number": n, "e_tag": tag} for n, tag in tags.items()],
        }
    )[0]
    assert set(done) == set(recorded)
    assert done["url"].endswith(f"/component/get?id={component}")
    assert either.files.path(component).read_bytes() == body


def test_multipart_upload_checks_its_parts(server: Server) -> None:
    component = _component(server)
    answer = _metadata(server, component, b"abcdef", parts=2)
    urls = [item["signed_url"] for item in answer["urls"]]
    assert _put(server, urls[0], b"abcdefg")[0] == "400 Bad Request"  # more than promised
    tag = _put(server, urls[0], b"abc")[1]["ETag"]
    complete = {
        "action": "complete_multipart_upload",
        "component_id": component,
        "upload_id": answer["upload_id"],
    }
    missing = {**complete, "parts": [{"part_number": 1, "e_tag": tag}]}
    assert "not the promised" in _error(server, missing)["content"]
    _put(server, urls[1], b"def")
    wrong = {
        **complete,
        "parts": [{"part_number": 1, "e_tag": tag}, {"part_number": 2, "e_tag": "x"}],
    }
    assert "does not match" in _error(server, wrong)["content"]
    other = {**complete, "component_id": "another", "parts": []}
    assert _error(server, other)["exception"] == "PermissionError"


# --- the folder -----------------------------------------------------------------------------


def test_files_live_beside_the_database(tmp_path: Path) -> None:
    database = tmp_path / "studio.db"
    server = Server(database=str(database), api_key="test-key")
    try:
        component = _component(server)
        _put(server, _metadata(server, component, b"data")["url"], b"data")
        assert (tmp_path / "studio.db.files" / component).read_bytes() == b"data"
    finally:
        server.close()
    assert (tmp_path / "studio.db.files" / component).is_file()  # kept with the database


def test_an_in_memory_servers_folder_is_removed_on_close() -> None:
    server = Server(api_key="test-key")
    component = _component(server)
    _put(server, _metadata(server, component, b"data")["url"], b"data")
    folder = server.files.folder
    assert folder.is_dir()
    server.close()
    assert not folder.exists()


def test_a_read_only_server_refuses_uploads(tmp_path: Path) -> None:
    database = str(tmp_path / "studio.db")
    writer = Server(database=database, api_key="test-key")
    component = _component(writer)
    writer.close()
    reader = Server(database=database, api_key="test-key", read_only=True)
    try:
        error = _error(reader, {"action": "get_upload_metadata", "component_id": component,
                                "file_name": "a", "file_size": 1})  # fmt: skip
        assert error["exception"] == "PermissionError"
    finally:
        reader.close()


# --- over HTTP ------------------------------------------------------------------------------


def test_upload_and_reset_over_http(server: Server) -> None:
    component = _component(server)
    with serving(server) as (host, port):
        base = f"http://{host}:{port}"
        headers = {"ftrack-user": server.api_user, "ftrack-api-key": "test-key"}
        operation = {
            "action": "get_upload_metadata",
            "component_id": component,
            "file_name": "plate.exr",
            "file_size": 4,
            "checksum": _checksum(b"data"),
        }
        answer = requests.post(f"{base}/api", json=[operation], headers=headers, timeout=10)
        metadata = answer.json()[0]
        assert metadata["url"].startswith(f"{base}/upload/")
        put = requests.put(metadata["url"], data=b"data", headers=metadata["headers"], timeout=10)
        assert put.status_code == 200
        assert put.headers["ETag"] == f'"{hashlib.md5(b"data").hexdigest()}"'
        assert server.files.path(component).read_bytes() == b"data"
        again = requests.put(metadata["url"], data=b"data", timeout=10)
        assert again.status_code == 403
        reset = {"action": "reset_remote", "reset_type": "size", "entity_type": "Component",
                 "entity_key": component}  # fmt: skip
        answer = requests.post(f"{base}/api", json=[reset], headers=headers, timeout=10)
        assert answer.json() == [{"action": "reset_remote", "data": 0}]
