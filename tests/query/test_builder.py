"""The typed query builder: every operator and path form, compared with canonical text and
with the parser (``ftorm.parse(str(q)) == q.ast``)."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterator
from typing import Any

import arrow
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ftorm
from ftorm.errors import (
    FtormError,
    InvalidValueError,
    MultipleResultsError,
    NotFoundError,
    QueryCompileError,
    UnboundQueryError,
    UnknownAttributeError,
)
from ftorm.query import ast
from ftorm.query.builder import Query
from ftorm.query.expressions import (
    Expr,
    and_,
    date_text,
    format_datetime,
    not_,
    or_,
    to_value,
)
from ftorm.query.render import render
from tests.query.strategies import criteria
from tests.typing.models_fixture import (
    Context,
    Metadata,
    Project,
    Sequence,
    Shot,
    Status,
    Task,
)

NEXT_WEEK = arrow.get("2026-12-04T10:30:00+02:00")


def text(q: Query[Any]) -> str:
    """Canonical text, checked to parse back to the same AST and to be the text of that AST
    (``str(q)`` renders the criteria without building their nodes)."""
    rendered = str(q)
    assert ftorm.parse(rendered) == q.ast, rendered
    assert render(q.ast) == rendered
    return rendered


def crit(expr: Expr) -> str:
    model = expr.roots[0]
    return text(Query(model).where(expr)).removeprefix(f"{model.__name__} where ")


def bare_to_string(node: Any) -> Any:
    """Parsed text without a schema keeps bare words as Bare; the builder always quotes."""
    import attrs

    if isinstance(node, ast.Bare):
        return ast.String(node.text)
    if isinstance(node, tuple):
        return tuple(bare_to_string(item) for item in node)
    if attrs.has(type(node)):
        changes = {
            field.name: bare_to_string(getattr(node, field.name))
            for field in attrs.fields(type(node))
        }
        return attrs.evolve(node, **changes)
    return node


# --- the ftrack tutorial's queries ----------------------------------------------------------


def test_tutorial_all_projects() -> None:
    q = Project.where()
    assert text(q) == "Project"
    assert q.ast == ftorm.parse("Project")
    assert text(Query(Project)) == "Project"


def test_tutorial_active_projects() -> None:
    q = Project.where(status="active")
    assert text(q) == 'Project where status is "active"'
    assert q.ast == bare_to_string(ftorm.parse("Project where status is active"))
    assert Project.where(Project.status == "active").ast == q.ast


def test_tutorial_active_projects_ending_before() -> None:
    date = arrow.get("2026-12-04T00:00:00")
    tutorial = f'Project where status is active and end_date before "{format_datetime(date)}"'
    by_keywords = Project.where(status="active").before(end_date=date)
    by_columns = Project.where(Project.status == "active", Project.end_date.before(date))
    assert by_keywords.ast == by_columns.ast == bare_to_string(ftorm.parse(tutorial))
    assert text(by_keywords) == (
        'Project where status is "active" and end_date before "2026-12-04T00:00:00"'
    )


def test_tutorial_parent_name_like() -> None:
    q = Context.where(Context.parent.name.like("te%"))
    assert text(q) == 'Context where parent.name like "te%"'
    assert q.ast == ftorm.parse('Context where parent.name like "te%"')


# --- operators ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: Shot.name == "a", 'name is "a"'),
        (lambda: Shot.name != "a", 'name is_not "a"'),
        (lambda: Shot.frame_start < 10, "frame_start < 10"),
        (lambda: Shot.frame_start <= 10, "frame_start <= 10"),
        (lambda: Shot.frame_start > 10, "frame_start > 10"),
        (lambda: Shot.frame_start >= 10, "frame_start >= 10"),
        (lambda: Shot.name.like("sh%"), 'name like "sh%"'),
        (lambda: Shot.name.not_like("sh%"), 'name not_like "sh%"'),
        (lambda: Shot.name.in_(["a", "b"]), 'name in ("a", "b")'),
        (lambda: Shot.name.not_in(("a",)), 'name not_in ("a")'),
        (lambda: Shot.name.in_([]), 'name in ("")'),
        (lambda: Shot.description.is_none(), "description is none"),
        (lambda: Shot.description.is_not_none(), "description is_not none"),
        (lambda: Shot.bid == 1.5, "bid is 1.5"),
        (lambda: Shot.description == None, "description is none"),  # noqa: E711
    ],
)
def test_column_operators(build: Any, expected: str) -> None:
    q = Shot.where(build())
    assert text(q) == f"Shot where {expected}"


def test_time_operators() -> None:
    q = Project.where(
        Project.end_date.before(NEXT_WEEK),
        Project.end_date.after(datetime.date(2026, 1, 2)),
        Project.end_date > arrow.get("2026-01-01"),
    )
    assert text(q) == (
        'Project where end_date before "2026-12-04T08:30:00" and end_date after "2026-01-02" '
        'and end_date > "2026-01-01T00:00:00"'
    )
    assert text(Project.where().after(end_date=NEXT_WEEK)) == (
        'Project where end_date after "2026-12-04T08:30:00"'
    )


def test_order_select_limit_offset() -> None:
    q = (
        Project.where(Project.children.any(Sequence.name == "x"))
        .order_by(Project.name.desc(), Project.full_name, Project.end_date.asc())
        .limit(10)
        .offset(20)
    )
    assert text(q) == (
        'Project where children any (name is "x") order by name descending, full_name, '
        "end_date ascending offset 20 limit 10"
    )
    s = Shot.select(Shot.name, Shot.status.name, Shot.parent.name, Shot.status)
    assert text(s) == "select name, status.name, parent.name, status from Shot"
    assert text(s.select(Shot.name, Shot.tasks.name)) == (
        "select name, status.name, parent.name, status, tasks.name from Shot"
    )


def test_paths() -> None:
    assert crit(Context.parent.parent.name == "p") == 'parent.parent.name is "p"'
    assert crit(Shot.parent.as_(Sequence).description == "d") == (
        'parent[Sequence].description is "d"'
    )
    assert text(Shot.where(Shot.status.has(Status.name == "WIP"))) == (
        'Shot where status has (name is "WIP")'
    )
    assert text(Shot.where(Shot.status.has())) == "Shot where status has ()"
    assert text(Project.where(~Project.children.any())) == "Project where not children any ()"
    assert text(Shot.where(Shot.parent.as_(Sequence).has(Sequence.name == "sq"))) == (
        'Shot where parent[Sequence] has (name is "sq")'
    )
    assert (
        text(Shot.where(Shot.tasks.any(Task.name == "comp", Task.status.has(Status.name == "WIP"))))
        == 'Shot where tasks any (name is "comp" and status has (name is "WIP"))'
    )
    assert text(Shot.where(Shot.metadata.any(Metadata.key == "fps", Metadata.value == "24"))) == (
        'Shot where metadata any (key is "fps" and value is "24")'
    )
    assert crit(Context.children.name == "x") == 'children.name is "x"'


def test_server_names_are_used() -> None:
    assert text(Task.where(Task.from_ == "x")) == 'Task where from is "x"'
    assert text(Task.where(from_="x")) == 'Task where from is "x"'


def test_subquery() -> None:
    sub = Shot.where(Shot.name.like("sh%")).select(Shot.id)
    q = Task.where(Task.parent.id.in_(sub))
    assert text(q) == 'Task where parent.id in (select id from Shot where name like "sh%")'
    assert text(Task.where(Task.parent.id.not_in(sub))).startswith("Task where parent.id not_in (")
    with pytest.raises(InvalidValueError, match=r"exactly one"):
        Task.parent.id.in_(Shot.where())


def test_instance_values_compile_to_keys() -> None:
    seq = Sequence(name="sq", parent=None)
    q = Shot.where(parent=seq)
    assert text(q) == f'Shot where parent.id is "{seq.id}"'
    assert text(Shot.where(parent=None)) == "Shot where parent is none"
    meta = Metadata(parent_id="p1", key="fps")
    q2 = Query(Shot).where(metadata=meta)
    assert text(q2) == 'Shot where metadata.parent_id is "p1" and metadata.key is "fps"'
    assert crit(Shot.parent.id == seq.id) == f'parent.id is "{seq.id}"'
    with pytest.raises(InvalidValueError, match=r"Context"):
        Shot.where(parent=Status(name="x"))


def test_combinators() -> None:
    a, b, c = Shot.name == "a", Shot.name == "b", Shot.name == "c"
    assert crit(a & b) == 'name is "a" and name is "b"'
    assert crit(a | b) == 'name is "a" or name is "b"'
    assert crit(~a) == 'not name is "a"'
    assert crit(and_(a, b, c)) == crit((a & b) & c) == crit(a & (b & c))
    assert (a & b & c).node == ast.And((a.node, b.node, c.node))
    assert (a | b | c).node == ast.Or((a.node, b.node, c.node))
    assert crit(or_(a & b, c)) == 'name is "a" and name is "b" or name is "c"'
    assert crit(and_(a | b, c)) == '(name is "a" or name is "b") and name is "c"'
    assert crit(not_(a | b)) == 'not (name is "a" or name is "b")'
    assert and_(a) is a
    with pytest.raises(TypeError, match=r"at least one"):
        or_()
    with pytest.raises(TypeError, match=r"criteria"):
        and_(a, True)  # type: ignore[arg-type]


def test_bool_raises() -> None:
    with pytest.raises(TypeError, match=r"and / or"):
        Shot.where((Shot.name == "a") and (Shot.name == "b"))
    with pytest.raises(TypeError, match=r"truth value"):
        bool(Shot.name == "a")


def test_where_adds_criteria_and_is_immutable() -> None:
    base = Shot.where(Shot.name == "a")
    more = base.where(frame_start=1)
    assert text(base) == 'Shot where name is "a"'
    assert text(more) == 'Shot where name is "a" and frame_start is 1'
    limited = more.limit(5)
    assert more.ast.limit is None
    assert limited.ast.limit == 5
    assert limited.limit(None).ast == more.ast
    assert base == Shot.where(Shot.name == "a")
    assert hash(base) == hash(Shot.where(Shot.name == "a"))
    assert base != Sequence.where(Sequence.name == "a")


def test_criteria_from_bases_are_accepted_others_refused() -> None:
    assert text(Shot.where(Context.name == "x")) == 'Shot where name is "x"'
    with pytest.raises(TypeError, match=r"Project"):
        Shot.where(Project.full_name == "x")
    with pytest.raises(TypeError, match=r"Status"):
        Shot.where(Shot.tasks.any(Status.name == "x"))
    with pytest.raises(TypeError, match=r"built on Project"):
        Shot.where().order_by(Project.name)


def test_unknown_attributes() -> None:
    with pytest.raises(UnknownAttributeError) as info:
        Project.nme  # noqa: B018
    assert info.value.model == "Project"
    assert "name" in info.value.candidates
    assert isinstance(info.value, AttributeError)
    assert not hasattr(Project, "nme")
    with pytest.raises(UnknownAttributeError, match=r"Context has no attribute 'full_nme'"):
        Sequence.parent.full_nme  # noqa: B018
    with pytest.raises(UnknownAttributeError, match=r"did you mean 'name'"):
        Project.where(nmae="x")
    with pytest.raises(UnknownAttributeError):
        Project.where().before(end_dte=NEXT_WEEK)
    with pytest.raises(InvalidValueError, match=r"date-time"):
        Project.where().before(name=NEXT_WEEK)


def test_misuse_of_paths_and_models() -> None:
    with pytest.raises(TypeError, match=r"any"):
        Project.children.has()
    with pytest.raises(TypeError, match=r"has"):
        Shot.status.any()
    with pytest.raises(TypeError, match=r"derived from Context"):
        Shot.parent.as_(Status)
    with pytest.raises(TypeError, match=r"reference path"):
        Shot.has(Shot.name == "x")
    with pytest.raises(TypeError, match=r"collection path"):
        Shot.any()
    with pytest.raises(TypeError, match=r"relationship path"):
        Shot.as_(Sequence)
    with pytest.raises(TypeError, match=r"relationship path"):
        Shot.parent.where()
    with pytest.raises(TypeError, match=r"select"):
        Shot.select("name")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"order_by"):
        Shot.where().order_by("name")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        Shot.where().limit(-1)
    with pytest.raises(InvalidValueError):
        Shot.where().offset("3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"not an entity model"):
        Query(int)


def test_value_checks_at_build_time() -> None:
    with pytest.raises(InvalidValueError, match=r"Project.status expects"):
        Project.status == "actve"  # type: ignore[comparison-overlap]  # noqa: B015
    with pytest.raises(InvalidValueError, match=r"str"):
        Project.where(name=3)
    with pytest.raises(InvalidValueError):
        Shot.frame_start == True  # noqa: B015, E712
    with pytest.raises(InvalidValueError, match=r"like"):
        Shot.name.like(3)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        Shot.name.in_("abc")
    with pytest.raises(InvalidValueError, match=r"before/after"):
        Project.end_date.before(3)  # type: ignore[arg-type]


def test_values() -> None:
    assert to_value("x") == ast.String("x")
    assert to_value(True) == ast.Boolean(True)
    assert to_value(3) == ast.Integer(3)
    assert to_value(1.25) == ast.Decimal(decimal.Decimal("1.25"))
    assert to_value(decimal.Decimal("1.50")) == ast.Decimal(decimal.Decimal("1.50"))
    assert to_value(None) == ast.Null()
    assert to_value(arrow.get("2026-01-02T03:04:05.123+01:00")) == ast.String(
        "2026-01-02T02:04:05.123000"
    )
    aware = datetime.datetime(
        2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-2))
    )
    assert to_value(aware) == ast.String("2026-01-02T05:04:05")
    assert to_value(datetime.datetime(2026, 1, 2, 3, 4, 5)) == ast.String("2026-01-02T03:04:05")
    assert to_value(datetime.date(2026, 1, 2)) == ast.String("2026-01-02")
    with pytest.raises(InvalidValueError):
        to_value(float("nan"))
    with pytest.raises(InvalidValueError, match=r"object"):
        to_value(object())
    assert crit(Shot.name == 'say "hi"') == 'name is "say \\"hi\\""'


class FakeExecutor:
    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows
        self.seen: list[str] = []

    def iterate(self, query: Query[Any]) -> Iterator[Any]:
        self.seen.append(str(query))
        limit = query.ast.limit
        yield from self.rows[:limit] if limit is not None else self.rows

    def count(self, query: Query[Any]) -> int:
        self.seen.append(f"count {query}")
        return len(self.rows)


def test_running_needs_an_executor() -> None:
    q = Project.where(status="active")
    with pytest.raises(RuntimeError, match=r"not bound"):
        q.all()
    with pytest.raises(RuntimeError, match=r"not bound"):
        list(q)
    with pytest.raises(UnboundQueryError) as info:
        q.first()
    assert isinstance(info.value, FtormError)
    one, two = Project(name="a"), Project(name="b")
    executor = FakeExecutor([one, two])
    bound = q.bind(executor)
    assert bound.executor is executor
    assert q.executor is None
    assert bound.all() == [one, two]
    assert list(bound) == [one, two]
    assert bound.first() is one
    assert executor.seen[-1].endswith("limit 1")
    with pytest.raises(MultipleResultsError):
        bound.one()
    assert bound.bind(FakeExecutor([one])).one() is one
    with pytest.raises(NotFoundError):
        bound.bind(FakeExecutor([])).one()
    assert bound.bind(FakeExecutor([])).first() is None


def test_the_executor_counts_and_the_query_only_asks() -> None:
    # Query.count is a pure hand-over: the executor (a session) does the request.
    executor = FakeExecutor([Project(name="a"), Project(name="b"), Project(name="c")])
    bound = Project.where(status="active").offset(1).bind(executor)
    assert bound.count() == 3
    assert len(bound) == 3
    assert executor.seen == [f"count {bound}", f"count {bound}"]


def test_from_ast_and_page_size() -> None:
    node = ftorm.parse('select name from Shot where name like "a%" order by name limit 3')
    q = Query.from_ast(Shot, node)
    assert q.ast == node
    assert text(q.where(Shot.frame_start > 1)) == (
        'select name from Shot where name like "a%" and frame_start > 1 order by name limit 3'
    )
    assert q.page_size(50).page_size_hint == 50
    with pytest.raises(InvalidValueError):
        q.page_size(0)


def test_from_ast_refuses_group_by() -> None:
    node = ftorm.parse("select status_id from Task group by status_id")
    with pytest.raises(QueryCompileError, match="group by"):
        Query.from_ast(Task, node)


def test_session_query_text_with_group_by_is_refused_not_dropped() -> None:
    with ftorm.Session.local() as session:
        with pytest.raises(QueryCompileError, match="group by") as info:
            session.query("select status_id from Task group by status_id")
        assert isinstance(info.value, (FtormError, ValueError))
        assert len(session.query("select status_id from Task").all()) == 0


def test_query_of_is_what_model_where_returns() -> None:
    criterion = Shot.name == "a"
    assert Query.of(Shot, criterion, frame_start=3) == Shot.where(criterion, frame_start=3)
    assert Query.of(Shot) == Query(Shot)
    assert text(Query.of(Shot, name="x")) == 'Shot where name is "x"'
    with pytest.raises(UnknownAttributeError):
        Query.of(Shot, nmae="x")


# --- property: any combination renders to text that parses back equal -------------------

_leaves = st.one_of(
    st.builds(lambda v: Shot.name == v, st.text(max_size=8)),
    st.builds(lambda v: Shot.frame_start > v, st.integers(-(10**6), 10**6)),
    st.builds(lambda v: Shot.bid <= v, st.floats(-1e6, 1e6, allow_nan=False).map(round)),
    st.builds(lambda v: Shot.parent.name.like(v), st.text(max_size=5)),
    st.builds(lambda v: Shot.name.in_(v), st.lists(st.text(max_size=4), min_size=1, max_size=3)),
    st.just(Shot.description.is_none()),
    st.builds(lambda v: Shot.status.has(Status.name == v), st.text(max_size=4)),
    st.builds(lambda v: Shot.tasks.any(Task.name != v), st.text(max_size=4)),
    st.builds(
        lambda v: Shot.frame_start.not_in(v), st.lists(st.integers(), min_size=1, max_size=3)
    ),
    st.builds(lambda v: Shot.frame_start == v, st.integers(-(2**70), 2**70)),
    st.builds(lambda v: Shot.name.in_(tuple(v)), st.lists(st.text(max_size=4), max_size=3)),
    st.builds(lambda v: Shot.custom.column("fstart") >= v, st.integers(-99, 99)),
    st.builds(lambda v: Shot.custom.cut_notes.like(v), st.text(max_size=4)),
    st.just(Shot.status.has()),
    st.builds(lambda a, b: ftorm.and_(a, b), st.just(Shot.name == "a"), st.just(Shot.bid > 1)),
    st.builds(lambda a, b: ftorm.or_(a, b), st.just(Shot.name == "a"), st.just(Shot.bid > 1)),
    st.builds(lambda a: ftorm.not_(a), st.just(Shot.name == "a") | st.just(Shot.status.has())),
)
_exprs = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.builds(lambda a, b: a & b, inner, inner),
        st.builds(lambda a, b: a | b, inner, inner),
        st.builds(lambda a: ~a, inner),
    ),
    max_leaves=6,
)


@given(_exprs)
def test_any_criteria_round_trip(expr: Expr) -> None:
    q = Shot.where(expr)
    assert ftorm.parse(str(q)) == q.ast
    assert render(q.ast) == str(q)


_parsed = criteria.map(lambda node: Expr(node, (Shot,)))

_columns = st.sampled_from(
    [Shot.name, Shot.frame_start, Shot.status.name, Shot.parent.name, Shot.status, Shot.tasks]
)
_sortable = st.sampled_from([Shot.name, Shot.frame_start, Shot.status.name, Shot.parent.name])
_orderings = st.one_of(
    _sortable, _sortable.map(lambda c: c.asc()), _sortable.map(lambda c: c.desc())
)


@given(
    st.lists(st.lists(_columns, max_size=3), max_size=3),
    st.lists(st.lists(_orderings, max_size=3), max_size=3),
    st.none() | _exprs,
    st.none() | st.integers(0, 50),
    st.none() | st.integers(0, 50),
    st.booleans(),
)
def test_select_and_order_text_is_the_text_of_its_tree(
    selects: list[list[Any]],
    orders: list[list[Any]],
    where: Expr | None,
    offset: int | None,
    limit: int | None,
    parsed_first: bool,
) -> None:
    """``select`` and ``order_by`` keep the text of their paths: ``str(q)`` is still the text
    of the query's tree, and projections selected twice are kept once."""
    q = Shot.select(*selects[0]) if selects and selects[0] else Query(Shot)
    if parsed_first:  # a query whose clauses come from a parsed tree, then refined
        q = Query.from_ast(Shot, ftorm.parse(str(q)))
    for fields in selects[1:]:
        q = q.select(*fields)
    for keys in orders:
        q = q.order_by(*keys)
    if where is not None:
        q = q.where(where)
    q = q.offset(offset).limit(limit)
    fresh = q.where()
    assert str(fresh) == render(fresh.ast)
    assert ftorm.parse(str(q)) == q.ast
    assert len(set(q.ast.projections)) == len(q.ast.projections)


