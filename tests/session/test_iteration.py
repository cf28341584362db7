"""Changing data while iterating a query: a query without ``order_by`` is paged by key.

A loop that deletes and commits (or creates) while it iterates visits every row that matched
when it started and was not deleted before the loop reached it, each once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftorm
from ftorm.models import Project
from ftorm.models import Sequence as Seq
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.query import ast
from ftorm.server.handlers import Server
from ftorm.session import Session
from ftorm.session.queries import after_key
from ftorm.transport.inprocess import InProcessTransport
from tests.profiles import scaled
from tests.server.server_helpers import serving

ROWS = 40
KEY = "test-key"


def _fill(session: Session, rows: int = ROWS) -> Project:
    project = session.create(Project, name="iter", full_name="Iteration")
    for index in range(rows):
        session.create(Seq, name=f"s{index:02d}", parent=project)
    session.commit()
    return project


class _Spy:
    """An in-process transport that keeps the text of every query it sends."""

    def __init__(self, server: Server) -> None:
        self.inner = InProcessTransport(server)
        self.queries: list[str] = []
        self.threaded = False

    def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        self.queries += [op.expression for op in operations if isinstance(op, QueryOp)]
        return self.inner.call(operations)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def session() -> Iterator[Session]:
    with Session.local(page_size=7) as session:
        yield session


def test_deleting_each_row_while_iterating_visits_every_row(session: Session) -> None:
    _fill(session)
    visited = []
    for sequence in session.query(Seq):
        visited.append(sequence.name)
        session.delete(sequence)
        session.commit()
    assert sorted(visited) == [f"s{index:02d}" for index in range(ROWS)]
    assert session.query(Seq).all() == []


def _delete_while_iterating(session: Session, every: int) -> None:
    """Delete each row as it is visited, and every ``every`` rows the next one too; check
    that the rows deleted ahead are not visited and every other row is, once."""
    visited: list[str] = []
    ahead: set[str] = set()  # deleted before the loop reached them (maybe fetched already)
    for sequence in session.query(Seq.where(Seq.name.like("s%"))):
        visited.append(sequence.name)
        session.delete(sequence)
        later = session.query(Seq.where(Seq.id > sequence.id)).first()
        if later is not None and len(visited) % every == 0:
            ahead.add(later.name)
            session.delete(later)
        session.commit()
    assert ahead
    assert not ahead & set(visited)
    assert sorted([*visited, *ahead]) == [f"s{index:02d}" for index in range(ROWS)]


@pytest.mark.parametrize("every", [1, 3, 7])
def test_rows_deleted_before_they_are_reached_are_not_visited(session: Session, every: int) -> None:
    _fill(session)
    _delete_while_iterating(session, every)


def test_creating_rows_while_iterating_visits_each_row_once(session: Session) -> None:
    project = _fill(session)
    visited: list[str] = []
    for sequence in session.query(Seq):
        visited.append(sequence.id)
        if len(visited) <= ROWS:
            session.create(Seq, name=f"new{len(visited)}", parent=project)
            session.commit()
    assert len(visited) == len(set(visited))
    assert len(visited) >= ROWS  # the rows there at the start, and the new ones after them


@settings(
    max_examples=scaled(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    actions=st.lists(st.sampled_from(["delete", "ahead", "behind", "create", "none"]), max_size=60),
    size=st.integers(1, 9),
)
def test_any_mix_of_changes_while_iterating(actions: list[str], size: int) -> None:
    """Whatever the loop deletes, creates and commits, every row that matched at the start
    and was not deleted before it was reached is visited, and no row twice."""
    with Session.local(page_size=size) as session:
        project = _fill(session, 20)
        start = {s.id for s in session.query(Seq).all()}
        visited: list[str] = []
        deleted_unreached: set[str] = set()
        steps = iter(actions)
        for sequence in session.query(Seq):
            visited.append(sequence.id)
            action = next(steps, "none")
            if action == "delete":
                session.delete(sequence)
            elif action == "ahead":
                later = session.query(Seq.where(Seq.id > sequence.id)).first()
                if later is not None:
                    deleted_unreached.add(later.id)
                    session.delete(later)
            elif action == "behind" and len(visited) > 1:
                earlier = session.get(Seq, visited[0])
                if earlier is not None:
                    session.delete(earlier)
            elif action == "create":
                session.create(Seq, name=f"n{len(visited)}", parent=project)
            session.commit()
        assert len(visited) == len(set(visited))
        assert start - deleted_unreached <= set(visited)
        assert not deleted_unreached & set(visited)


def test_over_http_deleting_while_iterating_visits_every_row() -> None:
    server = Server(api_key=KEY)
    try:
        _fill(Session(transport=InProcessTransport(server)))
        with (
            serving(server, close=False) as (host, port),
            Session(f"http://{host}:{port}", server.api_user, KEY, page_size=7) as remote,
        ):
            _delete_while_iterating(remote, 4)
    finally:
        server.close()


def test_unordered_queries_page_by_key_and_ordered_ones_by_offset() -> None:
    server = Server()
    try:
        _fill(Session(transport=InProcessTransport(server)))
        spy = _Spy(server)
        session = Session(transport=spy, page_size=10)
        names = [s.name for s in session.query(Seq.where(Seq.name.like("s%")))]
        assert sorted(names) == [f"s{index:02d}" for index in range(ROWS)]
        pages = [q for q in spy.queries if "from Sequence" in q]
        assert len(pages) == 4
        assert "offset 0" in pages[0]
        assert "order by id" in pages[0]
        assert all('id > "' in q and "offset" not in q for q in pages[1:])
        spy.queries.clear()
        ordered = session.query(Seq.where(Seq.name.like("s%")).order_by(Seq.name.desc()))
        assert [s.name for s in ordered] == sorted(names, reverse=True)
        assert all('id > "' not in q for q in spy.queries)
        # a query's own offset and limit still hold
        part = session.query(Seq.where(Seq.name.like("s%")).offset(5).limit(17)).all()
        assert len(part) == 17
        assert [s.id for s in part] == sorted(s.id for s in part)
    finally:
        server.close()


def test_a_composite_key_pages_after_the_whole_key() -> None:
    node = ast.Select("CustomAttributeValue", where=None)
    after = after_key(node, ("configuration_id", "entity_id"), ("c", "e"))
    assert str(after) == (
        'CustomAttributeValue where configuration_id > "c" or '
        'configuration_id is "c" and entity_id > "e"'
    )


class _Looping:
    """A server whose pages end on rows already read (or rows without a key)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.calls = 0
        self.local = Session.local()

    def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        self.calls += 1
        assert self.calls < 50, "the session kept paging"
        results = []
        for op in operations:
            if isinstance(op, QueryOp):
                row = dict(self.rows[(self.calls - 2) % len(self.rows)])  # hydration changes it
                results.append(
                    {"action": "query", "data": [row], "metadata": {"next": {"offset": 1}}}
                )
            else:
                results.append(self.local.transport.call([op])[0])
        return results

    def close(self) -> None:
        self.local.close()


@pytest.mark.parametrize(
    "rows",
    [
        [{"__entity_type__": "Project", "id": "a"}, {"__entity_type__": "Project", "id": "b"}],
        [{"__entity_type__": "Project", "id": None}],
    ],
)
def test_a_server_whose_pages_do_not_advance_stops_paging(rows: list[dict[str, Any]]) -> None:
    transport = _Looping(rows)
    session = Session(transport=transport, page_size=1)
    with pytest.raises(ftorm.ServerError):
        session.query(Project).all()
    assert transport.calls < 6
    transport.close()
