"""The HTTP server's piecewise JSON decoding and encoding (`ftorm.server.bodies`) give
exactly what `json.loads` and `json.dumps` give, for any text: the same value, or a
`ValueError` (a `RecursionError` for too deep a nesting) where `json` raises one."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ftorm.server import bodies

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)
_SPACE = st.text(alphabet=" \t\n\r", max_size=3)


@st.composite
def _array_texts(draw: st.DrawFn) -> str:
    """An array's JSON text with arbitrary whitespace, sometimes broken."""
    members = draw(st.lists(_VALUES, max_size=6))
    parts = [draw(_SPACE) + json.dumps(m) + draw(_SPACE) for m in members]
    text = draw(_SPACE) + "[" + draw(_SPACE) + ",".join(parts) + "]" + draw(_SPACE)
    if draw(st.booleans()):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        junk = draw(st.sampled_from(["", ",", "]", "[", "x", "1", '"', " ", ",]", "\ufeff"]))
        cut = draw(st.integers(min_value=0, max_value=2))
        text = text[:at] + junk + text[at + cut :]
    return text


def _outcome(decode: Any, text: str) -> tuple[str, Any]:
    try:
        return "value", repr(decode(text))  # repr: NaN equals itself
    except RecursionError:
        return "error", RecursionError
    except ValueError:
        return "error", ValueError


@given(st.one_of(_array_texts(), st.text(max_size=30)))
def test_decode_is_json_loads(text: str) -> None:
    expected = _outcome(json.loads, text)
    assert _outcome(lambda t: bodies.decode(t, piecewise=0), text) == expected
    assert _outcome(bodies.decode, text) == expected


def test_decode_of_deep_nesting_raises_as_json_loads_does() -> None:
    text = "[" + "[" * 100_000 + "]" * 100_000 + "]"
    assert _outcome(lambda t: bodies.decode(t, piecewise=0), text) == _outcome(json.loads, text)


@given(st.lists(_VALUES, max_size=8) | _VALUES)
def test_encode_is_json_dumps(value: Any) -> None:
    expected = json.dumps(value).encode("utf-8")
    assert bodies.encode(value, piecewise=0) == expected
    assert bodies.encode(value) == expected
