"""``/component/get``, ``/component/thumbnail`` and ``/component/remove`` of the embedded server."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests

from ftorm.server.handlers import Server
from ftorm.server.wsgi import make_app
from tests.server.server_helpers import create, make_call, serving


def _stored(server: Server, body: bytes, **data: Any) -> str:
    """A FileComponent whose file ``body`` was uploaded; its id."""
    call = make_call(server)
    component = create(call, "FileComponent", name="plate", file_type=".png", **data)
    operation = {
        "action": "get_upload_metadata",
        "component_id": component["id"],
        "file_name": "plate.png",
        "file_size": len(body),
    }
    url = call(operation)[0]["url"]
    token = url.rpartition("/upload/")[2]
    server.uploads.put(token, None, io.BytesIO(body), len(body))
    return str(component["id"])


def _request(server: Server, method: str, path: str, query: str = "", **headers: str) -> Any:
    """``method path?query`` through the WSGI app, without sockets: (status, headers, body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": io.BytesIO(b""),
        **headers,
    }
    answered: list[Any] = []
    body = b"".join(make_app(server)(environ, lambda status, head: answered.extend([status, head])))
    return answered[0], dict(answered[1]), body


def _credentials(server: Server) -> str:
    return f"username={server.api_user}&apiKey={server.api_key}"


def test_get_serves_the_stored_file_with_its_type(server: Server) -> None:
    component = _stored(server, b"\x89PNG pixels")
    status, headers, body = _request(
        server, "GET", "/component/get", f"id={component}&{_credentials(server)}"
    )
    assert status == "200 OK"
    assert body == b"\x89PNG pixels"
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Length"] == str(len(body))


def test_credentials_may_come_as_headers(server: Server) -> None:
    component = _stored(server, b"data")
    status, _, body = _request(
        server,
        "GET",
        "/component/get",
        f"id={component}",
        HTTP_FTRACK_USER=server.api_user,
        HTTP_FTRACK_API_KEY=server.api_key,
    )
    assert (status, body) == ("200 OK", b"data")


@pytest.mark.parametrize("route", ["get", "thumbnail", "remove"])
@pytest.mark.parametrize("credentials", ["", "username=ftorm&apiKey=wrong", "apiKey=x"])
def test_every_route_needs_the_credentials(server: Server, route: str, credentials: str) -> None:
    component = _stored(server, b"data")
    status, _, body = _request(
        server, "GET", f"/component/{route}", f"id={component}&{credentials}"
    )
    assert status == "401 Unauthorized"
    assert b"InvalidCredentialsError" in body
    assert server.files.exists(component)


def test_thumbnail_serves_the_same_file_at_any_size(server: Server) -> None:
    component = _stored(server, b"thumb")
    query = f"id={component}&{_credentials(server)}&size=300"
    assert _request(server, "GET", "/component/thumbnail", query)[2] == b"thumb"


def test_head_answers_the_headers_only(server: Server) -> None:
    component = _stored(server, b"12345")
    status, headers, body = _request(
        server, "HEAD", "/component/get", f"id={component}&{_credentials(server)}"
    )
    assert (status, headers["Content-Length"], body) == ("200 OK", "5", b"")


def test_remove_deletes_the_file_and_keeps_the_component(server: Server) -> None:
    component = _stored(server, b"data")
    query = f"id={component}&{_credentials(server)}"
    assert _request(server, "GET", "/component/remove", query)[0] == "200 OK"
    assert not server.files.exists(component)
    assert _request(server, "GET", "/component/get", query)[0] == "404 Not Found"
    assert _request(server, "GET", "/component/remove", query)[0] == "200 OK"  # idempotent
    call = make_call(server)
    found = call({"action": "query", "expression": f'Component where id is "{component}"'})
    assert len(found[0]["data"]) == 1


@pytest.mark.parametrize(
    ("method", "path", "query", "status"),
    [
        ("GET", "/component/get", "id=no-such-file", "404 Not Found"),
        ("GET", "/component/get", "id=../../etc/passwd", "400 Bad Request"),
        ("GET", "/component/get", "", "400 Bad Request"),
        ("GET", "/component/list", "id=x", "404 Not Found"),
        ("PUT", "/component/get", "id=x", "405 Method Not Allowed"),
        ("PUT", "/component/remove", "id=x", "405 Method Not Allowed"),
    ],
)
def test_bad_requests_answer_an_error_status(
    server: Server, method: str, path: str, query: str, status: str
) -> None:
    credentials = f"&{_credentials(server)}" if query else _credentials(server)
    assert _request(server, method, path, query + credentials)[0] == status


