"""Must type-check cleanly under ``mypy --strict`` and pyright strict: `AsyncSession` gives
the types `Session` gives, awaited (never run as a test)."""

from __future__ import annotations

import asyncio
from typing import assert_type

import arrow

from ftorm.model import Model
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
