"""Hierarchical custom attributes, inherited on read: ``shot.custom.inherited.<key>``,
``shot.custom.source(key)`` and ``session.populate(objs, Shot.custom.inherited)`` (embedded
server, in-process; what is asserted is what the client sends and reads)."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import ftorm
from ftorm.errors import (
    CustomAttributeConflictWarning,
    InvalidValueError,
    NotLoadedError,
    QueryCompileError,
    UnknownAttributeError,
)
from ftorm.model.state import hook_of
from ftorm.models import (
    Asset,
    AssetType,
    AssetVersion,
    CustomAttributeConfiguration,
    CustomAttributeType,
    CustomAttributeValue,
    Episode,
    ObjectType,
    Project,
    Sequence,
    Shot,
    Task,
)
from ftorm.protocol.operations import QueryOp
from ftorm.protocol.results import read_query
from ftorm.testing import assert_max_requests


def configure(session: ftorm.Session, key: str = "fps", default: Any = 24, **values: Any) -> None:
    """A number configuration ``key``, committed: hierarchical and decimal unless ``values``
    say otherwise (``entity_type="task", object_type=..., is_hierarchical=False``)."""
    number = session.query(CustomAttributeType).where(name="number").one()
    fields: dict[str, Any] = {
        "entity_type": "show",
        "is_hierarchical": True,
        "config": '{"isdecimal": true}',
        **values,
    }
    session.create(
        CustomAttributeConfiguration, key=key, label=key, type=number, default=default, **fields
    )
    session.commit()


def configure_shots(session: ftorm.Session, key: str, default: int) -> None:
    """A number configuration ``key`` for shots only (not hierarchical), committed."""
    shot_type = session.query(ObjectType).where(name="Shot").one()
    configure(
        session,
        key,
        default,
        entity_type="task",
        object_type=shot_type,
        is_hierarchical=False,
        config="{}",
    )


class Tree:
    """project -> episode -> sequence -> shot -> task, committed."""

    def __init__(self, session: ftorm.Session, name: str = "show") -> None:
        self.project = session.create(Project, name=name, full_name=name)
        self.episode = session.create(Episode, name="ep01", parent=self.project)
        self.sequence = session.create(Sequence, name="sq01", parent=self.episode)
        self.shot = session.create(Shot, name="sh010", parent=self.sequence)
        self.task = session.create(Task, name="comp", parent=self.shot)
        session.commit()

    @property
    def levels(self) -> list[Any]:
        return [self.project, self.episode, self.sequence, self.shot, self.task]


@pytest.fixture
def session() -> Iterator[ftorm.Session]:
    with ftorm.Session.local() as session:
        configure(session)
        yield session


def fresh(session: ftorm.Session, **options: Any) -> ftorm.Session:
    """Another session on the same server: it holds nothing yet."""
    return ftorm.Session(transport=session.transport, **options)


def tasks_under(session: ftorm.Session, level: str, fps: float, count: int) -> list[Task]:
    """A tree whose ``level`` stores ``fps``, ``count`` more tasks under its shot, and every
    task read by a fresh session."""
    tree = Tree(session)
    getattr(tree, level).custom["fps"] = fps
    for number in range(count):
        session.create(Task, name=f"t{number}", parent=tree.shot)
    session.commit()
    return fresh(session).query(Task).all()


def reread(other: ftorm.Session, tree: Tree) -> list[Any]:
    """The tree's entities, read by ``other``."""
    return [other.get(type(obj), obj.id) for obj in tree.levels]


def test_raw_values_stay_raw_and_inherited_values_come_from_the_nearest_ancestor(
    session: ftorm.Session,
) -> None:
    tree = Tree(session)
    tree.project.custom["fps"] = 25.0
    tree.sequence.custom["fps"] = 30.0
    session.commit()
    other = fresh(session)
    project, episode, sequence, shot, task = reread(other, tree)
    assert task.custom["fps"] == 24.0  # raw: the default, as ftrack serves it
    assert task.custom.inherited["fps"] == 30.0
    assert task.custom.source("fps") is sequence
    assert shot.custom.inherited["fps"] == 30.0
    assert episode.custom.inherited["fps"] == 25.0
    assert episode.custom.source("fps") is project
    assert project.custom.inherited["fps"] == 25.0
    assert project.custom.source("fps") is project


