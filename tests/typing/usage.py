"""Must type-check cleanly under ``mypy --strict`` and pyright strict (never run as a test)."""

from __future__ import annotations

import datetime
from typing import Any, Literal, TypeVar, assert_type

import arrow

from ftorm import models
from ftorm.model import Attr, CustomColumn, Model, Related, attr, new_id
from ftorm.model.custom import CustomStrColumn, InheritedPath
from ftorm.query.aggregates import Grouped, count, sum_
from ftorm.query.builder import Query
from ftorm.query.expressions import Column, Expr, Ordering, StrColumn, TimeColumn, and_, not_, or_
from ftorm.server.handlers import Server
from ftorm.session import Session
from ftorm.session.accessors import DiskAccessor
from ftorm.session.locations import Location
from ftorm.session.project_schema import get_statuses, get_types
from ftorm.session.structures import IdStructure, StandardStructure
from ftorm.transport.inprocess import Handler, InProcessTransport

from .models_fixture import REGISTRY, Context, Project, Sequence, Shot, ShotCustom, Status, Task


def class_access() -> None:
    assert_type(Project.name, StrColumn[str])
    assert_type(Project.end_date, TimeColumn[arrow.Arrow | None])
    assert_type(Project.status, Column[Literal["active", "hidden"]])
    assert_type(Shot.description, StrColumn[str | None])
    assert_type(Shot.frame_start, Column[int | None])
    assert_type(Shot.bid, Column[float | None])
    assert_type(Sequence.parent, type[Context])
    assert_type(Sequence.parent.name, StrColumn[str])
    assert_type(Sequence.parent.parent.name, StrColumn[str])
    assert_type(Shot.status, type[Status])
    assert_type(Shot.status.name, StrColumn[str])
    assert_type(Project.children, type[Context])
    assert_type(Shot.tasks, type[Task])
    assert_type(Shot.parent.as_(Sequence), type[Sequence])
    assert_type(Shot.parent.as_(Sequence).description, StrColumn[str | None])
    assert_type(Task.from_, StrColumn[str | None])


def expressions(next_week: arrow.Arrow) -> None:
    assert_type(Project.name == "x", Expr)
    assert_type(Project.status != "hidden", Expr)
    assert_type(Shot.frame_start > 10, Expr)
    assert_type(Shot.frame_start <= 10, Expr)
    assert_type(Project.name.like("te%"), Expr)
    assert_type(Project.name.not_like("te%"), Expr)
    assert_type(Project.end_date.before(next_week), Expr)
    assert_type(Project.end_date.after(next_week), Expr)
    assert_type(Project.name.in_(["a", "b"]), Expr)
    assert_type(Project.name.not_in(("a",)), Expr)
    assert_type(Project.end_date.is_none(), Expr)
    assert_type(Project.end_date.is_not_none(), Expr)
    assert_type(Project.name.asc(), Ordering)
    assert_type(Project.name.desc(), Ordering)
    assert_type(Shot.status.has(Status.name == "WIP"), Expr)
    assert_type(Project.children.any(Sequence.name == "x"), Expr)
    assert_type((Project.name == "a") & (Project.name == "b"), Expr)
    assert_type((Project.name == "a") | ~(Project.name == "b"), Expr)
    assert_type(
        and_(Project.name == "a", or_(Project.name == "b", not_(Project.name == "c"))), Expr
    )
    subquery = Shot.where(Shot.name == "x").select(Shot.id)
    assert_type(Task.parent.id.in_(subquery), Expr)


R = TypeVar("R")


def entities(query: Query[R]) -> list[R]:
    """The entity type a query yields (``Shot.where(...)`` is a `KeywordQuery`, a `Query`)."""
    return []


def queries(next_week: arrow.Arrow) -> None:
    q = Project.where(status="active").before(end_date=next_week)
    assert_type(entities(q), list[Project])
    assert_type(
        entities(Project.where(Project.status == "active", Project.end_date.before(next_week))),
        list[Project],
    )
    assert_type(entities(Shot.select(Shot.name, Shot.status.name, Shot.parent.name)), list[Shot])
    assert_type(
        entities(
            Project.where(Project.children.any(Sequence.name == "x"))
            .order_by(Project.name.desc())
            .limit(10)
        ),
        list[Project],
    )
    assert_type(entities(Shot.where(parent=Sequence(name="s"))), list[Shot])
    assert_type(entities(Status.where(name="WIP")), list[Status])
    assert_type(Query(Project), Query[Project])
    assert_type(Query.of(Project, Project.name == "x", status="active"), Query[Project])
    assert_type(q.first(), Project | None)
    assert_type(q.one(), Project)
    assert_type(q.all(), list[Project])
    for project in q:
        assert_type(project, Project)
    text: str = str(q)
    del text


