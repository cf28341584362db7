"""Model instances: construction, validation, loading hooks, dirty tracking, rollback,
relationship sync and mapping-style access."""

from __future__ import annotations

import concurrent.futures
import datetime
import inspect
import threading
import types
from collections.abc import Sequence as Seq
from typing import Any, Literal

import arrow
import pytest

from ftorm.errors import (
    ImmutableAttributeError,
    InvalidValueError,
    NotLoadedError,
    UnknownAttributeError,
    UnknownTypeError,
)
from ftorm.model import UNSET, Attr, Model, Ref, Registry, Related, attr, new_id, ref, state
from ftorm.model.fields import MISSING
from tests.typing.models_fixture import REGISTRY as TEST_REGISTRY
from tests.typing.models_fixture import (
    Metadata,
    Project,
    Sequence,
    Shot,
    Status,
    Task,
    User,
)


class RecordingTracker:
    """A stand-in session: loads from a dict, records every report."""

    def __init__(self, rows: dict[str, Any] | None = None, *, refuse: bool = False) -> None:
        self.rows = rows or {}
        self.refuse = refuse
        self.loads: list[str] = []
        self.events: list[tuple[Any, ...]] = []

    def load(self, obj: Model, name: str) -> bool:
        self.loads.append(name)
        if self.refuse or name not in self.rows:
            return False
        state.set_committed(obj, name, self.rows[name])
        return True

    def changed(self, obj: Model, name: str, old: object, new: object) -> None:
        self.events.append(("set", obj, name, old, new))

    def collection_changed(
        self, obj: Model, name: str, added: Seq[Model], removed: Seq[Model]
    ) -> None:
        self.events.append(("collection", obj, name, tuple(added), tuple(removed)))


# --- construction ---------------------------------------------------------------------------


def test_constructor_defaults_and_factory() -> None:
    shot = Shot(name="sh010")
    assert shot.name == "sh010"
    assert isinstance(shot.id, str)
    assert len(shot.id) == 36
    assert shot.id != Shot(name="x").id
    assert shot.description is None
    assert shot.status is None
    assert shot.tasks == []
    assert isinstance(shot.tasks, Related)
    assert state.loaded(shot) == (
        "id",
        "name",
        "children",
        "metadata",
        "status",
        "description",
        "bid",
        "frame_start",
        "tasks",
    )
    with pytest.raises(NotLoadedError, match=r"Shot.project is not loaded"):
        shot.project  # noqa: B018
    assert not state.is_dirty(shot)


def test_constructor_errors() -> None:
    with pytest.raises(TypeError, match=r"missing required keyword argument"):
        Status()
    with pytest.raises(UnknownAttributeError, match=r"did you mean 'name'"):
        Shot(nme="x")
    with pytest.raises(InvalidValueError, match=r"Shot.name expects str, got int"):
        Shot(name=3)
    with pytest.raises(InvalidValueError, match=r"collection"):
        Project(children=[])
    with pytest.raises(TypeError):
        Shot("x")  # type: ignore[misc]


def test_instances_compare_by_identity() -> None:
    a, b = Status(name="x", id="1"), Status(name="x", id="1")
    assert a != b
    assert a == a
    assert len({a, b}) == 2


# --- reads and loading ----------------------------------------------------------------------


def test_missing_attribute_asks_the_tracker() -> None:
    tracker = RecordingTracker({"name": "loaded"})
    shot = state.hydrate(Shot, {"id": "s1"}, tracker)
    assert shot.id == "s1"
    assert shot.name == "loaded"
    assert tracker.loads == ["name"]
    assert shot.name == "loaded"
    assert tracker.loads == ["name"]
    with pytest.raises(NotLoadedError, match=r"Shot\.description .*did not load"):
        shot.description  # noqa: B018
    refusing = state.hydrate(Shot, {"id": "s2"}, RecordingTracker({"name": "x"}, refuse=True))
    with pytest.raises(NotLoadedError, match=r"Shot.name"):
        refusing.name  # noqa: B018
    assert not hasattr(refusing, "name")


def test_tracker_may_raise_its_own_error() -> None:
    class Strict(RecordingTracker):
        def load(self, obj: Model, name: str) -> bool:
            msg = f"lazy loading is off: {type(obj).__name__}.{name}"
            raise NotLoadedError(msg)

    shot = state.hydrate(Shot, {"id": "s"}, Strict())
    with pytest.raises(NotLoadedError, match=r"lazy loading is off: Shot.name"):
        shot.name  # noqa: B018


