"""``ftorm generate``: sources, output, ``--check`` and error exits."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import requests

import ftorm
from ftorm.cli import main
from ftorm.schema.codegen import generate_module
from ftorm.schema.custom_attributes import Configuration
from ftorm.schema.load import load_schema
from ftorm.schema.standard import standard_documents, standard_schema

SMALL = [
    {
        "id": "Thing",
        "type": "object",
        "properties": {"id": {"type": "string", "default": "{uid}"}, "name": {"type": "string"}},
        "primary_key": ["id"],
    }
]


@pytest.fixture(autouse=True)
def _no_server_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --schema or --server, FTRACK_SERVER decides the source: keep it unset."""
    monkeypatch.delenv("FTRACK_SERVER", raising=False)


def _standard_text(*, served: bool = False) -> str:
    """The standard module; ``served``: as generated from a server with no custom attribute
    configurations (closed, empty namespaces)."""
    configurations: list[Configuration] | None = [] if served else None
    return generate_module(
        standard_schema(), version=ftorm.__version__, custom_attributes=configurations
    )


NO_CONFIGURATIONS = {"action": "query", "data": [], "metadata": {"next": {"offset": None}}}


def test_stdout_defaults_to_standard_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate"]) == 0
    assert capsys.readouterr().out == _standard_text()


def test_schema_file_to_output(tmp_path: Path) -> None:
    source = tmp_path / "schema.json"
    source.write_text(json.dumps(SMALL), encoding="utf-8")
    target = tmp_path / "models.py"
    assert main(["generate", "--schema", str(source), "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text == generate_module(load_schema(SMALL), version=ftorm.__version__)
    assert 'class Thing(Model, entity="Thing", registry=REGISTRY):' in text


def test_check_current_stale_and_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "models.py"
    assert main(["generate", "-o", str(target), "--check"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["generate", "-o", str(target)]) == 0
    assert main(["generate", "-o", str(target), "--check"]) == 0
    assert capsys.readouterr().out == ""
    target.write_text(target.read_text(encoding="utf-8").replace("Shot", "Shoot", 1))
    before = target.read_text(encoding="utf-8")
    assert main(["generate", "-o", str(target), "--check"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("---")
    assert "+++" in captured.out
    assert "-" in captured.out
    assert "stale" in captured.err
    assert target.read_text(encoding="utf-8") == before  # --check never writes


def test_check_needs_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--check"]) == 2
    assert "-o" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read schema file"),
        ("{not json", "is not JSON"),
        ('{"id": "x"}', "expected a list of schemas"),
        (
            json.dumps([{"id": "A", "properties": {"b": {"$ref": "Nope"}}, "primary_key": ["b"]}]),
            "unknown schema",
        ),
    ],
)
def test_bad_schema_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    source = tmp_path / "schema.json"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    assert main(["generate", "--schema", str(source)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ftorm generate: ")
    assert message in err
    assert "Traceback" not in err


class _Response:
    """What `requests.Session.post` returns with ``stream=True``, as far as ftorm uses it."""

    def __init__(self, body: Any, status: int = 200) -> None:
        self.status_code = status
        text = body if isinstance(body, str) else json.dumps(body)
        self._bytes = text.encode("utf-8")
        self.raw = io.BytesIO(self._bytes)
        self.headers: dict[str, str] = {}

    def __enter__(self) -> _Response:
        self.raw = io.BytesIO(self._bytes)  # the same answer may be given to a retry
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.raw.close()


def _fake_post(monkeypatch: pytest.MonkeyPatch, answer: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def post(self: requests.Session, url: str, **kwargs: Any) -> Any:
        calls.append({"url": url, "headers": dict(self.headers), **kwargs})
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(requests.Session, "post", post)
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # retries of a read need no wait
    return calls


def test_server_source(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FTRACK_API_USER", "jane")
    monkeypatch.setenv("FTRACK_API_KEY", "secret")
    calls = _fake_post(monkeypatch, _Response([standard_documents(), NO_CONFIGURATIONS]))
    assert main(["generate", "--server", "https://studio.example/"]) == 0
    assert capsys.readouterr().out == _standard_text(served=True)
    (call,) = calls  # the schema and the custom attribute configurations in one request
    assert call["url"] == "https://studio.example/api"
    assert call["headers"]["ftrack-user"] == "jane"
    assert call["headers"]["ftrack-api-key"] == "secret"
    schemas, configurations = json.loads(call["data"])
    assert schemas == {"action": "query_schemas"}
    assert configurations["action"] == "query"
    assert "from CustomAttributeConfiguration" in configurations["expression"]
    assert call["timeout"]
    assert call["allow_redirects"] is False


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (requests.ConnectionError("refused"), "cannot reach https://studio.example/api"),
        (_Response("<html>502</html>", 502), "unexpected format (HTTP 502)"),
        (
            _Response({"exception": "InvalidCredentialsError", "content": "bad key"}),
            "bad key",
        ),
        (_Response({"unexpected": True}), "expected a list of 2 results"),
    ],
)
def test_server_failures(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: Any,
    message: str,
) -> None:
    monkeypatch.setenv("FTRACK_API_USER", "jane")
    monkeypatch.setenv("FTRACK_API_KEY", "secret")
    _fake_post(monkeypatch, answer)
    assert main(["generate", "--server", "https://studio.example"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_server_needs_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FTRACK_API_USER", raising=False)
    monkeypatch.delenv("FTRACK_API_KEY", raising=False)
    calls = _fake_post(monkeypatch, _Response([[]]))
    assert main(["generate", "--server", "https://studio.example"]) == 2
    assert "FTRACK_API_USER" in capsys.readouterr().err
    assert calls == []


def test_ftrack_server_is_the_default_source(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FTRACK_SERVER", "https://studio.example")
    monkeypatch.setenv("FTRACK_API_USER", "jane")
    monkeypatch.setenv("FTRACK_API_KEY", "secret")
    calls = _fake_post(monkeypatch, _Response([standard_documents(), NO_CONFIGURATIONS]))
    assert main(["generate"]) == 0
    assert capsys.readouterr().out == _standard_text(served=True)
    assert [call["url"] for call in calls] == ["https://studio.example/api"]
    assert main(["generate", "--standard"]) == 0  # asks no server
    assert len(calls) == 1


def test_schema_and_server_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--schema", "a.json", "--server", "https://x"])
    assert exit_info.value.code == 2
