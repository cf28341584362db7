"""Custom attributes in the differential test's worlds (`tests.server.strategies`).

A project may configure custom attributes: each an `AttributeSpec` naming its key (from a
small pool, so keys repeat across configurations), ``show`` or ``task`` (of one object
type), hierarchical or not, global or specific to the project, its default, and values set
on some of the project's contexts (written as the official client writes them: ``update``
operations on ``ContextCustomAttributeValue``, upserted). Values are only set where the
configuration applies; the others would be refused.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterator
from typing import Any

import attrs
from hypothesis import strategies as st

from ftorm.query import ast
from ftorm.schema.custom.rules import applies
from tests.server.naive_eval import CUSTOM_VALUE, World

__all__ = ["KEYS", "VALUES", "AttributeSpec", "add_attributes", "attributes", "variable_literals"]

KEYS = ("fstart", "fps", "note")
"""Configuration keys."""

VALUES: tuple[Any, ...] = (0, 1, 2.5, 1001, -1, "a", "B", "1001", "", "true", True, False, ["a"])
"""Values and defaults custom attributes take (a missing value is written as none too)."""


@attrs.frozen
class AttributeSpec:
    """A configuration and the values set through it on the project's contexts (by index in
    tree order, the project first)."""

    key: str
    kind: str
    object_type: int
    hierarchical: bool
    project_specific: bool
    default: Any
    values: tuple[tuple[int, Any], ...] = ()


def attributes() -> st.SearchStrategy[tuple[AttributeSpec, ...]]:
    """Zero to three configurations with their values."""
    values = st.sampled_from(VALUES) | st.none()
    spec = st.builds(
        AttributeSpec,
        st.sampled_from(KEYS),
        st.sampled_from(("show", "task")),
        st.integers(0, 30),
        st.booleans(),
        st.booleans(),
        st.sampled_from(VALUES),
        st.lists(st.tuples(st.integers(0, 30), values), max_size=4).map(tuple),
    )
    return st.lists(spec, max_size=3).map(tuple)


def add_attributes(
    specs: tuple[AttributeSpec, ...],
    project_id: str,
    contexts: list[str],
    object_types: list[str],
    ids: Iterator[str],
    world: World,
    create: Callable[[str, dict[str, Any], dict[str, str] | None], None],
    operations: list[dict[str, Any]],
) -> None:
    """Configure ``specs`` for the project ``project_id`` and set their values; called once
    the world's contexts have their derived fields (``project_id``, ``object_type_id``)."""
    for spec in specs:
        config_id = next(ids)
        values = {
            "id": config_id,
            "key": spec.key,
            "entity_type": spec.kind,
            "object_type_id": (
                object_types[spec.object_type % len(object_types)] if spec.kind == "task" else None
            ),
            "project_id": project_id if spec.project_specific else None,
            "is_hierarchical": spec.hierarchical,
            "default": spec.default,
        }
        create("CustomAttributeConfiguration", values, None)
        for index, value in spec.values:
            owner = world.by_id[contexts[index % len(contexts)]]
            if owner.type == "Project":
                kind, object_type, project = "show", None, owner.id
            else:
                kind = "task"
                object_type = owner.values.get("object_type_id")
                project = owner.values.get("project_id")
            if not applies(values, kind, object_type, project):
                continue
            world.custom_values[(config_id, owner.id)] = value
            operations.append(
                {
                    "action": "update",
                    "entity_type": CUSTOM_VALUE,
                    "entity_key": [config_id, owner.id],
                    "entity_data": {"value": value},
                }
            )


def _forms(value: Any) -> list[ast.Value]:
    if isinstance(value, bool):
        return [ast.Boolean(value), ast.String(str(value).upper())]
    if isinstance(value, (int, float)):
        forms: list[ast.Value] = [
            ast.Decimal(decimal.Decimal(repr(float(value)))),
            ast.String(str(value)),
        ]
        if value == int(value):
            forms.append(ast.Integer(int(value)))
        return forms
    text = str(value)
    bare = text.isalpha() and text.lower() not in ("true", "false", "none", "null")
    return [ast.String(text), ast.Bare(text)] if bare else [ast.String(text)]


def variable_literals() -> st.SearchStrategy[ast.Value]:
    """A literal to compare a variable value with, in one of the forms a query may use."""
    pool = [form for value in VALUES if not isinstance(value, list) for form in _forms(value)]
    return st.sampled_from([*pool, ast.String("1001.0"), ast.String('["a"]'), ast.Integer(2)])