def test_unknown_instance_attribute() -> None:
    shot = Shot(name="x")
    with pytest.raises(UnknownAttributeError, match=r"Shot has no attribute 'nmae'"):
        shot.nmae  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(UnknownAttributeError):
        shot.nmae = 1  # type: ignore[attr-defined]
    shot._private = 1  # private helpers stay possible
    assert shot._private == 1


def test_hydrate_fills_in_one_update() -> None:
    tracker = RecordingTracker()
    shot = state.hydrate(Shot, {"id": "a", "name": "n"}, tracker)
    assert state.hook_of(shot) is tracker
    assert state.loaded(shot) == ("id", "name")
    state.detach(shot)
    assert state.hook_of(shot) is None
    state.attach(shot, tracker)
    assert state.hook_of(shot) is tracker
    assert state.is_loaded(shot, "name")
    assert not state.is_loaded(shot, "bid")


# --- writes, validation, dirty tracking -----------------------------------------------------


def test_assignment_validation() -> None:
    shot = Shot(name="x")
    project = Project(name="p", status="active")
    with pytest.raises(InvalidValueError, match=r"Shot.name"):
        shot.name = 3  # type: ignore[assignment]
    with pytest.raises(InvalidValueError, match=r"Shot.frame_start"):
        shot.frame_start = True
    with pytest.raises(InvalidValueError, match=r"Project.status"):
        project.status = "actve"  # type: ignore[assignment]
    with pytest.raises(InvalidValueError, match=r"Shot.status expects Status or None"):
        shot.status = project  # type: ignore[assignment]
    with pytest.raises(InvalidValueError, match=r"Shot.project expects Project"):
        shot.project = None  # type: ignore[assignment]
    shot.bid = 3  # an int is a fine float
    assert shot.bid == 3
    project.end_date = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)  # type: ignore[assignment]
    assert isinstance(project.end_date, arrow.Arrow)
    with pytest.raises(InvalidValueError, match=r"Arrow"):
        project.end_date = "2026-01-02"  # type: ignore[assignment]
    with pytest.raises(InvalidValueError, match=r"iterable"):
        shot.tasks = 3  # type: ignore[assignment]
    with pytest.raises(InvalidValueError, match=r"Task"):
        shot.tasks = [shot]  # type: ignore[list-item]


def test_immutable_and_computed() -> None:
    shot = Shot(name="x", id="fixed")
    shot.id = "fixed"  # same value: allowed
    with pytest.raises(ImmutableAttributeError, match=r"Shot.id is immutable"):
        shot.id = "other"
    user = state.hydrate(User, {"id": "u"})
    user.created_at = arrow.get("2026-01-01")  # no value yet: allowed
    with pytest.raises(ImmutableAttributeError, match=r"computed"):
        user.created_at = arrow.get("2026-01-02")
    loaded = state.hydrate(User, {"id": "u", "created_at": None})
    with pytest.raises(ImmutableAttributeError):
        loaded.created_at = arrow.get("2026-01-02")


def test_dirty_tracking_and_rollback() -> None:
    tracker = RecordingTracker()
    shot = state.hydrate(Shot, {"id": "s", "name": "a", "frame_start": 1}, tracker)
    assert state.changes(shot) == {}
    shot.name = "b"
    shot.name = "c"
    shot.description = "new"
    assert state.changes(shot) == {"name": "a", "description": MISSING}
    assert state.is_dirty(shot)
    assert [e[2:] for e in tracker.events] == [
        ("name", "a", "b"),
        ("name", "b", "c"),
        ("description", MISSING, "new"),
    ]
    shot.frame_start = 2
    shot.frame_start = 1  # back to the original: not a change any more
    assert "frame_start" not in state.changes(shot)
    state.rollback(shot)
    assert shot.name == "a"
    assert shot.frame_start == 1
    assert not state.is_loaded(shot, "description")
    assert not state.is_dirty(shot)
    shot.name = "z"
    state.mark_clean(shot)
    assert not state.is_dirty(shot)
    assert shot.name == "z"
    state.merge(shot, {"bid": 2.5, "tasks": []})
    assert shot.bid == 2.5
    assert isinstance(shot.tasks, Related)
    assert not state.is_dirty(shot)


