"""Faults during commit: nothing lost, nothing applied twice, clear errors."""

from __future__ import annotations

from collections.abc import Sequence as Batch
from typing import Any

import pytest

import ftorm
from ftorm.models import Project, Sequence
from ftorm.protocol.operations import CreateOp, DeleteOp, OperationLike, UpdateOp
from ftorm.session import Session
from ftorm.transport.inprocess import InProcessTransport


class Flaky:
    """Wraps a transport; fails the next write batch before or after the server applies it."""

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.fail: str | None = None
        self.writes = 0

    def call(self, operations: Batch[OperationLike]) -> list[Any]:
        writes = any(isinstance(op, (CreateOp, UpdateOp, DeleteOp)) for op in operations)
        if writes and self.fail == "before":
            self.fail = None
            msg = "connection refused"
            raise ftorm.ConnectError(msg)
        result = self.inner.call(operations)
        if writes:
            self.writes += 1
        if writes and self.fail == "after":
            self.fail = None
            msg = "connection dropped while reading the answer"
            raise ftorm.ConnectError(msg)
        return result

    def close(self) -> None:
        self.inner.close()


def _session() -> tuple[Session, Flaky]:
    base = Session.local()
    assert base.local_server is not None
    flaky = Flaky(InProcessTransport(base.local_server))
    return Session(transport=flaky), flaky


def test_connection_lost_before_the_batch_keeps_everything_pending() -> None:
    session, flaky = _session()
    project = session.create(Project, name="p", full_name="P")
    session.create(Sequence, name="sq01", parent=project)
    flaky.fail = "before"
    with pytest.raises(ftorm.ConnectError):
        session.commit()
    assert session.dirty
    assert flaky.writes == 0
    session.commit()
    assert not session.dirty
    assert flaky.writes == 1
    assert [s.name for s in Session(transport=flaky.inner).query(Sequence)] == ["sq01"]


def test_answer_lost_after_the_batch_is_not_resent_blindly() -> None:
    session, flaky = _session()
    project = session.create(Project, name="p", full_name="P")
    flaky.fail = "after"
    with pytest.raises(ftorm.ConnectError):
        session.commit()
    # The server applied the batch but the answer was lost: the changes stay pending (the
    # session cannot know yet); the next commit asks first, and sends nothing twice.
    assert session.dirty
    session.commit()
    assert not session.dirty
    assert flaky.writes == 1
    assert [p.name for p in Session(transport=flaky.inner).query(Project)] == ["p"]
    assert project.name == "p"


def test_one_refused_operation_rolls_back_the_whole_batch() -> None:
    session, flaky = _session()
    project = session.create(Project, name="p", full_name="P")
    session.create(Sequence, name="sq01", parent=project)
    session.commit()
    other = Session(transport=flaky.inner)  # knows nothing of the project yet
    sequence = other.query(Sequence).one()
    sequence.name = "renamed"
    other.create(Project, id=project.id, name="dup", full_name="Dup")  # an existing key
    with pytest.raises(ftorm.ServerError):
        other.commit()
    fresh = Session(transport=flaky.inner)
    assert [s.name for s in fresh.query(Sequence)] == ["sq01"]  # the update was not applied
    assert [p.name for p in fresh.query(Project)] == ["p"]
    assert other.dirty
    assert sequence.name == "renamed"
