"""ftrack_api habits on queries and entities: ``len(q)``, ``q[0]``, slices, ``q.count()``,
``entity.entity_type``; each with the requests it costs, against the embedded server."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence as Batch
from typing import Any, cast

import pytest

import ftorm
from ftorm._typing import JSON
from ftorm.models import CustomAttributeConfiguration, Project, Sequence, Shot
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.session import Session
from ftorm.testing import assert_max_requests, local_session
from ftorm.transport.inprocess import InProcessTransport


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    """Five sequences ``sq0`` .. ``sq4`` under one project; the schema already fetched."""
    with local_session() as session:
        project = session.create(Project, name="p", full_name="P")
        for number in range(5):
            session.create(Sequence, name=f"sq{number}", parent=project)
        session.commit()
        yield session


def _names(items: list[Sequence]) -> list[str | None]:
    return [item.name for item in items]


def test_count_is_one_aggregate_request(session: Session) -> None:
    query = session.query(Sequence)
    with assert_max_requests(session, 1):
        assert query.count() == 5
    with assert_max_requests(session, 1):
        assert query.where(Sequence.name.like("sq1%")).count() == 1
    with assert_max_requests(session, 1):
        assert session.query("Sequence where name in (sq1, sq2, nope)").count() == 2
    before = session.stats.entities
    query.count()
    assert session.stats.entities == before  # no entity is loaded


def test_count_applies_offset_and_limit(session: Session) -> None:
    query = session.query(Sequence)
    assert query.offset(1).limit(2).count() == 2
    assert query.offset(4).limit(3).count() == 1
    assert query.offset(9).count() == 0
    assert query.limit(0).count() == 0
    text = session.query("Sequence offset 3")
    assert text.count() == len(text.all()) == 2


def test_count_ignores_projections_and_order(session: Session) -> None:
    query = session.query(Sequence).select(Sequence.name).order_by(Sequence.name.desc())
    assert query.count() == 5


def test_count_needs_a_session() -> None:
    with pytest.raises(ftorm.UnboundQueryError):
        Sequence.where(name="x").count()


def test_len_is_count(session: Session) -> None:
    query = session.query(Sequence)
    with assert_max_requests(session, 1):
        assert len(query) == 5
    with assert_max_requests(session, 1):
        assert len(query.where(name="nope")) == 0
    with assert_max_requests(session, 1):
        assert not query.where(name="nope")


def test_index_is_one_request(session: Session) -> None:
    query = session.query(Sequence).order_by(Sequence.name)
    with assert_max_requests(session, 1):
        assert query[0].name == "sq0"
    with assert_max_requests(session, 1):
        assert query[3].name == "sq3"
    with assert_max_requests(session, 1):
        assert query.offset(2)[1].name == "sq3"
    with assert_max_requests(session, 1), pytest.raises(ftorm.NotFoundError, match="out of range"):
        query[5]
    with pytest.raises(LookupError):
        query.limit(2)[2]
    assert query[-1].name == "sq4"
    with pytest.raises(ftorm.InvalidValueError):
        query["0"]  # type: ignore[call-overload]


def test_slices(session: Session) -> None:
    query = session.query(Sequence).order_by(Sequence.name)
    with assert_max_requests(session, 1):
        assert _names(query[1:3]) == ["sq1", "sq2"]
    with assert_max_requests(session, 1):
        assert _names(query[3:]) == ["sq3", "sq4"]
    with assert_max_requests(session, 1):
        assert _names(query[:2]) == ["sq0", "sq1"]
    with assert_max_requests(session, 1):
        assert _names(query.offset(1).limit(3)[1:10]) == ["sq2", "sq3"]
    with assert_max_requests(session, 0):
        assert query[3:1] == []
    assert _names(query[::2]) == ["sq0", "sq2", "sq4"]
    assert _names(query[-2:]) == ["sq3", "sq4"]


def test_first_on_text_query(session: Session) -> None:
    with assert_max_requests(session, 1):
        found = session.query("Sequence where name is sq2").first()
    assert isinstance(found, Sequence)
    assert session.query("Sequence where name is nope").first() is None


def test_entity_type(session: Session) -> None:
    sequence = session.query(Sequence).first()
    assert sequence is not None
    assert sequence.entity_type == "Sequence"
    assert Shot.entity_type == "Shot"
    assert Shot(name="x").entity_type == "Shot"
    [item] = session.query("TypedContext where name is sq1").all()
    assert item.entity_type == "Sequence"


def test_a_field_named_entity_type_keeps_its_meaning() -> None:
    config = CustomAttributeConfiguration(key="fstart", entity_type="task")
    assert config.entity_type == "task"
    assert config["entity_type"] == "task"
    query = CustomAttributeConfiguration.where(CustomAttributeConfiguration.entity_type == "task")
    assert str(query) == 'CustomAttributeConfiguration where entity_type is "task"'


class _Miscounting:
    """A transport that answers every count query with ``data`` instead of the count."""

    def __init__(self, inner: InProcessTransport, data: list[Any]) -> None:
        self.inner, self.data = inner, data

    def call(self, operations: Batch[OperationLike]) -> list[JSON]:
        results = self.inner.call(operations)
        for index, operation in enumerate(operations):
            if isinstance(operation, QueryOp) and operation.expression.startswith("select count("):
                results[index] = {**cast("dict[str, JSON]", results[index]), "data": self.data}
        return results

    def close(self) -> None:
        pass


@pytest.mark.parametrize("data", [[], [{"count_id": "5"}], [{"count_id": -1}], [{}, {}]])
def test_a_server_answering_no_count_is_refused(session: Session, data: list[Any]) -> None:
    transport = session.transport
    assert isinstance(transport, InProcessTransport)
    other = Session(transport=_Miscounting(transport, data))
    with pytest.raises(ftorm.ServerError, match="answered no count"):
        other.query(Sequence).count()