# --- relationships --------------------------------------------------------------------------


def test_setting_a_reference_updates_loaded_collections() -> None:
    old, new = Project(name="old"), Project(name="new")
    seq = Sequence(name="sq", parent=old)
    assert seq in old.children
    seq.parent = new
    assert seq not in old.children
    assert seq in new.children
    seq.parent = None
    assert new.children == []
    unloaded = state.hydrate(Project, {"id": "p"})
    seq.parent = unloaded  # the other side is not loaded: nothing to update
    assert not state.is_loaded(unloaded, "children")
    assert seq.parent is unloaded


def test_collection_changes_set_the_reference() -> None:
    tracker = RecordingTracker()
    project = state.hydrate(Project, {"id": "p", "name": "p"}, tracker)
    state.set_committed(project, "children", [])
    a, b, c = (Sequence(name=n, parent=None) for n in "abc")
    project.children.append(a)
    assert a.parent is project
    project.children.append(a)  # already there: no-op
    assert project.children == [a]
    project.children.extend([b, c])
    assert b.parent is project
    assert c.parent is project
    project.children.remove(b)
    assert b.parent is None
    assert project.children.pop() is c
    assert c.parent is None
    project.children.insert(0, c)
    assert project.children == [c, a]
    assert c.parent is project
    project.children[0] = b
    assert b.parent is project
    assert c.parent is None
    del project.children[0]
    assert b.parent is None
    assert project.children == [a]
    project.children[:] = [b, c]
    assert a.parent is None
    assert b.parent is project
    assert c.parent is project
    project.children += [a]
    assert a.parent is project
    project.children.clear()
    assert all(item.parent is None for item in (a, b, c))
    with pytest.raises(InvalidValueError):
        project.children.append(Status(name="x"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"not in the collection"):
        project.children.remove(a)
    kinds = {event[0] for event in tracker.events}
    assert kinds == {"collection"}
    first = tracker.events[0]
    assert first == ("collection", project, "children", (a,), ())


def test_moving_a_child_between_parents() -> None:
    p1, p2 = Project(name="1"), Project(name="2")
    seq = Sequence(name="s", parent=p1)
    p2.children.append(seq)
    assert seq.parent is p2
    assert seq not in p1.children
    assert seq in p2.children


def test_assigning_a_whole_collection() -> None:
    project = state.hydrate(Project, {"id": "p"})
    a, b = Sequence(name="a", parent=None), Sequence(name="b", parent=None)
    project.children = [a, b]
    assert a.parent is project
    assert b.parent is project
    assert state.changes(project) == {"children": MISSING}
    project.children = [b]
    assert a.parent is None
    assert project.children == [b]


def test_rollback_restores_both_sides() -> None:
    project = state.hydrate(Project, {"id": "p", "name": "p"})
    seq = state.hydrate(Sequence, {"id": "s", "name": "s", "parent": None})
    state.set_committed(project, "children", [])
    project.children.append(seq)
    assert seq.parent is project
    for obj in (project, seq):
        state.rollback(obj)
    assert seq.parent is None
    assert project.children == []


def test_keyed_collections() -> None:
    shot = Shot(name="x")
    shot.metadata.append(Metadata(parent_id=shot.id, key="fps", value="24"))
    assert shot.metadata.keyed() == {"fps": "24"}
    with pytest.raises(TypeError, match=r"key/value"):
        shot.tasks.keyed()


# --- mapping-style access -------------------------------------------------------------------


def test_mapping_access() -> None:
    task = Task(name="comp", from_="a")
    assert task["name"] == "comp"
    assert task["from"] == "a"
    assert task["from_"] == "a"
    task["from"] = "b"
    assert task.from_ == "b"
    keys = task.keys()
    assert "from" in keys
    assert "from_" not in keys
    assert "name" in task
    assert "nope" not in task
    assert list(task) == task.keys()
    with pytest.raises(KeyError, match=r"did you mean 'name'"):
        task["nmae"]
    assert repr(task).startswith("<Task id=")
    assert "name='comp'" in repr(task)


@pytest.mark.parametrize(
    ("entity_type", "values", "shown"),
    [
        ("User", {"username": "jane", "first_name": "Jane"}, "username='jane'"),
        ("CustomAttributeConfiguration", {"key": "fstart", "label": "F"}, "key='fstart'"),
        ("Shot", {"name": "sh010"}, "name='sh010'"),
    ],
)
def test_a_repr_shows_the_attribute_people_know_an_entity_by(
    entity_type: str, values: dict[str, str], shown: str
) -> None:
    import ftorm.models

    cls = getattr(ftorm.models, entity_type)
    entity = cls(id="e1", **values)
    assert repr(entity) == f"<{entity_type} id='e1' {shown}>"


def test_a_session_loads_what_a_repr_shows() -> None:
    import ftorm
    from ftorm.models import User

    with ftorm.Session.local() as session:
        (user,) = session.query(User).all()  # the API user; User's defaults are only its id
        assert repr(user) == f"<User id={user.id!r} username={user.username!r}>"
        assert session.stats.requests == 2  # the schema, the query: no load for the repr
        bare = session.query(User.select(User.id)).one()
        assert repr(bare) == f"<User id={user.id!r} username={user.username!r}>"


# --- declaration and registry ---------------------------------------------------------------


def test_registry() -> None:
    assert TEST_REGISTRY.lookup("Shot") is Shot
    assert "Shot" in TEST_REGISTRY
    assert len(TEST_REGISTRY) >= 8
    with pytest.raises(UnknownTypeError, match=r"did you mean 'Shot'"):
        TEST_REGISTRY.lookup("Shoot")
    assert Shot.__ftorm_entity__ == "Shot"
    assert Shot.__ftorm_primary_key__ == ("id",)
    assert Metadata.__ftorm_primary_key__ == ("parent_id", "key")


def test_declaration_errors() -> None:
    registry = Registry("declaration-errors")
    with pytest.raises(TypeError, match=r"reserved"):

        class Bad(Model, entity="Bad", registry=registry):
            where: Attr[str] = attr(default="")

    with pytest.raises(TypeError, match=r"no attr"):

        class Bare(Model, entity="Bare", registry=registry):
            name: Attr[str]

    class Dangling(Model, entity="Dangling", registry=registry):
        id: Attr[str] = attr(primary_key=True, factory=new_id)
        other: Ref[Any] = ref("Nowhere", default=None)

    with pytest.raises(UnknownTypeError, match=r"Dangling.other refers to .*Nowhere"):
        Dangling.other  # noqa: B018


def test_redeclared_field_and_annotation_target() -> None:
    registry = Registry("redeclare")

    class Base(Model, entity="Base", registry=registry):
        id: Attr[str] = attr(primary_key=True, factory=new_id)
        size: Attr[int | None] = attr(default=None)
        owner: Ref[Base | None] = ref(default=None)

    class Child(Base, entity="Child"):
        size: Attr[int] = attr(default=1)

    assert Child().size == 1
    assert Base().size is None
    with pytest.raises(InvalidValueError):
        Child(size=None)  # type: ignore[arg-type]
    child = Child(owner=Base())
    assert isinstance(child.owner, Base)
    assert str(Child.where(Child.owner.size == 2)) == "Child where owner.size is 2"
    assert UNSET is not None
    assert not UNSET


_TEXT_CHECKS = Registry("text checks")


class _Labelled(Model, entity="Labelled", registry=_TEXT_CHECKS):
    id: Attr[str] = attr(primary_key=True, factory=new_id)
    name: Attr[str | None] = attr(default=None)
    kind: Attr[Literal["a", "b"]] = attr(default="a")


def test_comparing_a_text_column_with_a_str_renders_it_as_is() -> None:
    assert str(_Labelled.name == "x") == 'name is "x"'
    assert str(_Labelled.kind == "b") == 'kind is "b"'


def test_a_literal_column_still_checks_the_str_it_is_compared_with() -> None:
    with pytest.raises(InvalidValueError, match="kind"):
        _Labelled.kind == "z"  # noqa: B015


def _fresh_models() -> tuple[type[Model], type[Model]]:
    """A base and a derived model no test has read a column of yet."""

    registry = Registry()

    class Owner(Model, entity="Owner", registry=registry):
        id: Attr[str] = attr(primary_key=True, factory=new_id)

    class Base(Model, entity="Base", registry=registry):
        id: Attr[str] = attr(primary_key=True, factory=new_id)
        name: Attr[str] = attr(default="")
        owner: Ref[Owner | None] = ref("Owner", default=None)

    class Derived(Base, entity="Derived"):
        pass

    return Base, Derived


def test_class_level_columns_are_kept_per_class() -> None:
    base, derived = _fresh_models()
    first = base.name  # type: ignore[attr-defined]
    assert first is base.name  # type: ignore[attr-defined]  # kept, not built again
    # A subclass read after its base gets a column of its own, rooted at the subclass.
    column = derived.name  # type: ignore[attr-defined]
    assert column is not first
    assert column._ftorm_root is derived
    assert first._ftorm_root is base
    assert derived.owner._ftorm_root is derived  # type: ignore[attr-defined]
    assert str(derived.where(column == "x")) == 'Derived where name is "x"'
    with pytest.raises(UnknownAttributeError, match=r"Base has no attribute 'nmae'") as raised:
        base.nmae  # type: ignore[attr-defined]  # noqa: B018
    assert raised.value.candidates == ("name",)


def test_a_kept_class_column_never_shows_through_an_instance() -> None:
    base, derived = _fresh_models()
    base.name  # type: ignore[attr-defined]  # noqa: B018  # kept on the class now
    derived.owner  # type: ignore[attr-defined]  # noqa: B018
    for cls in (base, derived):
        entity = state.hydrate(cls, {"id": "e"}, RecordingTracker({}, refuse=True))
        with pytest.raises(NotLoadedError, match=r"\.name"):
            entity.name  # noqa: B018
        with pytest.raises(NotLoadedError, match=r"\.owner"):
            entity.owner  # noqa: B018
        assert not hasattr(entity, "name")
        built = cls(name="n")
        assert built.name == "n"
        assert built.owner is None


def test_class_columns_read_from_many_threads_at_once() -> None:
    base, derived = _fresh_models()
    barrier = threading.Barrier(8)

    def read(cls: type[Model]) -> tuple[object, object]:
        barrier.wait()
        return cls.name._ftorm_root, cls.owner._ftorm_root  # type: ignore[attr-defined]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        roots = list(pool.map(read, [base, derived] * 4))
    assert roots == [(base, base), (derived, derived)] * 4


def test_a_column_kept_by_a_plain_class_is_a_plain_value() -> None:
    base, _ = _fresh_models()

    class Sorting:  # not a model: keeps columns as values
        key = base.name  # type: ignore[attr-defined]
        path = base.owner  # type: ignore[attr-defined]

    assert Sorting.key is base.name  # type: ignore[attr-defined]
    assert Sorting().key is base.name  # type: ignore[attr-defined]
    assert Sorting.path is base.owner  # type: ignore[attr-defined]


def test_a_cast_to_another_model_sets_class_is_not_kept() -> None:
    base, _ = _fresh_models()
    owner_path = base.owner  # type: ignore[attr-defined]
    target = owner_path._ftorm_target

    class Elsewhere(target, entity="Elsewhere", registry=Registry()):  # type: ignore[misc, valid-type]
        pass

    assert owner_path.as_(Elsewhere) is not owner_path.as_(Elsewhere)  # built each time
    assert Elsewhere not in owner_path._ftorm_casts
    subtype = types.new_class("Kept", (target,), {"entity": "Kept"})
    assert owner_path.as_(subtype) is owner_path.as_(subtype)  # same model set: kept


def test_a_kept_column_never_hides_a_mixins_attribute() -> None:
    base, _ = _fresh_models()

    class Helpers:
        @property
        def name(self) -> str:
            return "computed by the mixin"

    base.name  # type: ignore[attr-defined]  # noqa: B018  # kept on the base first

    class Sub(base, Helpers, entity="Sub"):  # type: ignore[misc, valid-type]
        pass

    assert isinstance(Sub.name, property)
    assert Sub().name == "computed by the mixin"  # as if the base's column was never read


def test_dir_of_an_entity_lists_the_loaded_fields_only() -> None:
    base, _ = _fresh_models()
    base.name  # type: ignore[attr-defined]  # noqa: B018  # kept on the class
    tracker = RecordingTracker({"name": "loaded on demand"})
    entity = state.hydrate(base, {"id": "e"}, tracker)
    names = dir(entity)
    assert "id" in names
    assert "name" not in names  # not loaded: reading every name dir() gives loads nothing
    assert "where" not in names  # the instance API, not the class API
    assert "keys" in names
    inspect.getmembers(entity)
    assert tracker.loads == []
    assert entity.name == "loaded on demand"
    assert "name" in dir(entity)
