"""``ftorm clone`` against an untrusted or broken server (a `Hostile` front on 127.0.0.1):
every case ends with a typed error or a correct copy, within bounded requests, bytes and
time, and leaves nothing half-written."""

from __future__ import annotations

import gzip
import json
import socket
import sys
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from ftorm.cli import main
from ftorm.clone import clone
from ftorm.clone.files import SIZE_MARGIN, file_limit
from ftorm.errors import DownloadError, ServerCompatibilityError, ServerError
from ftorm.schema.workspace import LOCATIONS
from ftorm.server.files import FileStore
from ftorm.server.handlers import Server
from ftorm.server.storage import Layout
from ftorm.server.uploads import MAX_UPLOAD
from ftorm.session.session import Session
from ftorm.transport.http import HttpTransport
from ftorm.transport.inprocess import InProcessTransport
from tests.clone.hostile import KEY, USER, Hostile, hostile, nested

pytestmark = pytest.mark.http

SIZE = 1000
"""The ``Component.size`` of the source's one file."""


@pytest.fixture(scope="module")
def source() -> Iterator[tuple[Server, str]]:
    """A project with sequences and a version whose component (``SIZE`` bytes) is in
    ``ftrack.server``; the server and the component's id."""
    server = Server(api_user=USER, api_key=KEY)
    session = Session(transport=InProcessTransport(server))
    project = session.create("Project", name="show", full_name="The Show")
    for index in range(6):
        session.create("Sequence", name=f"sq{index}", parent=project)
    asset_type = session.query("AssetType").first()
    asset = session.create("Asset", name="plate", parent=project, type=asset_type)
    version = session.create("AssetVersion", asset=asset)
    component = session.create("FileComponent", name="main", version=version, size=SIZE)
    session.commit()
    session.create(
        "ComponentLocation",
        component=component,
        location_id=LOCATIONS["ftrack.server"],
        resource_identifier=str(component.id),
    )
    session.commit()
    component_id = str(component.id)
    session.close()
    yield server, component_id
    server.close()


@pytest.fixture
def front(source: tuple[Server, str]) -> Iterator[Hostile]:
    with hostile(source[0]) as httpd:
        httpd.max_requests = 500  # a client that does not stop fails instead of hanging
        yield httpd


def _transport(front: Hostile, **options: Any) -> HttpTransport:
    options.setdefault("sleep", lambda seconds: None)
    return HttpTransport(front.url, USER, KEY, **options)


def _clone(front: Hostile, path: Path, **options: Any) -> Any:
    transport = _transport(front, retries=0)
    try:
        return clone(transport.call, str(path), ["show"], page_size=2, **options)
    finally:
        transport.close()


# --- paging -------------------------------------------------------------------------------


def _repeating(batch: list[dict[str, Any]], results: list[Any]) -> list[Any]:
    """Every page with rows says the next one starts at offset 2: the second page repeats."""
    for operation, result in zip(batch, results, strict=True):
        if operation.get("action") == "query" and result.get("data"):
            result["metadata"] = {"next": {"offset": 2}}
    return results


def test_paging_that_does_not_advance_stops_with_a_server_error(
    front: Hostile, tmp_path: Path
) -> None:
    front.tamper = _repeating
    with pytest.raises(ServerError, match=r"next\.offset 2 for the page at offset 2"):
        _clone(front, tmp_path / "copy.db")
    assert front.requests < 20


def test_the_session_stops_on_the_same_check(front: Hostile) -> None:
    """An ordered query is paged by offset, so it meets the same check (an unordered one is
    paged by key and reads on after the last key whatever ``next.offset`` says)."""
    front.tamper = _repeating
    session = Session(front.url, USER, KEY, page_size=2)
    with session, pytest.raises(ServerError, match="paging stopped"):
        session.query("Sequence order by name").all()
    assert front.requests < 20


# --- deeply nested answers ----------------------------------------------------------------


def _deep(batch: list[dict[str, Any]], results: list[Any]) -> bytes:
    return nested(200_000)


def test_a_deeply_nested_answer_is_a_server_error_for_clone(front: Hostile, tmp_path: Path) -> None:
    front.tamper = _deep
    with pytest.raises(ServerError, match="nested too deeply"):
        _clone(front, tmp_path / "copy.db")


def test_a_deeply_nested_answer_is_a_server_error_for_a_session(front: Hostile) -> None:
    front.tamper = _deep
    with pytest.raises(ServerError, match="nested too deeply"):
        Session(front.url, USER, KEY).query("Project").all()


