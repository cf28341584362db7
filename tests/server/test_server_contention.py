"""One client cannot stall the others: reads beside a writer, long ``in`` lists, silent
connections dropped after a bounded wait."""

from __future__ import annotations

import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ftorm.server.handlers import Server
from tests.server.server_helpers import create, make_call, query, ref, serving


def test_reads_do_not_wait_for_a_writer(filed: tuple[Server, Path]) -> None:
    server, path = filed
    call = make_call(server)
    create(call, "Project", name="p", full_name="P")
    # Another process (here: another connection) holds the write lock, mid-transaction.
    other = sqlite3.connect(str(path), isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE t_Context SET name = 'changed' WHERE name = 'p'")
        # The writer holds the lock until after the read, in this same thread: a read that
        # needed the lock could only fail ("database is locked"), never answer.
        rows = query(call, "select name from Project")
        assert [row["name"] for row in rows] == ["p"]  # the last committed state
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_reads_do_not_wait_for_a_write_batch_in_progress(filed: tuple[Server, Path]) -> None:
    # A write batch holds the server's writer lock from its first operation to its commit
    # (a 200,000-create batch for a minute): reads never take that lock.
    server, _ = filed
    call = make_call(server)
    create(call, "Project", name="p", full_name="P")
    query(call, "select name from Project")  # a reader connection now idles in the pool
    holding, read_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def writer() -> None:
        with server._lock:  # as `Server._handle` holds it for a write batch
            holding.set()
            seen.append(read_done.wait(timeout=30))

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(timeout=30)
    for _ in range(3):  # pooled and new reader connections alike
        assert [row["name"] for row in query(call, "select name from Project")] == ["p"]
    read_done.set()
    thread.join(timeout=60)
    assert seen == [True]  # the reads finished while the write batch still held its lock


def test_a_second_server_on_the_same_file_reads_while_the_first_writes(
    filed: tuple[Server, Path],
) -> None:
    first, path = filed
    create(make_call(first), "Project", name="p", full_name="P")
    second = Server(database=str(path), api_key="k")
    try:
        writer = sqlite3.connect(str(path), isolation_level=None, timeout=0)
        writer.execute("BEGIN IMMEDIATE")  # as the first server does for a write batch
        try:
            assert [r["name"] for r in query(make_call(second), "select name from Project")] == [
                "p"
            ]
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    finally:
        second.close()


def test_a_long_in_list_answers_exactly_its_rows(filed: tuple[Server, Path]) -> None:
    server, _ = filed
    call = make_call(server)
    project = create(call, "Project", name="p", full_name="P")
    made = [create(call, "Folder", name=f"f{n}", parent=ref(project))["id"] for n in range(20)]
    ids = [*made[::2], *(str(uuid.uuid4()) for _ in range(5000))]
    listed = ", ".join(f'"{i}"' for i in ids)
    rows = query(call, f"select id from Folder where id in ({listed})")
    assert sorted(row["id"] for row in rows) == sorted(made[::2])
    rows = query(call, f"select id from Folder where id not_in ({listed})")
    assert sorted(row["id"] for row in rows) == sorted(made[1::2])


@pytest.fixture
def served() -> Iterator[tuple[str, int]]:
    with serving(Server(api_user="u", api_key="k"), timeout=1.0) as address:
        yield address


def _closed_within(connection: socket.socket, seconds: float) -> bytes:
    """What the server sends before it closes ``connection``. ``seconds`` only guards
    against a hang (the server's own limit is 1 s): no wait is measured."""
    connection.settimeout(seconds)
    chunks = []
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@pytest.mark.http
def test_a_body_shorter_than_its_length_is_dropped(served: tuple[str, int]) -> None:
    with socket.create_connection(served, timeout=10) as connection:
        connection.sendall(
            b"POST /api HTTP/1.1\r\nHost: x\r\nftrack-user: u\r\nftrack-api-key: k\r\n"
            b"Content-Length: 1000\r\n\r\n[{"
        )
        answer = _closed_within(connection, 30)
    assert b"ValidationError" in answer
    assert b" 500 " not in answer.split(b"\r\n", 1)[0]


@pytest.mark.http
def test_a_silent_connection_is_dropped(served: tuple[str, int]) -> None:
    with socket.create_connection(served, timeout=10) as connection:
        assert _closed_within(connection, 30) == b""  # closed, and nothing sent
