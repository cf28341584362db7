"""Components, locations, structures and accessors, in-process and over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ftorm.errors import (
    AccessorError,
    ComponentInLocationError,
    ComponentNotInLocationError,
    ComponentSourceError,
    InvalidValueError,
    LocationError,
    StructureError,
)
from ftorm.session.accessors import DiskAccessor, ServerAccessor
from ftorm.session.sequences import parse
from ftorm.session.session import Session
from ftorm.session.structures import IdStructure, StandardStructure


@pytest.fixture
def session(either_session: Session) -> Session:
    return either_session


def _version(session: Session, *, under_project: bool = False) -> Any:
    project = session.create("Project", name="My Show", full_name="Show")
    parent = project
    if not under_project:
        sequence = session.create("Sequence", name="sq 01", parent=project)
        parent = session.create("Shot", name="Sh010", parent=sequence)
    asset_type = session.query("AssetType").first()
    asset = session.create("Asset", name="Plate Ä", parent=parent, type=asset_type)
    version = session.create("AssetVersion", asset=asset)
    session.commit()
    return version


def _frames(folder: Path, count: int = 3, first: int = 1001) -> str:
    for index in range(first, first + count):
        (folder / f"sh010.{index:04d}.exr").write_bytes(f"frame {index}".encode())
    return f"{folder}/sh010.%04d.exr [{first}-{first + count - 1}]"


# --- sequences ------------------------------------------------------------------------------


def test_sequence_notation() -> None:
    found = parse("/r/a.%04d.exr [1-3, 7, 10-11]")
    assert found is not None
    assert found.padding == 4
    assert found.indexes == (1, 2, 3, 7, 10, 11)
    assert found.paths[0] == "/r/a.0001.exr"
    assert found.format() == "/r/a.%04d.exr [1-3, 7, 10-11]"
    assert parse("/r/plain.exr") is None
    unpadded = parse("/r/a.%d.exr [9-10]")
    assert unpadded is not None
    assert unpadded.paths == ["/r/a.9.exr", "/r/a.10.exr"]
    for bad in ("/r/a.%04d.exr [x]", "/r/a.%04d.exr [5-1]", "/r/a.%04d.exr []"):
        with pytest.raises(ComponentSourceError):
            parse(bad)


# --- creating components --------------------------------------------------------------------


def test_a_file_goes_to_the_server_and_reads_back(session: Session, tmp_path: Path) -> None:
    source = tmp_path / "plate.exr"
    source.write_bytes(b"pixels" * 1000)
    version = _version(session)
    server = session.location("ftrack.server")
    component = session.create_component(source, {"name": "main"}, server, version=version)
    assert (component.entity_type, component.file_type, component.size) == (
        "FileComponent",
        ".exr",
        6000,
    )
    assert server.get_component_availability(component) == 100.0
    assert server.get_resource_identifier(component) == component.id
    back = server.download(component, tmp_path / "back" / "plate.exr")
    assert back.read_bytes() == source.read_bytes()
    availability = session.get_component_availability(component)
    assert availability[server.id] == 100.0


def test_a_sequence_to_a_disk_location_with_the_standard_structure(
    session: Session, tmp_path: Path
) -> None:
    (tmp_path / "renders").mkdir()
    pattern = _frames(tmp_path / "renders")
    disk = session.location(
        "studio.disk",
        accessor=DiskAccessor(tmp_path / "store"),
        structure=StandardStructure(),
        priority=1,
    )
    version = _version(session)
    sequence = session.create_component(pattern, {"name": "beauty"}, disk, version=version)
    assert sequence.entity_type == "SequenceComponent"
    assert (sequence.padding, sequence.file_type) == (4, ".exr")
    members = sorted(sequence.members, key=lambda m: m.name)
    assert [m.name for m in members] == ["1001", "1002", "1003"]
    assert sequence.size == sum(m.size for m in members) > 0
    assert disk.get_component_availability(sequence) == 100.0
    assert (
        disk.get_resource_identifier(sequence) == "my_show/sq_01/sh010/plate_a/v001/beauty.%04d.exr"
    )
    path = disk.get_filesystem_path(members[0])
    assert path == str(tmp_path / "store/my_show/sq_01/sh010/plate_a/v001/beauty.1001.exr")
    assert Path(path).read_bytes() == b"frame 1001"
    with pytest.raises(ComponentInLocationError):
        disk.add_component(sequence, session.location("ftrack.origin"))
    disk.remove_component(sequence)
    assert disk.get_component_availability(sequence) == 0.0
    assert not Path(path).exists()
    with pytest.raises(ComponentNotInLocationError):
        disk.get_resource_identifier(sequence)


def test_partial_availability_of_a_sequence(session: Session, tmp_path: Path) -> None:
    pattern = _frames(tmp_path, count=4)
    disk = session.location(
        "partial.disk", accessor=DiskAccessor(tmp_path / "s"), structure=IdStructure()
    )
    sequence = session.create_component(pattern, location=disk)
    member = sorted(sequence.members, key=lambda m: m.name)[0]
    disk.remove_component(member)
    assert disk.get_component_availability(sequence) == 75.0


def test_a_container_copies_between_locations(session: Session, tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"a")
    (folder / "b.json").write_bytes(b"{}")
    server = session.location("ftrack.server")
    container = session.create_component(
        folder, {"name": "bundle"}, server, version=_version(session)
    )
    assert container.entity_type == "ContainerComponent"
    disk = session.location(
        "copy.disk", accessor=DiskAccessor(tmp_path / "copy"), structure=StandardStructure()
    )
    disk.add_component(container, server)
    root = Path(disk.get_filesystem_path(container) or "")
    assert sorted(p.name for p in root.iterdir()) == ["a.txt", "b.json"]
    assert (root / "b.json").read_bytes() == b"{}"


def test_project_versions_prefix(session: Session, tmp_path: Path) -> None:
    source = tmp_path / "x.abc"
    source.write_bytes(b"x")
    structure = StandardStructure(project_versions_prefix="published")
    disk = session.location("p.disk", accessor=DiskAccessor(tmp_path / "p"), structure=structure)
    component = session.create_component(
        source, {"name": "geo"}, disk, version=_version(session, under_project=True)
    )
    assert disk.get_resource_identifier(component) == "my_show/published/plate_a/v001/geo.abc"


def test_the_unmanaged_location_keeps_the_path(session: Session, tmp_path: Path) -> None:
    """As in ftrack_api, a component goes to ``ftrack.unmanaged`` (priority 90) unless a
    location with a lower priority is configured."""
    source = tmp_path / "ref.mov"
    source.write_bytes(b"mov")
    unmanaged = session.location("ftrack.unmanaged")
    assert session.pick_location() is unmanaged
    component = session.create_component(source)
    assert unmanaged.get_filesystem_path(component) == str(source)
    unmanaged.remove_component(component)
    assert source.exists()


# --- bad input leaves nothing -------------------------------------------------------------


def _components(session: Session) -> int:
    return len(session.query("select id from Component").all())


def test_bad_sources_create_nothing(session: Session, tmp_path: Path) -> None:
    before = _components(session)
    with pytest.raises(ComponentSourceError):
        session.create_component(tmp_path / "missing.exr")
    with pytest.raises(ComponentSourceError):
        session.create_component(f"{tmp_path}/none.%04d.exr [1-3]")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ComponentSourceError):
        session.create_component(tmp_path / "empty")
    source = tmp_path / "a.txt"
    source.write_bytes(b"a")
    bare = session.location("bare.location")
    with pytest.raises(LocationError):
        session.create_component(source, location=bare)
    assert _components(session) == before


def test_a_failed_copy_registers_nothing(session: Session, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"a")
    blocker = tmp_path / "store"
    blocker.write_bytes(b"not a folder")
    disk = session.location("broken.disk", accessor=DiskAccessor(blocker), structure=IdStructure())
    before = _components(session)
    with pytest.raises(LocationError):
        session.create_component(source, location=disk)
    assert _components(session) == before


def test_the_standard_structure_needs_a_version(session: Session, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"a")
    component = session.create_component(source, location=None)
    with pytest.raises(StructureError):
        StandardStructure().get_resource_identifier(component)


def test_disk_identifiers_may_not_leave_the_prefix(tmp_path: Path) -> None:
    with pytest.raises(AccessorError):
        DiskAccessor(tmp_path).get_filesystem_path("../escape")


def test_download_checks_the_recorded_size(session: Session, tmp_path: Path) -> None:
    source = tmp_path / "a.bin"
    source.write_bytes(b"12345")
    component = session.create_component(source, location=session.location("ftrack.server"))
    component.size = 99
    session.commit()
    with pytest.raises(AccessorError, match="99"):
        session.location("ftrack.server").download(component, tmp_path / "out.bin")
    assert not (tmp_path / "out.bin").exists()


def test_multipart_uploads(session: Session, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(bytes(range(256)) * 40)
    server = session.location("ftrack.server")
    server.accessor = ServerAccessor(session.transport, multipart_size=4096)
    component = session.create_component(source, location=server)
    assert server.download(component, tmp_path / "big.out").read_bytes() == source.read_bytes()


def test_thumbnails(session: Session, tmp_path: Path) -> None:
    image = tmp_path / "thumb.png"
    image.write_bytes(b"\x89PNG")
    version = _version(session)
    component = session.create_thumbnail(version, image)
    assert version.thumbnail_id == component.id
    url = session.location("ftrack.server").get_thumbnail_url(component, size=10)
    assert component.id in url


def test_encode_media_records_the_job(session: Session, tmp_path: Path) -> None:
    movie = tmp_path / "take.mov"
    movie.write_bytes(b"moov" * 100)
    version = _version(session)
    job = session.encode_media(movie, version_id=version.id)
    assert (job.status, job.type) == ("done", "api_job")
    data = json.loads(job.data or "{}")
    (output,) = data["output"]
    assert output["format"] == "video/quicktime"
    assert data["keep_original"] is False
    encoded = session.get("FileComponent", output["component_id"])
    assert encoded is not None
    assert (encoded.name, encoded.version_id) == ("ftrackreview-mp4", version.id)
    server = session.location("ftrack.server")
    assert server.download(encoded, tmp_path / "out.mov").read_bytes() == movie.read_bytes()
    source = data["source_component_id"]
    assert session.query(f'select id from Component where id is "{source}"').all() == []
    kept = session.create_component(movie, {"name": "main"}, server, version=version)
    again = session.encode_media(kept)
    assert json.loads(again.data or "{}")["keep_original"] is True
    assert session.get("FileComponent", kept.id) is not None


def test_encode_media_refuses_other_entities(session: Session) -> None:
    with pytest.raises(InvalidValueError):
        session.encode_media(_version(session))


def test_in_process_uploads_take_the_http_path(tmp_path: Path) -> None:
    """The in-process transport asks ``get_upload_metadata`` and ``PUT``s to the URL it
    answered, as over HTTP (no shortcut into the server's store)."""
    from ftorm.protocol.operations import UploadMetadataOp
    from ftorm.transport.inprocess import InProcessTransport

    asked: list[str] = []
    puts: list[str] = []

    class Recording(InProcessTransport):
        def call(self, operations: Any) -> list[Any]:
            asked.extend(op.action for op in operations if isinstance(op, UploadMetadataOp))
            return super().call(operations)

        def put_file(self, url: str, stream: Any, headers: Any) -> None:
            puts.append(url)
            super().put_file(url, stream, headers)

    with Session.local() as local:
        server = local.local_server
        assert server is not None
        session = Session(transport=Recording(server))
        source = tmp_path / "a.bin"
        source.write_bytes(b"bytes")
        component = session.create_component(source, location=session.location("ftrack.server"))
        assert asked == ["get_upload_metadata"]
        assert len(puts) == 1
        assert "/upload/" in puts[0]
        assert server.files.path(str(component.id)).read_bytes() == b"bytes"
