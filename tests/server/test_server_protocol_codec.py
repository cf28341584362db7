"""The wire codec and the operation builders/validators in `ftorm.protocol`."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftorm.errors import InvalidValueError, ServerCompatibilityError, ValidationError
from ftorm.protocol import codec
from ftorm.protocol import operations as ops


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01", "2024-01-01T00:00:00"),
        ("2024-01-01T10:00:00", "2024-01-01T10:00:00"),
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00"),
        ("2024-01-01T10:00:00.123456+02:00", "2024-01-01T08:00:00"),
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
    decoded = codec.decode(codec.encode({"at": value, "many": [value]}))
    assert decoded["at"] == value.replace(microsecond=0)
    assert decoded["many"] == [value.replace(microsecond=0)]


def test_dates_and_entities() -> None:
    assert codec.encode(dt.date(2024, 5, 6)) == {"__type__": "date", "value": "2024-05-06"}
    assert codec.decode({"__type__": "date", "value": "2024-05-06"}) == dt.date(2024, 5, 6)
    reference = codec.entity_reference("Metadata", {"parent_id": "p", "key": "fps"})
    assert codec.is_entity(reference)
    assert codec.is_reference(reference, ("parent_id", "key"))
    assert codec.entity_key(reference, ("parent_id", "key")) == ("p", "fps")
    with pytest.raises(InvalidValueError):
        codec.entity_key({"__entity_type__": "Task"}, ("id",))


def test_builders_produce_valid_operations() -> None:
    batch = [
        ops.query("Task"),
        ops.query_schemas(),
        ops.query_server_information(["schema_hash"]),
        ops.create("Task", {"name": "x"}, ["id1"]),
        ops.update("Task", ["id1"], {"name": "y"}),
        ops.delete("Task", ["id1"]),
    ]
    views = [ops.validate(op) for op in batch]
    assert views[0] == ops.QueryOp("Task")
    assert views[3] == ops.CreateOp("Task", {"__entity_type__": "Task", "name": "x"}, ("id1",))
    assert views[5] == ops.DeleteOp("Task", ("id1",))


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