def ftrack_api_habits(session: Session, shot: Shot) -> None:
    q = session.query(Project)
    assert_type(len(q), int)
    assert_type(q.count(), int)
    assert_type(q[0], Project)
    assert_type(q[1:3], list[Project])
    assert_type(session.query("Shot where name is sh010").first(), Model | None)
    assert_type(session.query(Shot.where(name="sh010")).first(), Shot | None)
    assert_type(shot.entity_type, str)


def instances(project: Project, seq: Sequence, shot: Shot, status: Status) -> None:
    assert_type(project.name, str)
    assert_type(project.end_date, arrow.Arrow | None)
    assert_type(project.status, Literal["active", "hidden"])
    assert_type(seq.parent, Context | None)
    assert_type(seq.children, Related[Context])
    assert_type(shot.tasks, Related[Task])
    assert_type(shot.status, Status | None)
    assert_type(shot.project, Project)
    seq.parent = project
    seq.name = "sq010"
    seq.description = None
    shot.status = status
    shot.frame_start = 1001
    project.end_date = arrow.utcnow()
    project.children.append(seq)
    shot.tasks = [Task(name="comp")]
    assert_type(project["name"], Any)  # mapping access is untyped on purpose
    assert_type(project.keys(), list[str])


def embedded_server(server: Server, session: Session) -> None:
    handler: Handler = server  # the embedded server is a handler of the in-process transport
    transport = InProcessTransport(server)
    assert_type(transport.server, Server)  # and the transport keeps its type
    assert_type(session.local_server, Handler | None)
    Session(transport=transport)
    del handler


def session_create(session: Session, project: Project) -> None:
    assert_type(session.create(Shot, name="sh010", project=project), Shot)
    assert_type(session.create(Status, name="WIP"), Status)
    assert_type(session.create("Shot", name="sh010"), Model)


def session_ensure(session: Session, project: Project, user: Model) -> None:
    assert_type(session.ensure(Status, name="WIP"), Status)
    shot = session.ensure(Shot, ["name", "project"], name="sh010", project=project)
    assert_type(shot, Shot)
    assert_type(session.ensure("Shot", ["name"], name="sh010"), Model)
    session.refresh(shot)
    session.reset()
    assert_type(session.reset_remote("api_key", user), Any)
    assert_type(session.get_widget_url("info", shot, theme="dark"), str)
    note = session.create_note(shot, "text", user, recipients=[user], labels=[])
    assert_type(session.create_reply(note, "re", user), Model)
    assert_type(session.start_timer(user, shot, comment="c", force=True), Model)
    assert_type(session.stop_timer(user), Model)
    assert_type(get_statuses(user, "Task", type_id=None), list[Model])
    assert_type(get_types(user, "Shot"), list[Model])
    grouped = Grouped(Shot, count(Shot.id), sum_(Shot.bid)).by(Shot.name).where(name="sh010")
    assert_type(grouped, Grouped[Shot])
    assert_type(session.aggregate(grouped), list[dict[str, Any]])


def entity_helpers(task: models.Task, user: models.User, version: models.AssetVersion) -> None:
    note = task.create_note("text", user, recipients=[user])
    assert_type(note, Model)
    assert_type(models.Note().create_reply("re", user), Model)
    assert_type(user.start_timer(task, comment="c", force=True), Model)
    assert_type(user.stop_timer(), Model)
    assert_type(version.create_component("/r/a.exr", {"name": "main"}), Model)
    assert_type(task.create_thumbnail("/r/t.png"), Model)


def any_values(value: Attr[Any]) -> None:
    assert_type(Cav.value, Column[Any])
    assert_type(Cav.value == 1001, Expr)
    assert_type(Cav.value >= 1001.5, Expr)
    assert_type(Cav.value.in_(["a", 1]), Expr)
    assert_type(entities(Cav.where(Cav.value == 1001)), list[Cav])
    del value


def assignments_do_not_narrow(project: Project, seq: Sequence) -> None:
    project.name = "x"
    assert_type(project.name, str)  # not Literal["x"]: the server may answer another value
    seq.children = []
    assert_type(seq.children, Related[Context])


class Cav(Model, entity="Cav", registry=REGISTRY):
    """A custom attribute value: ``value`` holds whatever its configuration's type holds."""

    id: Attr[str] = attr(primary_key=True, factory=new_id)
    value: Attr[Any] = attr(default=None)


