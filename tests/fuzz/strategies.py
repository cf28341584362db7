"""Hostile inputs for the embedded server: values, query texts, operations and raw HTTP.

Each operation strategy draws ``(batch, expected)``: ``expected`` is the set of ftrack
exception names an error answer may carry for it (a batch may also succeed where the hostile
part happens to be acceptable). Nothing here may ever produce an "internal error".
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

VALIDATION = frozenset({"ValidationError"})
WRITE_REFUSED = frozenset({"ValidationError", "PermissionError"})

MAX_ERROR = 4096
"""No error message may be longer than this, whatever the input."""

TYPES = ["Project", "Shot", "Sequence", "Task", "User", "Status", "Note", "AssetVersion"]
ABSTRACT = ["Context", "TypedContext", "Component", "CustomAttributeValue"]

_BIG_INTS = st.one_of(
    st.integers(min_value=2**63 - 2, max_value=2**70),
    st.integers(min_value=-(2**70), max_value=-(2**63) + 2),
    st.sampled_from([2**63, -(2**63) - 1, 10**30, 2**63 - 1, -(2**63)]),
)
_BIG_FLOATS = st.one_of(
    st.floats(min_value=2.0**63, allow_infinity=False),
    st.floats(max_value=-(2.0**63) - 2048, allow_infinity=False),
    st.sampled_from([1e19, -1e19, 2.0**63, 1e308]),
)
"""Whole floats beyond 64 bits: integral, so an integer attribute must range-check them."""
_SURROGATES = st.sampled_from(["\ud800", "a\udfffb", "\udc00\ud800", "x\ud83d"])
_EDGE_DATETIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00+05:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31T23:59:59.999999-12:00",
        "0000-01-01T00:00:00",
        "2026-02-30T00:00:00",
        "2026-01-01T24:00:00",
        "\ud800",
        "",
    ]
)
_LONG_TEXT = st.sampled_from([1_000, 20_000]).map(lambda n: "a" * n)
"""Long, not huge: hypothesis reprs every example (huge inputs are tested one by one)."""

hostile_scalars: st.SearchStrategy[Any] = st.one_of(
    _BIG_INTS,
    _BIG_FLOATS,
    _SURROGATES,
    _LONG_TEXT,
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.none(),
    st.booleans(),
)
"""Scalars that a careless or hostile client may put anywhere a value goes."""

hostile_values: st.SearchStrategy[Any] = st.one_of(
    hostile_scalars,
    st.fixed_dictionaries(
        {"__type__": st.sampled_from(["datetime", "date"]), "value": _EDGE_DATETIMES}
    ),
    st.fixed_dictionaries(
        {"__entity_type__": st.sampled_from(TYPES + ABSTRACT + ["Nope"]), "id": hostile_scalars}
    ),
    st.lists(hostile_scalars, max_size=3),
)
"""Values for ``entity_data``: scalars, typed datetimes out of range, broken references."""

_LITERALS = st.one_of(
    _BIG_INTS.map(str),
    _SURROGATES.map(lambda s: f'"{s}"'),
    _LONG_TEXT.map(lambda s: f'"{s}"'),
    st.sampled_from(['"0001-01-01T00:00:00+05:00"', "1e999", "-0", "none", "true"]),
    st.text(max_size=10).map(lambda s: '"' + s.replace("\\", "").replace('"', "") + '"'),
)
_DEPTHS = st.sampled_from([1, 5, 19, 20, 21, 50, 200])
_WIDTHS = st.sampled_from([2, 100, 998, 999, 1000, 5000])


@st.composite
def hostile_expressions(draw: st.DrawFn) -> str:
    """Query texts that are deep, wide, huge or odd, but mostly well-formed."""
    entity = draw(st.sampled_from(TYPES + ABSTRACT + ["Nope"]))
    literal = draw(_LITERALS)
    shape = draw(
        st.sampled_from(["not", "has", "parent", "or", "and", "in", "limit", "offset", "plain"])
    )
    if shape == "not":
        return f"{entity} where {'not ' * draw(_DEPTHS)}name is {literal}"
    if shape == "has":
        depth = draw(_DEPTHS)
        return f"{entity} where {'parent has (' * depth}name is {literal}{')' * depth}"
    if shape == "parent":
        return f"{entity} where {'parent.' * draw(_DEPTHS)}name is {literal}"
    if shape in ("or", "and"):
        width = draw(_WIDTHS)
        return f"{entity} where " + f" {shape} ".join(f"name is {literal}" for _ in range(width))
    if shape == "in":
        width = draw(_WIDTHS)
        return f"{entity} where id in (" + ", ".join([literal] * width) + ")"
    if shape in ("limit", "offset"):
        number = draw(_BIG_INTS | st.integers(min_value=-5, max_value=5))
        return f"{entity} {shape} {number}"
    return f"{entity} where name is {literal}"


@st.composite
def hostile_batches(draw: st.DrawFn) -> tuple[list[Any], frozenset[str]]:
    """One hostile operation (in a batch of one) and the error names it may be refused with."""
    kind = draw(st.sampled_from(["query", "create", "update", "delete", "abstract", "immutable"]))
    if kind == "query":
        expression = draw(hostile_expressions() | st.text(max_size=40))
        return [{"action": "query", "expression": expression}], VALIDATION
    entity = draw(st.sampled_from(TYPES))
    if kind == "abstract":
        data = {"name": draw(st.text(max_size=5))}
        op = {
            "action": "create",
            "entity_type": draw(st.sampled_from(ABSTRACT)),
            "entity_data": data,
        }
        return [op], WRITE_REFUSED
    key = draw(st.lists(hostile_scalars, min_size=1, max_size=2) | hostile_scalars)
    if kind == "delete":
        return [{"action": "delete", "entity_type": entity, "entity_key": key}], WRITE_REFUSED
    names = st.sampled_from(["name", "id", "parent", "status", "end_date", "start_date", "x"])
    if kind == "immutable":
        names = st.sampled_from(["link", "id", "context_type", "project_id"])
    data = draw(st.dictionaries(names, hostile_values, min_size=1, max_size=3))
    if kind == "create":
        return [{"action": "create", "entity_type": entity, "entity_data": data}], WRITE_REFUSED
    op = {"action": "update", "entity_type": entity, "entity_key": key, "entity_data": data}
    return [op], WRITE_REFUSED


_TOKEN = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20
)


@st.composite
def raw_requests(draw: st.DrawFn, user: str, key: str) -> bytes:
    """A raw HTTP/1.1 request to ``/api``: odd methods, paths, headers, lengths and bodies.

    The ``Content-Length`` never promises more bytes than the body holds (a short body is a
    slow client, tested on its own with a timeout).
    """
    method = draw(st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE", "OPTIONS"]))
    path = draw(st.sampled_from(["/api", "/api/", "/", "/api?x=1", "/../api", "/" + "a" * 3000]))
    body = draw(
        st.one_of(
            st.binary(max_size=200),
            st.just(b'[{"action": "query_server_information"}]'),
            hostile_batches().map(lambda pair: _json_bytes(pair[0])),
            st.just(b"[" * 20_000),
            st.just(b'[{"action": "query", "expression": "' + b"a" * 20_000 + b'"}]'),
        )
    )
    length = draw(st.sampled_from(["exact", "shorter", "zero", "negative", "junk", "none"]))
    headers = {
        "Host": "127.0.0.1",
        "ftrack-user": draw(st.sampled_from([user, "", "nobody", "\u00e9"])),
        "ftrack-api-key": draw(st.sampled_from([key, key, "", "wrong", key + "x"])),
        "Connection": "close",
    }
    if draw(st.booleans()):
        headers["ftrack-strict-api"] = draw(st.sampled_from(["true", "false", "TRUE", "1"]))
    if draw(st.booleans()):
        headers["ftrack-api-options"] = draw(st.sampled_from(["denormalize:1", "x=;;", "::"]))
    for name, value in draw(st.dictionaries(_TOKEN, _TOKEN, max_size=3)).items():
        headers.setdefault(name, value)
    if length == "exact":
        headers["Content-Length"] = str(len(body))
    elif length == "shorter":
        headers["Content-Length"] = str(len(body) // 2)
    elif length == "zero":
        headers["Content-Length"] = "0"
    elif length == "negative":
        headers["Content-Length"] = "-5"
    elif length == "junk":
        headers["Content-Length"] = "12abc"
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("utf-8", "surrogatepass") + b"\r\n" + body


def _json_bytes(batch: list[Any]) -> bytes:
    import json

    return json.dumps(batch).encode("utf-8", "surrogatepass")


_FIXTURE_VALUES: st.SearchStrategy[Any] = st.one_of(
    hostile_values,
    _EDGE_DATETIMES,
    st.sampled_from(["not a date", "2026-01-01T10:00:00", "2026-01-01", "1", "00000000-dead"]),
    st.dictionaries(st.text(max_size=3), hostile_scalars, max_size=2),
)
"""Values a hostile fixture may hold for an attribute (or a key)."""


@st.composite
def hostile_fixtures(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """A copy of the valid fixture ``base`` with one to three changes, mostly hostile: a
    value, a key, an unknown or hidden attribute, an entity given twice or dropped (leaving
    its references dangling), a broken link, or the format member; or a harmless new text."""
    fixture: dict[str, Any] = json.loads(json.dumps(base))
    entities: list[Any] = fixture["entities"]
    hostile = draw(st.integers(0, 3)) > 0  # a quarter of the fixtures stay loadable
    for _ in range(draw(st.integers(1, 3))):
        changes = ["value", "value", "benign", "attribute", "twice", "drop", "link", "top"]
        change = draw(st.sampled_from(changes)) if hostile else "benign"
        entity = draw(st.sampled_from(entities)) if entities else {}
        if change == "value" and isinstance(entity, dict) and entity:
            name = draw(st.sampled_from(sorted(entity)))
            entity[name] = draw(_FIXTURE_VALUES)
        elif change == "benign" and isinstance(entity, dict):
            plain = sorted(
                name
                for name, value in entity.items()
                if isinstance(value, str) and name in ("name", "description", "full_name")
            )
            if plain:
                entity[draw(st.sampled_from(plain))] = draw(
                    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
                )
        elif change == "attribute" and isinstance(entity, dict):
            name = draw(st.sampled_from(["nmae", "__ref_parent", "__ref_x", "\ud800", "link"]))
            entity[name] = draw(_FIXTURE_VALUES)
        elif change == "twice" and entities:
            entities.append(json.loads(json.dumps(entity)))
        elif change == "drop" and entities:
            entities.remove(entity)
        elif change == "link" and isinstance(fixture.get("links"), list):
            fixture["links"].append(
                draw(st.lists(_FIXTURE_VALUES, max_size=5) | st.sampled_from([{}, None, 1]))
            )
        elif change == "top":
            member = draw(st.sampled_from(["ftorm_fixture", "entities", "links"]))
            fixture[member] = draw(
                st.sampled_from([True, 1.0, "1", 2, None, {}, [None], [[]], [1]])
            )
    return fixture
