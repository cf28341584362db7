"""`AsyncSession` code that runs on worker threads (`AsyncSession.run`, the custom attribute
configurations, inherited values) sends its requests through the transport's blocking twin,
so it never waits for the event loop: a loop task waiting for the core's lock, or a thread
pool whose workers are all busy, cannot hang it. Each scenario runs on a thread joined with
a bound, so a hang fails the test instead of stopping the suite."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from ftorm import AsyncSession, Session
from ftorm._typing import JSON
from ftorm.models import Project
from ftorm.protocol.operations import OperationLike
from ftorm.server.handlers import Server
from ftorm.transport.aio import AsyncInProcessTransport
from ftorm.transport.inprocess import InProcessTransport

BOUND = 60.0  # seconds a scenario may take at most before it counts as hung


class SlowServer(InProcessTransport[Server]):
    """The embedded server, answering each batch after ``delay`` seconds; records batches."""

    def __init__(self, server: Server, delay: float) -> None:
        super().__init__(server)
        self.delay = delay
        self.sent: list[list[str]] = []

    def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        self.sent.append([type(operation).__name__ for operation in operations])
        time.sleep(self.delay)
        return super().call(operations)


def finishes(scenario: Callable[[], Coroutine[Any, Any, object]]) -> object:
    """Run ``scenario`` on its own thread and loop; fail when it has not ended in `BOUND`."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(scenario()))
        except BaseException as error:  # reported on the test's thread
            outcome.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND)
    assert not thread.is_alive(), "the scenario hung"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def test_a_loop_task_writing_while_a_worker_commits_does_not_hang() -> None:
    async def scenario() -> str:
        server = Server(api_key="k")
        session = AsyncSession(transport=AsyncInProcessTransport(SlowServer(server, 0.3)))
        await session.load_schema()
        first = await session.ensure(Project, ["name"], name="a", full_name="A")

        async def write() -> None:
            await asyncio.sleep(0.45)  # the worker's commit holds the core's lock now
            first.full_name = "B"

        await asyncio.gather(session.ensure(Project, ["name"], name="b", full_name="B"), write())
        await session.commit()
        await session.close()
        fresh = Session(transport=InProcessTransport(server))
        name = fresh.get(Project, first.id).full_name
        server.close()
        return name

    assert finishes(scenario) == "B"


def test_more_worker_reads_than_the_thread_pool_has_threads_do_not_hang() -> None:
    async def scenario() -> int:
        server = Server(api_key="k")
        session = AsyncSession(transport=AsyncInProcessTransport(InProcessTransport(server)))
        await session.load_schema()
        many = min(32, (os.cpu_count() or 1) + 4) + 2  # more than asyncio's default pool
        found = await asyncio.gather(*(session.load_configurations() for _ in range(many)))
        await session.close()
        server.close()
        return len(found)

    assert finishes(scenario) == min(32, (os.cpu_count() or 1) + 4) + 2


def test_cancelling_run_twice_keeps_commits_apart_until_the_worker_ended() -> None:
    async def scenario() -> tuple[list[list[str]], int]:
        server = Server(api_key="k")
        slow = SlowServer(server, 0.5)
        session = AsyncSession(transport=AsyncInProcessTransport(slow))
        await session.load_schema()
        session.create(Project, name="p", full_name="P")
        task = asyncio.ensure_future(session.run(Session.commit))
        await asyncio.sleep(0.1)
        task.cancel()
        await asyncio.sleep(0.05)
        task.cancel()  # a second cancellation while the worker still commits
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await session.commit()  # nothing left to send: the worker's commit went through
        await session.close()
        fresh = Session(transport=InProcessTransport(server))
        count = fresh.query(Project.where(name="p")).count()
        server.close()
        return [kinds for kinds in slow.sent if "CreateOp" in kinds], count

    creates, count = finishes(scenario)  # type: ignore[misc]
    assert creates == [["CreateOp"]]
    assert count == 1
