"""Exactly-once commits: the answer to a write batch is lost after the server applied all or
part of it, and the next ``commit()`` applies everything exactly once, with no user action."""

from __future__ import annotations

from collections.abc import Sequence as Batch
from typing import Any

import pytest

import ftorm
from ftorm.models import Project, Sequence, Shot
from ftorm.protocol.operations import CreateOp, DeleteOp, OperationLike, UpdateOp
from ftorm.session import Session
from ftorm.transport.inprocess import InProcessTransport

WRITES = (CreateOp, UpdateOp, DeleteOp)


class LosesTheAnswer:
    """Applies the first ``applied`` operations of the next write batch, then drops the
    connection: as if the server committed them and the answer never arrived."""

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.applied: int | None = None
        self.batches: list[list[OperationLike]] = []

    def call(self, operations: Batch[OperationLike]) -> list[Any]:
        self.batches.append(list(operations))
        writes = any(isinstance(op, WRITES) for op in operations)
        if writes and self.applied is not None:
            applied, self.applied = self.applied, None
            if applied:
                self.inner.call(list(operations[:applied]))
            msg = "connection dropped while reading the answer"
            raise ftorm.ConnectError(msg)
        return self.inner.call(operations)

    def close(self) -> None:
        self.inner.close()


def _world() -> tuple[Session, LosesTheAnswer, dict[str, str]]:
    base = Session.local()
    project = base.create(Project, name="p", full_name="P")
    sequence = base.create(Sequence, name="sq01", parent=project)
    for name in ("sh010", "sh020", "sh030"):
        base.create(Shot, name=name, parent=sequence)
    base.commit()
    ids = {obj.name: obj.id for obj in base.query(Shot).all()}
    ids["sq01"] = sequence.id
    server = base.local_server
    assert server is not None
    transport = LosesTheAnswer(InProcessTransport(server))
    return Session(transport=transport), transport, ids


def _pending_changes(session: Session, ids: dict[str, str]) -> int:
    """Two creates (a sequence and a shot in it), two renames, one delete: 5 operations."""
    sequence = session.get(Sequence, ids["sq01"])
    assert sequence is not None
    project = sequence.parent
    new_sequence = session.create(Sequence, name="sq02", parent=project)
    session.create(Shot, name="sh100", parent=new_sequence)
    first, second, doomed = (session.get(Shot, ids[n]) for n in ("sh010", "sh020", "sh030"))
    assert first is not None
    assert second is not None
    assert doomed is not None
    first.name = "sh010-renamed"
    second.description = "second, described"
    session.delete(doomed)
    return 5


def _stored(transport: LosesTheAnswer) -> dict[str, Any]:
    check = Session(transport=transport.inner)
    shots = check.query("select name, description, parent.name from Shot").all()
    sequences = check.query("select name from Sequence").all()
    return {
        "shots": sorted((s["name"], s["description"], s["parent"]["name"]) for s in shots),
        "sequences": sorted(s["name"] for s in sequences),
    }


EXPECTED = {
    "shots": [
        ("sh010-renamed", None, "sq01"),
        ("sh020", "second, described", "sq01"),
        ("sh100", None, "sq02"),
    ],
    "sequences": ["sq01", "sq02"],
}


@pytest.mark.parametrize("applied", range(6))
def test_a_lost_answer_is_applied_exactly_once(applied: int) -> None:
    session, transport, ids = _world()
    count = _pending_changes(session, ids)
    transport.applied = applied
    with pytest.raises(ftorm.ConnectError):
        session.commit()
    assert session.dirty  # nothing is lost locally
    sent_before = len(transport.batches)
    session.commit()  # no user action in between
    assert not session.dirty
    assert _stored(transport) == EXPECTED
    retry = [op for batch in transport.batches[sent_before:] for op in batch]
    writes = [op for op in retry if isinstance(op, WRITES)]
    assert len(writes) == count - applied, writes  # only what was missing is sent
    assert len(transport.batches) - sent_before <= 2  # one request to ask, one to write
    session.commit()  # and nothing is left to send
    assert (
        len([op for b in transport.batches for op in b if isinstance(op, WRITES)])
        == len(
            [op for b in transport.batches[: sent_before - 1] for op in b if isinstance(op, WRITES)]
        )
        + count
        - applied
        + count
    )


def test_a_change_made_after_the_failure_is_sent_too() -> None:
    session, transport, ids = _world()
    _pending_changes(session, ids)
    transport.applied = 5  # everything applied, the answer lost
    with pytest.raises(ftorm.ConnectError):
        session.commit()
    shot = session.get(Shot, ids["sh010"])
    assert shot is not None
    shot.name = "sh010-final"
    session.commit()
    assert ("sh010-final", None, "sq01") in _stored(transport)["shots"]


def test_a_refused_batch_is_not_reconciled() -> None:
    session, transport, ids = _world()
    session.create(Sequence, id=ids["sq01"], name="again")  # refused: the id exists
    with pytest.raises(ftorm.ServerError):
        session.commit()
    before = len(transport.batches)
    with pytest.raises(ftorm.ServerError):
        session.commit()
    assert len(transport.batches) == before + 1  # no question asked first
