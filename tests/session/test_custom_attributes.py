"""Custom attributes through the session: ``shot.custom``, ``shot["custom_attributes"]``, the
query column, and writes in the commit batch (embedded server, in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import arrow
import pytest

import ftorm
from ftorm.errors import (
    InvalidValueError,
    QueryCompileError,
    ServerError,
    UnknownAttributeError,
)
from ftorm.model import CustomAttr, CustomAttributes, custom_attr, custom_namespace
from ftorm.models import (
    AssetVersion,
    CustomAttributeConfiguration,
    CustomAttributeType,
    ObjectType,
    Project,
    Sequence,
    Shot,
)
from ftorm.session.custom import read_configurations


def _configure(session: ftorm.Session) -> None:
    types = {t.name: t for t in session.query(CustomAttributeType).all()}
    shot = session.query(ObjectType).where(name="Shot").one()

    def configuration(key: str, kind: str, entity_type: str, **values: Any) -> None:
        session.create(
            CustomAttributeConfiguration,
            key=key,
            label=key.title(),
            type=types[kind],
            entity_type=entity_type,
            **values,
        )

    configuration("fstart", "number", "task", object_type=shot, default=1001, config="{}")
    configuration("notes", "text", "task", object_type=shot, default="", config="{}")
    configuration("vendors", "enumerator", "task", object_type=shot, config='{"multiSelect": true}')
    configuration("delivery", "date", "show", is_hierarchical=True, config="{}")
    configuration("fps", "number", "assetversion", default=24, config='{"isdecimal": true}')
    session.commit()


@pytest.fixture
def session() -> Iterator[ftorm.Session]:
    with ftorm.Session.local() as session:
        _configure(session)
        yield session


def _shot(session: ftorm.Session, name: str = "sh010") -> Shot:
    project = session.create(Project, name="show", full_name="Show")
    sequence = session.create(Sequence, name="sq01", parent=project)
    return session.create(Shot, name=name, parent=sequence)


def _fresh(session: ftorm.Session) -> ftorm.Session:
    return ftorm.Session(transport=session.transport)


def test_new_entity_reads_defaults_and_writes_in_the_commit_batch(session: ftorm.Session) -> None:
    shot = _shot(session)
    assert shot.custom["fstart"] == 1001
    assert shot["custom_attributes"]["notes"] in ("", None)
    shot.custom["fstart"] = 1010
    shot["custom_attributes"]["vendors"] = ["acme"]
    before = session.stats.requests
    session.commit()
    assert session.stats.requests == before + 1

    other = _fresh(session)
    again = other.query(Shot).where(name="sh010").one()
    assert again.custom["fstart"] == 1010
    values = again["custom_attributes"]
    assert values["fstart"] == 1010
    assert values["vendors"] == ["acme"]
    assert values["notes"] in ("", None)  # never set: the configured default
    assert set(values) >= {"fstart", "notes", "vendors", "delivery"}
    assert "fps" not in values  # an asset version attribute


def test_the_mapping_and_the_namespace_are_the_same_data(session: ftorm.Session) -> None:
    shot = _shot(session)
    session.commit()
    loaded = _fresh(session).query(Shot).where(name="sh010").one()
    loaded["custom_attributes"]["fstart"] = 1100
    assert loaded.custom["fstart"] == 1100
    loaded.custom.fstart = 1200  # open namespace: attribute access works at run time
    assert loaded["custom_attributes"]["fstart"] == 1200
    with pytest.raises(InvalidValueError, match="set it to None"):
        del loaded["custom_attributes"]["fstart"]
    del shot


def test_filter_on_a_custom_attribute(session: ftorm.Session) -> None:
    for number, start in enumerate((990, 1001, 1050)):
        shot = _shot(session, f"sh{number}")
        shot.custom["fstart"] = start
    session.commit()
    query = Shot.where(Shot.custom.fstart >= 1001)
    assert str(query) == 'Shot where custom_attributes any (key is "fstart" and value >= 1001)'
    found = _fresh(session).query(query).all()
    assert sorted(s.name for s in found) == ["sh1", "sh2"]


def test_rollback_restores_and_a_failed_commit_keeps_the_change(session: ftorm.Session) -> None:
    shot = _shot(session)
    shot.custom["fstart"] = 1010
    session.commit()
    loaded = _fresh(session)
    again = loaded.query(Shot).where(name="sh010").one()
    again.custom["fstart"] = 2000
    loaded.rollback()
    assert again.custom["fstart"] == 1010

    again.custom["fstart"] = 3000
    broken = loaded.create(Sequence, name="orphan")  # no parent: the server refuses
    with pytest.raises(ServerError):
        loaded.commit()
    assert again.custom["fstart"] == 3000  # still pending
    loaded.delete(broken)
    loaded.commit()
    assert _fresh(session).query(Shot).where(name="sh010").one().custom["fstart"] == 3000


def test_values_are_checked_against_the_configuration(session: ftorm.Session) -> None:
    shot = _shot(session)
    with pytest.raises(InvalidValueError, match=r"Shot\.custom\.fstart expects a number"):
        shot.custom["fstart"] = "1001"
    with pytest.raises(InvalidValueError, match="a list of values"):
        shot.custom["vendors"] = "acme"
    with pytest.raises(UnknownAttributeError, match="did you mean 'fstart'"):
        shot.custom["fstrat"] = 1  # a new shot: the session's configurations name the keys
    with pytest.raises(KeyError):
        shot["custom_attributes"]["fstrat"] = 1
    shot.custom["delivery"] = arrow.get("2027-01-02")
    session.commit()
    again = _fresh(session).query(Shot).where(name="sh010").one()
    assert arrow.get(again.custom["delivery"]).date().isoformat() == "2027-01-02"


def test_asset_versions_and_decimals(session: ftorm.Session) -> None:
    shot = _shot(session)
    session.commit()
    configurations = {c.key: c for c in read_configurations(session.call)}
    assert configurations["fps"].decimal
    assert json.loads(json.dumps(configurations["fstart"].record()))["type"] == "number"
    del shot


class ShotCustom(CustomAttributes, closed=True):
    fstart: CustomAttr[int | None] = custom_attr("fstart", "number", default=1001)
    notes: CustomAttr[str | None] = custom_attr("notes", "text")


def test_a_closed_namespace_refuses_unknown_keys_when_a_query_is_built() -> None:
    class Thing(Shot, entity="ThingForCustomTests", registry=ftorm.model.Registry("custom")):
        custom = custom_namespace(ShotCustom)

    with pytest.raises(UnknownAttributeError, match="did you mean 'fstart'"):
        _ = Thing.custom.fstrat
    with pytest.raises(QueryCompileError, match="cannot sort"):
        Thing.custom.fstart.desc()
    with pytest.raises(QueryCompileError, match="cannot sort"):
        Thing.where().order_by(Thing.custom.fstart)
    assert "value like" in str(Thing.where(Thing.custom.notes.like("a%")))
    with pytest.raises(InvalidValueError, match="expects a number"):
        Thing.where(Thing.custom.fstart >= "x")  # type: ignore[operator]


def test_every_family_has_the_column() -> None:
    version = AssetVersion.where(AssetVersion.custom.fps > 1)
    assert "custom_attributes any" in str(version)
