"""Must type-check cleanly under ``mypy --strict`` and pyright strict: `AsyncSession` gives
the types `Session` gives, awaited (never run as a test)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import assert_type

import arrow

from ftorm.events import Event
from ftorm.model import Model
from ftorm.schema.types import Schema
from ftorm.session import AsyncSession

from .models_fixture import Project, Sequence, Shot, Status


async def queries(session: AsyncSession, next_week: arrow.Arrow) -> None:
    assert_type(await session.query(Shot).all(), list[Shot])
    assert_type(await session.query(Shot.where(name="sh010")).first(), Shot | None)
    assert_type(await session.query(Shot).where(name="sh010").one(), Shot)
    assert_type(await session.query(Project).before(end_date=next_week).all(), list[Project])
    assert_type(await session.query(Shot).order_by(Shot.name).where(bid=1.0).all(), list[Shot])
    assert_type(await session.query(Shot).count(), int)
    assert_type(await session.query("Shot where name is sh010").first(), Model | None)
    assert_type(await session.get(Shot, "an-id"), Shot | None)
    async for shot in session.query(Shot.where(Shot.name.like("sh%"))):
        assert_type(shot, Shot)
    counts = await asyncio.gather(*(session.query(Shot).count() for _ in range(3)))
    assert_type(counts, list[int])


async def unit_of_work(session: AsyncSession, project: Project, shots: list[Shot]) -> None:
    assert_type(session.create(Shot, name="sh010", project=project), Shot)
    assert_type(session.create(Status, name="WIP"), Status)
    assert_type(session.create("Shot", name="sh010"), Model)
    await session.populate(shots, Shot.status, Shot.parent.name)
    await session.load(shots, Shot.status)
    await session.load(shots[0], Shot.parent)
    await session.commit()
    await session.rollback()


async def lifecycle() -> None:
    async with AsyncSession.local() as session:
        assert_type(session, AsyncSession)
        assert_type(await session.query(Sequence).all(), list[Sequence])
    await session.close()


async def events(session: AsyncSession) -> None:
    async for event in session.events.stream("topic=ftrack.update"):
        assert_type(event, Event)
    async with session.events.stream("topic=x", buffer=10, overflow="drop_oldest") as stream:
        assert_type(await anext(stream), Event)
        assert_type(stream.dropped, int)
    await session.events.publish(Event("my.topic"), on_reply=print)


async def like_session(session: AsyncSession, project: Project, shot: Shot) -> None:
    assert_type(await session.load_schema(), Schema)
    assert_type(session.types, Mapping[str, type[Model]])
    assert_type(await session.ensure(Shot, ["name"], name="sh010", parent=project), Shot)
    assert_type(await session.count(Shot.where(name="sh010")), int)
    async for found in session.iterate(Shot.where(name="sh010")):
        assert_type(found, Shot)
    await session.refresh(shot)
    assert_type(await session.get_widget_url("info", shot), str)
    assert_type(await session.create_component("/renders/sh010.exr"), Model)
    assert_type(await session.run(lambda core: core.query(Shot).all()), list[Shot])
