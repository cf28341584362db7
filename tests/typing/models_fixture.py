"""Hand-written models for the typing checks (a small slice of ftrack's standard types).

Type-checked by mypy and pyright; also imported at runtime by ``tests/model/test_model_typing.py``.
They live in their own registry so they never clash with ``ftorm.models``.
"""

from __future__ import annotations

from typing import Literal

import arrow

from ftorm.model import (
    UNSET,
    Attr,
    CustomAttr,
    CustomAttributes,
    Many,
    Model,
    Ref,
    Registry,
    attr,
    custom_attr,
    custom_namespace,
    many,
    new_id,
    ref,
)

REGISTRY = Registry("typing-tests")


class Context(Model, entity="Context", registry=REGISTRY):
    id: Attr[str] = attr(primary_key=True, factory=new_id, immutable=True)
    name: Attr[str] = attr(default=UNSET)
    parent: Ref[Context | None] = ref("Context", default=UNSET)
    children: Many[Context] = many("Context", backref="parent")
    metadata: Many[Metadata] = many("Metadata", key_value=("key", "value"))


class Project(Context, entity="Project"):
    full_name: Attr[str] = attr(default=UNSET)
    status: Attr[Literal["active", "hidden"]] = attr(default=UNSET)
    end_date: Attr[arrow.Arrow | None] = attr(default=None)


class TypedContext(Context, entity="TypedContext"):
    project: Ref[Project] = ref(default=UNSET)
    status: Ref[Status | None] = ref("Status", default=None)
    description: Attr[str | None] = attr(default=None)
    bid: Attr[float | None] = attr(default=None)


class Sequence(TypedContext, entity="Sequence"):
    pass


class ShotCustom(CustomAttributes, closed=True):
    """Custom attributes configured for shots (as ``ftorm generate`` writes them)."""

    fstart: CustomAttr[int | None] = custom_attr("fstart", "number", default=1001)
    cut_notes: CustomAttr[str | None] = custom_attr("cut_notes", "text")
    vendors: CustomAttr[list[str] | None] = custom_attr("vendors", "enumerator")
    delivery: CustomAttr[arrow.Arrow | None] = custom_attr("delivery", "date")


class Shot(TypedContext, entity="Shot"):
    frame_start: Attr[int | None] = attr(default=None)
    tasks: Many[Task] = many("Task", backref="parent")
    custom = custom_namespace(ShotCustom)


class Task(TypedContext, entity="Task"):
    from_: Attr[str | None] = attr(default=None, name="from")


class Status(Model, entity="Status", registry=REGISTRY):
    id: Attr[str] = attr(primary_key=True, factory=new_id)
    name: Attr[str] = attr()


class User(Model, entity="User", registry=REGISTRY):
    id: Attr[str] = attr(primary_key=True, factory=new_id)
    username: Attr[str] = attr(default=UNSET)
    first_name: Attr[str | None] = attr(default=None)
    is_active: Attr[bool] = attr(default=True)
    created_at: Attr[arrow.Arrow | None] = attr(default=None, computed=True)


class Metadata(Model, entity="Metadata", registry=REGISTRY):
    parent_id: Attr[str] = attr(primary_key=True, default=UNSET)
    key: Attr[str] = attr(primary_key=True, default=UNSET)
    value: Attr[str] = attr(default="")