@pytest.mark.parametrize("level", range(5))
def test_an_override_at_each_level_is_seen_below_it_and_not_above(
    session: ftorm.Session, level: int
) -> None:
    tree = Tree(session)
    tree.project.custom["fps"] = 25.0
    tree.levels[level].custom["fps"] = 50.0
    session.commit()
    other = fresh(session)
    objects = reread(other, tree)
    for depth, obj in enumerate(objects):
        expected = 50.0 if depth >= level else 25.0
        holder = objects[level] if depth >= level else objects[0]
        assert obj.custom.inherited["fps"] == expected, (level, depth)
        assert obj.custom.source("fps") is holder


def test_nothing_stored_reads_the_default_from_no_source(session: ftorm.Session) -> None:
    tree = Tree(session)
    other = fresh(session)
    for obj in reread(other, tree):
        assert obj.custom.inherited["fps"] == 24.0
        assert obj.custom.source("fps") is None


def test_a_stored_none_is_an_override(session: ftorm.Session) -> None:
    tree = Tree(session)
    tree.project.custom["fps"] = 25.0
    tree.sequence.custom["fps"] = None  # ftrack keeps it: the sequence has no fps
    session.commit()
    other = fresh(session)
    _project, episode, sequence, _shot, task = reread(other, tree)
    assert task.custom.inherited["fps"] is None
    assert task.custom.source("fps") is sequence
    assert episode.custom.inherited["fps"] == 25.0


def test_a_thousand_shots_resolve_in_two_requests_then_none(session: ftorm.Session) -> None:
    tree = Tree(session)
    tree.episode.custom["fps"] = 25.0
    for number in range(1000):
        session.create(Shot, name=f"sh{number:04}", parent=tree.sequence)
    session.commit()
    other = fresh(session, lazy="raise")
    shots = other.query(Shot).where(Shot.parent_id == tree.sequence.id).all()
    assert len(shots) == 1001
    with assert_max_requests(other, 2) as budget:
        other.populate(shots, Shot.custom.inherited)
    assert budget.used == 2
    with assert_max_requests(other, 0):
        assert {shot.custom.inherited["fps"] for shot in shots} == {25.0}
        assert {shot.custom.source("fps").name for shot in shots} == {"ep01"}  # type: ignore[union-attr]
    with assert_max_requests(other, 0):  # resolved already
        other.populate(shots, Shot.custom.inherited)
    tasks = other.query(Task).all()
    with assert_max_requests(other, 2):  # the tasks' chains, then their own values
        other.populate(tasks, Task.custom.inherited)
    assert tasks[0].custom.inherited["fps"] == 25.0


def test_lazy_batch_resolves_the_whole_cohort_on_first_read(session: ftorm.Session) -> None:
    tasks = tasks_under(session, "project", 25.0, 50)
    other = hook_of(tasks[0])
    assert isinstance(other, ftorm.Session)
    with assert_max_requests(other, 2):
        assert all(task.custom.inherited["fps"] == 25.0 for task in tasks)


def test_lazy_raise_refuses_until_populated(session: ftorm.Session) -> None:
    tree = Tree(session)
    other = fresh(session, lazy="raise")
    task = other.get(Task, tree.task.id)
    assert task is not None
    with pytest.raises(NotLoadedError, match="populate"):
        task.custom.inherited["fps"]
    other.populate([task], Task.custom.inherited)
    assert task.custom.inherited["fps"] == 24.0


def test_lazy_select_resolves_one_entity(session: ftorm.Session) -> None:
    tree = Tree(session)
    other = fresh(session, lazy="select")
    task = other.get(Task, tree.task.id)
    assert task is not None
    with assert_max_requests(other, 2):
        assert task.custom.inherited["fps"] == 24.0


