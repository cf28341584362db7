"""``AsyncSession.events``: streams and awaited publishing, in-process and over HTTP on
127.0.0.1 (a websocket), on the same event hub client core as ``Session.events``."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

from ftorm.errors import (
    EventHubConnectionError,
    EventStreamOverflowError,
    EventSubscriptionRefusedError,
    InvalidValueError,
    SubscriptionSyntaxError,
)
from ftorm.events import Event
from ftorm.events.aio import AsyncEventHub, EventStream
from ftorm.models import Project, ProjectSchema
from ftorm.protocol.events import MAX_SUBSCRIPTIONS
from ftorm.server.handlers import Server
from ftorm.session import AsyncSession, Session
from ftorm.transport.aio import AsyncInProcessTransport
from ftorm.transport.inprocess import InProcessTransport
from tests.server.server_helpers import serving

KEY = "test-key"
WAIT = 10.0  # seconds any one awaited step may take
T = TypeVar("T")


class Pair:
    """An `AsyncSession` and a second, blocking `Session` on the same server."""

    def __init__(self, session: AsyncSession, other: Session, server: Server) -> None:
        self.session = session
        self.other = other
        self.server = server

    def server_subscribers(self) -> set[str]:
        """The subscriber ids the server's hub routes to."""
        return {ident for c in self.server.events.connections for ident in c.subscribers}


@pytest.fixture(params=["in-process", "http"])
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    server = Server(api_key=KEY)
    with contextlib.ExitStack() as stack:
        if request.param == "in-process":
            transport: Any = AsyncInProcessTransport(InProcessTransport(server))
            other = Session(transport=InProcessTransport(server))
        else:
            host, port = stack.enter_context(serving(server, close=False))
            url = f"http://{host}:{port}"
            from ftorm.transport.ahttp import AsyncHttpTransport

            transport = AsyncHttpTransport(url, server.api_user, KEY)
            other = Session(url, server.api_user, KEY)
        yield Pair(AsyncSession(transport=transport), other, server)
        other.close()
    server.close()


