"""The loop of ``docs/how-to/test-with-real-data.md``: clone a show, anonymized, dump it,
load the fixture into a fresh workspace, for both kinds of source: another ``ftorm serve``
(whose built-in rows and API user have the ids of every fresh workspace) and a server of
its own (an API user of another name, a studio that kept one priority, as a real ftrack
server). The workspace loaded holds exactly the fixture (issue 18, B1 and B2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.project_data import populate
from ftorm.cli import main
from ftorm.clone import clone
from ftorm.models import Scope, User
from ftorm.schema.workspace import DEFAULT_PRIORITY
from ftorm.server.fixtures import dump, render
from ftorm.server.handlers import Server
from ftorm.testing import local_session
from ftorm.transport.inprocess import InProcessTransport

QUERIES = ("Shot", "AssetVersion")
"""What the partial fixture holds (with what it references)."""


def _only_default_priority(server: Server) -> None:
    others = server.query(f'select id from Priority where name != "{DEFAULT_PRIORITY}"')
    batch = [
        {"action": "delete", "entity_type": "Priority", "entity_key": [p["id"]]}
        for p in others["data"]
    ]
    assert isinstance(server.handle(batch), list)


@pytest.fixture(scope="module", params=["ftorm serve", "own ids"])
def fixtures(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """(whole fixture, partial fixture) of an anonymized clone of the source."""
    folder = tmp_path_factory.mktemp("loop")
    if request.param == "ftorm serve":
        source = Server(api_user="ftorm", api_key="k")
    else:
        source = Server(api_user="jane.doe", api_key="k")
        _only_default_priority(source)
    try:
        populate(source, entities=300)
        database = str(folder / "anon.db")
        clone(InProcessTransport(source).call, database, ["show"], anonymize=True)
    finally:
        source.close()
    copy = Server(database=database, read_only=True)
    try:
        whole, partial = folder / "whole.json", folder / "partial.json"
        whole.write_text(render(dump(copy.layout, copy.connection)), encoding="utf-8")
        partial.write_text(render(dump(copy.layout, copy.connection, QUERIES)), encoding="utf-8")
    finally:
        copy.close()
    return whole, partial


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "partial"])
def test_the_cli_loads_the_fixture_exactly(
    fixtures: tuple[Path, Path], which: int, tmp_path: Path
) -> None:
    fixture = fixtures[which]
    database, again = str(tmp_path / "new.db"), tmp_path / "again.json"
    selection = [] if which == 0 else [arg for q in QUERIES for arg in ("--query", q)]
    assert main(["load", str(fixture), "--db", database]) == 0
    assert main(["dump", "--db", database, *selection, "-o", str(again)]) == 0
    assert again.read_bytes() == fixture.read_bytes()
    assert main(["load", "--replace", str(fixture), "--db", database]) == 0
    opened = Server(database=database)  # as `ftorm serve --db` opens it: nothing added
    opened.close()
    assert main(["dump", "--db", database, *selection, "-o", str(again)]) == 0
    assert again.read_bytes() == fixture.read_bytes()  # one user: the fixture's


def test_a_session_on_the_fixture_holds_it_exactly_and_writes(fixtures: tuple[Path, Path]) -> None:
    whole, _ = fixtures
    with local_session(fixtures=[whole]) as session:
        server = session.local_server
        assert server is not None
        assert render(dump(server.layout, server.connection)) == whole.read_text(encoding="utf-8")
        users = {u.username for u in session.query(User)}
        assert all(name.startswith("user-") for name in users)  # anonymized, none added
        session.create(Scope, name="mine")
        session.commit()  # the first write adds the API user
        after = {u.username for u in session.query(User)}
        assert after == users | {"ftorm"}
