"""`ftorm.session.components`: upload a file as a component of a version, read it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.request import url2pathname

import pytest
import requests

from ftorm.errors import ConfigurationError, NotFoundError
from ftorm.models import FileComponent
from ftorm.schema.load import load_schema_file
from ftorm.schema.types import Schema
from ftorm.schema.workspace import LOCATIONS
from ftorm.server.handlers import Server
from ftorm.session import components
from ftorm.session.session import Session
from tests.paths import RECORDED_SCHEMA as RECORDED
from tests.server.server_helpers import serving


def _schema(kind: str) -> Schema | None:
    if kind == "standard":
        return None
    return load_schema_file(RECORDED)


@pytest.fixture
def session(either_session: Session) -> Session:
    return either_session


def _version(session: Session) -> Any:
    project = session.create("Project", name="cmp", full_name="Components")
    asset_type = session.query("AssetType").first()
    asset = session.create("Asset", name="plate", parent=project, type=asset_type)
    version = session.create("AssetVersion", asset=asset)
    session.commit()
    return version


def _read(address: str) -> bytes:
    if address.startswith("file://"):
        return Path(url2pathname(address.removeprefix("file://"))).read_bytes()
    answer = requests.get(address, timeout=10)
    answer.raise_for_status()
    return answer.content


def test_upload_then_read_back(session: Session, tmp_path: Path) -> None:
    source = tmp_path / "plate.exr"
    source.write_bytes(b"frame data")
    version = _version(session)
    component = components.upload(session, version, source, name="main")
    assert (component.name, component.file_type, component.size) == ("main", ".exr", 10)
    assert component.version is version
    assert _read(components.url(session, component)) == b"frame data"


def test_the_component_is_in_the_server_location(session: Session, tmp_path: Path) -> None:
    source = tmp_path / "plate.exr"
    source.write_bytes(b"x")
    component = components.upload(session, _version(session), source)
    assert component.name == "plate"
    found = session.query(
        f'ComponentLocation where component_id is "{component.id}"'
        f' and location.name is "{components.SERVER_LOCATION}"'
    ).all()
    assert [(c.location_id, c.resource_identifier) for c in found] == [
        (LOCATIONS[components.SERVER_LOCATION], component.id)
    ]


def test_http_url_is_the_official_form(tmp_path: Path) -> None:
    server = Server(api_key="test-key")
    with serving(server) as (host, port):
        session = Session(f"http://{host}:{port}", server.api_user, "test-key")
        source = tmp_path / "a.png"
        source.write_bytes(b"png")
        component = components.upload(session, _version(session), source)
        address = components.url(session, component)
        assert address == (
            f"http://{host}:{port}/component/get?id={component.id}"
            f"&username={server.api_user}&apiKey=test-key"
        )
        session.close()


@pytest.mark.parametrize("kind", ["standard", "recorded"])
def test_on_both_schemas(kind: str, tmp_path: Path) -> None:
    source = tmp_path / "plate.exr"
    source.write_bytes(b"pixels")
    with Session.local(schema=_schema(kind)) as session:
        component = components.upload(session, _version(session), source)
        assert _read(components.url(session, component)) == b"pixels"


def test_url_of_a_component_without_a_file(tmp_path: Path) -> None:
    with Session.local() as session:
        component = session.create("FileComponent", name="empty")
        session.commit()
        with pytest.raises(NotFoundError):
            components.url(session, component)


def test_other_transports_are_refused(tmp_path: Path) -> None:
    class Silent:
        def call(self, operations: Any) -> list[Any]:
            raise AssertionError

        def close(self) -> None:
            pass

    session = Session(transport=Silent())
    with pytest.raises(ConfigurationError):
        components.url(session, FileComponent(name="x"))