@given(st.lists(st.lists(_exprs | _parsed, min_size=1, max_size=3), min_size=1, max_size=3))
def test_where_text_is_the_text_of_its_tree(calls: list[list[Expr]]) -> None:
    """``str(q)`` writes the criteria of chained ``where`` calls without building their nodes:
    the same text as rendering the flattened ``and`` tree, whatever the criteria hold."""
    q = Query(Shot)
    for exprs in calls:
        q = q.where(*exprs)
    fresh = q.where()  # a copy whose text and tree are not computed yet
    text = str(fresh)
    assert text == render(fresh.ast)
    assert text == str(q.where())
    where = fresh.where().criteria
    assert where is not None
    assert fresh.ast.where is not None
    assert str(where) == render(fresh.ast.where)


_zones = st.sampled_from(
    [
        None,
        datetime.timezone.utc,
        arrow.utcnow().tzinfo,
        datetime.timezone(datetime.timedelta(hours=2)),
        datetime.timezone(datetime.timedelta(hours=-5, minutes=-30)),
    ]
)
_datetimes = st.builds(
    lambda moment, zone, whole: moment.replace(
        tzinfo=zone, microsecond=0 if whole else moment.microsecond
    ),
    st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)),
    _zones,
    st.booleans(),
)


@given(_datetimes | _datetimes.map(arrow.get) | st.dates())
def test_date_text_is_format_datetime(
    value: arrow.Arrow | datetime.datetime | datetime.date,
) -> None:
    """The builder's fast date formatting writes what format_datetime writes."""
    assert date_text(value) == format_datetime(value)
    assert text(Project.where(Project.end_date.after(value))).endswith(
        f'"{format_datetime(value)}"'
    )


