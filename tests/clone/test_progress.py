"""The clone's progress line: counts, rate, what is left and about how long."""

from __future__ import annotations

import io

from ftorm.clone.progress import Progress, size_text


class Clock:
    """A fake clock: `now` seconds, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_line_estimates_the_time_left_from_the_pace_so_far() -> None:
    stream = io.StringIO()
    clock = Clock()
    progress = Progress(stream, terminal=False, interval=0, clock=clock)
    clock.now += 10  # ten seconds in
    progress.add("Shot", 300)
    progress.add("Task", 700)
    progress.update(pending=20, completed=10)  # 10 pages in 10 s, 20 to go: about 20 s
    line = stream.getvalue().strip()
    assert line.startswith("cloned 1,000 entities in 10.0 s (100/s; ")
    assert "20 queries left, about 20 s" in line
    assert line.endswith("Task 700, Shot 300")
    progress.update(pending=0, completed=30)
    assert "finishing" in progress.line()


def test_long_estimates_read_in_minutes_and_hours() -> None:
    clock = Clock()
    progress = Progress(io.StringIO(), terminal=False, interval=3600, clock=clock)
    clock.now += 60
    progress.update(pending=600, completed=10)
    assert "about 60 min" in progress.line()
    progress.update(pending=6000, completed=10)
    assert "about 10.0 h" in progress.line()


def test_a_terminal_redraws_one_line() -> None:
    stream = io.StringIO()
    progress = Progress(stream, terminal=True, interval=0)
    progress.add("Shot", 1)
    progress.update(pending=1)
    progress.finish("done")
    text = stream.getvalue()
    assert text.startswith("\r")
    assert text.endswith("done\n")
    assert size_text(1_500_000) == "1.5 MB"


def test_lines_are_drawn_at_most_once_per_interval() -> None:
    stream = io.StringIO()
    clock = Clock()
    progress = Progress(stream, terminal=False, interval=5, clock=clock)
    progress.add("Shot", 1)
    progress.update(pending=3)  # the first update draws
    clock.now += 4.9
    progress.update(pending=2)  # too soon
    clock.now += 0.1
    progress.update(pending=1)  # five seconds after the last line
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert "3 queries left" in lines[0]
    assert "1 queries left" in lines[1]
