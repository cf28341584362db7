"""Comparing a clone with its source, entity by entity, attribute by attribute."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ftorm._typing import JSON
from ftorm.clone.plan import Shape
from ftorm.protocol.operations import OperationLike
from ftorm.server.handlers import Server
from ftorm.transport.inprocess import InProcessTransport


class Interrupted(Exception):
    """The source went away (raised by `failing_after`)."""


def failing_after(server: Server, requests: int) -> Callable[[Sequence[OperationLike]], list[JSON]]:
    """A ``call`` to ``server`` that raises `Interrupted` after ``requests`` requests."""
    made: list[int] = []
    transport = InProcessTransport(server)

    def call(ops: Sequence[OperationLike]) -> list[JSON]:
        if len(made) >= requests:
            raise Interrupted
        made.append(1)
        return transport.call(ops)

    return call


def rows(server: Server, type_id: str) -> dict[tuple[str, ...], dict[str, Any]]:
    """Every entity of concrete type ``type_id`` (its copied attributes), by key."""
    shape = Shape.of(server.layout, type_id)
    pk = server.schema.types[type_id].primary_key
    answer = server.query(f"select {', '.join(shape.projections)} from {type_id}", denormalize=True)
    found = {}
    for entity in answer["data"]:
        if entity["__entity_type__"] == type_id:
            found[tuple(str(entity[k]) for k in pk)] = entity
    return found


def compare(source: Server, copy: Server) -> int:
    """Assert every entity of ``copy`` is in ``source`` with the same attributes; the
    number compared."""
    assert copy.schema_hash == source.schema_hash
    compared = 0
    for type_id in sorted(copy.schema.types):
        if not Shape.of(copy.layout, type_id).projections:
            continue
        mine = rows(copy, type_id)
        if not mine:
            continue
        theirs = rows(source, type_id)
        for key, entity in mine.items():
            assert key in theirs, f"{type_id} {key} is not in the source"
            assert entity == theirs[key], f"{type_id} {key} differs"
            compared += 1
    return compared
