"""Must FAIL type checking: every line marked ``# E: <mypy code>`` is an error, no other is.

``tests/model/test_model_typing.py`` runs mypy on this file and compares the reported lines and
codes with the markers. Never imported or run.
"""

from __future__ import annotations

from typing import Any

import arrow

from ftorm import models
from ftorm.model import UNSET, Attr, Model, attr
from ftorm.query.aggregates import count
from ftorm.session import Session

from .models_fixture import Context, Project, Sequence, Shot, Status, Task


def wrong_values_in_comparisons(next_week: arrow.Arrow) -> None:
    Project.where(Project.name < 3)  # E: operator
    Project.where(Project.name.in_([1, 2]))  # E: list-item
    Project.where(Project.end_date == "2024-01-01")  # E: call-overload
    Project.where(Project.status == "actve")  # E: call-overload
    Project.where(Project.name == 3)  # E: call-overload
    Project.where(Shot.frame_start > "10")  # E: operator


def wrong_operators(next_week: arrow.Arrow) -> None:
    Project.end_date.like("2024%")  # E: attr-defined
    Shot.frame_start.like("1%")  # E: attr-defined
    Project.name.before(next_week)  # E: attr-defined
    Project.status.like("a%")  # E: attr-defined


def unknown_attributes() -> None:
    Project.nme  # E: attr-defined
    Sequence.parent.nme  # E: attr-defined
    Sequence.parent.full_name  # E: attr-defined
    Shot.status.nme  # E: attr-defined


def wrong_assignments(project: Project, seq: Sequence, shot: Shot, status: Status) -> None:
    project.name = 3  # E: assignment
    project.end_date = "2024-01-01"  # E: assignment
    project.status = "actve"  # E: assignment
    seq.parent = status  # E: assignment
    shot.status = project  # E: assignment
    shot.nme = "x"  # E: attr-defined
    shot.tasks = [seq]  # E: list-item
    shot.tasks.append(seq)  # E: arg-type
    name: str = seq.description  # E: assignment
    parent: Context = seq.parent  # E: assignment


def wrong_constructors() -> None:
    Project(nme="x")  # E: call-arg
    Project(name=3)  # E: arg-type
    Project("x")  # E: call-arg
    Status()  # E: call-arg
    Project(children=[])  # E: call-arg
    Task(from_=1)  # E: arg-type


def wrong_create_keywords(session: Session) -> None:
    session.create(Shot, nmae="x")  # E: call-overload
    session.create(Shot, name=3)  # E: call-overload
    session.create(Status)  # E: call-overload


def wrong_ensure_keywords(session: Session) -> None:
    session.ensure(Shot, ["name"], nmae="x")  # E: call-overload
    session.ensure(Shot, ["name"], name=3)  # E: call-overload
    session.get_widget_url("info", theme="blue")  # E: arg-type
    count("id")  # E: arg-type


def wrong_helpers(task: models.Task, user: models.User) -> None:
    task.create_note(3, user)  # E: arg-type
    user.start_timer(comment=3)  # E: arg-type
    models.Status().create_note("x", user)  # E: attr-defined


def wrong_where_keywords() -> None:
    Project.where(nme="x")  # E: call-overload
    Project.where(name=3)  # E: call-overload
    Project.where(Project.name == "x", name="y")  # E: call-overload
    Shot.where(status=Project(name="p"))  # E: call-overload


def wrong_ref_targets(seq: Sequence) -> None:
    Shot.where(Shot.parent == seq)  # E: call-overload
    Shot.parent.as_(Status).name  # no error: as_ is typed type[S] (runtime checks the subtype)
    q: object = Shot.where(Shot.name == "x")
    del q


def wrong_results() -> None:
    p: Project = Project.where(Project.name == "x").first()  # E: assignment
    s: Sequence = Project.where(Project.name == "x").one()  # E: assignment
    Project.where().limit("10")  # E: arg-type
    Project.where().order_by("name")  # E: arg-type
    del p, s


def wrong_ftrack_api_habits(shot: Shot) -> None:
    q = Project.where(Project.name == "x")
    q["0"]  # E: call-overload
    s: Shot = q[0]  # E: assignment
    one: Project = q[0:1]  # E: assignment
    shot.entity_type = "Task"  # E: misc
    del s, one


def text_operators_on_any(value: object) -> None:
    Cav.value.like("1%")  # E: attr-defined
    Cav.value.before(value)  # E: attr-defined


class Cav(Model, entity="Cav"):
    value: Attr[Any] = attr(default=None)


class BadDefault(Model, entity="BadDefault"):
    name: Attr[str] = attr(default=3)  # E: arg-type
    other: Attr[str] = attr(default=UNSET)


def wrong_custom_attributes(shot: Shot) -> None:
    shot.custom.fstart = "1001"  # E: assignment
    shot.custom.fstrat = 1001  # E: attr-defined
    shot.custom.vendors = "a"  # E: assignment
    Shot.where(Shot.custom.fstart >= "1001")  # E: operator
    Shot.custom.fstart.like("1%")  # E: attr-defined
    Shot.custom.nope  # E: attr-defined
    Project.custom  # E: attr-defined


def wrong_inherited_custom_attributes(shot: Shot) -> None:
    shot.custom.inherited.fstrat  # E: attr-defined
    name: str = shot.custom.inherited.fstart  # E: assignment
    Shot.custom.inherited.fstart  # E: attr-defined
    shot.custom.source(1)  # E: arg-type


def wrong_keywords(session: Session, next_week: arrow.Arrow) -> None:
    session.query(Shot).where(nmae="x")  # E: call-overload
    session.query(Shot).where(name=3)  # E: call-overload
    Project.where(Project.name == "x").before(end_dat=next_week)  # E: call-overload
    Project.where().order_by(Project.name).after(end_date="2024")  # E: call-overload
    session.query(Project).limit(3).where(stauts="active")  # E: call-overload


def typed_event_handlers(session: Session) -> None:
    from ftorm.events import Change

    def of_shots(change: Change[Shot]) -> None: ...

    session.events.on_change(Task, Task.status)(of_shots)  # E: arg-type