def run(pair: Pair, main: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def body() -> T:
        async with pair.session as session:
            return await asyncio.wait_for(main(session), 4 * WAIT)

    return asyncio.run(body())


async def publish_from_other(pair: Pair, event: Event) -> None:
    """Publish ``event`` from the other (blocking) session, off the event loop."""
    await asyncio.to_thread(pair.other.events.publish, event)


async def next_event(stream: AsyncIterator[Event]) -> Event:
    return await asyncio.wait_for(anext(stream), WAIT)


def test_an_event_published_by_another_session_arrives_filtered(pair: Pair) -> None:
    async def main(session: AsyncSession) -> list[str]:
        async with session.events.stream("topic=my.wanted and data.n > 1") as stream:
            await publish_from_other(pair, Event("my.other", {"n": 5}))
            await publish_from_other(pair, Event("my.wanted", {"n": 1}))
            wanted = Event("my.wanted", {"n": 2})
            await publish_from_other(pair, wanted)
            got = await next_event(stream)
            assert got.id == wanted.id
            assert got.data == {"n": 2}
            assert isinstance(got, Event)
            await publish_from_other(pair, Event("my.wanted", {"n": 3}))
            return [str(e.data["n"]) for e in [await next_event(stream)]]

    assert run(pair, main) == ["3"]  # the non-matching events never came between


def test_a_commit_reaches_a_stream_as_ftrack_update(pair: Pair) -> None:
    async def main(session: AsyncSession) -> None:
        async with session.events.stream("topic=ftrack.update") as stream:
            schema = await session.query(ProjectSchema).first()
            project = session.create(Project, name="p", full_name="P", project_schema=schema)
            await session.commit()
            event = await next_event(stream)
            (entity,) = event.data["entities"]
            assert entity["entityId"] == project.id
            assert entity["action"] == "add"

    run(pair, main)


def test_breaking_out_of_async_for_unsubscribes(pair: Pair) -> None:
    async def main(session: AsyncSession) -> None:
        hub = session.events
        seen: list[Event] = []

        async def consume() -> None:
            async for event in hub.stream("topic=my.topic", subscriber={"id": "s1"}):
                seen.append(event)
                break

        task = asyncio.ensure_future(consume())
        await until_async(lambda: "s1" in pair.server_subscribers())
        assert [s.id for s in hub.hub.subscriptions] == ["s1"]
        await publish_from_other(pair, Event("my.topic"))
        await asyncio.wait_for(task, WAIT)
        assert len(seen) == 1
        assert hub.streams == []
        # released unclosed: the finaliser leaves the removal to the hub's own thread
        await until_async(lambda: hub.hub.subscriptions == [])
        # the hub was told: the server no longer routes my.topic to this connection
        await until_async(lambda: "s1" not in pair.server_subscribers())

    run(pair, main)


def test_cancelling_the_reading_task_inside_async_with_unsubscribes_and_closes(
    pair: Pair,
) -> None:
    async def main(session: AsyncSession) -> None:
        hub = session.events
        stream = hub.stream("topic=my.topic", subscriber={"id": "s2"})

        async def consume() -> None:
            async with stream:
                async for _ in stream:
                    pass

        task = asyncio.ensure_future(consume())
        await until_async(lambda: stream.subscription is not None and len(hub.streams) == 1)
        await until_async(lambda: "s2" in pair.server_subscribers())
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert stream.closed
        assert hub.hub.subscriptions == []
        await until_async(lambda: "s2" not in pair.server_subscribers())
        with pytest.raises(StopAsyncIteration):  # a closed stream ends
            await anext(stream)

    run(pair, main)


def test_closing_while_subscribing_leaves_no_subscriber(pair: Pair) -> None:
    async def main(session: AsyncSession) -> None:
        hub = session.events
        stream = hub.stream("topic=my.topic", subscriber={"id": "s3"})
        task = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)  # the subscription is on its way on a worker thread
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not stream.closed  # a cancelled read does not close
        await stream.aclose()
        assert stream.closed
        await until_async(lambda: hub.hub.subscriptions == [])
        await asyncio.to_thread(hub.hub.connect)
        await until_async(lambda: "s3" not in pair.server_subscribers())

    run(pair, main)


def test_overflow_raises_after_the_buffered_events(pair: Pair) -> None:
    async def main(session: AsyncSession) -> None:
        stream = session.events.stream("topic=my.flood", buffer=3)
        async with stream:
            events = [Event("my.flood", {"n": n}) for n in range(6)]
            for event in events:
                await publish_from_other(pair, event)
            await until_async(lambda: stream.dropped == 3)
            got = [(await next_event(stream)).id for _ in range(3)]
            assert got == [e.id for e in events[:3]]
            with pytest.raises(EventStreamOverflowError):
                await next_event(stream)
            assert stream.closed
            assert session.events.hub.subscriptions == []

    run(pair, main)


def test_overflow_drop_oldest_keeps_the_newest(pair: Pair) -> None:
    async def main(session: AsyncSession) -> None:
        stream = session.events.stream("topic=my.flood", buffer=2, overflow="drop_oldest")
        async with stream:
            events = [Event("my.flood", {"n": n}) for n in range(5)]
            for event in events:
                await publish_from_other(pair, event)
            await until_async(lambda: stream.dropped == 3)
            got = [(await next_event(stream)).id for _ in range(2)]
            assert got == [e.id for e in events[3:]]
            assert not stream.closed

    run(pair, main)


def test_awaited_publish_reaches_a_blocking_subscriber_and_its_reply_comes_back(
    pair: Pair,
) -> None:
    asked: list[Event] = []
    pair.other.events.subscribe("topic=my.question", lambda e: asked.append(e) or {"a": 42})
    pair.other.events.start()

    async def main(session: AsyncSession) -> None:
        loop = asyncio.get_running_loop()
        replies: list[Event] = []
        on_loop: list[bool] = []

        def on_reply(reply: Event) -> None:
            on_loop.append(asyncio.get_running_loop() is loop)
            replies.append(reply)

        question = Event("my.question", {"q": 1})
        await session.events.publish(question, on_reply=on_reply)
        await until_async(lambda: bool(replies))
        assert [e.id for e in asked] == [question.id]
        assert replies[0]["data"] == {"a": 42}
        assert on_loop == [True]

    run(pair, main)