@pytest.mark.parametrize(
    "command",
    [
        ["generate", "-o", "{out}"],
        ["query", "select id from Project"],
        ["clone", "--project", "show", "--db", "{db}"],
    ],
)
def test_a_deeply_nested_answer_ends_each_command_with_one_line(
    front: Hostile,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.setenv("FTRACK_SERVER", front.url)
    monkeypatch.setenv("FTRACK_API_USER", USER)
    monkeypatch.setenv("FTRACK_API_KEY", KEY)
    front.tamper = _deep
    args = [a.format(out=tmp_path / "models.py", db=tmp_path / "c.db") for a in command]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err
    assert "Traceback" not in err


# --- hostile schemas ----------------------------------------------------------------------

_S = {"type": "string"}
_FK = {"type": "string", "format": "foreign_key"}


def _type(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": name,
        "type": "object",
        "properties": properties,
        "primary_key": ["id"],
        "required": [],
        "immutable": [],
        "computed": [],
        "default_projections": ["id"],
    }


def _scripted(
    schema: list[dict[str, Any]], rows: Callable[[str], list[dict[str, Any]]]
) -> Callable[[list[dict[str, Any]], list[Any]], list[Any]]:
    """Answers ``query_schemas`` with ``schema`` and each query with ``rows(expression)``."""

    def answer(batch: list[dict[str, Any]], results: list[Any]) -> list[Any]:
        out: list[Any] = []
        for operation in batch:
            if operation["action"] == "query_schemas":
                out.append(schema)
            elif operation["action"] == "query":
                data = rows(operation["expression"])
                out.append(
                    {"action": "query", "data": data, "metadata": {"next": {"offset": None}}}
                )
            else:
                out.append({})
        return out

    return answer


def test_quotes_in_type_and_attribute_names_are_copied(tmp_path: Path) -> None:
    schema = [
        _type("Project", {"id": _S, "name": _S, 'own"er_id': _FK, 'own"er': {"$ref": 'Own"er'}}),
        _type('Own"er', {"id": _S, 'na"me': _S}),
    ]

    def rows(expression: str) -> list[dict[str, Any]]:
        if "from Project" in expression:
            return [{"__entity_type__": "Project", "id": "p1", "name": "show", 'own"er_id': "o1"}]
        return [{"__entity_type__": 'Own"er', "id": "o1", 'na"me': 'a "quoted" name'}]

    with hostile() as front:
        front.max_requests = 50
        front.tamper = _scripted(schema, rows)
        result = _clone(front, tmp_path / "copy.db")
    assert result.counts == {"Project": 1, 'Own"er': 1}
    copy = Server(database=str(tmp_path / "copy.db"), read_only=True)
    try:
        answer = copy.query('select id, na"me from Own"er')
    except ServerError:  # such names cannot be written in a query: read the table itself
        layout = Layout(copy.schema)
        table = layout.table('Own"er').name
        stored = copy.connection.execute(f'SELECT "na""me" FROM "{table}"').fetchall()
        assert stored == [('a "quoted" name',)]
    else:
        assert answer["data"][0]['na"me'] == 'a "quoted" name'
    finally:
        copy.close()


def test_a_schema_without_projects_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    schema = [_type("Thing", {"id": _S, "name": _S})]
    with hostile() as front:
        front.max_requests = 50
        front.tamper = _scripted(schema, lambda expression: [])
        with pytest.raises(ServerCompatibilityError, match="no Project type"):
            _clone(front, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()


def _wide_schema(types: int) -> list[dict[str, Any]]:
    """``Project`` and ``types`` types, each referring to the next and to the project and
    holding a collection of another."""
    documents = [_type("Project", {"id": _S, "name": _S})]
    for index in range(types):
        following, other = f"T{(index + 1) % types}", f"T{(index + 7) % types}"
        documents.append(
            _type(
                f"T{index}",
                {
                    "id": _S,
                    "name": _S,
                    "project_id": _FK,
                    "project": {"$ref": "Project"},
                    "other_id": _FK,
                    "other": {"$ref": following},
                    "items": {"type": "array", "items": {"$ref": other}},
                },
            )
        )
    return documents


def _lines_run(types: int, tmp_path: Path) -> int:
    """Lines of ftorm's own code run to clone a project of a schema of ``types`` types (no
    rows beneath it): a count of operations, not a time."""
    schema = _wide_schema(types)

    def call(operations: Any) -> list[Any]:
        from ftorm.protocol.operations import encode_batch

        answer = _scripted(
            schema,
            lambda e: (
                [{"__entity_type__": "Project", "id": "p1", "name": "show"}]
                if "from Project" in e
                else []
            ),
        )
        return answer(encode_batch(operations), [])

    package = str(Path(clone.__code__.co_filename).parents[1])
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(package) else None

    sys.settrace(tracer)
    try:
        clone(call, str(tmp_path / f"wide{types}.db"), ["show"])
    finally:
        sys.settrace(None)
    return count


def test_the_work_grows_linearly_with_the_number_of_types(tmp_path: Path) -> None:
    # Before, every type scanned every reference of the schema (its key columns, the
    # reverse keys of its collections): doubling the types quadrupled that part.
    small, large = _lines_run(100, tmp_path), _lines_run(200, tmp_path)
    assert large < 2.3 * small, (small, large)


# --- downloads ----------------------------------------------------------------------------


def _reply(
    headers: dict[str, str], body: bytes, *, drip: float = 0.0
) -> Callable[[BaseHTTPRequestHandler], None]:
    """A ``/component/get`` answer: status 200, ``headers``, then ``body`` (closing the
    connection after it), all at once or one byte every ``drip`` seconds."""

    def reply(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        try:
            if not drip:
                handler.wfile.write(body)
                return
            for index in range(len(body)):
                handler.wfile.write(body[index : index + 1])
                handler.wfile.flush()
                time.sleep(drip)
        except OSError:  # the client gave up: that is the point
            pass

    return reply


def _clone_files(
    front: Hostile, path: Path, download: HttpTransport | None = None
) -> tuple[type[BaseException] | None, str]:
    """Clone with files; the error class raised (None) and its message."""
    downloads = download or _transport(front)
    try:
        _clone(front, path, with_files=True, download=downloads.download)
    except DownloadError as error:
        return DownloadError, str(error)
    finally:
        downloads.close()
    return None, ""


def _files(path: Path) -> list[Path]:
    """Every file in the store of the workspace ``path`` (temporary ones included)."""
    folder = Path(f"{path}.files")
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _stored(path: Path, component_id: str) -> bool:
    store = FileStore(str(path))
    try:
        return store.exists(component_id)
    finally:
        store.close()


def test_a_compressed_download_is_refused(
    front: Hostile, source: tuple[Server, str], tmp_path: Path
) -> None:
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))  # 8 MiB of zeros in about 8 kB
    front.file = _reply({"Content-Encoding": "gzip", "Content-Length": str(len(bomb))}, bomb)
    error, message = _clone_files(front, tmp_path / "copy.db")
    assert error is DownloadError
    assert "compressed" in message
    assert not _stored(tmp_path / "copy.db", source[1])
    assert _files(tmp_path / "copy.db") == []


def test_a_body_without_a_length_is_cut_at_the_component_size(
    front: Hostile, source: tuple[Server, str], tmp_path: Path
) -> None:
    front.file = _reply({}, b"x" * (3 * 1024 * 1024))
    error, message = _clone_files(front, tmp_path / "copy.db")
    assert error is DownloadError
    assert f"more than {SIZE + SIZE_MARGIN:,} bytes" in message
    assert not _stored(tmp_path / "copy.db", source[1])
    assert _files(tmp_path / "copy.db") == []


def test_a_body_within_the_size_is_kept(
    front: Hostile, source: tuple[Server, str], tmp_path: Path
) -> None:
    front.file = _reply({}, b"y" * SIZE)
    assert _clone_files(front, tmp_path / "copy.db") == (None, "")
    store = FileStore(str(tmp_path / "copy.db"))
    try:
        assert store.path(source[1]).read_bytes() == b"y" * SIZE
    finally:
        store.close()


def test_the_limit_without_a_known_size_is_the_largest_stored_file() -> None:
    assert file_limit(None) == file_limit(0) == file_limit("1000") == MAX_UPLOAD
    assert file_limit(True) == MAX_UPLOAD
    assert file_limit(10) == 10 + SIZE_MARGIN
    assert file_limit(10**9) == 10**9 + 10**7


class _Clock:
    """A clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step, self.reads = 0.0, step, 0

    def __call__(self) -> float:
        self.now += self.step
        self.reads += 1
        return self.now


def test_a_dripping_download_ends_at_its_deadline(
    front: Hostile, source: tuple[Server, str], tmp_path: Path
) -> None:
    front.file = _reply({"Content-Length": "5000"}, b"z" * 5000, drip=0.002)
    clock = _Clock(step=100.0)
    transport = _transport(front, clock=clock, download_deadline=1000.0)
    error, message = _clone_files(front, tmp_path / "copy.db", download=transport)
    assert error is DownloadError
    assert "longer than 1000 s" in message
    assert clock.reads <= 15  # stopped at the deadline, not at the end of the body
    assert not _stored(tmp_path / "copy.db", source[1])


def test_a_download_error_leaves_the_clone_to_resume(
    front: Hostile, source: tuple[Server, str], tmp_path: Path
) -> None:
    path = tmp_path / "copy.db"
    front.file = _reply({"Content-Encoding": "br"}, b"\x00" * 100)
    assert _clone_files(front, path)[0] is DownloadError
    front.file = _reply({"Content-Length": str(SIZE)}, b"w" * SIZE)
    transport = _transport(front)
    try:
        clone(transport.call, str(path), resume=True, download=transport.download)
    finally:
        transport.close()
    assert _stored(path, source[1])


def test_a_socket_that_closes_early_is_a_download_error(
    front: Hostile, source: tuple[Server, str], tmp_path: Path
) -> None:
    def short(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(SIZE))
        handler.end_headers()
        handler.wfile.write(b"half")
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)
        handler.close_connection = True

    front.file = short
    error, _ = _clone_files(front, tmp_path / "copy.db")
    assert error is DownloadError
    assert not _stored(tmp_path / "copy.db", source[1])


def test_the_answers_are_json(front: Hostile) -> None:
    # the front itself answers like the server behind it
    transport = _transport(front)
    try:
        answer = transport.call([{"action": "query", "expression": "select name from Project"}])
    finally:
        transport.close()
    assert json.loads(json.dumps(answer))[0]["data"][0]["name"] == "show"
