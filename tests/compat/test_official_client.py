"""The official ftrack client (``ftrack-python-api``) against ``ftorm serve``.

Runs in its own virtual environment (the client pins ``arrow<1``): ``tests/compat/run.sh
VENV`` builds it and runs this module. ``ftorm serve`` is started from ftorm's environment,
found through ``FTORM_PYTHON`` (default: the project's ``.venv``). Skipped where the client
is not installed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.skip_policy import import_official_client

ftrack_api = import_official_client()

from compat_serve import SCHEMAS, client, served_schema  # noqa: E402  (a sibling)

API_USER = "compat-user"
API_KEY = "compat-" + uuid.uuid4().hex


@pytest.fixture(scope="module", params=SCHEMAS)
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from served_schema(request.param, API_USER, API_KEY)


def new_session(url: str) -> Any:
    return client(url, API_USER, API_KEY)


@pytest.fixture
def session(server_url: str) -> Iterator[Any]:
    instance = new_session(server_url)
    yield instance
    instance.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_tree(session: Any) -> tuple[str, str, str]:
    """A project with a sequence parented through the attribute and one appended to
    ``project['children']``; returns the three names."""
    name = unique("te")
    project = session.create("Project", {"name": name, "full_name": name.upper()})
    session.commit()
    first = session.create("Sequence", {"name": "sq01", "parent": project})
    second = session.create("Sequence", {"name": "sq02"})
    project["children"].append(second)
    session.commit()
    assert first["parent"] is project
    return name, first["id"], second["id"]


def test_connect_and_types(session: Any) -> None:
    assert session.server_information["version"]
    for name in ("Project", "Sequence", "Shot", "Task", "Status", "User", "Location"):
        assert name in session.types
    assert session.query("Location").all()


def test_create_and_a_fresh_session_sees_both(server_url: str, session: Any) -> None:
    name, first, second = make_tree(session)
    fresh = new_session(server_url)
    project = fresh.query(f'Project where name is "{name}"').one()
    children = {child["id"]: child["name"] for child in project["children"]}
    assert children == {first: "sq01", second: "sq02"}
    fresh.close()


def test_queries_with_and_without_criteria_and_projections(server_url: str, session: Any) -> None:
    name, _, _ = make_tree(session)
    fresh = new_session(server_url)
    assert any(p["name"] == name for p in fresh.query("Project").all())
    rows = fresh.query(f'select name, full_name from Project where name is "{name}"').all()
    assert [(r["name"], r["full_name"]) for r in rows] == [(name, name.upper())]
    sequences = fresh.query(
        f'select name, parent.name from Sequence where parent.name is "{name}" order by name'
    ).all()
    assert [s["name"] for s in sequences] == ["sq01", "sq02"]
    assert fresh.query(f'Sequence where parent.name like "{name[:4]}%"').all()
    assert fresh.query(f'Project where name is "{name}"').first() is not None
    fresh.close()


def test_lazy_loading(server_url: str, session: Any) -> None:
    name, first, _ = make_tree(session)
    fresh = new_session(server_url)
    project = fresh.query(f'select id from Project where name is "{name}"').one()
    assert project["full_name"] == name.upper()  # scalar, loaded on access
    child = fresh.get("Sequence", first)
    assert child["parent"] is project  # reference, identity preserved
    assert {c["name"] for c in project["children"]} == {"sq01", "sq02"}  # collection
    assert child["status"]["name"]  # reference through a default
    fresh.close()


def test_dates_and_before(server_url: str, session: Any) -> None:
    import arrow

    name, _, _ = make_tree(session)
    project = session.query(f'Project where name is "{name}"').one()
    project["start_date"] = arrow.get("2026-03-01T10:00:00+00:00")
    session.commit()
    fresh = new_session(server_url)
    found = fresh.query(f'Project where name is "{name}" and start_date before "2026-03-02"')
    assert len(found.all()) == 1
    assert not fresh.query(
        f'Project where name is "{name}" and start_date before "2026-02-28"'
    ).all()
    loaded = fresh.query(f'select start_date from Project where name is "{name}"').one()
    assert loaded["start_date"].year == 2026
    assert loaded["start_date"].month == 3
    fresh.close()


def test_update_and_delete(server_url: str, session: Any) -> None:
    name, first, second = make_tree(session)
    sequence = session.get("Sequence", first)
    sequence["name"] = "renamed"
    session.commit()
    fresh = new_session(server_url)
    assert fresh.get("Sequence", first)["name"] == "renamed"
    fresh.close()
    session.delete(session.get("Sequence", second))
    session.commit()
    fresh = new_session(server_url)
    project = fresh.query(f'Project where name is "{name}"').one()
    assert [c["id"] for c in project["children"]] == [first]
    assert fresh.query(f'Sequence where id is "{second}"').first() is None
    fresh.close()


def test_metadata_notes_and_versions(server_url: str, session: Any) -> None:
    _, first, _ = make_tree(session)
    sequence = session.get("Sequence", first)
    sequence["metadata"]["fps"] = "24"
    session.commit()
    assert dict(sequence["metadata"]) == {"fps": "24"}
    user = session.query(f'User where username is "{API_USER}"').one()
    sequence.create_note("hello", author=user)
    session.commit()
    assert [note["content"] for note in sequence["notes"]] == ["hello"]
    asset = session.create("Asset", {"name": "plate", "parent": sequence})
    version = session.create("AssetVersion", {"asset": asset})
    session.commit()
    assert version["version"] == 1
    fresh = new_session(server_url)
    loaded = fresh.get("Sequence", first)
    assert dict(loaded["metadata"]) == {"fps": "24"}
    assert [note["content"] for note in loaded["notes"]] == ["hello"]
    fresh.close()


def test_server_errors_surface_as_server_error(session: Any) -> None:
    with pytest.raises(ftrack_api.exception.ServerError):
        session.query("Project where no_such_attribute is 1").all()
    with pytest.raises(ftrack_api.exception.ServerError):
        session.call([{"action": "no_such_action"}])
    project = session.create("Project", {"name": unique("bad")})
    project["start_date"] = "not a date"
    with pytest.raises(ftrack_api.exception.ServerError) as caught:
        session.commit()
    assert "ValidationError" in str(caught.value)
    session.rollback()


def test_rules_integrity_and_required_values(server_url: str, session: Any) -> None:
    _, first, _ = make_tree(session)
    sequence = session.get("Sequence", first)
    sequence["parent_id"] = "no-such-id"
    with pytest.raises(ftrack_api.exception.ServerError) as caught:
        session.commit()
    assert "ValidationError" in str(caught.value)
    session.rollback()
    session.create("Shot", {"name": "orphan"})
    with pytest.raises(ftrack_api.exception.ServerError):
        session.commit()
    session.rollback()
    scope = session.create("Scope", {})
    scope["name"] = unique("scope")
    session.commit()
    fresh = new_session(server_url)
    assert fresh.get("Scope", scope["id"])["name"] == scope["name"]
    fresh.close()


def test_rules_derived_values(server_url: str, session: Any) -> None:
    name = unique("ada")
    user = session.create("User", {"first_name": name, "last_name": "Lovelace"})
    session.commit()
    assert user["username"] == f"{name}.lovelace"
    timer = session.create("Timer", {"user": user})
    session.commit()
    assert timer["start"] is not None
    session.create("Timer", {"user": user})
    with pytest.raises(ftrack_api.exception.ServerError) as caught:
        session.commit()
    assert "DuplicateEntryError" in str(caught.value)
    session.rollback()


def test_rules_note_recipients_and_link(server_url: str, session: Any) -> None:
    _, first, _ = make_tree(session)
    sequence = session.get("Sequence", first)
    author = session.query(f'User where username is "{API_USER}"').one()
    other = session.create("User", {"username": unique("bob")})
    session.commit()
    note = sequence.create_note("hello", author=author, recipients=[other])
    session.commit()
    fresh = new_session(server_url)
    loaded = fresh.get("Note", note["id"])
    assert {r["resource_id"] for r in loaded["recipients"]} == {author["id"], other["id"]}
    assert [item["type"] for item in fresh.get("Sequence", first)["link"]] == [
        "Project",
        "Sequence",
    ]
    fresh.close()


def test_reset_remote(server_url: str, session: Any) -> None:
    user = session.create("User", {"username": unique("carol")})
    component = session.create("FileComponent", {"name": "plate", "size": 5})
    session.commit()
    key = session.reset_remote("api_key", user)
    assert isinstance(key, str)
    assert key != session.reset_remote("api_key", user)
    assert session.reset_remote("size", component) == 0
    fresh = new_session(server_url)
    assert fresh.get("FileComponent", component["id"])["size"] == 0
    fresh.close()
    with pytest.raises(ftrack_api.exception.ServerError):
        session.reset_remote("id", user)


def test_get_upload_metadata_and_put(session: Any) -> None:
    import base64
    import hashlib

    import requests

    body = b"frame data"
    component = session.create("FileComponent", {"name": "plate", "file_type": ".exr"})
    session.commit()
    checksum = base64.b64encode(hashlib.md5(body).digest()).decode()
    metadata = session.get_upload_metadata(
        component_id=component["id"], file_name="plate.exr", file_size=len(body), checksum=checksum
    )
    assert set(metadata) == {"url", "headers", "component_id"}
    put = requests.put(metadata["url"], data=body, headers=metadata["headers"], timeout=10)
    assert put.status_code == 200
    assert put.headers["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert requests.put(metadata["url"], data=body, timeout=10).status_code == 403


def test_server_location_add_component_uploads(session: Any, tmp_path: Path) -> None:
    source = tmp_path / "plate.exr"
    source.write_bytes(b"pixels")
    server_location = session.query('Location where name is "ftrack.server"').one()
    component = session.create_component(str(source), location=server_location)
    assert server_location.get_component_availability(component) == 100.0


def _version(session: Any) -> Any:
    project = session.create("Project", {"name": unique("cmp"), "full_name": "Components"})
    asset_type = session.query('AssetType where short is "img"').first()
    asset = session.create("Asset", {"name": "plate", "parent": project, "type": asset_type})
    version = session.create("AssetVersion", {"asset": asset})
    session.commit()
    return version


def _location(session: Any, name: str) -> Any:
    return session.query(f'Location where name is "{name}"').one()


def test_server_location_serves_and_removes_component_files(
    server_url: str, session: Any, tmp_path: Path
) -> None:
    import requests

    source = tmp_path / "plate.png"
    source.write_bytes(b"\x89PNG pixels")
    server = _location(session, "ftrack.server")
    component = _version(session).create_component(
        str(source), data={"name": "main"}, location=server
    )
    url = server.get_url(component)
    assert url.startswith(f"{server_url}/component/get?id={component['id']}")
    answer = requests.get(url, timeout=10)
    assert answer.content == b"\x89PNG pixels"
    assert answer.headers["Content-Type"] == "image/png"
    data = server.accessor.open(component["id"], "rb")
    try:
        assert data.read() == b"\x89PNG pixels"
    finally:
        data.close()
    with pytest.raises(ftrack_api.exception.AccessorUnsupportedOperationError):
        server.get_filesystem_path(component)  # ftrack.server has no paths, as on ftrack
    server.remove_component(component)
    assert server.get_component_availability(component) == 0.0
    assert requests.get(url, timeout=10).status_code == 404
    wrong = url.replace(f"apiKey={API_KEY}", "apiKey=wrong")
    assert requests.get(wrong, timeout=10).status_code == 401


def test_server_location_add_component_from_another_location(
    server_url: str, session: Any, tmp_path: Path
) -> None:
    source = tmp_path / "plate.exr"
    source.write_bytes(b"frame")
    origin = _location(session, "ftrack.origin")
    server = _location(session, "ftrack.server")
    component = session.create_component(str(source), data={"name": "plate"}, location=None)
    server.add_component(component, origin)
    assert server.get_component_availability(component) == 100.0
    fresh = new_session(server_url)
    again = fresh.get("FileComponent", component["id"])
    assert fresh.pick_location(again)["name"] == "ftrack.server"
    import requests

    picked = _location(fresh, "ftrack.server")
    assert requests.get(picked.get_url(again), timeout=10).content == b"frame"
    fresh.close()


def test_unmanaged_location_keeps_the_path(server_url: str, session: Any, tmp_path: Path) -> None:
    source = tmp_path / "plate.exr"
    source.write_bytes(b"frame")
    unmanaged = _location(session, "ftrack.unmanaged")
    component = session.create_component(str(source), data={"name": "plate"}, location=unmanaged)
    assert unmanaged.get_filesystem_path(component) == str(source)
    assert unmanaged.get_component_availability(component) == 100.0
    fresh = new_session(server_url)
    again = fresh.get("FileComponent", component["id"])
    stored = _location(fresh, "ftrack.unmanaged")
    assert stored.get_filesystem_path(again) == str(source)
    assert stored.get_resource_identifier(again) == str(source)
    fresh.close()


def test_thumbnail_component_is_served(session: Any, tmp_path: Path) -> None:
    import requests

    source = tmp_path / "thumb.png"
    source.write_bytes(b"\x89PNG thumb")
    version = _version(session)
    thumbnail = version.create_thumbnail(str(source))
    session.commit()
    assert version["thumbnail_id"] == thumbnail["id"]
    server = _location(session, "ftrack.server")
    url = server.get_thumbnail_url(thumbnail, size=300)
    assert requests.get(url, timeout=10).content == b"\x89PNG thumb"
    # the computed thumbnail_url opens the same image, without credentials
    fresh = session.query(f'select thumbnail_url from AssetVersion where id is "{version["id"]}"')
    assert requests.get(fresh.one()["thumbnail_url"]["url"], timeout=10).content == b"\x89PNG thumb"


def test_project_schema_statuses_and_types(session: Any) -> None:
    project_schema = session.query('ProjectSchema where name is "VFX Scheme"').one()
    shot_statuses = [status["name"] for status in project_schema.get_statuses("Shot")]
    assert "In progress" in shot_statuses
    assert len(shot_statuses) == len(set(shot_statuses)) > 1
    assert project_schema.get_statuses("Sequence") == []
    assert project_schema.get_statuses("Task")
    assert project_schema.get_statuses("AssetVersion")
    assert [t["name"] for t in project_schema.get_types("Shot")] == ["Generic"]
    assert "Generic" in {t["name"] for t in project_schema.get_types("Task")}
    project = session.create(
        "Project", {"name": unique("schema"), "full_name": "S", "project_schema": project_schema}
    )
    shot = session.create("Shot", {"name": "sh010", "parent": project})
    session.commit()
    schema = project["project_schema"]
    assert shot["status"]["id"] in {s["id"] for s in schema.get_statuses("Shot")}
