"""Property: for random hierarchies and random overrides, the inherited values (resolved for
every entity at once) equal a walk up the parents one entity at a time, one request per level,
as pipelines write it."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftorm
from ftorm.models import Context, ContextCustomAttributeValue, Folder, Project, Sequence, Shot, Task
from tests.session.test_hierarchy import configure

KINDS = (Folder, Sequence, Shot, Task)
UNSET = object()  # no stored value

# A node: (index of its parent among the nodes before it, or -1 for the project; its kind)
nodes = st.lists(
    st.tuples(st.integers(min_value=-1, max_value=30), st.integers(min_value=0, max_value=3)),
    max_size=12,
)
overrides = st.lists(
    st.one_of(st.just(UNSET), st.none(), st.floats(min_value=1, max_value=120).map(round)),
    min_size=13,
    max_size=13,
)


def naive(session: ftorm.Session, entity: Any, default: float) -> tuple[Any, str | None]:
    """The walk pipelines write: the entity's stored value, else its parent's, one query per
    level, up to the project; else the default."""
    current: Any = entity
    for _ in range(50):  # bounded: a parent chain, not a cycle
        stored = (
            session.query(ContextCustomAttributeValue)
            .where(
                ContextCustomAttributeValue.entity_id == current.id,
                ContextCustomAttributeValue.configuration.key == "fps",
            )
            .all()
        )
        if stored:
            return stored[0].value, current.id
        if current.parent is None:
            break
        current = current.parent
    return default, None


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(shape=nodes, values=overrides)
def test_inherited_values_equal_a_naive_walk(
    shape: list[tuple[int, int]], values: list[Any]
) -> None:
    with ftorm.Session.local() as session:
        configure(session, default=24)
        project = session.create(Project, name="show", full_name="show")
        made: list[Any] = []
        for number, (parent, kind) in enumerate(shape):
            above = made[parent] if 0 <= parent < len(made) else project
            if isinstance(above, Task):  # a task has no children in ftrack's standard schema
                above = project
            made.append(session.create(KINDS[kind], name=f"n{number}", parent=above))
        session.commit()
        for obj, value in zip([project, *made], values, strict=False):
            if value is not UNSET:
                obj.custom["fps"] = float(value) if value is not None else None
        session.commit()

        resolved = ftorm.Session(transport=session.transport, lazy="raise")
        everything = resolved.query(Context).all()
        resolved.populate(everything, Context.custom.inherited)
        walker = ftorm.Session(transport=session.transport)
        for obj in everything:
            expected, holder = naive(walker, walker.get(Context, obj.id), 24.0)
            assert obj.custom.inherited["fps"] == expected, obj
            source = obj.custom.source("fps")
            assert (source.id if source is not None else None) == holder, obj
