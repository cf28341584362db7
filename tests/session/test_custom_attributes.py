"""Custom attributes through the session: ``shot.custom``, ``shot["custom_attributes"]``, the
query column, and writes in the commit batch (embedded server, in-process)."""

from __future__ import annotations

import datetime
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import arrow
import pytest

import ftorm
from ftorm.errors import (
    InvalidValueError,
    NotLoadedError,
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
from ftorm.schema.codegen import generate_module
from ftorm.session.custom.configurations import read_configurations


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


def test_an_unknown_key_in_a_query_is_refused_when_it_runs(session: ftorm.Session) -> None:
    _shot(session)
    session.commit()
    query = Shot.where(Shot.custom.column("fstrat") >= 1001)  # open namespace: builds
    fresh = _fresh(session)
    for run in (
        lambda: fresh.query(query).all(),
        lambda: fresh.query(query).first(),
        lambda: fresh.query(query).count(),
        lambda: fresh.query(Shot.where(~(Shot.custom.fstrat == 1) | (Shot.name == "a"))).all(),
        lambda: fresh.query(Sequence.where(Sequence.id.in_(query.select(Shot.parent_id)))).all(),
        lambda: fresh.query('Shot where custom_attributes any (key is "fstrat")').all(),
    ):
        with pytest.raises(
            UnknownAttributeError,
            match=r"Shot.custom has no attribute 'fstrat'; "
            r"did you mean 'fstart'\?",
        ) as caught:
            run()
        assert caught.value.candidates[0] == "fstart"
    with pytest.raises(UnknownAttributeError) as far:
        fresh.query(Shot.where(Shot.custom.column("zzzzzz") == 1)).all()
    assert far.value.candidates == ()
    # Known keys run: on the type, on a type deriving from the one queried, hierarchical ones.
    assert fresh.query(Shot.where(Shot.custom.fstart >= 1001)).count() == 1
    unset = fresh.query(Shot.where(Shot.custom.delivery == None)).all()  # noqa: E711
    assert [s.name for s in unset] == ["sh010"]  # hierarchical, unset: its default
    typed = fresh.query('TypedContext where custom_attributes any (key is "fstart")').all()
    assert [t.name for t in typed] == ["sh010"]
    # A configuration another client adds is seen: the configurations are read again once.
    other = _fresh(session)
    types = {t.name: t for t in other.query(CustomAttributeType).all()}
    other.create(
        CustomAttributeConfiguration,
        key="fstrat",
        label="Fstrat",
        type=types["number"],
        entity_type="task",
        object_type=other.query(ObjectType).where(name="Shot").one(),
        config="{}",
    )
    other.commit()
    assert fresh.query(query).all() == []


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


def _studio_module(session: ftorm.Session, folder: Path) -> ModuleType:
    """A model module generated from the session's server, configurations included."""
    source = generate_module(
        session.schema, version="0", custom_attributes=read_configurations(session.call)
    )
    path = folder / "studio_models_for_custom_tests.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def test_generated_models_with_renamed_keys_and_hierarchical_ones(
    session: ftorm.Session, tmp_path: Path
) -> None:
    types = {t.name: t for t in session.query(CustomAttributeType).all()}
    shot_type = session.query(ObjectType).where(name="Shot").one()
    for key, kind, entity_type, extra in (
        ("class", "text", "task", {"object_type": shot_type}),
        ("2d-look", "boolean", "show", {}),
    ):
        session.create(
            CustomAttributeConfiguration,
            key=key,
            label=key,
            type=types[kind],
            entity_type=entity_type,
            config="{}",
            **extra,
        )
    session.commit()
    studio: Any = _studio_module(session, tmp_path)
    try:
        own = ftorm.Session(transport=session.transport, models=studio)  # shared transport
        project = own.create(studio.Project, name="gen", full_name="Generated")
        sequence = own.create(studio.Sequence, name="sq01", parent=project)
        shot = own.create(studio.Shot, name="sh010", parent=sequence)
        shot.custom.class_ = "hero"  # the key is "class"
        shot.custom.fstart = 1100
        project.custom.attr_2d_look = True  # the key is "2d-look"
        sequence.custom.delivery = arrow.get("2027-05-06")  # hierarchical
        dropped = own.create(studio.Shot, name="sh020", parent=sequence)
        dropped.custom.fstart = 7
        own.delete(dropped)  # a new shot and its new value go together
        own.commit()
        fresh = ftorm.Session(transport=session.transport, models=studio)
        again = fresh.query(studio.Shot).where(name="sh010").one()
        assert again.custom.class_ == "hero"
        assert again["custom_attributes"]["class"] == "hero"
        assert again.custom.fstart == 1100
        assert fresh.query(studio.Project).where(name="gen").one().custom.attr_2d_look
        seq = fresh.query(studio.Sequence).where(name="sq01").one()
        assert seq.custom.delivery.date().isoformat() == "2027-05-06"
        assert again.custom.delivery is None  # hierarchical values are not inherited
        found = fresh.query(studio.Context.where(studio.Context.custom.delivery.is_not_none()))
        assert [c.name for c in found.all()] == ["sq01"]
    finally:
        sys.modules.pop("studio_models_for_custom_tests", None)


