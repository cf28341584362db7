"""A generated module is a self-contained set of models, and a session works with one set.

Two modules are generated into a temporary package, one from the standard schema and one
from the recorded 116-type schema, and imported side by side in this process (and in a fresh
interpreter); sessions given either hydrate exactly its classes.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import ftorm
import ftorm.models
from ftorm.model.base import Model
from ftorm.model.registry import Registry, models_of
from ftorm.schema.codegen import generate_module
from ftorm.schema.load import load_schema_file
from ftorm.schema.standard import standard_schema
from ftorm.session import Session
from ftorm.transport.inprocess import InProcessTransport
from tests.paths import RECORDED_SCHEMA as RECORDED
from tests.paths import ROOT

PACKAGE = "_ftorm_studio_models"


@pytest.fixture(scope="module")
def package_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder holding the package ``_ftorm_studio_models`` with the generated modules."""
    root = tmp_path_factory.mktemp("studio")
    package = root / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text('"""Generated models."""\n', encoding="utf-8")
    (package / "standard.py").write_text(
        generate_module(standard_schema(), version=ftorm.__version__), encoding="utf-8"
    )
    (package / "recorded.py").write_text(
        generate_module(load_schema_file(RECORDED), version=ftorm.__version__),
        encoding="utf-8",
    )
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def standard(package_root: Path) -> ModuleType:
    """The module generated from the standard schema (same schema as ``ftorm.models``)."""
    return importlib.import_module(f"{PACKAGE}.standard")


@pytest.fixture(scope="module")
def recorded(package_root: Path) -> ModuleType:
    """The module generated from the recorded 116-type schema."""
    return importlib.import_module(f"{PACKAGE}.recorded")


def _classes(module: ModuleType) -> dict[str, type[Model]]:
    return {name: getattr(module, name) for name in module.__all__}


def _is_of(obj: object, module: ModuleType) -> bool:
    """True when ``obj`` is an instance of the class ``module`` declares for its type."""
    return isinstance(obj, Model) and isinstance(obj, getattr(module, type(obj).__name__))


# --- the modules ----------------------------------------------------------------------------


def test_two_generated_modules_live_side_by_side(
    standard: ModuleType, recorded: ModuleType
) -> None:
    assert isinstance(standard.REGISTRY, Registry)
    assert isinstance(recorded.REGISTRY, Registry)
    assert len({id(standard.REGISTRY), id(recorded.REGISTRY), id(ftorm.models.REGISTRY)}) == 3
    assert standard.REGISTRY.name == f"{PACKAGE}.standard"
    assert len(recorded.REGISTRY) == 116
    for module in (standard, recorded, ftorm.models):
        classes = _classes(module)
        assert dict(module.REGISTRY) == classes
        # String targets resolve within the module's own set.
        for cls in classes.values():
            for field in cls.__ftorm_fields__.values():
                target = getattr(field, "target", None)
                if target is not None:
                    assert target is classes[target.__ftorm_entity__], (cls, field.name)
    assert standard.Shot is not ftorm.models.Shot
    assert recorded.Shot is not standard.Shot


def test_models_of_a_module_a_registry_and_a_mapping(standard: ModuleType) -> None:
    assert models_of(standard) is standard.REGISTRY
    assert models_of(standard.REGISTRY) is standard.REGISTRY
    mapping = {"Shot": standard.Shot}
    assert models_of(mapping) is mapping
    bare = ModuleType("bare")
    with pytest.raises(ftorm.InvalidValueError, match="no entity models"):
        models_of(bare)
    hand_written = ModuleType("hand_written")
    hand_written.Shot = standard.Shot  # type: ignore[attr-defined]
    hand_written.helper = len  # type: ignore[attr-defined]
    assert dict(models_of(hand_written)) == {"Shot": standard.Shot}


# --- a session with a generated module ------------------------------------------------------


def test_recorded_module_in_a_session(recorded: ModuleType) -> None:
    schema = load_schema_file(RECORDED)
    with Session.local(schema=schema, models=recorded) as session:
        server = session.local_server
        assert server is not None
        assert all(session.types[name] is getattr(recorded, name) for name in recorded.__all__)
        project = session.create(recorded.Project, name="p", full_name="P")
        session.commit()
        assert _is_of(project, recorded)

        # A fresh session on the same server: everything it returns is a recorded class.
        fresh = Session(transport=InProcessTransport(server), models=recorded)
        [found] = fresh.query(recorded.Project).all()
        assert _is_of(found, recorded)
        sequence = fresh.create(recorded.Sequence, name="sq", parent=found)
        shot = fresh.create(recorded.Shot, name="sh010", parent=sequence)
        fresh.commit()
        assert _is_of(sequence, recorded)
        assert _is_of(shot, recorded)

        again = Session(transport=InProcessTransport(server), models=recorded)
        one = again.query(recorded.Shot).one()
        assert type(one) is recorded.Shot
        assert type(one.parent) is recorded.Sequence
        assert type(one.project) is recorded.Project
        by_text = again.query("Shot where name is sh010").first()
        assert by_text is one
        for obj in again.query("TypedContext").all():
            assert _is_of(obj, recorded)
        assert _is_of(again.get(recorded.Sequence, sequence.id), recorded)
        assert again.query(recorded.Shot).count() == 1


