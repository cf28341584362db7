"""The query language: corpus, canonical forms, equivalent spellings and syntax errors."""

from __future__ import annotations

import decimal
import subprocess
import sys

import pytest

import ftorm
from ftorm.query import ast
from ftorm.query.parser import parse_criteria
from ftorm.query.render import render
from tests.paths import QUERY_CORPUS


def test_every_corpus_query_parses_and_renders_to_a_fixed_point() -> None:
    lines = [line for line in QUERY_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == 519
    for line in lines:
        tree = ftorm.parse(line)
        canonical = str(tree)
        assert ftorm.parse(canonical) == tree, line
        assert str(ftorm.parse(canonical)) == canonical


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Project", "Project"),
        ("Project where status is active", "Project where status is active"),
        (
            'Project where status is active and end_date before "2026-12-04"',
            'Project where status is active and end_date before "2026-12-04"',
        ),
        ('Context where parent.name like "te%"', 'Context where parent.name like "te%"'),
        ("SELECT Name FROM Task WHERE Name IS 'x'", 'select Name from Task where Name is "x"'),
        ("Task where status=active", "Task where status is active"),
        ("Task where id != 'a'", 'Task where id is_not "a"'),
        ("Task where a not in (1, 2.50)", "Task where a not_in (1, 2.50)"),
        ("Task where a greater_than 2 or b less_than -3", "Task where a > 2 or b < -3"),
        (
            'Note where (parent_id is "x"and key is "y")',
            'Note where parent_id is "x" and key is "y"',
        ),
        ("Task where x is None and y is TRUE", "Task where x is none and y is true"),
        ("Task limit 5 offset 10", "Task offset 10 limit 5"),
        ("Task order by name desc, id asc", "Task order by name descending, id ascending"),
        ("select   name ,parent  from  Task", "select name, parent from Task"),
        ("Task where not timelogs any ()", "Task where not timelogs any ()"),
        (
            "TypedContext where parent[TypedContext] has (name is sq010)",
            "TypedContext where parent[TypedContext] has (name is sq010)",
        ),
        (
            "Task where id in (select id from Shot where name like 'a%')",
            'Task where id in (select id from Shot where name like "a%")',
        ),
        (
            "select name, count(id) from Task group by status_id order by name offset 5 limit 10",
            "select name, count(id) from Task group by status_id order by name offset 5 limit 10",
        ),
        ("Task where (a is 1 or b is 2) and c is 3", "Task where (a is 1 or b is 2) and c is 3"),
        ("Task where a is 1 and (b is 2 and c is 3)", "Task where a is 1 and (b is 2 and c is 3)"),
        ("Task where not (a is 1 and b is 2)", "Task where not (a is 1 and b is 2)"),
        (
            r'Task where name is "a \"quoted\" \\ word"',
            r'Task where name is "a \"quoted\" \\ word"',
        ),
        (r"Task where name is 'it\'s'", 'Task where name is "it\'s"'),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert str(ftorm.parse(text)) == canonical


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Task where name = x", "Task where name is x"),
        ("Task where name != x", "Task where name is_not x"),
        ("Task where a not in (1)", "Task where a not_in (1)"),
        ("Task where a not   in (1)", "Task where a not_in (1)"),
        ("Task where name is 'x'", 'Task where name is "x"'),
        (
            "TASK WHERE NAME IS 'x' ORDER BY NAME DESC",
            'TASK where NAME is "x" order by NAME descending',
        ),
        ("select  name\n from Task\twhere name is x", "select name from Task where name is x"),
        ("Task where x is None", "Task where x is null"),
        ("Task where x is True", "Task where x is true"),
        ("Task limit 1 offset 2", "Task offset 2 limit 1"),
    ],
)
def test_equivalent_spellings_parse_equal(left: str, right: str) -> None:
    assert ftorm.parse(left) == ftorm.parse(right)


def test_values_keep_their_kind() -> None:
    where = parse_criteria('a in ("1", 1, 1.0, true, none, one, 5671dcb0-66de-11e1)')
    assert isinstance(where, ast.Comparison)
    assert where.operand == ast.ValueList(
        (
            ast.String("1"),
            ast.Integer(1),
            ast.Decimal(decimal.Decimal("1.0")),
            ast.Boolean(True),
            ast.Null(),
            ast.Bare("one"),
            ast.Bare("5671dcb0-66de-11e1"),
        )
    )


def test_precedence_not_and_or() -> None:
    where = parse_criteria("not a is 1 and b is 2 or c is 3")
    a, b, c = (ast.Comparison(ast.Path.of(n), ast.Operator.EQ, ast.Integer(v)) for n, v in
               (("a", 1), ("b", 2), ("c", 3)))  # fmt: skip
    assert where == ast.Or((ast.And((ast.Not(a), b)), c))


