"""`ftorm.model.state` is the one owner of per-instance state."""

from __future__ import annotations

import ast
from pathlib import Path

from ftorm.model import Related, state
from ftorm.model.fields import MISSING
from ftorm.models import Project, Sequence
from tests.paths import ROOT

MODEL = ROOT / "ftorm" / "model"
PRIVATE_KEYS = ("_ftorm_hook", "_ftorm_changes")


def _ftorm_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_state_does_not_import_relations() -> None:
    assert "ftorm.model.relations" not in _ftorm_imports(MODEL / "state.py")


def test_only_state_names_the_private_keys() -> None:
    owners = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "ftorm").rglob("*.py")
        if any(key in path.read_text(encoding="utf-8") for key in PRIVATE_KEYS)
    }
    assert owners == {"ftorm/model/state.py"}


def test_record_write_keeps_the_first_original_and_forgets_a_return() -> None:
    project = state.hydrate(Project, {"id": "p", "name": "a"})
    state.record_write(project, "name", "a", "b")
    state.record_write(project, "name", "b", "c")
    assert state.changes(project) == {"name": "a"}
    state.record_write(project, "name", "c", "a")
    assert not state.is_dirty(project)
    state.record_write(project, "name", "a", "a")  # no change: nothing recorded
    assert not state.is_dirty(project)


def test_record_write_by_identity() -> None:
    project = state.hydrate(Project, {"id": "p", "name": "a"})
    first, second = ["x"], ["x"]
    state.record_write(project, "name", first, second, identity=True)
    assert state.changes(project) == {"name": first}
    state.record_write(project, "name", second, first, identity=True)
    assert not state.is_dirty(project)


def test_refresh_keeps_pending_changes() -> None:
    project = state.hydrate(Project, {"id": "p", "name": "a", "full_name": "A"})
    project.name = "mine"
    child = state.hydrate(Sequence, {"id": "s"})
    state.refresh(project, {"name": "server", "full_name": "B"}, {"children": [child]})
    assert project.name == "mine"
    assert project.full_name == "B"
    assert isinstance(project.children, Related)
    assert list(project.children) == [child]
    assert state.changes(project) == {"name": "a"}


def test_collections_are_built_in_the_models_collection_type() -> None:
    project = state.hydrate(Project, {"id": "p"})
    state.set_committed(project, "children", [])
    assert type(project.children) is Project.__ftorm_collection__ is Related
    sequence = Sequence(name="s")
    project.children.append(sequence)
    assert state.changes(project) == {"children": ()}
    state.rollback(project)
    assert list(project.children) == []


def test_a_write_is_reported_to_the_tracker() -> None:
    seen: list[tuple[str, object, object]] = []

    class Tracker:
        def load(self, obj: object, name: str) -> bool:
            return False

        def changed(self, obj: object, name: str, old: object, new: object) -> None:
            seen.append((name, old, new))

        def collection_changed(self, *args: object) -> None:
            seen.append(("collection", None, None))

    project = state.hydrate(Project, {"id": "p"}, Tracker())  # type: ignore[arg-type]
    project.name = "x"
    assert seen == [("name", MISSING, "x")]
