"""Fixtures for the embedded server's tests: a fresh server per test, helpers to call it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ftorm.server.handlers import Server
from tests.paths import RECORDED_SCHEMA
from tests.server.server_helpers import Call, create, make_call, ref


@pytest.fixture
def server() -> Iterator[Server]:
    """A fresh in-memory server with the standard schema."""
    instance = Server(api_key="test-key")
    yield instance
    instance.close()


@pytest.fixture
def filed(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """A fresh server with the standard schema on a database file: (server, path)."""
    path = tmp_path / "server.db"
    instance = Server(database=str(path), api_key="k")
    yield instance, path
    instance.close()


@pytest.fixture
def recorded_server() -> Iterator[Server]:
    """A fresh server with the recorded 116-type schema."""
    from ftorm.schema.load import load_schema_file

    instance = Server(load_schema_file(RECORDED_SCHEMA), api_key="test-key")
    yield instance
    instance.close()


@pytest.fixture(params=["standard", "recorded"])
def either(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A fresh server with the standard schema, then with the recorded one."""
    if request.param == "standard":
        instance = Server(api_key="test-key")
        yield instance
        instance.close()
    else:
        yield request.getfixturevalue("recorded_server")


@pytest.fixture
def call(server: Server) -> Call:
    return make_call(server)


@pytest.fixture
def tree(call: Call) -> dict[str, Any]:
    """A small project tree: one project, two sequences, three shots, tasks under a shot."""
    project = create(call, "Project", name="alpha", full_name="Alpha")
    sq01 = create(call, "Sequence", name="sq01", parent=ref(project))
    sq02 = create(call, "Sequence", name="sq02", parent=ref(project))
    sh010 = create(call, "Shot", name="sh010", parent=ref(sq01))
    sh020 = create(call, "Shot", name="sh020", parent=ref(sq01))
    sh030 = create(call, "Shot", name="SH030", parent=ref(sq02))
    comp = create(call, "Task", name="compositing", parent=ref(sh010))
    anim = create(call, "Task", name="animation", parent=ref(sh010))
    return {
        "project": project,
        "sq01": sq01,
        "sq02": sq02,
        "sh010": sh010,
        "sh020": sh020,
        "sh030": sh030,
        "comp": comp,
        "anim": anim,
    }
