"""Data fixtures: ``ftorm dump`` / ``ftorm load``, `ftorm.testing.local_session(fixtures=...)`
and the ``ftorm_fixtures`` marker; load(dump(x)) == x for generated workspaces."""

from __future__ import annotations

import datetime as dt
import json
import string
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftorm.cli import main
from ftorm.errors import FixtureError
from ftorm.models import Priority, Project, Scope, Sequence, Shot, Status, User
from ftorm.schema.workspace import DEFAULT_PRIORITY, PRIORITIES, STATUSES, seed_id
from ftorm.server.fixtures import dump, render
from ftorm.server.handlers import Server
from ftorm.session import Session
from ftorm.testing import load_fixtures, local_session
from tests.profiles import scaled

HERE = Path(__file__).parent
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
datetimes = st.datetimes(timezones=st.just(dt.timezone.utc)).map(
    lambda d: d.isoformat().replace("+00:00", "Z")
)
shots = st.fixed_dictionaries(
    {"name": texts},
    optional={"bid": st.floats(allow_nan=False, allow_infinity=False),
              "description": texts, "start_date": datetimes},
)  # fmt: skip
metadata = st.fixed_dictionaries({"key": st.text(string.ascii_letters, min_size=1), "value": texts})


@st.composite
def workspaces(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The batch that makes a workspace through the server's own writes: projects with
    sequences, shots, metadata and scopes, and built-in rows deleted or changed (a studio
    with one priority, a renamed status)."""
    batch: list[dict[str, Any]] = []
    salt = draw(st.integers(1, 2**100))

    def create(entity_type: str, **data: Any) -> dict[str, str]:
        ident = str(uuid.UUID(int=salt + len(batch)))
        data.setdefault("id", ident)
        batch.append({"action": "create", "entity_type": entity_type, "entity_data": data})
        return {"__entity_type__": entity_type, "id": ident}

    scope = create("Scope", name=draw(texts)) if draw(st.booleans()) else None
    for _ in range(draw(st.integers(0, 2))):
        project = create("Project", name=draw(texts), full_name=draw(texts))
        for meta in draw(st.lists(metadata, max_size=2, unique_by=lambda m: m["key"])):
            batch.append({"action": "create", "entity_type": "Metadata", "entity_data": {
                "parent_id": project["id"], "parent_type": "Project", **meta}})  # fmt: skip
        for _ in range(draw(st.integers(0, 2))):
            sequence = create("Sequence", name=draw(texts), parent=project)
            for shot in draw(st.lists(shots, max_size=3)):
                made = create("Shot", parent=sequence, **shot)
                if scope is not None and draw(st.booleans()):
                    data = {"scopes": [scope]}
                    batch.append({"action": "update", "entity_type": "Shot",
                                  "entity_key": [made["id"]], "entity_data": data})  # fmt: skip
    for priority in draw(st.sets(st.sampled_from(UNUSED_PRIORITY_IDS))):
        batch.append({"action": "delete", "entity_type": "Priority", "entity_key": [priority]})
    if draw(st.booleans()):
        status = STATUS_IDS[0]
        batch.append({"action": "update", "entity_type": "Status", "entity_key": [status],
                      "entity_data": {"name": draw(texts)}})  # fmt: skip
    return batch


UNUSED_PRIORITY_IDS = [
    priority.fixed_id or seed_id("Priority", priority.name)
    for priority in PRIORITIES
    if priority.name != DEFAULT_PRIORITY
]
"""The built-in priorities no new context gets."""
STATUS_IDS = [seed_id("Status", status.name) for status in STATUSES]


@settings(max_examples=scaled(25), deadline=None)
@given(workspaces())
def test_load_of_dump_into_a_fresh_workspace_is_exact(batch: list[dict[str, Any]]) -> None:
    """A fresh workspace loaded with a workspace's dump holds exactly its rows (no seeded
    row more, none less): dumping it gives the same bytes (issue 18, B2)."""
    source = Server()
    try:
        answer = source.handle(batch)
        assert isinstance(answer, list), answer
        text = render(dump(source.layout, source.connection))
        assert json.loads(text) == dump(source.layout, source.connection)
    finally:
        source.close()
    copy = Server()  # fresh: seeded, nothing written
    try:
        copy.load_fixture(json.loads(text))
        assert render(dump(copy.layout, copy.connection)) == text
    finally:
        copy.close()


def test_a_fresh_workspace_loaded_holds_the_fixture_and_nothing_else() -> None:
    """A studio with one priority stays a studio with one priority; the fixture's own
    rows only (no seeded status, type or user beside them)."""
    fixture = {"ftorm_fixture": 1, "links": [], "entities": [
        {"__entity_type__": "Priority", "id": "p1", "name": "Only", "value": 1, "sort": 1},
        {"__entity_type__": "Project", "id": "pr", "name": "demo", "full_name": "Demo"},
    ]}  # fmt: skip
    with local_session(fixtures=[fixture]) as session:
        server = session.local_server
        assert server is not None
        assert [p.name for p in session.query(Priority)] == ["Only"]
        assert session.query(Status).all() == []
        loaded = dump(server.layout, server.connection)
        assert [e["id"] for e in loaded["entities"]] == ["p1", "pr"]
        session.create(Scope, name="s")
        session.commit()  # the first write adds the API user
        assert [u.username for u in session.query(User)] == ["ftorm"]


def _sample(session: Session) -> None:
    project = session.create(Project, name="p", full_name="P")
    sequence = session.create(Sequence, name="sq01", parent=project)
    session.create(Shot, name="sh010", parent=sequence)
    session.create(Shot, name="sh020", parent=sequence)
    session.commit()


def test_loading_twice_is_an_error_unless_replacing() -> None:
    with local_session() as source:
        _sample(source)
        server = source.local_server
        assert server is not None
        fixture = dump(server.layout, server.connection, ['Shot where name is "sh010"'])
    session = local_session(fixtures=[fixture])
    with session:
        assert [s.name for s in session.query(Shot)] == ["sh010"]
        assert session.query(Shot).one().parent.name == "sq01"  # what it references came too
        with pytest.raises(FixtureError, match="loaded in this workspace already"):
            load_fixtures(session, [fixture])
        assert load_fixtures(session, [fixture], replace=True) == 0  # the same rows: kept


def test_a_clashing_row_is_an_error() -> None:
    with local_session() as source:
        _sample(source)
        server = source.local_server
        assert server is not None
        fixture = dump(server.layout, server.connection, ["Project"])
    changed = json.loads(json.dumps(fixture))
    for entity in changed["entities"]:
        if entity["__entity_type__"] == "Project":
            entity["full_name"] = "Other"
    with (
        local_session(fixtures=[fixture]) as session,
        pytest.raises(FixtureError, match="other values"),
    ):
        load_fixtures(session, [changed])


def test_a_schema_mismatch_names_the_first_type_and_attribute() -> None:
    entity = {"__entity_type__": "Shot", "id": "x", "nmae": "sh010"}
    fixture = {"ftorm_fixture": 1, "entities": [entity], "links": []}
    with pytest.raises(FixtureError, match=r"does not store Shot\.nmae"):
        local_session(fixtures=[fixture])
    fixture["entities"] = [{"__entity_type__": "Shto", "id": "x"}]
    with pytest.raises(FixtureError, match="no type 'Shto'"):
        local_session(fixtures=[fixture])
    with pytest.raises(FixtureError, match="not an ftorm data fixture"):
        local_session(fixtures=[{"entities": []}])


def test_dump_and_load_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "source.db")
    with Session.local(db) as session:
        _sample(session)
    out = tmp_path / "shots.json"
    assert main(["dump", "--db", db, "--query", "Shot", "-o", str(out)]) == 0
    text = out.read_text("utf-8")
    assert text.endswith("\n")
    assert json.loads(text)["complete"] is False
    assert main(["dump", "--db", db, "--query", "Shot", "-o", str(tmp_path / "again.json")]) == 0
    assert (tmp_path / "again.json").read_text("utf-8") == text  # stable
    target = str(tmp_path / "target.db")
    assert main(["load", str(out), "--db", target]) == 0
    assert main(["load", str(out), "--db", target]) == 2
    assert "already" in capsys.readouterr().err
    assert main(["load", str(out), "--db", target, "--replace"]) == 0
    with Session.local(target, read_only=True) as session:
        assert sorted(s.name for s in session.query(Shot)) == ["sh010", "sh020"]
    assert main(["dump", "--db", str(tmp_path / "missing.db")]) == 2
    assert main(["load", str(tmp_path / "missing.json"), "--db", target]) == 2


@pytest.mark.ftorm_fixtures("data/shots.json")
def test_the_marker_loads_fixtures_into_ftorm_session(ftorm_session: Session) -> None:
    assert sorted(s.name for s in ftorm_session.query(Shot)) == ["sh010", "sh020"]
