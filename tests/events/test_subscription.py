"""ftrack's event expressions (`ftorm.query.subscription`): grammar, text, matching."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftorm.errors import QuerySyntaxError, SubscriptionSyntaxError
from ftorm.protocol.events import DISCONNECTED, REPLY
from ftorm.query.subscription import (
    OPERATORS,
    All,
    AnyOf,
    Condition,
    Expression,
    Not,
    parse,
    topic_is,
)
from ftorm.query.subscription_grammar import BARE_VALUE

EVENT = {
    "topic": "ftrack.update",
    "data": {"user": {"name": "martin"}, "count": 3, "flag": True, "items": [{"a": "x"}]},
    "source": {"id": "hub1"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("topic=ftrack.update", True),
        ("topic=ftrack.update and data.user.name=martin", True),
        ('topic=ftrack.update and data.user.name="martin"', True),
        ("topic=ftrack.update and data.user.name='someone else'", False),
        ("topic=ftrack.*", True),
        ("topic=*update", True),
        ("topic=ftrack.*.x", False),
        ("topic!=ftrack.*", False),
        ("topic=other or data.count>2", True),
        ("not topic=other", True),
        ("not (topic=other or data.count>=3)", False),
        ("data.count=3", True),
        ("data.count<3", False),
        ("data.count<=3", True),
        ("data.count=three", False),
        ("data.flag=true", True),
        ("data.flag=false", False),
        ("data.missing!=x", False),  # a missing key never matches
        ("data.items.0.a=x", True),
        ("data.items.1.a=x", False),
        ("TOPIC=ftrack.update", False),  # keys are case-sensitive
        ("topic=ftrack.update AND NOT data.user.name=bob", True),
    ],
)
def test_matching(text: str, expected: bool) -> None:
    assert parse(text).match(EVENT) is expected


def test_precedence_not_and_or() -> None:
    assert parse("a=1 or b=2 and c=3") == AnyOf(
        (Condition("a", "=", "1"), All((Condition("b", "=", "2"), Condition("c", "=", "3"))))
    )
    assert parse("not a=1 and b=2") == All(
        (Not(Condition("a", "=", "1")), Condition("b", "=", "2"))
    )
    assert parse("notes=1") == Condition("notes", "=", "1")


def test_quoted_values_and_escapes() -> None:
    assert parse(r'a="say \"hi\""') == Condition("a", "=", 'say "hi"')
    assert parse("a='x y'") == Condition("a", "=", "x y")
    assert str(parse("a='x y'")) == 'a="x y"'


@pytest.mark.parametrize(
    ("text", "column", "expected"),
    [
        ("", 1, "a condition"),
        ("topic=", 7, "a value"),
        ("topic", 6, "an operator"),
        ("(a=1", 5, "')'"),
        ("a=1 b=2", 5, "'and' or 'or'"),
        ('a="open', 3, ""),
    ],
)
def test_syntax_errors_point_at_the_fault(text: str, column: int, expected: str) -> None:
    with pytest.raises(SubscriptionSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert isinstance(error, QuerySyntaxError)
    assert error.column == column
    assert expected in str(error)
    assert str(error).splitlines()[-1].endswith("^")


def test_nesting_too_deep_is_a_syntax_error() -> None:
    with pytest.raises(SubscriptionSyntaxError):
        parse("(" * 5000 + "a=1" + ")" * 5000)


@given(st.text(alphabet="ab=!<>() \"'*.andortx\\", max_size=30))
def test_every_input_parses_or_raises_the_typed_error(text: str) -> None:
    try:
        expression = parse(text)
    except SubscriptionSyntaxError:
        return
    assert parse(str(expression)) == expression


keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,6}(\.[A-Za-z0-9_]{1,4}){0,2}", fullmatch=True)
values = st.text(max_size=8) | st.from_regex(BARE_VALUE, fullmatch=True)
conditions = st.builds(Condition, keys, st.sampled_from(OPERATORS), values)
expressions: st.SearchStrategy[Expression] = st.recursive(
    conditions,
    lambda inner: (
        st.builds(Not, inner)
        | st.builds(All, st.lists(inner, min_size=2, max_size=3).map(tuple))
        | st.builds(AnyOf, st.lists(inner, min_size=2, max_size=3).map(tuple))
    ),
    max_leaves=8,
)


@given(expressions)
def test_str_round_trips(expression: Expression) -> None:
    assert parse(str(expression)) == expression


@pytest.mark.parametrize("topic", [REPLY, DISCONNECTED, "ftrack.update", 'a "quoted" topic'])
def test_topic_is_gives_what_parsing_gives(topic: str) -> None:
    escaped = topic.replace('"', '\\"')
    assert topic_is(topic) == parse(f'topic="{escaped}"')
    assert str(topic_is(topic)) == str(parse(f'topic="{escaped}"'))


def test_a_hub_that_never_subscribes_imports_no_grammar_and_no_websocket() -> None:
    code = (
        "import sys, ftorm, ftorm.models\n"
        "session = ftorm.Session('http://127.0.0.1:1', 'user', 'key')\n"
        "session.events\n"
        "print(sorted(m for m in ('parsimonious', 'wsproto', 'asyncio') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_parsed_subscriptions_are_cached() -> None:
    # The server parses each event's target once per connection: parsing is cached.
    assert parse("topic=ftrack.update and data.a=1") is parse("topic=ftrack.update and data.a=1")