def test_two_streams_on_one_session_each_get_their_events(pair: Pair) -> None:
    async def main(session: AsyncSession) -> None:
        hub = session.events
        async with hub.stream("topic=a") as a, hub.stream("topic=a or topic=b") as both:
            first, second = Event("a"), Event("b")
            await session.events.publish(first)  # a session's own events reach it too
            await publish_from_other(pair, second)
            assert (await next_event(a)).id == first.id
            assert [(await next_event(both)).id for _ in range(2)] == [first.id, second.id]

    run(pair, main)


def test_closing_the_session_ends_its_streams(pair: Pair) -> None:
    async def main() -> None:
        session = pair.session
        stream = session.events.stream("topic=my.topic")

        async def consume() -> list[Event]:
            return [event async for event in stream]

        task = asyncio.ensure_future(consume())
        await until_async(lambda: stream.subscription is not None)
        await session.close()
        assert await asyncio.wait_for(task, WAIT) == []
        assert stream.closed

    asyncio.run(main())


def test_bad_arguments_are_refused_where_the_stream_is_asked_for() -> None:
    async def main() -> None:
        async with AsyncSession.local() as session:
            with pytest.raises(SubscriptionSyntaxError):
                session.events.stream("topic=")
            with pytest.raises(InvalidValueError):
                session.events.stream("topic=x", buffer=0)
            with pytest.raises(InvalidValueError):
                session.events.stream("topic=x", overflow="block")  # type: ignore[arg-type]
            assert isinstance(session.events, AsyncEventHub)
            assert isinstance(session.events.stream("topic=x"), EventStream)

    asyncio.run(main())


def test_local_session_streams_its_own_commits() -> None:
    async def main() -> None:
        session = AsyncSession.local()
        async with session, session.events.stream("topic=ftrack.update") as stream:
            schema = await session.query(ProjectSchema).first()
            session.create(Project, name="p", full_name="P", project_schema=schema)
            await session.commit()
            event = await next_event(stream)
            assert event.data["entities"][0]["entityType"] == "show"

    asyncio.run(main())


def test_a_hub_that_cannot_be_reached_raises_where_the_stream_is_awaited() -> None:
    async def main() -> None:
        from ftorm.transport.ahttp import AsyncHttpTransport

        transport = AsyncHttpTransport("http://127.0.0.1:9", "u", "k", timeout=1.0, retries=0)
        async with AsyncSession(transport=transport) as session:
            stream = session.events.stream("topic=x")
            with pytest.raises(EventHubConnectionError):
                await next_event(stream)
            assert stream.closed

    asyncio.run(main())


