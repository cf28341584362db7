"""The session on a server whose schema is not the standard one."""

from __future__ import annotations

import pytest

from ftorm.model.base import Model
from ftorm.models import Project, Sequence
from ftorm.schema.load import load_schema, load_schema_file
from ftorm.schema.standard import standard_documents
from ftorm.session import Session
from tests.paths import RECORDED_SCHEMA


def test_recorded_schema_gives_a_class_for_every_type() -> None:
    schema = load_schema_file(RECORDED_SCHEMA)
    with Session.local(schema=schema) as session:
        assert len(session.types) == 116
        assert session.types["Project"] is Project  # generated classes are reused
        review = session.types["ReviewSession"]  # not in the standard schema: built
        assert issubclass(review, Model)
        assert review.__ftorm_entity__ == "ReviewSession"
        project = session.create(Project, name="p", full_name="P")
        session.create(Sequence, name="sq", parent=project)
        session.commit()
        [found] = session.query("Sequence where parent.name is p").all()
        assert found.parent is project


def test_custom_object_type_gets_a_dynamic_class() -> None:
    documents = standard_documents()
    shot = next(d for d in documents if d["id"] == "Shot")
    custom = dict(shot, id="Vehicle")
    type_id = "0aa0aa0a-0000-4000-8000-00000000000a"
    custom["alias_for"] = {"id": "Task", "classifiers": {"object_typeid": type_id}}
    custom["properties"] = dict(shot["properties"])
    custom["properties"]["object_type_id"] = dict(
        shot["properties"]["object_type_id"], default=type_id
    )
    schema = load_schema([*documents, custom])
    with Session.local(schema=schema) as session:
        vehicle = session.types["Vehicle"]
        assert vehicle.__mro__[1] is session.types["TypedContext"]
        assert vehicle.__name__ == "Vehicle"


def test_unknown_type_in_text_query() -> None:
    from ftorm.errors import UnknownTypeError

    with Session.local() as session, pytest.raises(UnknownTypeError, match="Spaceship"):
        session.query("Spaceship where name is x")