@pytest.mark.parametrize(
    ("text", "column", "expected"),
    [
        ("Task where", 11, "criteria"),
        ("Task where name is", 19, "a value"),
        ("Task where (name is x", 22, "')'"),
        ('Task where name is "abc', 20, "a value"),
        ("Task where name is x y", 22, "'and'"),
        ("select from Task", 8, "a projection"),
        ("Task limit x", 12, "a whole number"),
        ("Task where name is x)", 21, "'and'"),
        ("select name from", 17, "an entity type"),
        ("", 1, "an entity type"),
        ("Task where name iss x", 17, "an operator"),
        ("Task where x in ()", 18, "a value"),
        ("Task order by", 14, "an attribute"),
    ],
)
def test_syntax_errors_point_at_the_fault(text: str, column: int, expected: str) -> None:
    with pytest.raises(ftorm.QuerySyntaxError) as info:
        ftorm.parse(text)
    error = info.value
    assert isinstance(error, ValueError)
    assert (error.line, error.column) == (1, column)
    assert expected in error.expected
    lines = str(error).splitlines()
    assert lines[1] == "  " + text
    assert lines[2] == "  " + " " * (column - 1) + "^"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Task wherre name is x", "found 'wherre'"),
        ("select name from Task wher name is x", "found 'wher'"),
        ("Task where name iss x", "found 'iss'"),
        ("Task where name is x )", "found ')'"),
        ("Task where name is x limit 2024-01-01", "found '2024-01-01'"),
        ("Task where name is", "found end of query"),
        ("Task wh" + "e" * 200, "found 'wh" + "e" * 55 + "...'"),
    ],
)
def test_syntax_errors_quote_the_whole_word_found(text: str, found: str) -> None:
    with pytest.raises(ftorm.QuerySyntaxError) as info:
        ftorm.parse(text)
    assert found in str(info.value).splitlines()[0]


def test_unterminated_string_is_named() -> None:
    with pytest.raises(ftorm.QuerySyntaxError, match="unterminated string"):
        ftorm.parse('Task where name is "abc')


def test_error_on_a_later_line() -> None:
    with pytest.raises(ftorm.QuerySyntaxError) as info:
        ftorm.parse("Task\nwhere name is x\n  and")
    assert (info.value.line, info.value.column) == (3, 6)


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(ftorm.QuerySyntaxError, match="nested too deeply"):
        ftorm.parse("Task where " + "(" * 5000 + "a is 1" + ")" * 5000)


def test_huge_numbers_are_a_syntax_error() -> None:
    with pytest.raises(ftorm.QuerySyntaxError, match="too long"):
        ftorm.parse("Task where a is " + "9" * 5000)


def test_non_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        ftorm.parse(b"Task")  # type: ignore[arg-type]


def test_render_escapes_and_decimals() -> None:
    where = ast.Comparison(ast.Path.of("a"), ast.Operator.EQ, ast.String('say "hi" \\o/'))
    assert str(where) == 'a is "say \\"hi\\" \\\\o/"'
    assert str(ast.Decimal(decimal.Decimal("1E+2"))) == "100.0"
    assert str(ast.ValueList(())) == '("")'
    with pytest.raises(ValueError, match="non-finite"):
        str(ast.Decimal(decimal.Decimal("NaN")))
    with pytest.raises(ftorm.QueryCompileError):
        str(ast.Comparison(ast.Path.of("a"), ast.Operator.GT, ast.Decimal(decimal.Decimal("inf"))))


def test_render_takes_only_ast_nodes() -> None:
    with pytest.raises(TypeError, match="not a query AST node"):
        render(object())  # type: ignore[arg-type]
    assert render(ast.Segment("parent", "Sequence")) == "parent[Sequence]"
    assert render(ast.OrderItem(ast.Path.of("a"), ast.Direction.DESCENDING)) == "a descending"


def test_str_of_a_node_is_its_rendered_text() -> None:
    # The tree does not import its writer: ``ftorm.query`` names `render` to it on load.
    tree = ftorm.parse("select name, count(id) from Task where (a is 1 or b > 2) and not c is none")
    nodes = [tree, tree.where, *tree.projections, ast.Path.of("parent.name"), ast.String('a"b')]
    for node in nodes:
        assert node is not None
        assert str(node) == render(node)


def test_str_of_a_node_works_when_only_the_tree_is_imported() -> None:
    code = (
        "from ftorm.query import ast\n"
        "print(ast.Comparison(ast.Path.of('a'), ast.Operator.EQ, ast.Integer(1)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "a is 1"
