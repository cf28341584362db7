"""The event hub of ``ftorm serve``: publish-to-callback latency and sustained throughput.

Run: ``python benchmarks/bench_events.py [--events 5000] [--subscribers 10] [--no-write]``.

Starts ``ftorm serve`` as a separate process on 127.0.0.1, then, from this process, with
ftorm's client (``session.events``) over the websocket:

1. **Baseline.** One API request (``query_server_information``) over HTTP, p50/p99, measured
   first in the same run.
2. **Latency.** One publisher and one subscriber (two connections); ``--latency-events``
   events published at a steady 200 per second; the time from ``publish`` to the callback.
3. **Throughput.** ``--subscribers`` subscribers (each its own connection, dispatching on
   its own thread) and one publisher sending ``--events`` events as fast as it can; events
   per second until every subscriber has every event, and how many were lost or doubled.

Every loop is bounded by count and time and talks only to 127.0.0.1. Without
``--no-write`` the results replace the "## Events" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

try:
    from benchmarks._report import DOCS, write_section
    from benchmarks.bench_contention import KEY, USER, Served, percentile
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _report import DOCS, write_section  # type: ignore[no-redef]
    from bench_contention import KEY, USER, Served, percentile  # type: ignore[no-redef]

from ftorm import Session
from ftorm.events import Event

SECTION = "## Events"
WAIT = 120.0  # seconds any phase may take at most


def baseline(url: str, count: int) -> dict[str, float]:
    session = Session(url, USER, KEY)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        session.call([{"action": "query_server_information"}])
        times.append(time.perf_counter() - started)
    session.close()
    return {"p50": percentile(times, 0.5), "p99": percentile(times, 0.99)}


def latency(url: str, count: int) -> dict[str, float]:
    listening, publishing = Session(url, USER, KEY), Session(url, USER, KEY)
    delays: list[float] = []
    done = threading.Event()

    def received(event: Event) -> None:
        delays.append(time.perf_counter() - event["data"]["sent"])
        if len(delays) >= count:
            done.set()

    listening.events.subscribe("topic=bench.latency", received)
    listening.events.start()
    publisher = publishing.events
    publisher.connect()
    time.sleep(0.5)  # the subscription reaches the server
    for _ in range(count):
        publisher.publish(Event("bench.latency", {"sent": time.perf_counter()}))
        time.sleep(1 / 200)
    done.wait(WAIT)
    listening.close()
    publishing.close()
    return {
        "count": len(delays),
        "p50": percentile(delays, 0.5),
        "p99": percentile(delays, 0.99),
        "max": max(delays, default=float("nan")),
    }


def throughput(url: str, count: int, subscribers: int) -> dict[str, Any]:
    sessions = [Session(url, USER, KEY) for _ in range(subscribers)]
    received: list[Counter[int]] = [Counter() for _ in sessions]
    finished = threading.Semaphore(0)
    lock = threading.Lock()

    def listener(index: int) -> Any:
        def callback(event: Event) -> None:
            with lock:
                received[index][event["data"]["n"]] += 1
                complete = len(received[index]) == count
            if complete:
                finished.release()

        return callback

    for index, session in enumerate(sessions):
        session.events.subscribe("topic=bench.throughput", listener(index))
        session.events.start()
    publishing = Session(url, USER, KEY)
    publisher = publishing.events
    publisher.connect()
    time.sleep(1.0)  # every subscription reaches the server
    started = time.perf_counter()
    for number in range(count):
        publisher.publish(Event("bench.throughput", {"n": number}))
    deadline = time.monotonic() + WAIT
    complete = 0
    while complete < subscribers and time.monotonic() < deadline:
        if finished.acquire(timeout=0.5):
            complete += 1
    elapsed = time.perf_counter() - started
    with lock:
        lost = sum(count - len(counter) for counter in received)
        doubled = sum(sum(v - 1 for v in counter.values() if v > 1) for counter in received)
    for session in [*sessions, publishing]:
        session.close()
    return {
        "events": count,
        "subscribers": subscribers,
        "seconds": elapsed,
        "per_second": count / elapsed,
        "deliveries_per_second": count * subscribers / elapsed,
        "lost": lost,
        "doubled": doubled,
    }


def markdown(
    command: str, base: dict[str, float], lat: dict[str, float], rate: dict[str, Any]
) -> str:
    ms = 1000
    lines = [
        SECTION,
        "",
        f"`{command}` on {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; `ftorm serve` in a separate process, "
        "ftorm's client over the websocket on 127.0.0.1. Target: at least 1,000 events/s "
        "with 10 subscribers, p99 latency under 50 ms.",
        "",
        "| measure | result |",
        "|---|---|",
        f"| baseline: one API request over HTTP, p50 / p99 | {base['p50'] * ms:.2f} ms / "
        f"{base['p99'] * ms:.2f} ms |",
        f"| publish to callback, p50 / p99 / max ({lat['count']:.0f} events at 200/s) | "
        f"{lat['p50'] * ms:.2f} ms / {lat['p99'] * ms:.2f} ms / {lat['max'] * ms:.2f} ms |",
        f"| sustained, {rate['subscribers']} subscribers, {rate['events']:,} events | "
        f"{rate['per_second']:,.0f} events/s ({rate['deliveries_per_second']:,.0f} "
        f"deliveries/s) |",
        f"| lost / doubled | {rate['lost']} / {rate['doubled']} |",
        "",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5_000, help="events in the throughput run")
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--latency-events", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="a small run; never writes docs")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--output", type=Path, default=DOCS, help="the markdown file to update")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.subscribers, args.latency_events, args.no_write = 50, 2, 20, True
    with tempfile.TemporaryDirectory() as folder:
        served = Served(Path(folder) / "events.db")
        try:
            url = served.url.removesuffix("/api")
            base = baseline(url, 200 if not args.quick else 10)
            lat = latency(url, args.latency_events)
            rate = throughput(url, args.events, args.subscribers)
        finally:
            served.close()
            if served.process.stdout is not None:
                served.process.stdout.close()
    command = "python benchmarks/bench_events.py " + " ".join(argv or sys.argv[1:])
    text = markdown(command.strip(), base, lat, rate)
    print(text)
    if not args.no_write:
        write_section(args.output, SECTION, text)
    return 0 if rate["lost"] == 0 and rate["doubled"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
