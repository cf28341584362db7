"""One core, two drivers: what a session decides, apart from how its batches travel.

Every session step that needs the server (a query and its pages, `populate`, a lazy load,
a commit and the reconciliation after a lost answer) is written once, as a generator of
*steps*: it yields each batch of operations it needs sent and receives the answers through
``send`` (or the transport's failure through ``throw``), and returns its result. The
generator holds every decision (which queries, how to merge the rows into the identity map,
what to keep pending when a commit fails); it performs no I/O.

Two drivers run these generators: `drive` sends each batch with a blocking ``call``
(`ftorm.Session`), `adrive` awaits an asynchronous one (`ftorm.AsyncSession`). Both pass a
failure of the call into the generator, so its ``except`` clauses (a commit whose fate is
unknown) hold for both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import TypeVar

from ftorm._typing import JSON
from ftorm.protocol.operations import OperationLike

__all__ = ["AsyncCall", "Call", "Steps", "adrive", "drive"]

T = TypeVar("T")

Steps = Generator[Sequence[OperationLike], list[JSON], T]
"""A core step generator: yields batches, receives one result per operation, returns T."""

Call = Callable[[Sequence[OperationLike]], list[JSON]]
"""Sends one batch and returns one result per operation (`ftorm.Session.call`)."""

AsyncCall = Callable[[Sequence[OperationLike]], Awaitable[list[JSON]]]
"""Sends one batch and awaits one result per operation (`ftorm.AsyncSession.call`)."""


def drive(steps: Steps[T], call: Call) -> T:
    """Run ``steps`` to its end, sending each batch it yields with ``call``."""
    try:
        batch = next(steps)
        while True:
            try:
                answers = call(batch)
            except BaseException as error:
                batch = steps.throw(error)
            else:
                batch = steps.send(answers)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        steps.close()


async def adrive(steps: Steps[T], call: AsyncCall) -> T:
    """Run ``steps`` to its end, awaiting ``call`` for each batch it yields.

    A cancellation while a batch is on its way is thrown into ``steps`` like any failure
    of the call (a commit then knows its batch may or may not have been applied), and then
    propagates.
    """
    try:
        batch = next(steps)
        while True:
            try:
                answers = await call(batch)
            except BaseException as error:
                batch = steps.throw(error)
            else:
                batch = steps.send(answers)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        steps.close()