def test_queries_pickle_and_copy() -> None:
    """A query survives pickling and copying (its criteria travel as their nodes)."""
    import copy
    import pickle

    q = Project.where(
        Project.status == "active", Project.name.like("te%"), Project.end_date.before(NEXT_WEEK)
    ).order_by(Project.name.desc())
    for again in (pickle.loads(pickle.dumps(q)), copy.deepcopy(q), copy.copy(q)):
        assert again == q
        assert str(again) == str(q)
        assert again.criteria is not None
        assert again.criteria.node == q.ast.where


def test_a_query_repr_is_its_text() -> None:
    query = Shot.where(Shot.name == "sh010").order_by(Shot.name)
    assert repr(query) == f"<Query: {query}>"
    assert repr(query) == '<Query: Shot where name is "sh010" order by name>'
    assert repr(Shot.where(name="a")) == '<Query: Shot where name is "a">'
    many = Shot.where(Shot.name.in_([f"sh{n:05}" for n in range(1000)]))
    assert len(repr(many)) < 520
    assert repr(many).endswith("...>")


def test_a_cast_path_is_kept_per_subtype() -> None:
    cast = Shot.parent.as_(Sequence)
    assert Shot.parent.as_(Sequence) is cast  # the next cast is a lookup
    assert cast.name is Shot.parent.as_(Sequence).name  # and so are the columns under it
    assert text(Shot.where(cast.name == "sq")) == 'Shot where parent[Sequence].name is "sq"'
    assert Shot.parent.as_(Shot) is not cast
    assert text(Shot.where(Shot.parent.as_(Shot).name == "s")) == (
        'Shot where parent[Shot].name is "s"'
    )
    for refused in (Status, [Sequence], "Sequence"):  # refused every time, never kept
        for _ in range(2):
            with pytest.raises(InvalidValueError, match=r"derived from Context"):
                Shot.parent.as_(refused)  # type: ignore[arg-type]
