"""The ``ftorm_session`` fixture comes from ftorm's pytest plugin (entry point ``pytest11``)."""

from __future__ import annotations

from ftorm.models import Project, Sequence
from ftorm.session import Session


def test_fixture_gives_a_fresh_local_session(ftorm_session: Session) -> None:
    project = ftorm_session.create(Project, name="p", full_name="P")
    ftorm_session.create(Sequence, name="sq01", parent=project)
    ftorm_session.commit()
    assert [s.name for s in ftorm_session.query(Sequence)] == ["sq01"]


def test_each_test_gets_its_own_workspace(ftorm_session: Session) -> None:
    assert ftorm_session.query(Project).all() == []
