"""ftrack's rules that the official client relies on, against ``ftorm serve``.

- ``AssetVersion.link`` is the version's context chain (the asset is not an element), so
  ftrack_api's standard structure builds ``project/contexts.../asset/v001/file.ext``;
- deleting an ``Asset`` deletes its versions (the client's own teardowns do that);
- a value stored as the bare ``CustomAttributeValue`` is what the entity's
  ``custom_attributes`` reads.

Run by ``tests/compat/run.sh``; skipped where the client is not installed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.skip_policy import import_official_client

ftrack_api = import_official_client()  # the one allowed skip where the client is missing

import test_official_custom_attributes as shared  # noqa: E402
from test_official_client import new_session, unique  # noqa: E402  (siblings, after the skip)

url = shared.url  # the fixtures: ``ftorm serve`` on each schema, a client session on it
client = shared.client


def _version(client: Any) -> tuple[Any, Any, Any]:
    """(project, task, version) under ``project/sq 01/sh010/compositing``."""
    name = unique("Rules")
    project = client.create("Project", {"name": name, "full_name": name})
    sequence = client.create("Sequence", {"name": "sq 01", "parent": project})
    shot = client.create("Shot", {"name": "sh010", "parent": sequence})
    task = client.create("Task", {"name": "compositing", "parent": shot})
    asset_type = client.query("AssetType").first()
    asset = client.create("Asset", {"name": "Plate", "parent": shot, "type": asset_type})
    version = client.create("AssetVersion", {"asset": asset, "task": task})
    client.commit()
    return project, task, version


def test_version_link_is_the_context_chain(url: str, client: Any) -> None:
    project, _, version = _version(client)
    fresh = new_session(url)
    try:
        link = fresh.query(f'select link from AssetVersion where id is "{version["id"]}"').one()[
            "link"
        ]
    finally:
        fresh.close()
    assert [item["type"] for item in link] == ["Project", "Sequence", "Shot", "AssetVersion"]
    assert [item["name"] for item in link[:-1]] == [project["name"], "sq 01", "sh010"]
    assert link[-1]["id"] == version["id"]


def test_standard_structure_paths_follow_the_link(client: Any, tmp_path: Path) -> None:
    import ftrack_api.structure.standard

    project, _, version = _version(client)
    source = tmp_path / "beauty.exr"
    source.write_bytes(b"pixels")
    component = version.create_component(str(source), data={"name": "beauty"}, location=None)
    client.commit()
    structure = ftrack_api.structure.standard.StandardStructure()
    path = structure.get_resource_identifier(component)
    assert path == f"{project['name'].lower()}/sq_01/sh010/plate/v001/beauty.exr"


def test_deleting_an_asset_deletes_its_versions(url: str, client: Any, tmp_path: Path) -> None:
    _, _, version = _version(client)
    source = tmp_path / "a.txt"
    source.write_bytes(b"x")
    version.create_component(str(source), location=None)
    client.commit()
    asset = version["asset"]
    client.delete(asset)
    client.commit()
    fresh = new_session(url)
    try:
        assert fresh.query(f'AssetVersion where id is "{version["id"]}"').all() == []
        assert fresh.query(f'Component where version_id is "{version["id"]}"').all() == []
    finally:
        fresh.close()


def _number(client: Any, kind: str, **data: Any) -> Any:
    key = unique("n").replace("-", "_")
    number = client.query('CustomAttributeType where name is "number"').one()
    configuration = client.create(
        "CustomAttributeConfiguration",
        {
            "entity_type": kind,
            "type": number,
            "label": key,
            "key": key,
            "default": 0,
            "config": json.dumps({"isdecimal": False}),
            **data,
        },
    )
    client.commit()
    return configuration


def test_a_bare_custom_attribute_value_is_what_the_entity_reads(url: str, client: Any) -> None:
    _, task, version = _version(client)
    task_type = client.query('ObjectType where name is "Task"').one()
    on_task = _number(client, "task", object_type_id=task_type["id"])
    on_version = _number(client, "assetversion")
    for configuration, entity, value in ((on_task, task, 42), (on_version, version, 7)):
        client.create(
            "CustomAttributeValue",
            {"configuration_id": configuration["id"], "entity_id": entity["id"], "value": value},
        )
    client.commit()
    fresh = new_session(url)
    try:
        stored = fresh.query(
            f'CustomAttributeValue where configuration.key is "{on_task["key"]}"'
        ).all()
        assert [item["value"] for item in stored] == [42]
        for kind, entity, configuration, value in (
            ("Task", task, on_task, 42),
            ("AssetVersion", version, on_version, 7),
        ):
            read = fresh.query(
                f'select custom_attributes from {kind} where id is "{entity["id"]}"'
            ).first()
            assert read["custom_attributes"][configuration["key"]] == value
    finally:
        fresh.close()
