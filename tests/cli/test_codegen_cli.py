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
from ftorm.schema.custom.configurations import Configuration
from ftorm.schema.load import load_schema
from ftorm.schema.standard import standard_documents, standard_schema
from ftorm.schema.workspace import OBJECT_TYPE_IDS

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


class _Raw(io.BytesIO):
    """urllib3's raw body as far as ftorm reads it: ``read1`` with ``decode_content``."""

    def read1(self, size: int | None = -1, /, decode_content: bool = False) -> bytes:
        return super().read1(-1 if size is None else size)


class _Response:
    """What `requests.Session.post` returns with ``stream=True``, as far as ftorm uses it."""

    def __init__(self, body: Any, status: int = 200) -> None:
        self.status_code = status
        text = body if isinstance(body, str) else json.dumps(body)
        self._bytes = text.encode("utf-8")
        self.raw = _Raw(self._bytes)
        self.headers: dict[str, str] = {}

    def __enter__(self) -> _Response:
        self.raw = _Raw(self._bytes)  # the same answer may be given to a retry
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


def test_custom_attributes_dump_then_offline_generate_and_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``--dump-custom-attributes`` from a server, then ``--schema`` + ``--custom-attributes``
    offline gives the same module, and ``--check`` covers the configurations."""
    monkeypatch.setenv("FTRACK_API_USER", "jane")
    monkeypatch.setenv("FTRACK_API_KEY", "secret")
    configuration = {
        "__entity_type__": "CustomAttributeConfiguration",
        "id": "c1",
        "key": "fstart",
        "label": "Frame start",
        "default": 1001,
        "config": '{"isdecimal": false}',
        "entity_type": "task",
        "is_hierarchical": False,
        "object_type_id": OBJECT_TYPE_IDS["Shot"],
        "type": {"__entity_type__": "CustomAttributeType", "id": "t1", "name": "number"},
    }
    served = {"action": "query", "data": [configuration], "metadata": {"next": {"offset": None}}}
    _fake_post(monkeypatch, _Response([standard_documents(), served]))
    dump = tmp_path / "custom_attributes.json"
    online = tmp_path / "online.py"
    server = ["generate", "--server", "https://studio.example"]
    assert main([*server, "--dump-custom-attributes", str(dump), "-o", str(online)]) == 0
    assert (
        json.loads(dump.read_text(encoding="utf-8"))["custom_attribute_configurations"][0]["key"]
        == "fstart"
    )
    assert "fstart: CustomAttr[int | None]" in online.read_text(encoding="utf-8")

    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(standard_documents()), encoding="utf-8")
    offline = ["generate", "--schema", str(schema), "--custom-attributes", str(dump)]
    assert main([*offline, "-o", str(online), "--check"]) == 0  # the same module, offline
    capsys.readouterr()

    record = json.loads(dump.read_text(encoding="utf-8"))
    record["custom_attribute_configurations"][0]["key"] = "frame_start"
    dump.write_text(json.dumps(record), encoding="utf-8")
    assert main([*offline, "-o", str(online), "--check"]) == 1  # stale: the key changed
    captured = capsys.readouterr()
    assert "+    frame_start: CustomAttr[int | None]" in captured.out
    assert "is stale" in captured.err


def test_a_bad_custom_attributes_file_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "custom_attributes.json"
    bad.write_text('{"custom_attribute_configurations": [{"key": "x"}]}', encoding="utf-8")
    assert main(["generate", "--standard", "--custom-attributes", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ftorm generate: custom attribute configuration 'x': needs a text id")
    assert main(["generate", "--custom-attributes", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_dump_needs_configurations_and_check_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dump = tmp_path / "custom_attributes.json"
    assert main(["generate", "--standard", "--dump-custom-attributes", str(dump)]) == 2
    assert "no custom attribute configurations to dump" in capsys.readouterr().err
    assert not dump.exists()
    out = tmp_path / "models.py"
    check = ["generate", "--standard", "-o", str(out), "--check"]
    assert main([*check, "--dump-custom-attributes", str(dump)]) == 2
    assert "--check writes nothing" in capsys.readouterr().err
    assert not dump.exists()


def test_a_key_both_hierarchical_and_not_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shot = "bad911de-3bd6-47b9-8b46-3476e237cb36"
    on_shots = {"entity_type": "task", "object_type_id": shot}
    records = [
        {
            "id": "h1",
            "key": "fps",
            "type": "number",
            "entity_type": "show",
            "is_hierarchical": True,
        },
        {"id": "s1", "key": "fps", "type": "text", **on_shots},
        {"id": "s2", "key": "fstart", "type": "number", **on_shots},
    ]
    dump = tmp_path / "custom.json"
    dump.write_text(json.dumps({"custom_attribute_configurations": records}), encoding="utf-8")
    target = tmp_path / "models.py"
    assert main(["generate", "--custom-attributes", str(dump), "-o", str(target)]) == 0
    err = capsys.readouterr().err
    assert err.count("warning:") == 1
    assert "'fps' is both hierarchical (configuration h1) and configured for Shot" in err
    assert "Shot.custom.fps and Shot.custom.inherited.fps read the hierarchical one" in err
    text = target.read_text(encoding="utf-8")
    assert 'fps: CustomAttr[int | None] = custom_attr("fps", "number")' in text  # hierarchical