def test_unset_values_read_as_none_outside_text(session: ftorm.Session) -> None:
    _shot(session)
    session.commit()
    shot = _fresh(session).query(Shot).where(name="sh010").one()
    assert shot.custom["vendors"] is None or shot.custom["vendors"] == []
    assert shot.custom["delivery"] is None


def test_project_specific_configurations_pick_the_entity_project(session: ftorm.Session) -> None:
    text = session.query(CustomAttributeType).where(name="text").one()
    shot_type = session.query(ObjectType).where(name="Shot").one()
    first = _shot(session, "a")
    other = session.create(Project, name="other", full_name="Other")
    other_shot = session.create(
        Shot, name="b", parent=session.create(Sequence, name="sq02", parent=other)
    )
    session.commit()
    for project in (first.parent.parent, other):  # type: ignore[union-attr]
        session.create(
            CustomAttributeConfiguration,
            key="cut",
            label="Cut",
            type=text,
            entity_type="task",
            object_type=shot_type,
            project_id=project.id,
            config="{}",
        )
    session.commit()
    newer = session.create(Shot, name="c", parent=other_shot.parent)
    newer.custom["cut"] = "v2"  # configurations read again: "cut" is new to this session
    other_shot.custom["cut"] = "v1"
    session.commit()
    again = _fresh(session).query(Shot).where(name="c").one()
    assert again.custom["cut"] == "v2"


def test_dates_compare_as_dates(session: ftorm.Session) -> None:
    first = _shot(session, "a")
    first.custom["delivery"] = arrow.get("2024-01-01")
    second = session.create(Shot, name="b", parent=first.parent)
    second.custom["delivery"] = arrow.get("2024-06-01")
    session.create(Shot, name="c", parent=first.parent)  # no date
    session.commit()
    other = _fresh(session)
    delivery = Shot.custom.column("delivery")

    def names(criterion: Any) -> list[str]:
        return sorted(s.name for s in other.query(Shot.where(criterion)).all())

    assert names(delivery > arrow.get("2030-01-01")) == []
    assert names(delivery < arrow.get("2030-01-01")) == ["a", "b"]
    assert names(delivery == datetime.date(2024, 1, 1)) == ["a"]
    assert names(delivery >= "2024-03-01") == ["b"]
    assert names(delivery.is_none()) == ["c"]


def test_an_entity_in_no_session_says_so() -> None:
    shot = Shot(name="loose")
    with pytest.raises(NotLoadedError, match="in no session"):
        _ = shot.custom["fstart"]
    with pytest.raises(NotLoadedError, match="add the entity to a session"):
        shot.custom["fstart"] = 1
