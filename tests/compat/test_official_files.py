"""Files published by ftorm read back through the official client byte for byte, and the
other way round, against ``ftorm serve`` (``ftrack.server`` and a disk location with the
standard structure).

Run by ``tests/compat/run.sh`` (ftorm is installed beside the client there); skipped where
the client is not installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.skip_policy import import_official_client

ftrack_api = import_official_client()  # the one allowed skip where the client is missing

import test_official_custom_attributes as shared  # noqa: E402
from test_official_client import API_KEY, API_USER, unique  # noqa: E402

from ftorm.session.accessors import DiskAccessor  # noqa: E402
from ftorm.session.session import Session  # noqa: E402
from ftorm.session.structures import StandardStructure  # noqa: E402

url = shared.url  # the fixtures: ``ftorm serve`` on each schema, a client session on it
client = shared.client


def _frames(folder: Path) -> str:
    folder.mkdir(parents=True)
    for frame in (1, 2, 3):
        (folder / f"f.{frame:04d}.exr").write_bytes(bytes([frame]) * (1000 + frame))
    return f"{folder}/f.%04d.exr [1-3]"


def _ftorm_version(session: Session) -> Any:
    name = unique("Files")
    project = session.create("Project", name=name, full_name=name)
    shot = session.create("Shot", name="sh010", parent=project)
    asset_type = session.query("AssetType").first()
    asset = session.create("Asset", name="plate", parent=shot, type=asset_type)
    version = session.create("AssetVersion", asset=asset)
    session.commit()
    return version


def test_ftorm_publishes_the_client_reads(url: str, client: Any, tmp_path: Path) -> None:
    import ftrack_api.accessor.disk
    import ftrack_api.structure.standard

    session = Session(url, API_USER, API_KEY)
    try:
        version = _ftorm_version(session)
        single = tmp_path / "plate.exr"
        single.write_bytes(b"\x00\x01pixels" * 5000)
        server = session.location("ftrack.server")
        uploaded = session.create_component(single, {"name": "main"}, server, version=version)
        disk = session.location(
            unique("disk"),
            accessor=DiskAccessor(tmp_path / "store"),
            structure=StandardStructure(),
        )
        sequence = session.create_component(
            _frames(tmp_path / "renders"), {"name": "beauty"}, disk, version=version
        )
        disk_name = disk.name
    finally:
        session.close()
    theirs = client.get("FileComponent", uploaded.id)
    server_location = client.query('Location where name is "ftrack.server"').one()
    data = server_location.accessor.open(server_location.get_resource_identifier(theirs), "rb")
    try:
        assert data.read() == single.read_bytes()
    finally:
        data.close()
    location = client.query(f'Location where name is "{disk_name}"').one()
    location.accessor = ftrack_api.accessor.disk.DiskAccessor(prefix=str(tmp_path / "store"))
    location.structure = ftrack_api.structure.standard.StandardStructure()
    their_sequence = client.get("SequenceComponent", sequence.id)
    assert location.get_component_availability(their_sequence) == 100.0
    for member in their_sequence["members"]:
        path = Path(location.get_filesystem_path(member))
        frame = int(member["name"])
        assert path.read_bytes() == bytes([frame]) * (1000 + frame)
        assert location.structure.get_resource_identifier(member) == (
            location.get_resource_identifier(member)
        )


def test_the_client_publishes_ftorm_reads(url: str, client: Any, tmp_path: Path) -> None:
    import ftrack_api.accessor.disk
    import ftrack_api.structure.standard

    name = unique("Files")
    project = client.create("Project", {"name": name, "full_name": name})
    shot = client.create("Shot", {"name": "sh010", "parent": project})
    asset = client.create(
        "Asset", {"name": "plate", "parent": shot, "type": client.query("AssetType").first()}
    )
    version = client.create("AssetVersion", {"asset": asset})
    client.commit()
    single = tmp_path / "plate.exr"
    single.write_bytes(b"client bytes" * 3000)
    server_location = client.query('Location where name is "ftrack.server"').one()
    uploaded = version.create_component(str(single), {"name": "main"}, location=server_location)
    location = client.ensure("Location", {"name": unique("disk")})
    location.accessor = ftrack_api.accessor.disk.DiskAccessor(prefix=str(tmp_path / "store"))
    location.structure = ftrack_api.structure.standard.StandardStructure()
    location.priority = 1
    sequence = version.create_component(
        _frames(tmp_path / "renders"), {"name": "beauty"}, location=location
    )
    client.commit()
    session = Session(url, API_USER, API_KEY)
    try:
        server = session.location("ftrack.server")
        mine = session.get("FileComponent", uploaded["id"])
        assert mine is not None
        out = server.download(mine, tmp_path / "out.exr")
        assert out.read_bytes() == single.read_bytes()
        disk = session.location(
            location["name"],
            accessor=DiskAccessor(tmp_path / "store"),
            structure=StandardStructure(),
        )
        frames = session.get("SequenceComponent", sequence["id"])
        assert frames is not None
        assert disk.get_component_availability(frames) == 100.0
        for member in frames.members:
            assert disk.get_resource_identifier(member) == disk.structure.get_resource_identifier(
                member
            )
            path = Path(disk.get_filesystem_path(member) or "")
            frame = int(member.name)
            assert path.read_bytes() == bytes([frame]) * (1000 + frame)
    finally:
        session.close()


def test_the_clients_encode_media_records_a_job(client: Any, tmp_path: Path) -> None:
    import json

    movie = tmp_path / "take.mov"
    movie.write_bytes(b"moov" * 100)
    job = client.encode_media(str(movie))
    assert job["status"] == "done"
    (output,) = json.loads(job["data"])["output"]
    encoded = client.get("FileComponent", output["component_id"])
    server_location = client.query('Location where name is "ftrack.server"').one()
    data = server_location.accessor.open(server_location.get_resource_identifier(encoded), "rb")
    try:
        assert data.read() == movie.read_bytes()
    finally:
        data.close()
    assert [item["component_id"] for item in job["job_components"]] == [encoded["id"]]
