"""Model classes built at runtime from a schema (`ftorm.model.dynamic.build_models`)."""

from __future__ import annotations

import sys
import types
from typing import Any

import arrow
import pytest

import ftorm
from ftorm.errors import (
    ImmutableAttributeError,
    InvalidValueError,
    NotLoadedError,
    UnknownAttributeError,
)
from ftorm.model import Model, Registry, state
from ftorm.model.dynamic import build_models, python_name
from ftorm.model.fields import Field, Many, Ref
from ftorm.schema.codegen import generate_module
from ftorm.schema.load import load_schema, load_schema_file
from ftorm.schema.standard import standard_schema
from ftorm.schema.types import Schema
from tests.paths import RECORDED_SCHEMA as RECORDED


def _doc(type_id: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": type_id, "type": "object", "properties": properties, **extra}


CONTEXT_PROPS: dict[str, Any] = {
    "id": {"type": "string", "default": "{uid}"},
    "name": {"type": "string"},
    "parent": {"$ref": "Context"},
    "children": {"type": "array", "items": {"$ref": "Context"}},
    "from": {"type": "string"},
    "where": {"type": "string"},
}

SMALL = [
    _doc("Context", CONTEXT_PROPS, primary_key=["id"], immutable=["id"]),
    _doc(
        "Project",
        {
            **CONTEXT_PROPS,
            "full_name": {"type": "string"},
            "end_date": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["active", "hidden"]},
        },
        primary_key=["id"],
        alias_for="Show",
    ),
    _doc("TypedContext", {**CONTEXT_PROPS, "bid": {"type": "number"}}, primary_key=["id"]),
    _doc(
        "Shot",
        {**CONTEXT_PROPS, "bid": {"type": "number"}, "frame_start": {"type": "integer"}},
        primary_key=["id"],
        alias_for={"id": "Task", "classifiers": {"object_typeid": "bad1"}},
    ),
    _doc(
        "Metadata",
        {
            "parent_id": {"type": "string"},
            "key": {"type": "string"},
            "value": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
        primary_key=["parent_id", "key"],
        computed=["created_at"],
    ),
]


def test_python_names() -> None:
    assert python_name("from") == "from_"
    assert python_name("where") == "where_"
    assert python_name("as_") == "as__"
    assert python_name("name") == "name"


def test_small_schema() -> None:
    classes = build_models(load_schema(SMALL))
    assert sorted(classes) == ["Context", "Metadata", "Project", "Shot", "TypedContext"]
    context, project, shot, typed = (
        classes["Context"],
        classes["Project"],
        classes["Shot"],
        classes["TypedContext"],
    )
    assert issubclass(project, context)
    assert issubclass(shot, typed)
    assert issubclass(typed, context)
    assert not issubclass(classes["Metadata"], context)
    assert shot.__ftorm_entity__ == "Shot"
    assert classes["Metadata"].__ftorm_primary_key__ == ("parent_id", "key")
    fields = shot.__ftorm_fields__
    assert isinstance(fields["parent"], Ref)
    assert isinstance(fields["children"], Many)
    assert fields["from_"].key == "from"
    assert fields["where_"].key == "where"

    q: Any = shot.where(shot.parent.name.like("sq%"), shot.frame_start > 3, from_="x")
    assert str(q) == 'Shot where parent.name like "sq%" and frame_start > 3 and from is "x"'
    assert ftorm.parse(str(q)) == q.ast
    with pytest.raises(UnknownAttributeError, match="frame_start"):
        shot.frame_strat  # noqa: B018

    p = project(name="p", status="active", end_date=arrow.get("2026-01-01"))
    assert p["name"] == "p"
    assert p.status == "active"
    with pytest.raises(InvalidValueError, match=r"Project\.status"):
        p.status = "actve"
    with pytest.raises(InvalidValueError, match=r"Project\.end_date"):
        p.end_date = "2026"
    with pytest.raises(ImmutableAttributeError):
        p.id = "other"
    s = shot(name="sh", parent=p, bid=2)
    assert s.parent is p
    assert s in p.children
    assert s["from"] is None  # optional scalars default to None, as in generated models
    loaded = state.hydrate(shot, {"id": "s1", "name": "sh"})
    with pytest.raises(NotLoadedError, match=r"Shot\.from_"):
        loaded["from"]
    meta = state.hydrate(classes["Metadata"], {"parent_id": "x", "key": "k", "created_at": None})
    with pytest.raises(ImmutableAttributeError):
        meta.created_at = arrow.get("2026-01-01")
    for cls in classes.values():
        for field in cls.__ftorm_fields__.values():
            field.resolve()


def test_existing_classes_are_reused_and_extended() -> None:
    schema = load_schema(SMALL)
    first = build_models(schema)
    second = build_models(schema, existing={"Context": first["Context"]})
    assert second["Context"] is first["Context"]
    assert second["Project"] is not first["Project"]
    assert issubclass(second["Project"], first["Context"])
    assert "name" not in second["Project"].__dict__.get("__ftorm_fields__", {}) or (
        second["Project"].__ftorm_fields__["name"] is first["Context"].__ftorm_fields__["name"]
    )


def test_separate_builds_do_not_clash() -> None:
    a = build_models(load_schema(SMALL))
    b = build_models(load_schema(SMALL))
    assert a["Shot"] is not b["Shot"]
    assert a["Shot"].__ftorm_fields__["parent"].target is a["Context"]  # type: ignore[attr-defined]
    assert b["Shot"].__ftorm_fields__["parent"].target is b["Context"]  # type: ignore[attr-defined]


def test_recorded_schema() -> None:
    schema = load_schema_file(RECORDED)
    classes = build_models(schema)
    assert len(classes) == len(schema) == 116
    for name, cls in classes.items():
        assert issubclass(cls, Model)
        assert cls.__ftorm_entity__ == name
        keys = {field.key for field in cls.__ftorm_fields__.values()}
        selectable = {
            p.name for p in schema[name].properties.values() if not p.restricted_projection
        }
        assert keys == selectable, name
        for field in cls.__ftorm_fields__.values():
            field.resolve()
    shot: Any = classes["Shot"]
    status: Any = classes["Status"]
    q = shot.where(
        shot.status.has(status.name == "WIP"), shot.parent.as_(classes["Sequence"]).name == "sq"
    )
    assert str(q) == 'Shot where status has (name is "WIP") and parent[Sequence].name is "sq"'
    assert issubclass(classes["Shot"], classes["TypedContext"])
    assert issubclass(classes["Project"], classes["Context"])


def test_recorded_schema_over_generated_models() -> None:
    import ftorm.models as generated

    # A workspace's own type beside the recorded ones, which the standard schema all has.
    documents = list(load_schema_file(RECORDED).documents)
    documents.append({"id": "Widget", "type": "object", "properties": {"id": {"type": "string"}}})
    schema = load_schema(documents)
    existing = {name: getattr(generated, name) for name in generated.__all__}
    classes = build_models(schema, existing=existing)
    assert classes["Shot"] is generated.Shot
    extra = [name for name, cls in classes.items() if cls.__module__ != "ftorm.models"]
    assert extra
    assert all(name not in existing for name in extra)
    for name in extra:
        base = classes[name].__mro__[1]
        assert base is Model or base.__ftorm_entity__ in classes


# --- one translator: generated and dynamic classes agree ----------------------------------


def _generated(schema: Schema, name: str) -> dict[str, type[Model]]:
    """The classes of the module `ftorm generate` writes for ``schema``, in their own registry."""
    source = generate_module(schema, version="0").replace("(Model, entity=", "(_Root, entity=")
    module = types.ModuleType(name)
    module.__dict__["_Root"] = types.new_class("_Root", (Model,), {"registry": Registry(name)})
    sys.modules[name] = module
    try:
        exec(compile(source, name, "exec"), module.__dict__)
        return {type_id: getattr(module, type_id) for type_id in schema.types}
    except BaseException:
        del sys.modules[name]
        raise


def _describe(field: Field[Any]) -> tuple[Any, ...]:
    """Everything a field means at runtime, comparable across class sets."""
    field.resolve()
    common = (
        type(field),
        field.name,
        field.key,
        field.primary_key,
        field.default,
        field.factory,
        field.immutable,
        field.computed,
        field.required,
    )
    if isinstance(field, Ref):
        return (*common, field.target.__ftorm_entity__, field.nullable)
    if isinstance(field, Many):
        return (*common, field.target.__ftorm_entity__, field.backref, field.key_value)
    return (*common, field.annotated_type(), field.validator is None)


def _assert_agree(generated: dict[str, type[Model]], dynamic: dict[str, type[Model]]) -> None:
    assert sorted(generated) == sorted(dynamic)
    for type_id, cls in generated.items():
        other = dynamic[type_id]
        assert cls.__mro__[1].__ftorm_entity__ == other.__mro__[1].__ftorm_entity__, type_id
        assert cls.__ftorm_primary_key__ == other.__ftorm_primary_key__, type_id
        assert list(cls.__ftorm_fields__) == list(other.__ftorm_fields__), type_id
        for name, field in cls.__ftorm_fields__.items():
            expected = _describe(field)
            assert _describe(other.__ftorm_fields__[name]) == expected, f"{type_id}.{name}"


def test_generated_and_dynamic_standard_classes_agree() -> None:
    import ftorm.models as generated

    schema = standard_schema()
    _assert_agree({t: getattr(generated, t) for t in schema.types}, build_models(schema))


def test_generated_and_dynamic_recorded_classes_agree() -> None:
    schema = load_schema_file(RECORDED)
    name = "_ftorm_test_recorded_models"
    try:
        _assert_agree(_generated(schema, name), build_models(schema))
    finally:
        sys.modules.pop(name, None)


def test_composite_keys_keep_the_schema_order() -> None:
    import ftorm.models as generated

    assert generated.Metadata.__ftorm_primary_key__ == ("parent_id", "key")
    assert build_models(standard_schema())["Metadata"].__ftorm_primary_key__ == (
        "parent_id",
        "key",
    )


def test_required_keys_agree() -> None:
    """A key without a default is required when creating, in generated and dynamic classes."""
    import ftorm.models as generated

    dynamic = build_models(standard_schema())["ContextCustomAttributeValue"]
    for cls in (generated.ContextCustomAttributeValue, dynamic):
        assert cls.__ftorm_fields__["configuration_id"].required
        with pytest.raises(TypeError, match="configuration_id"):
            cls(entity_id="e")
