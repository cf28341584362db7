"""Data fixtures: ``ftorm dump`` / ``ftorm load``, `ftorm.testing.local_session(fixtures=...)`
and the ``ftorm_fixtures`` marker; load(dump(x)) == x for generated workspaces."""

from __future__ import annotations

import json
import sqlite3
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftorm.cli import main
from ftorm.errors import FixtureError
from ftorm.models import Project, Sequence, Shot
from ftorm.schema.standard import standard_schema
from ftorm.server.bulk import RowWriter, create_workspace, stored_rows
from ftorm.server.fixtures import dump, load, render
from ftorm.server.storage import Layout
from ftorm.session import Session
from ftorm.testing import load_fixtures, local_session
from tests.profiles import scaled

HERE = Path(__file__).parent
LAYOUT = Layout(standard_schema())
LINK_TABLE = sorted(LAYOUT.link_tables)[0]
"""A hidden link table of the standard schema (pairs without an entity of their own)."""


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    found = {root: sorted(stored_rows(LAYOUT, conn, root), key=repr) for root in LAYOUT.tables}
    for table, (owner, member) in LAYOUT.link_tables.items():
        pairs = conn.execute(f'SELECT "{owner}", "{member}" FROM "{table}" ORDER BY 1, 2')
        found[table] = [("", {"pair": list(p)}) for p in pairs]
    return found


ids = st.uuids().map(str)
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
datetimes = st.datetimes().map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%S") + (".5" if d.second % 2 else "")
)
projects = st.fixed_dictionaries(
    {"id": ids, "name": texts, "full_name": texts, "is_private": st.booleans(),
     "start_date": datetimes, "color": st.none() | texts},
)  # fmt: skip
shots = st.fixed_dictionaries(
    {"id": ids, "name": texts, "bid": st.floats(allow_nan=False, allow_infinity=False),
     "description": st.none() | texts},
)  # fmt: skip
metadata = st.fixed_dictionaries({"key": st.text(string.ascii_letters, min_size=1), "value": texts})


@settings(max_examples=scaled(30), deadline=None)
@given(
    st.lists(projects, max_size=3, unique_by=lambda p: p["id"]),
    st.lists(shots, max_size=5, unique_by=lambda s: s["id"]),
    st.lists(metadata, max_size=3, unique_by=lambda m: m["key"]),
    st.lists(st.tuples(ids, ids), max_size=3, unique=True),
)
def test_load_of_dump_is_the_workspace(
    project_rows: list[dict[str, Any]],
    shot_rows: list[dict[str, Any]],
    meta_rows: list[dict[str, Any]],
    pairs: list[tuple[str, str]],
) -> None:
    source = create_workspace(":memory:", LAYOUT.schema)
    with RowWriter(LAYOUT, source) as writer:
        for row in project_rows:
            writer.put("Project", {**row, "is_private": int(row["is_private"])})
            for meta in meta_rows:
                writer.put("Metadata", {**meta, "parent_id": row["id"], "parent_type": "Project"})
        for row in shot_rows:
            parent = project_rows[0]["id"] if project_rows else None
            writer.put("Shot", {**row, "parent_id": parent, "project_id": parent})
        writer.link(LINK_TABLE, pairs)
    fixture = dump(LAYOUT, source)
    assert json.loads(render(fixture)) == fixture
    copy = create_workspace(":memory:", LAYOUT.schema)
    load(LAYOUT, copy, json.loads(render(fixture)))
    assert _tables(copy) == _tables(source)
    assert render(dump(LAYOUT, copy)) == render(fixture)


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
