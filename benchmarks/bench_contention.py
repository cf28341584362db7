"""One client must not stall the others: latency under a huge query, and mixed load.

Run: ``python benchmarks/bench_contention.py [--seconds 30] [--ids 60000] [--no-write]``.

Starts ``ftorm serve`` as a separate process on 127.0.0.1 with a database file, then, over
HTTP from this process:

1. **A huge ``in`` query beside trivial ones.** One client sends ``Task where id in (...)``
   with ``--ids`` ids (three times in a row) while a second client sends a trivial query
   (``select name from Project limit 1``) in a loop. Reported: how long each huge query
   takes, and the p50/p99/max latency of the trivial queries sent while it ran, against
   the same trivial query on an idle server (the baseline, measured first in the same run).
2. **Writers and readers.** ``--writers`` clients each commit batches of creates (unique
   names, one request per batch) and ``--readers`` clients run paged queries, for
   ``--seconds``. Reported: requests per second, errors, and lost or doubled writes
   (acknowledged creates compared with the rows found afterwards).
3. **A big write batch beside trivial reads.** One client sends a single batch of
   ``--batch`` creates (200,000 by default: about 20 MB, under the server's 64 MB body limit)
   while a second client sends the trivial query in a loop. Reported: the batch's size and
   time, and the p50/p99/max latency of the trivial queries sent while it ran (target: p99
   under 100 ms), against the idle baseline of step 1.

Every loop is bounded by count and time and talks only to 127.0.0.1. Without
``--no-write`` the results replace the "## Contention" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from ftorm.server.wsgi import MAX_BODY

try:
    from benchmarks._report import DOCS, write_section
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from _report import DOCS, write_section  # type: ignore[no-redef]

SECTION = "## Contention"
USER, KEY = "bench", "bench-key"
HEADERS = {"ftrack-user": USER, "ftrack-api-key": KEY, "content-type": "application/json"}
TRIVIAL = [{"action": "query", "expression": "select name from Project limit 1"}]


class Served:
    """``ftorm serve`` in a child process on a free loopback port."""

    def __init__(self, database: Path) -> None:
        command = [sys.executable, "-m", "ftorm", "serve", "--port", "0", "--db", str(database)]
        command += ["--api-user", USER, "--api-key", KEY]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        assert self.process.stdout is not None
        self.url = ""
        deadline = time.monotonic() + 60
        while not self.url and time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            if line.startswith("export FTRACK_SERVER="):
                self.url = line.split("=", 1)[1].strip() + "/api"
        if not self.url:
            self.close()
            msg = "ftorm serve did not start"
            raise RuntimeError(msg)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def post(http: requests.Session, url: str, batch: list[Any], timeout: float = 120) -> Any:
    response = http.post(url, data=json.dumps(batch), headers=HEADERS, timeout=timeout)
    return response.json()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def seed(url: str, tasks: int) -> list[str]:
    """A project, a sequence and ``tasks`` tasks under it; returns the task ids."""
    http = requests.Session()
    data = {"name": "bench", "full_name": "Bench"}
    project = post(http, url, [{"action": "create", "entity_type": "Project", "entity_data": data}])
    parent = {"__entity_type__": "Project", "id": project[0]["data"]["id"]}
    ids: list[str] = []
    for start in range(0, tasks, 500):
        batch = []
        for number in range(start, min(tasks, start + 500)):
            task_id = str(uuid.uuid4())
            ids.append(task_id)
            data = {"id": task_id, "name": f"task{number:06d}", "parent": parent}
            batch.append({"action": "create", "entity_type": "Task", "entity_data": data})
        post(http, url, batch)
    return ids


def beside(url: str, work: Any, done: threading.Event, seconds: float) -> dict[str, Any]:
    """Run ``work`` in a thread (it sets ``done`` when it ends) while sending the trivial
    query in a loop: the latencies of the trivial queries."""
    http = requests.Session()
    thread = threading.Thread(target=work)
    thread.start()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    while not done.is_set() and time.monotonic() < deadline:
        started = time.perf_counter()
        post(http, url, TRIVIAL)
        latencies.append(time.perf_counter() - started)
    thread.join(timeout=seconds)
    return {
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies, default=float("nan")),
        "trivial": len(latencies),
    }


def huge_query(url: str, ids: list[str], rounds: int) -> dict[str, Any]:
    """The huge ``in`` query beside a loop of trivial ones."""
    http = requests.Session()
    idle = []
    for _ in range(50):
        started = time.perf_counter()
        post(http, url, TRIVIAL)
        idle.append(time.perf_counter() - started)
    expression = "select id from Task where id in (" + ", ".join(f'"{i}"' for i in ids) + ")"
    huge_times: list[float] = []
    done = threading.Event()
    errors: list[str] = []

    def big() -> None:
        session = requests.Session()
        try:
            for _ in range(rounds):
                started = time.perf_counter()
                answer = post(session, url, [{"action": "query", "expression": expression}])
                huge_times.append(time.perf_counter() - started)
                if not isinstance(answer, list):
                    errors.append(str(answer)[:200])
        finally:
            done.set()

    return {
        "idle_p50": percentile(idle, 0.5),
        "idle_p99": percentile(idle, 0.99),
        "huge": huge_times,
        **beside(url, big, done, 600),
        "errors": errors,
    }


def mixed_load(url: str, writers: int, readers: int, seconds: float) -> dict[str, Any]:
    """Writers commit batches of creates, readers page through tasks, for ``seconds``."""
    stop = time.monotonic() + seconds
    acknowledged: list[str] = []
    lock = threading.Lock()
    counts = {"writes": 0, "reads": 0, "errors": 0}
    messages: list[str] = []

    def failed(what: object) -> None:
        with lock:
            counts["errors"] += 1
            if len(messages) < 3:
                messages.append(str(what)[:300])

    def client(make: Any, done: Any) -> None:
        """Send ``make()`` batches until time is up; ``done(batch)`` after each success."""
        http = requests.Session()
        while time.monotonic() < stop:
            batch = make()
            try:
                answer = post(http, url, batch, timeout=60)
            except requests.RequestException as error:
                failed(error)
                continue
            if not isinstance(answer, list):
                failed(answer)
                continue
            with lock:
                done(batch)

    def writer(number: int) -> None:
        serial = iter(range(10**9))

        def make() -> list[Any]:
            return [{"action": "create", "entity_type": "Note",
                     "entity_data": {"content": f"w{number}-{next(serial)}"}}
                    for _ in range(5)]  # fmt: skip

        def done(batch: list[Any]) -> None:
            counts["writes"] += 1
            acknowledged.extend(op["entity_data"]["content"] for op in batch)

        client(make, done)

    def reader() -> None:
        offsets = iter(range(10**9))

        def make() -> list[Any]:
            offset = next(offsets) * 200 % 5000
            text = f"select name from Task offset {offset} limit 200"
            return [{"action": "query", "expression": text}]

        def done(batch: list[Any]) -> None:
            counts["reads"] += 1

        client(make, done)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    threads += [threading.Thread(target=reader) for _ in range(readers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.perf_counter() - started
    http = requests.Session()
    found: list[str] = []
    offset: int | None = 0
    while offset is not None:
        text = f"select content from Note offset {offset} limit 5000"
        answer = post(http, url, [{"action": "query", "expression": text}])
        found += [row["content"] for row in answer[0]["data"]]
        offset = answer[0]["metadata"]["next"]["offset"]
    lost = len(set(acknowledged) - set(found))
    doubled = len(found) - len(set(found))
    return {**counts, "elapsed": elapsed, "lost": lost, "doubled": doubled, "messages": messages,
            "acknowledged": len(acknowledged), "found": len(found)}  # fmt: skip


def big_batch(url: str, creates: int) -> dict[str, Any]:
    """One write batch of ``creates`` creates beside a loop of trivial queries."""
    batch = [{"action": "create", "entity_type": "Note",
              "entity_data": {"content": f"batch note {number:08d} " + "x" * 40}}
             for number in range(creates)]  # fmt: skip
    body = json.dumps(batch).encode("utf-8")
    del batch
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def big() -> None:
        started = time.perf_counter()
        try:
            response = requests.post(url, data=body, headers=HEADERS, timeout=1800)
            answer = response.json()
            if isinstance(answer, list):
                outcome["created"] = len(answer)
            else:
                outcome["error"] = str(answer)[:200]
        except (requests.RequestException, ValueError) as error:
            outcome["error"] = str(error)[:200]
        finally:
            outcome["seconds"] = time.perf_counter() - started
            done.set()

    latencies = beside(url, big, done, 1800)
    return {**outcome, "creates": creates, "bytes": len(body), **latencies}


def markdown(
    command: str, first: dict[str, Any], second: dict[str, Any], third: dict[str, Any], args: Any
) -> str:
    ms = 1000.0
    huge = ", ".join(f"{t:.2f} s" for t in first["huge"])
    rate = (second["writes"] + second["reads"]) / second["elapsed"]
    lines = [
        SECTION,
        "",
        f"Command: `{command}`  ",
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())} at the end",
        "",
        "`ftorm serve` in its own process with a database file; clients in another process "
        "over HTTP on 127.0.0.1.",
        "",
        "| measure | result | target |",
        "|---|---:|---|",
        "| trivial query on an idle server, p50 / p99 (baseline) | "
        f"{first['idle_p50'] * ms:.1f} / {first['idle_p99'] * ms:.1f} ms | |",
        f"| `in` query with {args.ids:,} ids, each of {len(first['huge'])} runs | {huge} "
        "| under 1 s |",
        f"| trivial query beside it, p50 / p99 / max ({first['trivial']} queries) | "
        f"{first['p50'] * ms:.1f} / {first['p99'] * ms:.1f} / {first['max'] * ms:.1f} ms | "
        "p99 under 100 ms |",
        f"| {args.writers} writers + {args.readers} readers for {second['elapsed']:.0f} s: "
        f"requests per second | {rate:.0f} ({second['writes']} write and {second['reads']} "
        "read batches) | |",
        f"| errors; lost writes; doubled writes | {second['errors']}; {second['lost']}; "
        f"{second['doubled']} (of {second['acknowledged']} acknowledged creates) | 0; 0; 0 |",
        f"| one batch of {third['creates']:,} creates ({third['bytes'] / 1e6:.1f} MB; body "
        f"limit {MAX_BODY / 2**20:.0f} MiB) | {third['seconds']:.1f} s"
        f"{'' if 'error' in third else ', all acknowledged'} | |",
        f"| trivial query beside it, p50 / p99 / max ({third['trivial']} queries) | "
        f"{third['p50'] * ms:.1f} / {third['p99'] * ms:.1f} / {third['max'] * ms:.1f} ms | "
        f"p99 under 100 ms: {'met' if third['p99'] < 0.1 else '**missed**'} |",
    ]
    if first["errors"]:
        lines += ["", f"- the huge query answered an error: {first['errors'][0]}"]
    lines += [
        "",
        "- Beside the big batch, reads run on their own connections and never wait for the "
        "writer's lock; what remains is Python's interpreter lock, which the batch's thread "
        "shares with theirs. The max is the longest pause: CPython's full garbage "
        "collections over the batch's millions of objects stop every thread of the server.",
    ]
    if "error" in third:
        lines += ["", f"- the big batch answered an error: {third['error']}"]
    for message in second["messages"]:
        lines += ["", f"- an error under load: {message}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ids", type=int, default=60_000, help="ids in the huge in query")
    parser.add_argument("--tasks", type=int, default=5_000, help="tasks to seed")
    parser.add_argument("--rounds", type=int, default=3, help="runs of the huge query")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the mixed load")
    parser.add_argument("--batch", type=int, default=200_000, help="creates in the big batch")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--output", type=Path, default=DOCS, help="the markdown file to update")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        served = Served(Path(folder) / "contention.db")
        try:
            task_ids = seed(served.url, args.tasks)
            ids = (task_ids + [str(uuid.uuid4()) for _ in range(args.ids)])[: args.ids]
            first = huge_query(served.url, ids, args.rounds)
            print(f"huge in query: {first['huge']}; trivial p50 {first['p50']:.4f} s, "
                  f"p99 {first['p99']:.4f} s, max {first['max']:.4f} s", flush=True)  # fmt: skip
            second = mixed_load(served.url, args.writers, args.readers, args.seconds)
            print(f"mixed load: {second}", flush=True)
            third = big_batch(served.url, args.batch)
            print(f"big batch: {third}", flush=True)
        finally:
            served.close()
    command = "python benchmarks/bench_contention.py " + " ".join(argv or sys.argv[1:])
    text = markdown(command.strip(), first, second, third, args)
    print(text)
    if not args.no_write:
        write_section(args.output, SECTION, text)
    failed = first["errors"] or second["lost"] or second["doubled"] or "error" in third
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
