"""Properties of the parser and renderer (hypothesis)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

import ftorm
from ftorm.query import ast
from tests.query.strategies import criteria, queries


@given(queries)
def test_render_then_parse_gives_the_same_tree(tree: ast.Select) -> None:
    assert ftorm.parse(str(tree)) == tree


@given(queries)
def test_canonical_text_is_a_fixed_point(tree: ast.Select) -> None:
    text = str(tree)
    assert str(ftorm.parse(text)) == text


@given(st.text(max_size=60))
@example("Task where (((")
@example('Task where name is "\\')
@example("select , from Task")
def test_any_text_parses_or_raises_query_syntax_error(text: str) -> None:
    try:
        tree = ftorm.parse(text)
    except ftorm.QuerySyntaxError as error:
        failure = error
    else:
        assert ftorm.parse(str(tree)) == tree
        return
    assert failure.column >= 1
    assert failure.line >= 1
    assert str(failure)


_ALPHABET = st.sampled_from(
    list("Task where name is and or not ( ) , \" ' \\ = != in any has . [ ] select from 1 x")
)


@given(st.lists(_ALPHABET, max_size=30).map("".join))
def test_query_like_text_parses_or_raises_query_syntax_error(text: str) -> None:
    try:
        tree = ftorm.parse(text)
    except ftorm.QuerySyntaxError:
        return
    assert ftorm.parse(str(tree)) == tree


@given(st.text())
def test_any_unicode_value_survives_render_and_parse(value: str) -> None:
    where = ast.Comparison(ast.Path.of("name"), ast.Operator.EQ, ast.String(value))
    tree = ast.Select("Task", where=where)
    parsed = ftorm.parse(str(tree))
    assert parsed.where == where


@given(criteria)
def test_criteria_render_standalone(where: ast.Criterion) -> None:
    assert ftorm.parse(f"Task where {where}").where == where
