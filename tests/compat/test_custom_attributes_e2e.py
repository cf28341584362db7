"""Custom attributes end to end, over HTTP, on the recorded 116-type schema.

``ftorm serve`` runs with the recorded schema; configurations are created (a number, a text
and an enumerator for shots, one hierarchical date); ``ftorm generate --server`` writes a
model package, which passes ``mypy --strict`` and pyright strict; a fresh
interpreter imports it, sets values through ``shot.custom``, commits them in one request, reads
them back in a fresh session through ``shot.custom`` and ``shot["custom_attributes"]`` and
filters with ``Shot.where(Shot.custom.fstart >= ...)``. Where the official client is installed
(``tests/compat/run.sh``), it reads the same values through ``shot["custom_attributes"]`` and
writes one that ftorm reads back.

Every ftorm step runs in ftorm's own environment (``FTORM_PYTHON``, default this interpreter
when it has ftorm), so the module runs in the main suite and in the compatibility one.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from compat_serve import RECORDED_SCHEMA, client, ftorm_python, serving

from tests.generated_checks import pyright_env
from tests.skip_policy import import_official_client

API_USER = "e2e-user"
API_KEY = "e2e-" + uuid.uuid4().hex

pytestmark = pytest.mark.http


def _env(url: str, pythonpath: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "FTRACK_SERVER": url,
        "FTRACK_API_USER": API_USER,
        "FTRACK_API_KEY": API_KEY,
    }
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def _run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _script(python: str, code: str, env: dict[str, str], cwd: Path) -> Any:
    """Run ``code`` in a fresh interpreter; its last stdout line, read as JSON."""
    out = _run([python, "-c", textwrap.dedent(code)], env, cwd)
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with serving(API_USER, API_KEY, "--schema", str(RECORDED_SCHEMA)) as url:
        yield url


CONFIGURE = """
    import json
    import ftorm
    from ftorm.models import (
        CustomAttributeConfiguration, CustomAttributeType, ObjectType, Project, Sequence, Shot,
    )

    session = ftorm.Session()
    types = {t.name: t for t in session.query(CustomAttributeType).all()}
    shot_type = session.query(ObjectType).where(name="Shot").one()
    for key, kind, entity_type, extra in (
        ("fstart", "number", "task", {"object_type": shot_type, "default": 1001}),
        ("notes", "text", "task", {"object_type": shot_type, "default": ""}),
        ("vendors", "enumerator", "task", {"object_type": shot_type}),
        ("delivery", "date", "show", {"is_hierarchical": True}),
    ):
        session.create(
            CustomAttributeConfiguration, key=key, label=key.title(), type=types[kind],
            entity_type=entity_type, config="{}", **extra,
        )
    project = session.create(Project, name="e2e", full_name="End to end")
    sequence = session.create(Sequence, name="sq01", parent=project)
    for name in ("sh010", "sh020"):
        session.create(Shot, name=name, parent=sequence)
    session.commit()
    print(json.dumps(sorted(types)))
"""

USE = """
    import json
    import arrow
    import ftorm
    import studio.models as studio

    session = ftorm.Session(models=studio)
    project = session.query(studio.Project).where(name="e2e").one()
    sequence = session.query(studio.Sequence).where(name="sq01").one()
    made = session.create(studio.Sequence, name="sq02", parent=project)
    assert isinstance(project, studio.Project) and isinstance(made.parent, studio.Project)
    shot = session.query(studio.Shot).where(name="sh010").one()
    assert isinstance(shot, studio.Shot)
    default = shot.custom.fstart
    shot.custom.fstart = 1010
    shot.custom.notes = "hero shot"
    shot.custom.vendors = ["acme"]
    sequence.custom.delivery = arrow.get("2027-03-04T00:00:00")
    before = session.stats.requests
    session.commit()
    commit_requests = session.stats.requests - before

    fresh = ftorm.Session(models=studio)
    again = fresh.query(studio.Shot).where(name="sh010").one()
    mapping = again["custom_attributes"]
    found = fresh.query(studio.Shot.where(studio.Shot.custom.fstart >= 1005)).all()
    seq = fresh.query(studio.Sequence).where(name="sq01").one()
    print(json.dumps({
        "default": default,
        "commit_requests": commit_requests,
        "fstart": again.custom.fstart,
        "notes": again.custom.notes,
        "vendors": again.custom.vendors,
        "mapping": {key: mapping[key] for key in ("fstart", "notes", "vendors")},
        "filtered": sorted(s.name for s in found),
        "delivery": seq.custom.delivery.date().isoformat(),
        "instances": all(isinstance(s, studio.Shot) for s in found),
    }))
