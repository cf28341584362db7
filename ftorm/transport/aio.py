"""The asynchronous transport seam, and the in-process one.

An `AsyncTransport` is what `ftorm.AsyncSession` awaits: one batch in, one result per
operation out, in order, with the same errors as a `ftorm.transport.base.Transport`.

`AsyncInProcessTransport` runs an embedded server's handler (through a synchronous
`ftorm.transport.inprocess.InProcessTransport`) in a worker thread with `asyncio.to_thread`,
so the event loop keeps running while SQLite works; at most ``max_connections`` batches run
at once (the server serialises its writes itself). A task cancelled while its batch runs
stops waiting at once; the batch itself runs to its end on the worker thread (a thread
cannot be interrupted), and the next batch waits for it, so a reconciliation after a
cancelled commit sees everything that commit did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol

from ftorm._typing import JSON
from ftorm.protocol.operations import OperationLike

if TYPE_CHECKING:
    from ftorm.transport.inprocess import Handler, InProcessTransport

__all__ = ["DEFAULT_MAX_CONNECTIONS", "Abandoned", "AsyncInProcessTransport", "AsyncTransport"]

DEFAULT_MAX_CONNECTIONS = 10
"""How many requests an asynchronous transport has on their way at once, by default; more
wait for one to finish (`ftorm.AsyncSession`'s ``max_connections``)."""


class AsyncTransport(Protocol):
    """Sends one batch of operations and awaits one result per operation, in order.

    Implementations raise `ftorm.errors.ServerError` (or a subclass) when the server answers
    with an error object, and `ftorm.errors.ConnectError` when it cannot be reached.

    One may also have ``files()``: a blocking `ftorm.transport.base.Transport` to the same
    server, which moves component files on worker threads (`ftorm.AsyncSession.run`);
    without it, an `ftorm.AsyncSession`'s file methods raise `ftorm.TransportError`.
    """

    async def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Send ``operations`` as one request; one result per operation, in order."""
        ...

    async def aclose(self) -> None:
        """Release the connections (further calls may fail)."""
        ...


class Abandoned:
    """Batches whose caller was cancelled while they were on their way. A batch goes on when
    its caller is cancelled (the server may be applying it), and the transport's next batch
    waits for it (`settle`), so that batch, such as the queries reconciling a cancelled
    commit, sees it applied or refused, never half-way."""

    def __init__(self) -> None:
        self._running: set[asyncio.Future[list[JSON]]] = set()

    async def settle(self) -> None:
        """Wait for every abandoned batch to end."""
        if self._running:
            await asyncio.wait(set(self._running))

    async def outlive(self, running: asyncio.Future[list[JSON]]) -> list[JSON]:
        """Await ``running``; a cancelled caller leaves it going on, kept until it ends."""
        running.add_done_callback(self._ended)
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            if not running.done():
                self._running.add(running)
            raise

    def _ended(self, future: asyncio.Future[list[JSON]]) -> None:
        self._running.discard(future)
        if not future.cancelled():
            future.exception()  # retrieved: a cancelled caller no longer reads it


class AsyncInProcessTransport:
    """`AsyncTransport` over an in-process server (see the module docstring)."""

    threaded: ClassVar[bool] = True
    """Pages can be fetched ahead: the server works on worker threads."""

    def __init__(
        self,
        transport: InProcessTransport[Handler],
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.sync: InProcessTransport[Handler] = transport
        """The synchronous transport whose ``call`` runs on the worker threads."""
        self.max_connections: int = max_connections
        """At most this many batches run at once."""
        self._slots: asyncio.Semaphore | None = None
        self.in_flight: int = 0
        """Batches running now (never more than `max_connections`)."""
        self._abandoned = Abandoned()

    async def call(self, operations: Sequence[OperationLike]) -> list[JSON]:
        """Run one batch on the server in a worker thread; one result per operation.

        Raises what `ftorm.transport.inprocess.InProcessTransport.call` raises.
        """
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_connections)
        slots = self._slots
        await self._abandoned.settle()  # batches of cancelled tasks still running come first
        await slots.acquire()
        self.in_flight += 1
        running = asyncio.ensure_future(asyncio.to_thread(self.sync.call, list(operations)))

        def done(_: object) -> None:
            self.in_flight -= 1
            slots.release()

        running.add_done_callback(done)
        return await self._abandoned.outlive(running)

    def files(self) -> InProcessTransport[Handler]:
        """The blocking transport that moves component files (on worker threads): `sync`."""
        return self.sync

    async def aclose(self) -> None:
        """Refuse further batches (the server stays open: it belongs to the caller)."""
        self.sync.close()