def constructors() -> None:
    assert_type(Project(name="p", status="active"), Project)
    assert_type(Sequence(name="s", parent=None, description="d"), Sequence)
    assert_type(Status(name="WIP"), Status)
    assert_type(Task(from_="x"), Task)


def custom_attributes(shot: Shot, next_week: arrow.Arrow) -> None:
    assert_type(shot.custom.fstart, int | None)
    assert_type(shot.custom.vendors, list[str] | None)
    assert_type(shot.custom.delivery, arrow.Arrow | None)
    shot.custom.fstart = 1001
    shot.custom.cut_notes = None
    shot.custom.delivery = next_week
    assert_type(Shot.custom.fstart, CustomColumn[int | None])
    assert_type(Shot.custom.cut_notes, CustomStrColumn[str | None])
    assert_type(entities(Shot.where(Shot.custom.fstart >= 1001)), list[Shot])
    assert_type(entities(Shot.where(Shot.custom.cut_notes.like("a%"))), list[Shot])
    assert_type(entities(Shot.select(Shot.custom.fstart)), list[Shot])
    assert_type(shot.custom["anything"], Any)
    assert_type(shot["custom_attributes"], Any)


def inherited_custom_attributes(session: Session, shot: Shot, shots: list[Shot]) -> None:
    # the inherited view is the same namespace: every attribute keeps the raw one's type
    assert_type(shot.custom.inherited, ShotCustom)
    assert_type(shot.custom.inherited.fstart, int | None)
    assert_type(shot.custom.inherited.vendors, list[str] | None)
    assert_type(shot.custom.inherited.delivery, arrow.Arrow | None)
    assert_type(shot.custom.source("fstart"), Model | None)
    session.populate(shots, Shot.custom.inherited)
    assert_type(Shot.custom.inherited, InheritedPath)


def keyword_queries(session: Session, next_week: arrow.Arrow) -> None:
    shot = session.query(Shot).where(name="sh010").first()
    assert_type(session.query(Project).before(end_date=next_week).all(), list[Project])
    assert_type(shot, Shot | None)
    assert_type(entities(session.query(Shot.where(name="x"))), list[Shot])
    assert_type(entities(session.query(Shot).order_by(Shot.name).where(bid=1.0)), list[Shot])
    assert_type(entities(Project.where().after(end_date=next_week)), list[Project])
    assert_type(entities(Project.where().before(end_date=datetime.date(2027, 1, 1))), list[Project])
    mixed = session.query(Shot).where(Shot.name == "x", bid=1.0)  # keywords beside criteria
    assert_type(entities(mixed), list[Shot])
    assert_type(Shot.custom.column("fstart") >= 1001, Expr)  # by key, untyped


def typed_event_handlers(session: Session) -> None:
    from ftorm.events import Change

    @session.events.on_change(Task, Task.status)
    def status_changed(change: Change[Task]) -> None:
        assert_type(change.model, type[Task])
        assert_type(change.entity, Task | None)

    def any_context(change: Change[Context]) -> None: ...

    session.events.on_change(Task)(any_context)  # a handler of a base class takes a Task


def files(session: Session, version: Model, folder: str) -> None:
    disk = session.location(
        "studio.disk", accessor=DiskAccessor(folder), structure=StandardStructure(), priority=1
    )
    assert_type(disk, Location)
    sequence = session.create_component("/r/sh010.%04d.exr [1001-1100]", {"name": "b"}, disk)
    assert_type(sequence, Model)
    single = session.create_component("/r/a.exr", location=None, version=version)
    server = session.location("ftrack.server")
    server.add_component(single, session.location("ftrack.origin"))
    server.add_components([single, sequence], [disk])
    assert_type(server.get_component_availability(single), float)
    assert_type(server.get_component_availabilities([single]), list[float])
    assert_type(session.get_component_availability(single), dict[str, float])
    assert_type(disk.get_filesystem_path(single), str | None)
    assert_type(server.get_url(single), str)
    assert_type(server.get_resource_identifier(single), str)
    assert_type(server.download(single, "/tmp/a.exr", deadline=60.0).name, str)
    disk.structure = IdStructure(prefix="by-id")
    disk.remove_component(sequence, recursive=True)
    assert_type(session.create_thumbnail(version, "/r/t.png"), Model)
    assert_type(session.encode_media("/r/take.mov", version_id="v", keep_original=True), Model)
    assert_type(session.pick_location(), Location)