def test_after_a_commit_a_changed_value_is_seen_below_without_a_request(
    session: ftorm.Session,
) -> None:
    tree = Tree(session)
    tree.project.custom["fps"] = 25.0
    session.commit()
    other = fresh(session)
    _project, _episode, sequence, shot, task = reread(other, tree)
    other.populate([task, shot], Task.custom.inherited)
    assert task.custom.inherited["fps"] == 25.0
    sequence.custom["fps"] = 48.0
    assert task.custom.inherited["fps"] == 25.0  # pending: inherited values are committed ones
    other.commit()
    with assert_max_requests(other, 0):
        assert task.custom.inherited["fps"] == 48.0
        assert task.custom.source("fps") is sequence


def test_after_a_move_the_chain_is_read_again(session: ftorm.Session) -> None:
    tree = Tree(session)
    elsewhere = session.create(Sequence, name="sq02", parent=tree.episode)
    session.commit()
    elsewhere.custom["fps"] = 60.0
    tree.sequence.custom["fps"] = 30.0
    session.commit()
    other = fresh(session)
    shot = other.get(Shot, tree.shot.id)
    task = other.get(Task, tree.task.id)
    assert shot is not None
    assert task is not None
    assert task.custom.inherited["fps"] == 30.0
    shot.parent = other.get(Sequence, elsewhere.id)
    other.commit()
    assert task.custom.inherited["fps"] == 60.0
    assert shot.custom.inherited["fps"] == 60.0


def test_a_project_specific_configuration_applies_in_its_project_only(
    session: ftorm.Session,
) -> None:
    tree = Tree(session)
    other_tree = Tree(session, name="other")
    configure(session, key="handles", default=8, project_id=tree.project.id)
    tree.project.custom["handles"] = 10
    session.commit()
    other = fresh(session)
    task = other.get(Task, tree.task.id)
    foreign = other.get(Task, other_tree.task.id)
    assert task is not None
    assert foreign is not None
    assert task.custom.inherited["handles"] == 10
    with pytest.raises(UnknownAttributeError):
        foreign.custom.inherited["handles"]


def test_non_hierarchical_keys_read_raw_and_their_source_is_the_entity(
    session: ftorm.Session,
) -> None:
    configure_shots(session, "fstart", 1001)
    tree = Tree(session)
    sibling = session.create(Shot, name="sh020", parent=tree.sequence)
    session.commit()
    tree.shot.custom["fstart"] = 1009
    session.commit()
    other = fresh(session)
    shot = other.get(Shot, tree.shot.id)
    plain = other.get(Shot, sibling.id)
    assert shot is not None
    assert plain is not None
    assert shot.custom.inherited["fstart"] == 1009
    assert shot.custom.source("fstart") is shot
    assert plain.custom.inherited["fstart"] == 1001
    assert plain.custom.source("fstart") is None


def test_inherited_values_are_read_only(session: ftorm.Session) -> None:
    tree = Tree(session)
    with pytest.raises(InvalidValueError, match="read-only"):
        tree.task.custom.inherited["fps"] = 30.0


def test_class_access_is_a_populate_path_never_a_query_column() -> None:
    path = Shot.custom.inherited
    assert "Shot.custom.inherited" in repr(path)
    with pytest.raises(QueryCompileError, match=r"raw values only.*populate"):
        Shot.custom.inherited.fps  # type: ignore[attr-defined]  # noqa: B018


def test_new_and_detached_entities_say_what_is_missing(session: ftorm.Session) -> None:
    tree = Tree(session)
    new = session.create(Task, name="new", parent=tree.shot)
    with pytest.raises(NotLoadedError, match="commit"):
        new.custom.inherited["fps"]
    with pytest.raises(NotLoadedError, match="no session"):
        Task(name="loose").custom.inherited["fps"]


def test_asset_versions_inherit_through_their_assets_context(session: ftorm.Session) -> None:
    tree = Tree(session)
    kind = session.create(AssetType, name="Plate", short="plate")
    asset = session.create(Asset, name="plate", parent=tree.shot, type=kind)
    version = session.create(AssetVersion, asset=asset, task=tree.task)
    session.commit()
    tree.shot.custom["fps"] = 23.976
    session.commit()
    other = fresh(session)
    found = other.get(AssetVersion, version.id)
    found_asset = other.get(Asset, asset.id)
    assert found is not None
    assert found_asset is not None
    with assert_max_requests(other, 2):
        other.populate([found, found_asset], AssetVersion.custom.inherited)
    assert found.custom.inherited["fps"] == 23.976
    assert found.custom.source("fps") is other.get(Shot, tree.shot.id)
    assert found_asset.custom.inherited["fps"] == 23.976


