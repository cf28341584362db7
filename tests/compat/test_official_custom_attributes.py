"""Custom attributes through the official ftrack client against ``ftorm serve``.

Run by ``tests/compat/run.sh`` beside ``test_official_client.py`` (whose client session it
reuses), on the standard schema and on the recorded one. Skipped where the client is not
installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.skip_policy import import_official_client

ftrack_api = import_official_client()

from compat_serve import SCHEMAS, served_schema  # noqa: E402  (siblings, after the skip)
from test_official_client import API_KEY, API_USER, new_session, unique  # noqa: E402


@pytest.fixture(scope="module", params=SCHEMAS)
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    """``ftorm serve`` on the standard and on the recorded schema."""
    yield from served_schema(request.param, API_USER, API_KEY)


@pytest.fixture
def client(url: str) -> Iterator[Any]:
    instance = new_session(url)
    yield instance
    instance.close()


def _configure(session: Any, kind: str, default: Any, **data: Any) -> str:
    """A new number configuration for ``kind`` (``task`` needs ``object_type_id``); its key."""
    key = unique("ca").replace("-", "_")
    number = session.query('CustomAttributeType where name is "number"').one()
    session.create(
        "CustomAttributeConfiguration",
        {
            "entity_type": kind,
            "type": number,
            "label": key,
            "key": key,
            "default": default,
            "config": json.dumps({"isdecimal": False}),
            **data,
        },
    )
    session.commit()
    return key


def _tree(session: Any) -> tuple[Any, Any, Any]:
    name = unique("ca")
    project = session.create("Project", {"name": name, "full_name": name})
    sequence = session.create("Sequence", {"name": "sq", "parent": project})
    shot = session.create("Shot", {"name": "sh", "parent": sequence})
    session.commit()
    return project, sequence, shot


def test_shot_attribute_reads_its_default_then_writes(url: str, client: Any) -> None:
    shot_type = client.query('ObjectType where name is "Shot"').one()
    key = _configure(client, "task", 1001, object_type_id=shot_type["id"])
    _, sequence, shot = _tree(client)
    assert client.query(f'Shot where id is "{shot["id"]}"').one()["custom_attributes"][key] == 1001
    served = client.query(f'Sequence where id is "{sequence["id"]}"').one()["custom_attributes"]
    assert key not in list(served.keys())

    shot["custom_attributes"][key] = 1010
    client.commit()

    fresh = new_session(url)
    try:
        again = fresh.query(f'Shot where id is "{shot["id"]}"').one()
        assert again["custom_attributes"][key] == 1010
        found = fresh.query(
            f'select name from Shot where custom_attributes any (key is "{key}" and value >= 1005)'
        ).all()
        assert [s["id"] for s in found] == [shot["id"]]
    finally:
        fresh.close()


@pytest.mark.parametrize("where", ["sequence", "project"])
def test_hierarchical_attribute_on_sequence_and_project(url: str, client: Any, where: str) -> None:
    key = _configure(client, "show", 24, is_hierarchical=True)
    project, sequence, shot = _tree(client)
    target = project if where == "project" else sequence
    assert (
        client.query(f'Context where id is "{target["id"]}"').one()["custom_attributes"][key] == 24
    )

    target["custom_attributes"][key] = 25
    client.commit()

    fresh = new_session(url)
    try:
        again = fresh.query(f'Context where id is "{target["id"]}"').one()
        assert again["custom_attributes"][key] == 25
        # not inherited: the shot keeps the default
        assert fresh.query(f'Shot where id is "{shot["id"]}"').one()["custom_attributes"][key] == 24
    finally:
        fresh.close()


def test_wrong_value_type_is_refused(client: Any) -> None:
    key = _configure(client, "show", 1)
    project, _, _ = _tree(client)
    project["custom_attributes"][key] = "not a number"
    with pytest.raises(ftrack_api.exception.ServerError):
        client.commit()
