"""Hypothesis strategies that build every kind of query AST node."""

from __future__ import annotations

import decimal
import re

from hypothesis import strategies as st

from ftorm.query import ast

_KEYWORDS = {
    "select", "from", "where", "group", "by", "order", "offset", "limit", "not", "and", "or",
    "has", "any", "is", "is_not", "in", "not_in", "like", "not_like", "before", "after",
    "greater_than", "less_than", "asc", "desc", "ascending", "descending", "true", "false",
    "none", "null", "count", "sum", "avg", "min", "max",
}  # fmt: skip

names = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,8}\Z").filter(
    lambda name: name.lower() not in _KEYWORDS
)
segments = st.builds(ast.Segment, names, st.none() | names)
paths = st.lists(segments, min_size=1, max_size=3).map(lambda s: ast.Path(tuple(s)))
plain_paths = st.lists(names, min_size=1, max_size=3).map(
    lambda parts: ast.Path(tuple(ast.Segment(p) for p in parts))
)

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
bare_words = st.from_regex(r"\A[A-Za-z0-9_.:\-]{1,12}\Z").filter(
    lambda text: (
        not _NUMBER.fullmatch(text) and text.lower() not in ("true", "false", "none", "null")
    )
)
decimals = st.decimals(
    allow_nan=False, allow_infinity=False, places=3, min_value=-(10**6), max_value=10**6
)

values: st.SearchStrategy[ast.Value] = st.one_of(
    st.builds(ast.String, st.text(max_size=12)),
    st.builds(ast.Integer, st.integers(min_value=-(10**12), max_value=10**12)),
    st.builds(ast.Decimal, decimals.map(lambda d: decimal.Decimal(d))),
    st.builds(ast.Boolean, st.booleans()),
    st.just(ast.Null()),
    st.builds(ast.Bare, bare_words),
)
value_lists = st.lists(values, min_size=1, max_size=3).map(lambda v: ast.ValueList(tuple(v)))
operators = st.sampled_from(list(ast.Operator))


def _criteria(subqueries: st.SearchStrategy[ast.Select]) -> st.SearchStrategy[ast.Criterion]:
    comparisons = st.builds(
        ast.Comparison,
        paths,
        operators,
        st.one_of(values, value_lists, subqueries.map(ast.Subquery)),
    )

    def extend(children: st.SearchStrategy[ast.Criterion]) -> st.SearchStrategy[ast.Criterion]:
        many = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(
            many.map(ast.And),
            many.map(ast.Or),
            children.map(ast.Not),
            st.builds(
                ast.Relation, paths, st.sampled_from(list(ast.RelationKind)), st.none() | children
            ),
        )

    base = comparisons | st.builds(ast.Relation, paths, st.sampled_from(list(ast.RelationKind)))
    return st.recursive(base, extend, max_leaves=6)


def _queries(
    criteria: st.SearchStrategy[ast.Criterion], *, select: bool
) -> st.SearchStrategy[ast.Select]:
    projections = st.lists(
        paths
        | st.builds(ast.Aggregate, st.sampled_from(["count", "sum", "avg", "min", "max"]), paths),
        min_size=1 if select else 0,
        max_size=3,
    ).map(tuple)
    counts = st.none() | st.integers(min_value=0, max_value=10**6)
    return st.builds(
        ast.Select,
        names,
        projections,
        st.none() | criteria,
        st.lists(paths, max_size=2).map(tuple),
        st.lists(
            st.builds(ast.OrderItem, paths, st.none() | st.sampled_from(list(ast.Direction))),
            max_size=2,
        ).map(tuple),
        counts,
        counts,
    )


_leaf_subqueries = _queries(_criteria(st.nothing()), select=True)
criteria = _criteria(_leaf_subqueries)
queries = _queries(criteria, select=False) | _queries(criteria, select=True)
