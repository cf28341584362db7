"""ftorm's standard schema: complete, loadable, and true to ftrack's recorded schema."""

from __future__ import annotations

import json

import pytest

from ftorm.schema import load, standard
from ftorm.schema.hierarchy import ancestors, base_of
from ftorm.schema.types import Kind, Schema
from tests.paths import SHARED

RECORDED = SHARED / "reference" / "fixtures" / "query_schemas.json"

# Types DESIGN.md section 3 promises, plus what the official client needs to start.
_PROMISED = """
Context TypedContext Project Folder Episode Sequence Shot Task AssetBuild Milestone ObjectType
Type Status State Priority ProjectSchema ProjectSchemaObjectType SchemaStatus SchemaType Schema
TaskTypeSchema TaskTypeSchemaType TaskTemplate TaskTemplateItem WorkflowSchema
WorkflowSchemaStatus ProjectSchemaOverride User Group Membership Resource Appointment Timelog Note
NoteCategory NoteLabel NoteLabelLink Asset AssetType AssetVersion Component FileComponent
ContainerComponent SequenceComponent Location ComponentLocation Metadata
CustomAttributeConfiguration CustomAttributeType CustomAttributeGroup CustomAttributeValue
ContextCustomAttributeValue AssetCustomAttributeValue AssetVersionCustomAttributeValue
UserCustomAttributeValue ListCustomAttributeValue ListObjectCustomAttributeValue List
TypedContextList AssetVersionList ListObject Setting Disk Scope Manager ManagerType
TypedContextLink StatusChange
"""
PROMISED = _PROMISED.split()

# Where the standard schema knowingly differs from what a real server reports.
#   link: a real server sends a list of {id, name, type} objects although it says "string".
DELIBERATE = {("link", "type")}


@pytest.fixture(scope="module")
def schema() -> Schema:
    return standard.standard_schema()


@pytest.fixture(scope="module")
def recorded() -> Schema:
    if not RECORDED.is_file():
        pytest.skip("../shared reference fixtures are not available")
    return load.load_schema(json.loads(RECORDED.read_text(encoding="utf-8")))


def test_promised_types_present(schema: Schema) -> None:
    missing = sorted(set(PROMISED) - set(schema.types))
    assert missing == []


def test_documents_load_and_are_stable(schema: Schema) -> None:
    documents = standard.standard_documents()
    assert load.load_schema(documents).hash == schema.hash
    assert documents == standard.standard_documents()
    assert [d["id"] for d in documents] == sorted(d["id"] for d in documents)
    assert standard.standard_schema() is schema  # cached


def test_documents_are_fresh_copies() -> None:
    first = standard.standard_documents()
    first[0]["properties"].clear()
    assert standard.standard_documents()[0]["properties"]


def test_every_reference_resolves(schema: Schema) -> None:
    for entity in schema.types.values():
        for prop in entity.relations():
            assert prop.target in schema.types, (entity.id, prop.name)


def test_primary_keys(schema: Schema) -> None:
    assert schema["Metadata"].primary_key == ("parent_id", "key")
    assert schema["Setting"].primary_key == ("name", "group")
    assert schema["SchemaStatus"].primary_key == ("status_id", "schema_id")
    for type_id in schema.types:
        if type_id.endswith("CustomAttributeValue"):
            assert schema[type_id].primary_key == ("configuration_id", "entity_id")
    for entity in schema.types.values():
        for key in entity.primary_key:
            assert key in entity.required, (entity.id, key)
            assert key in entity.immutable, (entity.id, key)
        if entity.primary_key == ("id",) and entity.id != "StatusChange":
            assert entity["id"].generates_id, entity.id


def test_typed_context_subtypes(schema: Schema) -> None:
    shot = schema["Shot"]
    object_type_id = "bad911de-3bd6-47b9-8b46-3476e237cb36"
    assert shot.classifiers == {"object_typeid": object_type_id}
    assert shot.alias_id == "Task"
    assert shot["object_type_id"].default == object_type_id
    assert shot["priority_id"].default == "9661b320-3a0c-11e2-81c1-0800200c9a66"
    assert ancestors(schema, "Shot") == ("TypedContext", "Context")
    assert base_of(schema, "Project") == "Context"
    assert base_of(schema, "FileComponent") == "Component"
    assert base_of(schema, "User") == "Resource"
    assert schema["Sequence"]["status_id"].immutable
    assert not schema["Task"]["status_id"].immutable
    for type_id in ("Context", "Project", "TypedContext", "Shot"):
        assert schema[type_id].default_projections == ("context_type", "id", "name")


def test_kinds(schema: Schema) -> None:
    task = schema["Task"]
    assert task["start_date"].kind is Kind.DATETIME
    assert task["status"].kind is Kind.REFERENCE
    assert task["status"].target == "Status"
    assert task["children"].kind is Kind.COLLECTION
    assert task["metadata"].kind is Kind.MAPPED
    assert task["metadata"].key_value == ("key", "value")
    assert task["custom_attributes"].target == "ContextCustomAttributeValue"
    assert task["status_id"].is_foreign_key
    assert task["thumbnail_url"].computed
    assert schema["Project"]["is_global"].default is False
    assert schema["Type"]["color"].default == "#510100"


def test_official_client_needs(schema: Schema) -> None:
    # ftrack_api picks entity classes and mixins by type id and by attribute presence.
    assert "notes" in schema["Shot"]
    assert "thumbnail_id" in schema["AssetVersion"]
    for name in ("_task_workflow", "_version_workflow", "_overrides", "_schemas"):
        assert name in schema["ProjectSchema"]
    assert "_task_type_schema" in schema["ProjectSchema"]
    for name in ("location_components", "name", "label", "description"):
        assert name in schema["Location"]


def test_subset_of_recorded(schema: Schema, recorded: Schema) -> None:
    """Every standard property exists on the real server with the same kind and target."""
    shared = sorted(set(schema.types) & set(recorded.types))
    assert len(shared) == len(schema.types)  # every standard type is a real ftrack type
    problems: list[str] = []
    for type_id in shared:
        mine, real = schema[type_id], recorded[type_id]
        if mine.primary_key != real.primary_key:
            problems.append(f"{type_id}: primary key {mine.primary_key} != {real.primary_key}")
        if mine.alias_for != real.alias_for:
            problems.append(f"{type_id}: alias_for {mine.alias_for} != {real.alias_for}")
        if mine.default_projections != real.default_projections:
            problems.append(f"{type_id}: default_projections differ")
        for name, prop in mine.properties.items():
            other = real.properties.get(name)
            if other is None:
                problems.append(f"{type_id}.{name}: not on the real server")
                continue
            for field in ("kind", "type", "target", "key_value", "default", "computed"):
                if (name, field) in DELIBERATE:
                    continue
                if getattr(prop, field) != getattr(other, field):
                    problems.append(f"{type_id}.{name}: {field} differs")
            if (prop.format == "date-time") != (other.format == "date-time"):
                problems.append(f"{type_id}.{name}: date-time format differs")
        for attr in ("required", "immutable", "computed"):
            if set(getattr(mine, attr)) - set(getattr(real, attr)):
                problems.append(f"{type_id}: {attr} has extra names")
    assert problems == []
