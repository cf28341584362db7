"""Must FAIL type checking: every line marked ``# E: <mypy code>`` is an error, no other is.
`AsyncSession` catches the typos `Session` catches."""

from __future__ import annotations

from ftorm.session import AsyncSession

from .models_fixture import Project, Shot, Status


async def wrong_keywords(session: AsyncSession) -> None:
    session.query(Shot).where(nmae="x")  # E: call-overload
    session.query(Shot).where(name=3)  # E: call-overload
    session.query(Project).limit(3).where(stauts="active")  # E: call-overload
    session.create(Shot, nmae="x")  # E: call-overload
    session.create(Status)  # E: call-overload
    Project.where(Project.nme == "x")  # E: attr-defined


async def wrong_results(session: AsyncSession) -> None:
    shot: Shot = await session.query(Shot).first()  # E: assignment
    project: Project = await session.query(Shot).one()  # E: assignment
    count: str = await session.query(Shot).count()  # E: assignment
    shots: list[Shot] = session.query(Shot).all()  # E: assignment
    for item in session.query(Shot):  # E: attr-defined
        del item


def not_awaited(session: AsyncSession) -> None:
    AsyncSession(lazy="batch")  # E: arg-type
    with session:  # E: attr-defined
        pass


async def like_session_typos(session: AsyncSession, shot: Shot) -> None:
    session.events.stream("topic=x", overflow="block")  # E: arg-type
    await session.ensure(Shot, ["name"], nmae="sh010")  # E: call-overload
    await session.refresh(shot, True)  # E: call-arg
    await session.get_widget_url("info", theme="pink")  # E: arg-type
    shots: list[Shot] = await session.count(Shot.where(name="sh010"))  # E: assignment
