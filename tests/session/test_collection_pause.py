"""The cyclic garbage collector pauses while ftorm decodes an answer or hydrates rows
(`ftorm.protocol.collection.paused`), and comes back as the caller left it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from ftorm.models import Project, Status, Task
from ftorm.protocol.collection import paused
from ftorm.session.loading import Hydrator
from ftorm.testing import local_session
from ftorm.transport.http import decode_answer


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_a_pause_switches_the_collector_off_and_back_on() -> None:
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_failing_block_still_switches_it_back_on() -> None:
    with pytest.raises(ValueError, match="boom"), paused():
        raise ValueError("boom")  # noqa: EM101
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_collector_the_caller_switched_off_stays_off() -> None:
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_overlapping_pauses_on_two_threads_end_with_the_last() -> None:
    entered, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with paused():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with paused():
        thread.start()
        assert entered.wait(10)
    seen.append(gc.isenabled())  # the other thread's pause is still on
    release.set()
    thread.join(10)
    assert seen == [False]
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_decoding_an_answer_leaves_the_collector_on() -> None:
    assert decode_answer(200, b'[{"data": [], "metadata": {}}]', 1, "here") == [
        {"data": [], "metadata": {}}
    ]
    assert gc.isenabled()
    with pytest.raises(Exception, match="unexpected format"):
        decode_answer(200, b"not json", 1, "here")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_rows_are_hydrated_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    with local_session() as base:
        project = base.create(Project, name="p", full_name="P")
        status = base.query(Status).first()
        for index in range(50):
            base.create(Task, name=f"t{index:02d}", parent=project, status=status)
        base.commit()
        states: list[bool] = []
        entity = Hydrator.entity

        def spying(self: Hydrator, *args: object, **kwargs: object) -> object:
            states.append(gc.isenabled())
            return entity(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Hydrator, "entity", spying)
        called = []
        query = base.query(Task).where(Task.parent.name == "p").page_size(10)
        for task in query:  # the caller's loop runs with the collector as it left it
            called.append((task.name, gc.isenabled()))
    assert len(called) == 50
    assert states
    assert not any(states)
    assert all(on for _, on in called)
    assert gc.isenabled()
