"""The session over the in-process embedded server: identity, loading, unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence as Batch

import pytest

import ftorm
from ftorm.models import Project, Sequence, Shot, Status, Task
from ftorm.protocol.operations import OperationLike, UpdateOp
from ftorm.session import Session
from ftorm.testing import assert_max_requests, local_session
from ftorm.transport.inprocess import InProcessTransport


@pytest.fixture
def session() -> Iterator[Session]:
    with local_session() as session:
        yield session


def _tree(session: Session) -> Project:
    project = session.create(Project, name="demo", full_name="Demo")
    for index in range(2):
        sequence = session.create(Sequence, name=f"sq{index:02d}", parent=project)
        for shot_index in range(2):
            session.create(Shot, name=f"sq{index:02d}_sh{shot_index:03d}0", parent=sequence)
    session.commit()
    return project


def _fresh(session: Session, **options: object) -> Session:
    """A second session on the same embedded server."""
    assert session.local_server is not None
    return Session(transport=InProcessTransport(session.local_server), **options)  # type: ignore[arg-type]


def test_types_cover_the_server(session: Session) -> None:
    types = session.types
    assert types["Shot"] is Shot
    assert {"Project", "Sequence", "Shot", "Task", "Status", "User", "Location"} <= set(types)


def test_create_commit_and_read_back_in_one_request(session: Session) -> None:
    _ = session.types
    before = session.stats.requests
    project = _tree(session)
    assert session.stats.requests == before + 1
    assert project.status == "active"  # server default merged into the same object
    other = _fresh(session)
    [loaded] = other.query(Project).all()
    assert loaded.name == "demo"
    assert loaded is not project
    names = sorted(child.name for child in loaded.children)
    assert names == ["sq00", "sq01"]
    assert all(child.parent is loaded for child in loaded.children)


def test_identity_across_queries_and_lazy_loads(session: Session) -> None:
    _tree(session)
    other = _fresh(session)
    shot = other.query(Shot.where(Shot.name == "sq00_sh0000")).one()
    again = other.query("Shot where name is sq00_sh0000").one()
    assert again is shot
    sequence = other.query(Sequence.where(name="sq00")).one()
    assert shot.parent is sequence
    assert sequence.parent is other.query(Project).one()
    assert other.get(Shot, shot.id) is shot


def test_relationship_criteria_and_text_queries(session: Session) -> None:
    _tree(session)
    shots = session.query(Shot.where(Shot.parent.name.like("sq01%")).order_by(Shot.name)).all()
    assert [s.name for s in shots] == ["sq01_sh0000", "sq01_sh0010"]
    contexts = session.query('Context where parent.name like "sq0%"').all()
    assert {type(c) for c in contexts} == {Shot}
    assert session.query(Project.where(status="active")).first() is not None


def test_one_and_first(session: Session) -> None:
    _tree(session)
    with pytest.raises(ftorm.NotFoundError):
        session.query(Shot.where(name="nope")).one()
    with pytest.raises(ftorm.MultipleResultsError):
        session.query(Shot).one()
    assert session.query(Shot.where(name="nope")).first() is None


def test_lazy_raise_names_the_attribute(session: Session) -> None:
    _tree(session)
    strict = _fresh(session, lazy="raise")
    shot = strict.query(Shot).first()
    assert shot is not None
    with pytest.raises(ftorm.NotLoadedError, match=r"Shot\.status"):
        _ = shot.status
    strict.populate([shot], Shot.status.name)
    assert shot.status is not None
    assert shot.status.name


def test_populate_loads_many_objects_in_one_request(session: Session) -> None:
    _tree(session)
    other = _fresh(session, lazy="raise")
    shots = other.query(Shot).all()
    with assert_max_requests(other, 1):
        other.populate(shots, Shot.status, Shot.parent.name)
    assert all(s.status is not None and s.parent.name.startswith("sq") for s in shots)


def test_select_loads_eagerly(session: Session) -> None:
    _tree(session)
    other = _fresh(session, lazy="raise")
    _ = other.types  # the schema is fetched on first use
    query = Shot.select(Shot.name, Shot.status.name, Shot.parent.name)
    with assert_max_requests(other, 1):
        shots = other.query(query).all()
        assert {s.status.name for s in shots} == {"Not started"}
        assert {s.parent.name for s in shots} == {"sq00", "sq01"}


def test_update_sends_only_changed_attributes(session: Session) -> None:
    project = _tree(session)
    sent: list[object] = []
    transport = session.transport
    original = transport.call

    def spy(operations: Batch[OperationLike]) -> list[object]:
        sent.append(operations)
        return original(operations)

    transport.call = spy  # type: ignore[method-assign]
    project.full_name = "Renamed"
    session.commit()
    [[operation]] = sent  # type: ignore[misc]
    data = {"__entity_type__": "Project", "full_name": "Renamed"}
    assert operation == UpdateOp("Project", (project.id,), data)
    assert _fresh(session).query(Project).one().full_name == "Renamed"


def test_relink_both_ways(session: Session) -> None:
    project = _tree(session)
    first, second = sorted(project.children, key=lambda c: c.name)
    shot = first.children[0]
    shot.parent = second
    assert shot in second.children
    assert shot not in first.children
    moved = session.create(Sequence, name="sq99", parent=project)
    other_shot = second.children[0]
    project.children.remove(moved)
    assert moved.parent is None
    first.children.append(moved)  # a sequence needs a parent when the batch ends
    first.children.append(other_shot)
    assert other_shot.parent is first
    session.commit()
    check = _fresh(session)
    by_name = {s.name: s for s in check.query(Shot.select(Shot.name, Shot.parent.name)).all()}
    assert by_name[shot.name].parent.name == second.name
    assert by_name[other_shot.name].parent.name == first.name


def test_delete_children_first(session: Session) -> None:
    project = _tree(session)
    sequence = project.children[0]
    for shot in list(sequence.children):
        session.delete(shot)
    session.delete(sequence)
    session.commit()
    assert sequence not in project.children
    assert len(_fresh(session).query(Shot).all()) == 2


def test_failed_commit_loses_nothing_and_can_be_retried(session: Session) -> None:
    project = _tree(session)
    ghost = session.create(Status, name="Ghost", is_active=True)
    session.commit()
    remover = _fresh(session)
    remover.delete(remover.get(Status, ghost.id))  # type: ignore[arg-type]
    remover.commit()
    project.full_name = "Kept"
    bad = session.create(Task, name="bad", parent=project, status=ghost)
    with pytest.raises(ftorm.ValidationError, match="does not exist"):
        session.commit()  # the whole batch is refused: the update is not applied either
    assert session.dirty
    assert _fresh(session).query(Project).one().full_name == "Demo"
    bad.status = None
    session.commit()
    assert not session.dirty
    check = _fresh(session)
    assert check.query(Project).one().full_name == "Kept"
    assert check.query(Task.where(name="bad")).one().parent.name == "demo"


def test_rollback_restores_the_committed_state(session: Session) -> None:
    project = _tree(session)
    first, second = sorted(project.children, key=lambda c: c.name)
    shot = first.children[0]
    project.full_name = "Changed"
    shot.parent = second
    new = session.create(Sequence, name="new", parent=project)
    session.rollback()
    assert project.full_name == "Demo"
    assert shot.parent is first
    assert shot in first.children
    assert shot not in second.children
    assert new not in project.children
    assert not session.dirty
    session.commit()  # nothing to send
    assert len(_fresh(session).query(Sequence).all()) == 2


def test_thousand_shots_eagerly_in_two_requests_or_an_error_under_lazy_raise(
    session: Session,
) -> None:
    project = session.create(Project, name="big", full_name="Big")
    sequence = session.create(Sequence, name="sq01", parent=project)
    for index in range(1000):
        shot = session.create(Shot, name=f"sh{index:04d}", parent=sequence)
        session.create(Task, name="comp", parent=shot)
    session.commit()

    eager = _fresh(session)
    _ = eager.types
    query = Shot.select(Shot.name, Shot.status.name, Shot.children.name)
    with assert_max_requests(eager, 2) as budget:
        shots = eager.query(query).all()
        names = {(s.status.name, tuple(c.name for c in s.children)) for s in shots}
    assert len(shots) == 1000
    assert budget.used == 2
    assert names == {("Not started", ("comp",))}

    strict = _fresh(session, lazy="raise")
    _ = strict.types
    with assert_max_requests(strict, 2):
        shots = strict.query(Shot).all()
        with pytest.raises(ftorm.NotLoadedError):
            [s.status.name for s in shots]


def test_assert_max_requests_fails_when_exceeded(session: Session) -> None:
    _tree(session)
    _ = session.types
    with pytest.raises(AssertionError, match="at most 0"), assert_max_requests(session, 0):
        session.query(Shot).all()


def test_closed_session(session: Session) -> None:
    _tree(session)
    session.close()
    with pytest.raises(ftorm.SessionClosedError):
        session.query(Shot).all()


def test_status_relationship_has(session: Session) -> None:
    _tree(session)
    shots = session.query(Shot.where(Shot.status.has(Status.name == "Not started"))).all()
    assert len(shots) == 4
