"""The official ftrack client (ftrack-python-api) builds its classes from the standard schema.

Runs only where ``ftrack_api`` is installed (it pins ``arrow<1``, so usually in its own
environment); the session's requests are answered in-process, nothing is sent anywhere.
"""

from __future__ import annotations

from typing import Any

import pytest

from ftorm.schema.standard import standard_documents, standard_schema
from tests.skip_policy import import_official_client

ftrack_api = import_official_client()


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Any:
    documents = standard_documents()
    schema_hash = standard_schema().hash

    def call(self: Any, data: list[dict[str, Any]]) -> list[Any]:
        answers: list[Any] = []
        for operation in data:
            action = operation["action"]
            if action == "query_server_information":
                answers.append({"version": "4.13.8", "schema_hash": schema_hash})
            elif action == "query_schemas":
                answers.append(documents)
            elif action == "query":
                answers.append({"action": "query", "data": [], "metadata": {"next": {}}})
            else:
                msg = f"unexpected action {action}"
                raise AssertionError(msg)
        return answers

    monkeypatch.setattr(ftrack_api.session.Session, "call", call)
    session = ftrack_api.Session(
        server_url="http://127.0.0.1:9",
        api_user="jane",
        api_key="key",
        auto_connect_event_hub=False,
        schema_cache_path=False,
        plugin_paths=[],
    )
    yield session
    session.close()


def test_classes_and_mixins(session: Any) -> None:
    assert set(session.types) == set(standard_schema().types)
    mro = {name: [c.__name__ for c in cls.__mro__] for name, cls in session.types.items()}
    assert "CreateNoteMixin" in mro["Shot"]
    assert "CreateThumbnailMixin" in mro["Shot"]
    assert "Component" in mro["FileComponent"][1:]
    for special in ("AssetVersion", "Location", "Note", "ProjectSchema", "User"):
        assert mro[special][1] == special  # the client's own class for that type


def test_create_with_defaults(session: Any) -> None:
    project = session.create("Project", {"name": "p", "full_name": "P"})
    shot = session.create("Shot", {"name": "sh010", "parent": project})
    assert shot["object_type_id"] == "bad911de-3bd6-47b9-8b46-3476e237cb36"
    assert shot["priority_id"] == "9661b320-3a0c-11e2-81c1-0800200c9a66"
    shot["metadata"]["colour"] = "red"
    assert dict(shot["metadata"]) == {"colour": "red"}
    asset = session.create("Asset", {"name": "plate", "parent": shot})
    version = session.create("AssetVersion", {"asset": asset})
    assert version["is_published"] is True
    assert version["comment"] == ""
