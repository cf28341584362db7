"""Grouped counts and sums (`ftorm.query.aggregates`), in-process and over HTTP."""

from __future__ import annotations

import pytest

from ftorm.errors import InvalidValueError
from ftorm.models import Project, Task
from ftorm.query.aggregates import Grouped, avg, count, max_, min_, sum_
from ftorm.session.session import Session


@pytest.fixture
def session(either_session: Session) -> Session:
    project = either_session.create(Project, name="show", full_name="Show")
    other = either_session.create(Project, name="other", full_name="Other")
    for index, name in enumerate(["comp", "comp", "paint", "roto", "roto", "roto"]):
        either_session.create(Task, name=name, parent=project, bid=float(index))
    either_session.create(Task, name="comp", parent=other, bid=100.0)
    either_session.commit()
    return either_session


def test_render_as_ftrack_writes_it() -> None:
    query = Grouped(Task, count(Task.id), sum_(Task.bid)).by(Task.status_id)
    assert str(query) == "select status_id, count(id), sum(bid) from Task group by status_id"


def test_grouped_counts_and_sums(session: Session) -> None:
    show = session.query(Project).where(name="show").one()
    query = (
        Grouped(Task, count(Task.id), sum_(Task.bid), max_(Task.bid))
        .by(Task.name)
        .where(Task.project_id == show.id)
        .order_by(Task.name)
    )
    rows = session.aggregate(query)
    assert rows == [
        {"name": "comp", "count_id": 2, "sum_bid": 1.0, "max_bid": 1.0},
        {"name": "paint", "count_id": 1, "sum_bid": 2.0, "max_bid": 2.0},
        {"name": "roto", "count_id": 3, "sum_bid": 12.0, "max_bid": 5.0},
    ]
    assert query.rows(session) == rows
    assert session.aggregate(query.order_by(Task.name.desc()).limit(1).offset(1)) == [rows[1]]


def test_aggregates_without_groups(session: Session) -> None:
    totals = session.aggregate(Grouped(Task, count(Task.id), min_(Task.bid), avg(Task.bid)))
    assert totals == [{"count_id": 7, "min_bid": 0.0, "avg_bid": 115.0 / 7}]
    assert not session.dirty


def test_bad_aggregates() -> None:
    with pytest.raises(InvalidValueError):
        Grouped(Task)
    with pytest.raises(InvalidValueError):
        Grouped(Task, count(Project.id))  # a column of another type
    with pytest.raises(InvalidValueError):
        count("id")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        Grouped(Task, count(Task.id)).by(Project.name)
