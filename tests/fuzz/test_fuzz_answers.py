"""Hostile answers: every malformed row either hydrates into values that fit the model or
raises `ServerError`; every answer the HTTP transport receives is a list of results or a
`TransportError`; a clone fed any answers ends with a typed error or a copy, in bounded
requests."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import arrow
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftorm.clone import clone
from ftorm.errors import FtormError, ServerError, TransportError
from ftorm.model.fields import Many, Ref
from ftorm.protocol.operations import encode_batch
from ftorm.protocol.results import read_query
from ftorm.schema.standard import standard_documents
from ftorm.session import Session
from ftorm.transport.http import HttpTransport
from tests.fuzz.answers import Answering, hostile_answers, malformed_rows, nested_text
from tests.profiles import scaled


def _fits(obj: Any, row: dict[str, Any]) -> None:
    """Each scalar the row gave ``obj`` passes its field's own check (None aside)."""
    for name, field in type(obj).__ftorm_fields__.items():
        if isinstance(field, (Ref, Many)) or field.key not in row or name not in vars(obj):
            continue
        value = vars(obj)[name]
        check = field.validator
        if value is None or check is None:
            continue
        assert check(value) is not None or value is None
        if isinstance(row[field.key], dict):
            assert isinstance(value, arrow.Arrow), (name, value)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(malformed_rows())
def test_a_malformed_row_hydrates_correctly_or_is_a_server_error(
    case: tuple[str, dict[str, Any]],
) -> None:
    queried, row = case
    session = Session(transport=Answering([row]))
    objects: list[Any] = []
    refused = ""
    try:
        objects = session.query(queried).all()
    except ServerError as error:
        refused = str(error)
    assert len(refused) < 1000
    for obj in objects:
        _fits(obj, row)


_HTTP = HttpTransport("http://127.0.0.1:9", "u", "k")


@given(st.one_of(hostile_answers, st.lists(hostile_answers, min_size=1, max_size=2)))
def test_the_transport_answers_results_or_a_transport_error(answer: Any) -> None:
    results: list[Any] = [None]
    refused = ""
    try:
        results = _HTTP._decode(200, json.dumps(answer).encode(), 1)
    except TransportError as error:
        refused = str(error)
    assert len(refused) < 1000
    assert isinstance(results, list)
    assert len(results) == 1


@pytest.mark.parametrize("depth", [500, 990, 5_000, 200_000])
@pytest.mark.parametrize("opener", ["[", "{"])
def test_deep_nesting_is_a_server_error(depth: int, opener: str) -> None:
    text = nested_text(depth, opener)
    with pytest.raises(TransportError) as info:
        read_query(_HTTP._decode(200, text.encode(), 1)[0])
    message = str(info.value)
    assert len(message) < 1000
    if "expected a list" not in message:  # decoded: a list, refused as a query's answer
        assert isinstance(info.value, ServerError)


_DOCUMENTS = standard_documents()


@settings(
    max_examples=scaled(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(answers=st.lists(hostile_answers, min_size=1, max_size=6))
def test_a_clone_fed_any_answers_ends_with_a_typed_error(
    answers: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    calls = 0

    def call(operations: Any) -> list[Any]:
        nonlocal calls
        calls += 1
        assert calls < 200, "the clone kept asking"
        out: list[Any] = []
        for operation in encode_batch(operations):
            if operation["action"] == "query_schemas":
                out.append(_DOCUMENTS)
            else:
                out.append(answers[(calls + len(out)) % len(answers)])
        return json.loads(json.dumps(out))

    path = Path(tmp_path_factory.mktemp("fuzz")) / "copy.db"
    with contextlib.suppress(FtormError):  # any other exception fails the test
        clone(call, str(path), ["show"], page_size=2)
