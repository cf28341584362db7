"""Helpers for testing code that uses ftorm, with no ftrack server.

- `local_session()`: a `Session` on a fresh embedded server, in memory, in-process;
  ``fixtures=[...]`` loads data fixtures (``ftorm dump`` files) into it.
- `load_fixtures(session, fixtures)`: load data fixtures into a local session's workspace.
- `assert_max_requests(session, n)`: a context manager that fails when the code inside makes
  more than ``n`` requests to the server (to keep N+1 loading out of production code).
- `record_events(session)`: a context manager recording every event the embedded server's
  hub routes inside the block (``ftrack.update`` of commits included), with
  `EventRecorder.assert_published(topic=..., ...)`.
- Listeners and actions run against the embedded server in-process: subscribe them to
  ``session.events``, commit, then ``session.events.settle()`` runs what the commit
  triggered (docs/how-to/test-event-listeners.md).

Installing ftorm also registers a pytest plugin with the fixture ``ftorm_session`` and the
marker ``ftorm_fixtures("file.json", ...)``, which loads data fixtures into it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ftorm.errors import ConfigurationError, FixtureError
from ftorm.query.subscription import Condition
from ftorm.session import Session

__all__ = [
    "EventRecorder",
    "RequestBudget",
    "assert_max_requests",
    "load_fixtures",
    "local_session",
    "record_events",
]

Fixture = str | os.PathLike[str] | Mapping[str, Any]
"""A data fixture: the path of a file ``ftorm dump`` wrote, or its decoded document."""


def local_session(
    path: str = ":memory:",
    *,
    fixtures: Iterable[Fixture] = (),
    replace: bool = False,
    **options: Any,
) -> Session:
    """A session on an embedded server (in memory by default) holding the data of
    ``fixtures`` (see `load_fixtures`); options go to `Session.local`."""
    session = Session.local(path, **options)
    try:
        load_fixtures(session, fixtures, replace=replace)
    except BaseException:
        session.close()
        raise
    return session


def load_fixtures(session: Session, fixtures: Iterable[Fixture], *, replace: bool = False) -> int:
    """Load data fixtures (files ``ftorm dump`` wrote, or their documents) into the workspace
    of a `Session.local` session; the number of rows written.

    A workspace that holds only what a new workspace holds (nothing written yet) ends up
    holding exactly the first fixture, without the built-in rows.
    `ftorm.FixtureError` for a value a create would refuse (naming the entity, the
    attribute and the fault), when a fixture was loaded already (unless ``replace``), clashes
    with the workspace's rows, or names a type or attribute its schema lacks (the first is
    named); the workspace is then unchanged.
    """
    from ftorm.server.handlers import Server

    server = session.local_server
    if not isinstance(server, Server):
        msg = "fixtures load into a local session's workspace (Session.local / local_session)"
        raise FixtureError(msg)
    written = 0
    for fixture in fixtures:
        if isinstance(fixture, Mapping):
            document: Any = fixture
            name = "fixture"
        else:
            name = os.fspath(fixture)
            try:
                document = json.loads(Path(name).read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError) as error:
                msg = f"cannot read the fixture {name}: {error}"
                raise FixtureError(msg) from None
        written += server.load_fixture(document, replace=replace, name=name)
    return written


class RequestBudget:
    """What `assert_max_requests` measured: ``used`` requests out of ``limit``."""

    __slots__ = ("limit", "used")

    limit: int
    """The most requests the block may make."""
    used: int
    """The requests the block made (set when it ends)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def __repr__(self) -> str:
        return f"RequestBudget(used={self.used}, limit={self.limit})"


@contextmanager
def assert_max_requests(session: Session, limit: int) -> Iterator[RequestBudget]:
    """Fail with `AssertionError` if the block makes more than ``limit`` server requests.

    ::

        with assert_max_requests(session, 2) as budget:
            shots = session.query(Shot.select(Shot.name, Shot.status.name)).all()
        print(budget.used)
    """
    budget = RequestBudget(limit)
    start = session.stats.requests
    try:
        yield budget
    finally:
        budget.used = session.stats.requests - start
    if budget.used > limit:
        msg = f"expected at most {limit} request(s) to the server, the block made {budget.used}"
        raise AssertionError(msg)


class EventRecorder:
    """The events the embedded server's hub routed during a `record_events` block."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        """Every event, in order (copies)."""
        self._lock = threading.Lock()

    def _record(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(json.loads(json.dumps(event)))

    def published(self, topic: str | None = None, **data: Any) -> list[dict[str, Any]]:
        """The recorded events of ``topic`` (a wildcard pattern like ``ftrack.*`` works)
        whose ``data`` has the given values (``data.key == value`` for each keyword)."""
        pattern = None if topic is None else Condition("topic", "=", topic)
        with self._lock:
            events = list(self.events)
        return [
            event
            for event in events
            if (pattern is None or pattern.match(event))
            and all(
                isinstance(event.get("data"), dict) and event["data"].get(k) == v
                for k, v in data.items()
            )
        ]

    def assert_published(self, topic: str | None = None, **data: Any) -> dict[str, Any]:
        """The first recorded event matching (see `published`); `AssertionError` listing
        the topics recorded when there is none."""
        found = self.published(topic, **data)
        if not found:
            topics = sorted({str(event.get("topic")) for event in self.events})
            msg = f"no event published with topic={topic!r} and data {data!r}; got {topics}"
            raise AssertionError(msg)
        return found[0]

    def assert_not_published(self, topic: str | None = None, **data: Any) -> None:
        """`AssertionError` when a recorded event matches (see `published`)."""
        found = self.published(topic, **data)
        if found:
            msg = f"{len(found)} event(s) published with topic={topic!r} and data {data!r}"
            raise AssertionError(msg)


@contextmanager
def record_events(session: Session) -> Iterator[EventRecorder]:
    """Record the events the hub of ``session``'s embedded server routes in the block
    (a `Session.local` session, or one sharing its server)."""
    from ftorm.server.handlers import Server

    server = session.local_server or getattr(session.transport, "server", None)
    if not isinstance(server, Server):
        msg = "record_events needs a session on an embedded server (Session.local())"
        raise ConfigurationError(msg)
    recorder = EventRecorder()
    server.events.on_publish(recorder._record)
    try:
        yield recorder
    finally:
        server.events.remove_on_publish(recorder._record)