async def until_async(condition: Callable[[], bool]) -> None:
    """Wait (yielding to the loop) until ``condition`` holds; fail after `WAIT` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_a_timed_out_read_leaves_the_stream_open_with_its_buffered_events(pair: Pair) -> None:
    async def main(session: AsyncSession) -> None:
        async with session.events.stream("topic=my.tick") as stream:
            # the usual "next event or time out": nothing came, the stream stays open
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(anext(stream), 0.01)
            assert not stream.closed
            assert stream.subscription is not None
            # an event buffered as the read is cancelled stays for the next read
            reading = asyncio.ensure_future(anext(stream))
            await asyncio.sleep(0)  # the read waits for an event
            assert stream.subscription is not None
            stream.subscription.callback(Event("my.tick", {"n": 0}))  # the hub delivers
            reading.cancel()  # before the reading task resumed
            with pytest.raises(asyncio.CancelledError):
                await reading
            assert (await next_event(stream)).data == {"n": 0}
            # a later event still arrives on the same stream, after another timeout
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(anext(stream), 0.01)
            await publish_from_other(pair, Event("my.tick", {"n": 1}))
            assert (await next_event(stream)).data == {"n": 1}
            assert not stream.closed
        assert stream.closed  # leaving the block closes it
        await until_async(lambda: session.events.hub.subscriptions == [])

    run(pair, main)


def test_a_subscription_the_server_refuses_raises_where_the_stream_is_awaited(
    pair: Pair,
) -> None:
    async def main(session: AsyncSession) -> None:
        hub = session.events.hub
        stream = session.events.stream("topic=my.topic")  # (adds the hub's watcher)
        room = MAX_SUBSCRIPTIONS - len(hub.router.all())  # the hub's own subscribers count

        def fill() -> None:
            for n in range(room):
                hub.subscribe(f"topic=my.filler{n}", lambda _: None)

        await asyncio.to_thread(fill)
        with pytest.raises(EventSubscriptionRefusedError) as refused:
            await next_event(stream)  # the 1,001st subscriber of the connection
        assert f"{MAX_SUBSCRIPTIONS:,}" in refused.value.reason
        assert refused.value.reason in str(refused.value)
        assert stream.closed
        assert len(hub.router.all()) == MAX_SUBSCRIPTIONS  # the refused one was removed
        # the blocking client: logged as before, and now observable
        extra = await asyncio.to_thread(hub.subscribe, "topic=my.extra", lambda _: None)
        assert not await asyncio.to_thread(hub.confirmed, extra, WAIT)
        assert extra.refused is not None
        assert f"{MAX_SUBSCRIPTIONS:,}" in extra.refused
        last = hub.subscriptions[-2]  # one the server took
        assert await asyncio.to_thread(hub.confirmed, last, WAIT)
        assert last.refused is None

    run(pair, main)


def test_closing_a_stream_does_not_wait_for_the_hub_lock(pair: Pair) -> None:
    async def main(session: AsyncSession) -> None:
        hub = session.events
        stream = hub.stream("topic=my.topic", subscriber={"id": "s9"})
        await stream.__aenter__()
        await until_async(lambda: "s9" in pair.server_subscribers())
        holding, release = threading.Event(), threading.Event()

        def hold() -> None:  # as another stream's worker does while it connects
            with hub.hub._lock:
                holding.set()
                release.wait(WAIT)

        holder = threading.Thread(target=hold)
        holder.start()
        await asyncio.to_thread(holding.wait, WAIT)
        stream.close()  # on the event loop
        held_throughout = holder.is_alive() and not release.is_set()
        assert stream.closed
        assert hub.hub.subscriptions == []  # removed at once: no event reaches it
        assert hub.streams == []
        release.set()
        await asyncio.to_thread(holder.join, WAIT)
        assert held_throughout  # close() returned while the lock was held
        await until_async(lambda: "s9" not in pair.server_subscribers())  # then told

    run(pair, main)


def test_a_stream_released_unclosed_is_finalised_without_taking_locks() -> None:
    async def main() -> None:
        async with AsyncSession.local() as session:
            hub = session.events
            stream = hub.stream("topic=my.topic", subscriber={"id": "gc"})
            await stream.__aenter__()
            released = weakref.ref(stream)
            box = [stream]
            del stream

            def collect_holding_the_locks() -> None:
                # the garbage collector may finalise on a thread holding either lock
                with hub.hub.router._lock, hub._lock:
                    box.clear()
                    gc.collect()

            collector = threading.Thread(target=collect_holding_the_locks, daemon=True)
            collector.start()
            await asyncio.to_thread(collector.join, WAIT)
            assert not collector.is_alive()  # no deadlock
            assert released() is None
            await until_async(lambda: hub.hub.subscriptions == [])

    asyncio.run(main())


def test_a_read_cancelled_while_subscribing_leaves_the_subscription_going_on(pair: Pair) -> None:
    async def main(session: AsyncSession) -> None:
        stream = session.events.stream("topic=my.late")
        with pytest.raises(TimeoutError):  # cancelled before the hub acknowledged it
            await asyncio.wait_for(anext(stream), 0)
        assert not stream.closed
        async with stream:  # waits for the same subscription
            assert len(session.events.hub.subscriptions) == 1
            await publish_from_other(pair, Event("my.late", {"n": 1}))
            assert (await next_event(stream)).data == {"n": 1}

    run(pair, main)
