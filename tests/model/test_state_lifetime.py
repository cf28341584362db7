"""Model classes built for a session live only as long as something uses them."""

from __future__ import annotations

import gc
import json
import weakref

import pytest

from ftorm.model.base import Model
from ftorm.schema.load import load_schema
from ftorm.schema.types import Schema
from ftorm.session import Session
from tests.paths import RECORDED_SCHEMA as RECORDED


@pytest.fixture(scope="module")
def recorded() -> Schema:
    documents = json.loads(RECORDED.read_text(encoding="utf-8"))
    # A workspace's own type beside the recorded ones, which the generated models all have.
    documents.append({"id": "Widget", "type": "object", "properties": {"id": {"type": "string"}}})
    return load_schema(documents)


def _live_model_classes() -> int:
    gc.collect()
    seen: set[int] = set()
    stack: list[type[Model]] = [Model]
    while stack:
        for sub in type.__subclasses__(stack.pop()):
            if id(sub) not in seen:
                seen.add(id(sub))
                stack.append(sub)
    return len(seen)


def _use_and_close(schema: Schema) -> weakref.ref[type[Model]]:
    session = Session.local(schema=schema)
    assert len(session.types) == len(schema.types) == 117
    built = [cls for name, cls in session.types.items() if cls.__module__ != "ftorm.models"]
    assert built  # the workspace's own type, which the generated models lack
    session.query(session.types["Task"]).all()
    session.query("select name from Project").all()
    for cls in built:  # hydration and identity keys look at every class they meet
        if cls.__ftorm_primary_key__ == ("id",):
            session.query(f"select id from {cls.__ftorm_entity__}").all()
    session.close()
    return weakref.ref(built[0])


def test_sessions_do_not_keep_their_classes_alive(recorded: Schema) -> None:
    _use_and_close(recorded)  # the first session imports ftorm.models: not a leak
    before = _live_model_classes()
    refs = [_use_and_close(recorded) for _ in range(20)]
    after = _live_model_classes()
    assert after == before
    assert all(ref() is None for ref in refs)