"""


@pytest.fixture(scope="module")
def generated(served: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Configurations created, the model package generated: its parent folder."""
    python = ftorm_python()
    folder = tmp_path_factory.mktemp("studio")
    types = _script(python, CONFIGURE, _env(served), folder)
    assert {"number", "text", "enumerator", "date"} <= set(types)
    package = folder / "studio"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    _run(
        [python, "-m", "ftorm", "generate", "--server", served, "-o", str(package / "models.py")],
        _env(served),
        folder,
    )
    return folder


def test_generated_module_is_typed(generated: Path) -> None:
    source = (generated / "studio" / "models.py").read_text(encoding="utf-8")
    assert "fstart: CustomAttr[int | None]" in source
    assert "vendors: CustomAttr[list[str] | None]" in source
    assert "delivery: CustomAttr[arrow.Arrow | None]" in source
    python = ftorm_python()
    bin_dir = Path(python).parent
    mypy = bin_dir / "mypy"
    assert mypy.exists(), f"{python} has no mypy: install ftorm with its test extra"
    _run(
        [str(mypy), "--strict", "--no-incremental", "--cache-dir", os.devnull, "studio/models.py"],
        dict(os.environ),
        generated,
    )
    pyright = bin_dir / "pyright"
    assert pyright.exists(), f"{python} has no pyright: install ftorm with its test extra"
    config = generated / "pyrightconfig.json"
    config.write_text(json.dumps({"typeCheckingMode": "strict"}), encoding="utf-8")
    _run([str(pyright), "--pythonpath", python, "studio/models.py"], pyright_env(), generated)


@pytest.fixture(scope="module")
def used(served: str, generated: Path) -> dict[str, Any]:
    """What the ``USE`` script saw (run once)."""
    result: dict[str, Any] = _script(ftorm_python(), USE, _env(served, generated), generated)
    return result


def test_set_commit_read_filter(used: dict[str, Any]) -> None:
    result = used
    assert result["default"] == 1001
    assert result["commit_requests"] == 1
    assert result["fstart"] == 1010
    assert result["notes"] == "hero shot"
    assert result["vendors"] == ["acme"]
    assert result["mapping"] == {"fstart": 1010, "notes": "hero shot", "vendors": ["acme"]}
    assert result["filtered"] == ["sh010"]
    assert result["delivery"] == "2027-03-04"
    assert result["instances"]


def test_the_official_client_reads_and_writes_the_same_values(
    served: str, generated: Path, used: dict[str, Any]
) -> None:
    import_official_client()
    assert used["fstart"] == 1010
    session = client(served, API_USER, API_KEY)  # no schema cache file, no plugins
    try:
        shot = session.query('Shot where name is "sh010"').one()
        assert shot["custom_attributes"]["fstart"] == 1010
        assert shot["custom_attributes"]["notes"] == "hero shot"
        assert list(shot["custom_attributes"]["vendors"]) == ["acme"]
        other = session.query('Shot where name is "sh020"').one()
        assert other["custom_attributes"]["fstart"] == 1001  # the default
        other["custom_attributes"]["fstart"] = 1020
        session.commit()
    finally:
        session.close()
    read = """
        import json
        import ftorm
        import studio.models as studio
        shot = ftorm.Session(models=studio).query(studio.Shot).where(name="sh020").one()
        print(json.dumps(shot.custom.fstart))
    """
    assert _script(ftorm_python(), read, _env(served, generated), generated) == 1020
