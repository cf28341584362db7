"""The wire codec and the typed operations in `ftorm.protocol`."""

from __future__ import annotations

import datetime as dt
import json
import typing

import arrow
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftorm.errors import InvalidValueError, ServerCompatibilityError, ValidationError
from ftorm.models import Project
from ftorm.protocol import codec
from ftorm.protocol import operations as ops
from ftorm.query import ast
from ftorm.query.expressions import to_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01", "2024-01-01T00:00:00"),
        ("2024-01-01T10:00:00", "2024-01-01T10:00:00"),
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00"),
        ("2024-01-01T10:00:00.123456+02:00", "2024-01-01T08:00:00.123456"),
        ("2024-01-01 10:00", "2024-01-01T10:00:00"),
        ("2024-01-01T00:30:00-0130", "2024-01-01T02:00:00"),
    ],
)
def test_datetimes_normalise_to_naive_utc(text: str, expected: str) -> None:
    assert codec.format_datetime(codec.parse_datetime(text)) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-01", "2024-01-01T25:00", "2024-1-1"])
def test_bad_datetimes(text: str) -> None:
    with pytest.raises(InvalidValueError):
        codec.parse_datetime(text)


@given(st.datetimes(timezones=st.just(dt.timezone.utc)))
def test_encode_decode_round_trip(value: dt.datetime) -> None:
    encoded = codec.encode({"at": value, "many": [value]})
    assert codec.decode_value(encoded["at"]) == value  # microseconds kept
    assert [codec.decode_value(v) for v in encoded["many"]] == [value]


def test_dates_and_entities() -> None:
    assert codec.encode(dt.date(2024, 5, 6)) == {"__type__": "date", "value": "2024-05-06"}
    assert codec.decode_value({"__type__": "date", "value": "2024-05-06"}) == arrow.get(
        "2024-05-06"
    )
    assert codec.decode_value({"other": 1}) == {"other": 1}
    with pytest.raises(InvalidValueError):
        codec.decode_value({"__type__": "datetime", "value": 5})
    reference = codec.entity_reference("Metadata", {"parent_id": "p", "key": "fps"})
    assert reference == {"__entity_type__": "Metadata", "parent_id": "p", "key": "fps"}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.date(2026, 1, 2), "2026-01-02"),
        (dt.datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05"),
        (
            dt.datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2026-01-02T01:04:05.000999",
        ),
        (arrow.get("2026-01-02T03:04:05.123-01:00"), "2026-01-02T04:04:05.123000"),
    ],
)
def test_dates_read_the_same_in_queries_and_on_the_wire(
    value: dt.date | arrow.Arrow, text: str
) -> None:
    assert codec.encode(value)["value"] == text
    assert to_value(value) == ast.String(text)
    query = Project.where(Project.end_date.after(value))
    assert str(query) == f'Project where end_date after "{text}"'


def _typed_operations() -> st.SearchStrategy[ops.Operation]:
    names = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=8)
    keys = st.lists(names, min_size=1, max_size=3).map(tuple)
    data = st.dictionaries(names, st.integers(ops.INT64_MIN, ops.INT64_MAX) | names, max_size=3)
    return st.one_of(
        st.builds(ops.QueryOp, names),
        st.just(ops.SchemasOp()),
        st.builds(ops.ServerInformationOp, st.none() | st.lists(names).map(tuple)),
        st.builds(ops.CreateOp, names, data, st.none() | keys),
        st.builds(ops.UpdateOp, names, keys, data),
        st.builds(ops.DeleteOp, names, keys),
        st.builds(ops.ResetRemoteOp, names, st.none() | names, st.none() | names),
        st.builds(
            ops.UploadMetadataOp,
            names,
            names,
            st.integers(0, ops.INT64_MAX),
            st.none() | names,
            st.none() | st.integers(0, 10_000),
        ),
        st.builds(
            ops.CompleteUploadOp,
            names,
            names,
            st.lists(st.builds(ops.UploadPart, st.integers(1, 10_000), names)).map(tuple),
        ),
        st.builds(ops.EncodeMediaOp, names, st.none() | names, st.booleans()),
        st.builds(
            lambda name, theme, entity: ops.WidgetUrlOp(name, theme, *entity),
            st.sampled_from(ops.WIDGETS),
            st.none() | st.sampled_from(ops.THEMES),
            st.just((None, None)) | st.tuples(names, names),
        ),
    )


@given(_typed_operations())
def test_typed_operations_survive_json(operation: ops.Operation) -> None:
    (encoded,) = ops.encode_batch([operation])
    assert ops.validate(json.loads(json.dumps(encoded))) == operation


def test_the_operations_table_holds_every_typed_operation_once() -> None:
    members = typing.get_args(ops.Operation)
    assert sorted(cls.__name__ for cls in ops.OPERATIONS.values()) == sorted(
        cls.__name__ for cls in members
    )
    assert all(ops.OPERATIONS[cls.action] is cls for cls in members)
    reads = {cls.action for cls in members if cls.read_only} | {ops.SEARCH_ACTION}
    assert (
        reads
        == ops.READ_ACTIONS
        == {
            "query",
            "query_schemas",
            "query_server_information",
            "search",
            "get_widget_url",
        }
    )


def test_raw_operations_pass_through() -> None:
    raw = {"action": "search", "expression": "Task", "terms": ["x"]}
    assert ops.encode_batch([ops.QueryOp("Task"), raw]) == [
        {"action": "query", "expression": "Task"},
        raw,
    ]


@pytest.mark.parametrize(
    "operation",
    [
        None,
        [],
        {"action": 3},
        {"action": "query"},
        {"action": "query", "expression": ""},
        {"action": "create", "entity_type": "Task", "entity_data": 5},
        {"action": "update", "entity_type": "Task", "entity_data": {}},
        {"action": "update", "entity_type": "Task", "entity_key": [True], "entity_data": {}},
        {"action": "delete", "entity_type": "", "entity_key": ["x"]},
        {"action": "query_server_information", "values": "schema_hash"},
    ],
)
def test_validate_refuses_malformed_operations(operation: object) -> None:
    with pytest.raises(ValidationError):
        ops.validate(operation)


def test_unknown_action() -> None:
    with pytest.raises(ServerCompatibilityError, match="Invalid action u'frobnicate'"):
        ops.validate({"action": "frobnicate"})