def test_a_key_both_hierarchical_and_not_warns_once_and_reads_the_hierarchical_one(
    session: ftorm.Session,
) -> None:
    configure_shots(session, "fps", 12)
    tree = Tree(session)
    other = fresh(session)
    project = other.get(Project, tree.project.id)
    shot = other.get(Shot, tree.shot.id)
    assert project is not None
    assert shot is not None
    with pytest.warns(CustomAttributeConflictWarning, match="reads the hierarchical one"):
        assert shot.custom.inherited["fps"] == 24.0
    with pytest.warns(CustomAttributeConflictWarning, match="hierarchical value is read"):
        assert shot.custom["fps"] == 24.0  # the raw read takes the hierarchical one too
    with pytest.warns(CustomAttributeConflictWarning):
        shot.custom["fps"] = 30.0  # so does the raw write
    other.commit()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per session and key for inherited reads
        assert shot.custom.inherited["fps"] == 30.0
        assert shot.custom.source("fps") is shot


def test_an_entity_deleted_by_another_client_is_reported(session: ftorm.Session) -> None:
    tree = Tree(session)
    other = fresh(session)
    task = other.get(Task, tree.task.id)
    assert task is not None
    session.delete(tree.task)
    session.commit()
    with pytest.raises(ftorm.NotFoundError, match="no link"):
        task.custom.inherited["fps"]


def test_a_hostile_link_is_ignored_not_trusted(session: ftorm.Session) -> None:
    tree = Tree(session)
    other = fresh(session)
    task = other.get(Task, tree.task.id)
    assert task is not None
    real = other.transport.call

    def lying(operations: Any) -> Any:
        answers = real(operations)
        for answer in answers:
            for row in answer.get("data", []) if isinstance(answer, dict) else []:
                if isinstance(row, dict) and "link" in row:
                    row["link"] = [{"id": 3, "type": None}, "x", {"id": "nope", "type": "Nope"}]
        return answers

    other.transport.call = lying  # type: ignore[method-assign]
    assert task.custom.inherited["fps"] == 24.0  # nothing usable: the default, no source
    assert task.custom.source("fps") is None


def test_threads_sharing_a_session_read_the_same_values(session: ftorm.Session) -> None:
    tasks = tasks_under(session, "sequence", 30.0, 40)
    results: list[set[Any]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            results.append({task.custom.inherited["fps"] for task in tasks})
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert results == [{30.0}] * 4


def test_the_bare_value_type_serves_stored_values_as_ftrack_keeps_them(
    session: ftorm.Session,
) -> None:
    """ftrack keeps every stored value in ``CustomAttributeValue``; the typed collections fill
    in defaults. The embedded server answers both the same way (raw values unchanged)."""
    tree = Tree(session)
    tree.sequence.custom["fps"] = 30.0
    session.commit()
    ids = ", ".join(f'"{obj.id}"' for obj in tree.levels)
    (answer,) = session.call(
        [
            QueryOp(
                "select value, entity_id, configuration_id from CustomAttributeValue "
                f"where entity_id in ({ids})"
            )
        ]
    )
    rows = read_query(answer).data
    assert [(row["entity_id"], row["value"]) for row in rows] == [(tree.sequence.id, 30)]
    fps = session.query(CustomAttributeConfiguration).where(key="fps").one()
    # a row of the bare type's own that a typed one also holds gives way to it
    session.create(CustomAttributeValue, configuration_id=fps.id, entity_id=tree.sequence.id)
    session.commit()
    (again,) = session.call(
        [QueryOp(f"select value from CustomAttributeValue where entity_id in ({ids})")]
    )
    assert [row["value"] for row in read_query(again).data] == [30]
    assert rows[0]["__entity_type__"] == "CustomAttributeValue"
    other = fresh(session, page_size=1)  # paged: rowids of the two tables stay distinct
    assert len(other.query(CustomAttributeValue).all()) == 1
    assert other.get(Task, tree.task.id).custom["fps"] == 24.0  # type: ignore[union-attr]
