"""A server that answers oddly never makes the session hang, loop or crash."""

from __future__ import annotations

from collections.abc import Sequence as Batch
from typing import Any

import pytest

import ftorm
from ftorm.models import Project
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.session import Session


class Scripted:
    """Answers every query with what ``answer(offset)`` returns; counts the calls."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls = 0

    def call(self, operations: Batch[OperationLike]) -> list[Any]:
        self.calls += 1
        if self.calls > 50:  # a bound for the test itself: the session must stop far sooner
            msg = "the session kept paging"
            raise AssertionError(msg)
        results = []
        for op in operations:
            if isinstance(op, QueryOp):
                results.append(self.answer(op.expression))
            else:  # schema discovery goes to a real embedded server
                results.append(_LOCAL.transport.call([op])[0])
        return results

    def close(self) -> None:
        pass


_LOCAL = Session.local()


def _row(number: int) -> dict[str, Any]:
    return {"__entity_type__": "Project", "id": f"p{number}", "name": f"p{number}"}


def test_a_repeated_next_offset_stops_paging() -> None:
    transport = Scripted(
        lambda text: {"action": "query", "data": [_row(1)], "metadata": {"next": {"offset": 0}}}
    )
    session = Session(transport=transport, page_size=1)
    with pytest.raises(ftorm.ServerError, match=r"next\.offset"):
        session.query(Project).all()
    assert transport.calls < 5


@pytest.mark.parametrize(
    "answer",
    [
        {"action": "query", "data": {"not": "a list"}},
        {"action": "query", "data": [1, 2]},
        {"action": "query"},
        ["not", "an", "object"],
        {"action": "query", "data": [], "metadata": {"next": {"offset": "x"}}},
        {"action": "query", "data": [], "metadata": {"next": {"offset": -1}}},
    ],
)
def test_a_malformed_result_is_a_server_error(answer: Any) -> None:
    session = Session(transport=Scripted(lambda text: answer))
    with pytest.raises(ftorm.ServerError, match="malformed"):
        session.query(Project).all()


@pytest.mark.parametrize("url", ["ftp://x", "localhost:8765", "x"])
def test_a_bad_server_url_is_an_ftorm_error(url: str) -> None:
    with pytest.raises(ftorm.FtormError):
        Session(url, "u", "k")