def test_over_http_with_the_official_url_form() -> None:
    server = Server(api_key="test-key")
    component = _stored(server, b"over the wire")
    with serving(server) as (host, port):
        base = f"http://{host}:{port}/component"
        params = {"id": component, "username": server.api_user, "apiKey": "test-key"}
        answer = requests.get(f"{base}/get", params=params, timeout=10)
        assert answer.status_code == 200
        assert answer.content == b"over the wire"
        assert requests.get(f"{base}/remove", params=params, timeout=10).status_code == 200
        assert requests.get(f"{base}/get", params=params, timeout=10).status_code == 404


def test_a_database_file_keeps_its_files_beside_it(tmp_path: Any) -> None:
    database = tmp_path / "studio.db"
    server = Server(database=str(database))
    component = _stored(server, b"kept")
    server.close()
    reopened = Server(database=str(database))
    try:
        query = f"id={component}&{_credentials(reopened)}"
        assert _request(reopened, "GET", "/component/get", query)[2] == b"kept"
    finally:
        reopened.close()


@pytest.mark.parametrize("owner", ["Sequence", "User", "AssetVersion"])
def test_thumbnail_url_opens_the_thumbnail_without_credentials(either: Server, owner: str) -> None:
    call = make_call(either)
    component = _stored(either, b"\x89PNG thumb")
    thumbnail = {"__entity_type__": "FileComponent", "id": component}
    if owner == "User":
        entity = create(call, "User", username="thumbed", thumbnail=thumbnail)
    elif owner == "AssetVersion":
        project = create(call, "Project", name="p", full_name="P")
        asset = create(call, "Asset", name="a", parent=_ref(project))
        entity = create(call, "AssetVersion", asset=_ref(asset), thumbnail=thumbnail)
    else:
        project = create(call, "Project", name="p", full_name="P")
        entity = create(call, "Sequence", name="sq", parent=_ref(project), thumbnail=thumbnail)
    bare = create(call, "User", username="bare")
    found = call(
        {
            "action": "query",
            "expression": f'select thumbnail_url from {owner} where id is "{entity["id"]}"',
        }
    )[0]["data"][0]
    url = found["thumbnail_url"]["url"]
    path, _, query = url.removeprefix("http://localhost").partition("?")
    assert path == "/component/thumbnail"
    assert f"id={component}" in query
    status, headers, body = _request(either, "GET", path, query)
    assert (status, body, headers["Content-Type"]) == ("200 OK", b"\x89PNG thumb", "image/png")
    forged = query.replace("token=", "token=0")
    assert _request(either, "GET", path, forged)[0] == "401 Unauthorized"
    other = _stored(either, b"other")
    assert _request(either, "GET", path, query.replace(component, other))[0] == "401 Unauthorized"
    assert _request(either, "GET", "/component/get", query)[0] == "401 Unauthorized"
    unset = call(
        {
            "action": "query",
            "expression": f'select thumbnail_url from User where id is "{bare["id"]}"',
        }
    )[0]["data"][0]
    assert unset["thumbnail_url"] is None


def test_thumbnail_url_names_the_address_the_client_reached(server: Server) -> None:
    component = _stored(server, b"png")
    call = make_call(server)
    create(
        call, "User", username="u", thumbnail={"__entity_type__": "FileComponent", "id": component}
    )
    with serving(server, close=False) as (host, port):
        response = requests.post(
            f"http://{host}:{port}/api",
            json=[
                {
                    "action": "query",
                    "expression": "select thumbnail_url from User where username is u",
                }
            ],
            headers={"ftrack-user": server.api_user, "ftrack-api-key": server.api_key or ""},
            timeout=10,
        )
        url = response.json()[0]["data"][0]["thumbnail_url"]["url"]
        assert url.startswith(f"http://{host}:{port}/component/thumbnail?id={component}&token=")
        assert requests.get(url, timeout=10).content == b"png"


def _ref(entity: dict[str, Any]) -> dict[str, Any]:
    return {"__entity_type__": entity["__entity_type__"], "id": entity["id"]}