def test_a_fresh_session_takes_the_set_of_its_first_class(standard: ModuleType) -> None:
    with Session.local() as session:
        server = session.local_server
        assert server is not None
        project = session.create(standard.Project, name="p", full_name="P")
        session.create(standard.Sequence, name="sq", parent=project)
        session.commit()
        fresh = Session(transport=InProcessTransport(server))
        sequence = fresh.query(standard.Sequence).one()
        assert type(sequence) is standard.Sequence
        assert type(sequence.parent) is standard.Project
        assert type(fresh.query("Project").one()) is standard.Project
        with pytest.raises(ftorm.ModelSetError, match=r"ftorm\.models"):
            fresh.query(ftorm.models.Shot)


def test_create_with_a_parent_from_a_query(standard: ModuleType) -> None:
    with Session.local(models=standard) as session:
        session.create(standard.Project, name="p", full_name="P")
        session.commit()
        project = session.query(standard.Project).one()
        sequence = session.create(standard.Sequence, name="sq", parent=project)
        session.commit()
        assert sequence.parent is project


def test_mixing_two_sets_raises(standard: ModuleType) -> None:
    with Session.local(models=standard) as session:
        with pytest.raises(ftorm.ModelSetError, match=r"_ftorm_studio_models\.standard"):
            session.query(ftorm.models.Shot)
        with pytest.raises(ftorm.ModelSetError):
            session.query(ftorm.models.Shot.where(name="x"))
        with pytest.raises(ftorm.ModelSetError):
            session.create(ftorm.models.Project, name="p", full_name="P")
        with pytest.raises(ftorm.ModelSetError):
            session.add(ftorm.models.Project(name="p", full_name="P"))
        with pytest.raises(ftorm.ModelSetError):
            session.get(ftorm.models.Project, "x")
        assert not session.dirty
        # The session's own classes are accepted.
        assert session.query(session.types["Shot"]).count() == 0

    with Session.local() as session:
        session.query("Project").all()  # reads with the default set, ftorm.models
        with pytest.raises(ftorm.ModelSetError, match=r"ftorm\.models"):
            session.query(standard.Shot)


def test_a_mapping_still_works(standard: ModuleType) -> None:
    models: dict[str, Any] = {"Project": standard.Project, "Context": standard.Context}
    with Session.local(models=models) as session:
        session.create(standard.Project, name="p", full_name="P")
        session.commit()
        assert type(session.query("Project").one()) is standard.Project
        # Types the mapping lacks are built on its classes.
        assert issubclass(session.types["Shot"], standard.Context)
        with pytest.raises(ftorm.ModelSetError):
            session.query(ftorm.models.Project)


def test_the_default_stays_ftorm_models() -> None:
    with Session.local() as session:
        assert session.types["Shot"] is ftorm.models.Shot
        assert type(session.create("Project", name="p", full_name="P")) is ftorm.models.Project


def test_both_modules_in_a_fresh_interpreter(package_root: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(package_root)!r})
        from {PACKAGE} import recorded, standard
        import ftorm
        from ftorm.schema.load import load_schema_file
        from ftorm.session import Session

        assert recorded.Shot is not standard.Shot
        with Session.local(models=standard) as session:
            project = session.create(standard.Project, name="p", full_name="P")
            session.commit()
            assert type(session.query(standard.Project).one()) is standard.Project
        schema = load_schema_file({str(RECORDED)!r})
        with Session.local(schema=schema, models=recorded) as session:
            project = session.create(recorded.Project, name="p", full_name="P")
            session.commit()
            found = session.query(recorded.Project).one()
            sequence = session.create(recorded.Sequence, name="sq", parent=found)
            session.commit()
            assert isinstance(session.query("Sequence").one(), recorded.Sequence)
            try:
                session.query(standard.Shot)
            except ftorm.ModelSetError:
                pass
            else:
                raise AssertionError("mixing was not refused")
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
