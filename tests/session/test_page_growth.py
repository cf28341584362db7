"""Pages grow (`ftorm.session.paging.Pager`, ``grow_to``): a session left with its default
``page_size`` asks for 500 rows, then twice as many after each full page up to
`ftorm.session.paging.GROW_TO`; a server with a page limit of its own stops the growth."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ftorm.models import Task
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.protocol.results import QueryResult
from ftorm.query import ast
from ftorm.session import Session
from ftorm.session.paging import GROW_TO, Pager, pages


def _sizes(total: int, size: int, grow_to: int | None, cap: int | None = None) -> list[int]:
    """The ``limit`` of each page request for ``total`` rows on a server answering at most
    ``cap`` rows a page."""
    asked: list[int] = []
    pager = Pager(ast.Select("Task"), size, None, grow_to)
    request = pager.first()
    while request is not None:
        assert request.limit is not None
        asked.append(request.limit)
        start = request.offset or 0
        count = min(request.limit, cap or request.limit, total - start)
        following = start + count if start + count < total else None
        request = pager.after(request, QueryResult([{"id": "x"}] * count, following))
    return asked


def test_pages_double_up_to_the_largest_page() -> None:
    assert _sizes(10_000, 500, GROW_TO) == [500, 1_000, 2_000, 4_000, 8_000]
    assert _sizes(100_000, 500, GROW_TO) == [500, 1_000, 2_000, 4_000, 8_000, 16_000, *[20_000] * 4]
    assert _sizes(30_000, 500, 5_000) == [500, 1_000, 2_000, 4_000, *[5_000] * 5]


def test_a_fixed_page_size_does_not_grow() -> None:
    assert _sizes(2_000, 500, None) == [500] * 4


def test_a_server_limit_stops_the_growth() -> None:
    assert _sizes(5_000, 500, GROW_TO, cap=700) == [500, 1_000, 700, 700, 700, 700, 700, 700]


@given(
    total=st.integers(0, 30_000),
    size=st.integers(1, 3_000),
    grow_to=st.none() | st.integers(1, 9_000),
    cap=st.none() | st.integers(1, 4_000),
)
def test_every_row_is_asked_for_once(
    total: int, size: int, grow_to: int | None, cap: int | None
) -> None:
    asked = _sizes(total, size, grow_to, cap)
    largest = max(size, grow_to or size)
    assert all(limit <= largest for limit in asked)
    assert len(asked) <= max(1, -(-total // min(size, cap or size)) + 1)


class _Spy:
    """An in-process transport keeping the ``limit`` of each query it sends."""

    threaded = False

    def __init__(self, session: Session) -> None:
        self.session = session
        self.limits: list[int | None] = []

    def call(self, operations: Sequence[OperationLike]) -> list[Any]:
        for op in operations:
            if isinstance(op, QueryOp) and " from Task" in op.expression:
                self.limits.append(int(op.expression.rsplit(" limit ", 1)[1]))
        return self.session.call(operations)

    def close(self) -> None:
        pass


def _tasks(session: Session, count: int) -> None:
    project = session.create("Project", name="p", full_name="p")
    for index in range(count):
        session.create(Task, name=f"t{index}", parent=project)
    session.commit()


def test_a_session_grows_its_pages_unless_given_a_page_size() -> None:
    with Session.local() as local:
        _tasks(local, 1_600)
        spy = _Spy(local)
        assert len(Session(transport=spy).query(Task).all()) == 1_600
        assert spy.limits == [500, 1_000, 2_000]
        spy.limits.clear()
        assert len(Session(transport=spy, page_size=500).query(Task).all()) == 1_600
        assert spy.limits == [500] * 4
        spy.limits.clear()
        assert len(Session(transport=spy).query(Task.where().page_size(800)).all()) == 1_600
        assert spy.limits == [800, 800]


def test_pages_reads_every_row_when_growing() -> None:
    with Session.local() as local:
        _tasks(local, 700)
        node = ast.Select(
            "Task", (ast.Path.of("id"),), order_by=(ast.OrderItem(ast.Path.of("id")),)
        )
        rows = [
            row["id"]
            for page in pages(local.call, node, 100, threaded=False, keys=("id",), grow_to=400)
            for row in page.data
        ]
        assert len(rows) == len(set(rows)) == 700


def test_an_async_session_grows_its_pages_as_a_session_does() -> None:
    import asyncio

    from ftorm import AsyncSession
    from ftorm.models import Project

    async def main() -> tuple[list[int], list[int]]:
        counts = []
        for options in ({}, {"page_size": 500}):
            async with AsyncSession.local(**options) as session:  # type: ignore[arg-type]
                project = session.create(Project, name="p", full_name="p")
                for index in range(1_600):
                    session.create(Task, name=f"t{index}", parent=project)
                await session.commit()
                before = session.stats.requests
                seen = [task.id async for task in session.query(Task)]
                assert len(seen) == len(set(seen)) == 1_600
                counts.append(session.stats.requests - before)
        return counts[:1], counts[1:]

    grown, fixed = asyncio.run(main())
    assert grown == [3]  # 500, 1,000, 2,000 rows
    assert fixed == [4]  # 500 rows each
