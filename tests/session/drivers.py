"""One test body, both drivers: a blocking view of a `Session` or an `AsyncSession`.

`Driven` runs an `AsyncSession`'s coroutines on an event loop of its own thread, so a test
written once (``driven.query(Shot).all()``, ``driven.commit()``) exercises the blocking and
the awaited driver alike; the ``driven`` fixture of the modules that use it is parametrised
over both drivers, in-process and over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from ftorm.model.base import Model
from ftorm.session import AsyncSession, Session

T = TypeVar("T")

TIMEOUT = 30.0
"""Seconds any one awaited step may take before the test fails."""


class Loop:
    """An event loop running on a thread of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(TIMEOUT)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(TIMEOUT)
        self.loop.close()


class DrivenQuery:
    """`Query` running methods, blocking, over either driver."""

    def __init__(self, driven: Driven, query: Any) -> None:
        self._driven = driven
        self._query = query

    def all(self) -> list[Any]:
        return self._driven._value(self._query.all())

    def first(self) -> Any:
        return self._driven._value(self._query.first())

    def one(self) -> Any:
        return self._driven._value(self._query.one())

    def count(self) -> int:
        return int(self._driven._value(self._query.count()))

    def __iter__(self) -> Iterator[Any]:
        if self._driven.loop is None:
            yield from self._query
            return
        loop = self._driven.loop
        iterator: AsyncIterator[Any] = aiter(self._query)
        try:
            while True:
                try:
                    item = loop.run(anext(iterator))
                except StopAsyncIteration:
                    return
                yield item
        finally:
            loop.run(iterator.aclose())  # type: ignore[attr-defined]


class Driven:
    """A blocking view of ``session`` (a `Session`, or an `AsyncSession` run on ``loop``)."""

    def __init__(self, session: Session | AsyncSession, loop: Loop | None) -> None:
        self.session = session
        self.loop = loop

    @property
    def kind(self) -> str:
        return "sync" if self.loop is None else "async"

    def _value(self, value: Any) -> Any:
        if self.loop is None:
            return value
        return self.loop.run(value)

    @property
    def core(self) -> Session:
        """The session holding the objects (the async session's core)."""
        session = self.session
        return session if isinstance(session, Session) else session.core

    def query(self, target: Any) -> DrivenQuery:
        return DrivenQuery(self, self.session.query(target))

    def get(self, model: Any, key: object) -> Any:
        return self._value(self.session.get(model, key))

    def populate(self, objects: Iterable[Model], *paths: object) -> None:
        self._value(self.session.populate(objects, *paths))

    def create(self, model: Any, /, **values: Any) -> Any:
        return self.session.create(model, **values)

    def delete(self, obj: Model) -> None:
        self.session.delete(obj)

    def commit(self) -> None:
        self._value(self.session.commit())

    def rollback(self) -> None:
        self._value(self.session.rollback())

    def close(self) -> None:
        self._value(self.session.close())

    def call(self, operations: Sequence[Any]) -> list[Any]:
        return list(self._value(self.session.call(operations)))

    @property
    def requests(self) -> int:
        return self.session.stats.requests

    @property
    def dirty(self) -> bool:
        return self.session.dirty
