"""`Session` code run for an asynchronous session on worker threads, and its transport.

An `ftorm.session.aio.AsyncSession` runs blocking `Session` code on worker threads (the
custom attribute configurations, inherited custom attribute values, and every method it
awaits through `AsyncSession.run`). The requests and component files of that code go
through the bridge: on a worker thread, through the asynchronous transport's blocking twin
(``files()``: requests for HTTP, the server's own for `AsyncSession.local`), so the worker
never waits for the loop; for a transport without one, through the asynchronous transport
on the session's loop. On the loop itself (an attribute read, which cannot await) it
refuses with `ftorm.NotLoadedError`. `OnCore` makes a `Session` method an awaitable
`AsyncSession` method that `AsyncSession.run` runs on such a thread.

This module does not import the session's: what it needs of it is stated as protocols
(`BridgeOwner`, `CoreRunner`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    BinaryIO,
    Concatenate,
    Generic,
    ParamSpec,
    Protocol,
    TypeVar,
    cast,
    overload,
)

from ftorm._typing import JSON
from ftorm.errors import DownloadError, NotLoadedError, TransportError
from ftorm.protocol.operations import OperationLike

if TYPE_CHECKING:
    from typing import Self

    from ftorm.session.session import Session
    from ftorm.transport.aio import AsyncTransport
    from ftorm.transport.base import Transport

__all__ = ["Bridge", "BridgeOwner", "CoreRunner", "OnCore"]

R = TypeVar("R")
P = ParamSpec("P")

_NO_FILES = "this AsyncSession's transport moves no files (it has no files() transport)"
"""Why the file operations of an asynchronous session's core are refused."""


class BridgeOwner(Protocol):
    """What a `Bridge` needs of its asynchronous session: the event loop it belongs to
    (None before its first use) and its asynchronous transport."""

    @property
    def _loop(self) -> asyncio.AbstractEventLoop | None: ...

    @property
    def _transport(self) -> AsyncTransport: ...


class Bridge:
    """The core session's transport: the blocking steps an `AsyncSession` runs on a worker
    thread send their batches through the asynchronous transport's blocking twin (``files()``:
    requests for HTTP, the server's own for `AsyncSession.local`), or, for a transport without
    one, through the asynchronous transport on the session's loop."""

    threaded = False

    def __init__(self, owner: BridgeOwner) -> None:
        self._owner = owner

    def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        loop = self._owner._loop
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            on_loop = False
        else:
            on_loop = True
        twin = getattr(self._owner._transport, "files", None)
        if twin is not None and not on_loop:
            # A worker thread sends through the blocking twin and never waits for the loop:
            # a task on the loop may be waiting for the core's lock, which this thread holds
            # while it commits, and the loop's own worker threads may all be taken.
            sent: list[JSON] = twin().call(operations)
            return sent
        if loop is None or on_loop or loop.is_closed():
            msg = (
                "this needs a request, and an AsyncSession cannot send one from a plain "
                "attribute read or call: await it (session.load, session.populate, a query; "
                "await session.load_schema() before session.schema or session.types, "
                "await session.load_configurations() before reading obj.custom)"
            )
            raise NotLoadedError(msg)
        future = asyncio.run_coroutine_threadsafe(self._owner._transport.call(operations), loop)
        return future.result()

    # Files travel through the asynchronous transport's blocking twin (``files()``), on the
    # worker thread running the core's file code (`AsyncSession.create_component`, ...).

    def _files(self) -> Transport:
        files = getattr(self._owner._transport, "files", None)
        if files is None:
            raise TransportError(_NO_FILES)
        found: Transport = files()
        return found

    def put_file(self, url: str, stream: BinaryIO, headers: Mapping[str, str]) -> None:
        self._files().put_file(url, stream, headers)

    def download(self, component_id: str, write: Callable[[bytes], object]) -> int:
        try:
            files = self._files()
        except TransportError:
            raise DownloadError(_NO_FILES) from None
        return files.download(component_id, write)

    def remove_file(self, component_id: str) -> None:
        self._files().remove_file(component_id)

    def file_url(self, component_id: str, *, thumbnail_size: int | None = None) -> str:
        return self._files().file_url(component_id, thumbnail_size=thumbnail_size)

    def close(self) -> None:
        """Nothing to release: the asynchronous transport is closed by the session."""


class CoreRunner(Protocol):
    """What an `OnCore` method needs of its asynchronous session: `AsyncSession.run`."""

    async def run(
        self, function: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R: ...


class OnCore(Generic[P, R]):
    """An awaitable `AsyncSession` method: the `Session` method ``method`` (typed as it is,
    awaited), run on the session's core by `AsyncSession.run`."""

    __slots__ = ("_doc", "_method")

    def __init__(self, method: Callable[Concatenate[Session, P], R]) -> None:
        self._method = method
        self._doc = method.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
    @overload
    def __get__(
        self, obj: CoreRunner, owner: type[Any] | None = None
    ) -> Callable[P, Coroutine[Any, Any, R]]: ...
    def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        method = self._method

        async def awaited(*args: P.args, **kwargs: P.kwargs) -> R:
            return await cast("CoreRunner", obj).run(method, *args, **kwargs)

        awaited.__name__ = awaited.__qualname__ = method.__name__
        awaited.__doc__ = self._doc
        return awaited
