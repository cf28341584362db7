"""A clone compared with its source through the official client (``ftrack-python-api``).

Issue 13 asks that a project copied by ``ftorm clone`` be compared with its source "through
the official client as well as through ftorm"; ``tests/clone/test_clone.py`` does the ftorm
half. This module does the other: in ftorm's environment (``FTORM_PYTHON``) it writes a
workspace with a generated show (``benchmarks.project_data.populate``: contexts, tasks,
assets, versions, file and container components in two locations, notes with recipients,
time logs, appointments, status changes, lists, links, metadata, custom attribute values) on
the recorded 116-type schema, serves it with ``ftorm serve``, runs ``ftorm clone`` over HTTP
into a new workspace, serves the copy with ``ftorm serve --db``, and connects
``ftrack_api.Session`` to both. For every type the client knows, every entity of the copy
is read from both servers with every attribute the client can project, and compared
attribute by attribute: scalars by value, references by the referred entity's type and
primary key, collections by the set of their members' keys, mapped collections (metadata,
custom attributes) by their key -> value pairs. The kinds the clone copies in full must
have the same entities on both sides. A second clone is stopped partway (its connection
drops), refused by ``ftorm serve``, resumed with ``ftorm clone --resume`` and compared the
same way.

Runs in the compatibility environment (``tests/compat/run.sh VENV``); skipped where the
client is not installed.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.skip_policy import import_official_client

ftrack_api = import_official_client()

from compat_serve import (  # noqa: E402  (a sibling module, after the skip)
    RECORDED_SCHEMA,
    ROOT,
    client,
    ftorm_command,
    ftorm_python,
    serving,
)

from benchmarks.project_data import COPIED_IN_FULL  # noqa: E402

API_USER = "clone-compat-user"
API_KEY = "clone-compat-" + uuid.uuid4().hex
ENTITIES = 1500
"""About how many entities the generated show has."""

pytestmark = pytest.mark.http

CONTEXTS = ("Project", "Episode", "Sequence", "Shot", "Task", "Milestone", "AssetBuild")
"""The show's contexts (the other project's are left out of the comparison)."""
# The kinds the show has in full (its contexts, and `COPIED_IN_FULL`) must hold the same
# entities in source and copy, and none may be empty. Of the other kinds the copy holds a
# subset (what the show refers to), which the attribute-by-attribute comparison checks.

NOT_PROJECTED = {
    # Computed from the address of the server that answers (``http://127.0.0.1:<port>/...``):
    # the two servers listen on different ports, so the values differ by construction.
    "thumbnail_url",
    "url",
    # A keyword of the query language: ``ftorm serve`` refuses ``select from, ...`` with a
    # ValidationError. The link types' ``from`` reference is compared through ``from_id``.
    "from",
}
"""Attributes the client builds that the comparison leaves out, each with its reason. (The
client builds no attribute for the schema's ``restricted_projection`` ones, which servers
refuse to project, so those are left out too.)"""


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=str(ROOT),
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _write_source(database: Path) -> None:
    """A workspace with the generated show, written in ftorm's environment."""
    code = f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from benchmarks.project_data import populate
        from ftorm.schema.load import load_schema_file
        from ftorm.server.handlers import Server

        server = Server(
            load_schema_file({str(RECORDED_SCHEMA)!r}),
            database={str(database)!r},
            api_user={API_USER!r},
            api_key={API_KEY!r},
        )
        try:
            populate(server, entities={ENTITIES})
        finally:
            server.close()
    """
    _run([ftorm_python(), "-c", textwrap.dedent(code)])


def _serving(*arguments: str) -> contextlib.AbstractContextManager[str]:
    """``ftorm serve`` with ``arguments`` on a free port; its address."""
    return serving(API_USER, API_KEY, "--log-level", "warning", *arguments)


def _session(url: str) -> Any:
    return client(url, API_USER, API_KEY)


def _interrupt_clone(source_url: str, database: Path) -> None:
    """A clone of the show stopped partway (its connection fails after a few requests),
    run in ftorm's environment."""
    code = f"""
        from ftorm.clone import clone
        from ftorm.transport.http import HttpTransport

        transport = HttpTransport({source_url!r}, {API_USER!r}, {API_KEY!r})
        sent = 0

        def call(operations):
            global sent
            sent += 1
            if sent > 4:
                raise ConnectionError("the connection dropped")
            return transport.call(operations)

        try:
            clone(call, {str(database)!r}, ["show"], page_size=200)
        except ConnectionError:
            print("interrupted")
    """
    assert "interrupted" in _run([ftorm_python(), "-c", textwrap.dedent(code)])


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, Any]]:
    """Official-client sessions on the source, on its clone, and on a clone that was
    interrupted and then resumed."""
    folder = tmp_path_factory.mktemp("clone-compat")
    source_db, copy_db, resumed_db = folder / "source.db", folder / "copy.db", folder / "re.db"
    _write_source(source_db)
    with _serving("--db", str(source_db), "--schema", str(RECORDED_SCHEMA)) as source_url:
        env = {
            **os.environ,
            "FTRACK_SERVER": source_url,
            "FTRACK_API_USER": API_USER,
            "FTRACK_API_KEY": API_KEY,
        }
        out = _run(
            ftorm_command(
                "clone", "--server", source_url, "--project", "show", "--db", str(copy_db)
            ),
            env,
        )
        assert "requests to the source" in out
        _interrupt_clone(source_url, resumed_db)
        refused = subprocess.run(
            ftorm_command("serve", "--db", str(resumed_db), "--port", "0", "--api-key", "k"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert refused.returncode == 2
        assert "--resume" in refused.stderr
        _run(ftorm_command("clone", "--resume", "--db", str(resumed_db)), env)
        with (
            _serving("--db", str(copy_db)) as copy_url,
            _serving("--db", str(resumed_db)) as resumed_url,
        ):
            opened = [_session(url) for url in (source_url, copy_url, resumed_url)]
            try:
                yield opened[0], opened[1], opened[2]
            finally:
                for session in opened:
                    session.close()


Key = tuple[str, ...]


def _key(entity: Any) -> Key:
    return tuple(str(value) for value in ftrack_api.inspection.primary_key(entity).values())


def _identity(entity: Any) -> tuple[str, Key] | None:
    return None if entity is None else (entity.entity_type, _key(entity))


def _attributes(session: Any, type_name: str) -> list[tuple[str, str]]:
    """(name, kind) of each attribute of ``type_name`` compared: every attribute the
    client builds (it leaves out ``restricted_projection`` ones, which the server refuses
    to project), except `NOT_PROJECTED`."""
    found = []
    for attribute in session.types[type_name].attributes:
        name = attribute.name
        if name in NOT_PROJECTED:
            continue
        if isinstance(attribute, ftrack_api.attribute.ScalarAttribute):
            found.append((name, "scalar"))
        elif isinstance(attribute, ftrack_api.attribute.ReferenceAttribute):
            found.append((name, "reference"))
        elif isinstance(attribute, ftrack_api.attribute.AbstractCollectionAttribute):
            mapped = isinstance(
                attribute,
                (
                    ftrack_api.attribute.KeyValueMappedCollectionAttribute,
                    ftrack_api.attribute.CustomAttributeCollectionAttribute,
                ),
            )
            found.append((name, "mapping" if mapped else "collection"))
    return sorted(found)


def _value(entity: Any, name: str, kind: str) -> Any:
    value = entity[name]
    if value is ftrack_api.symbol.NOT_SET:
        return value
    if kind == "reference":
        return _identity(value)
    if kind == "collection":
        return sorted(_identity(member) for member in value)
    if kind == "mapping":  # its members; the mapping itself is read by `_mapping`
        return sorted(_identity(member) for member in value.collection)
    return value


def _mapping(entity: Any, name: str) -> list[tuple[str, str]]:
    """A mapped collection as the client maps it (metadata, custom attributes on this
    schema): its members' (key, value) pairs, sorted, loading what the projection left
    out."""
    proxy = entity[name]
    pairs = (
        (member[proxy.key_attribute], member[proxy.value_attribute]) for member in proxy.collection
    )
    return sorted((repr(key), repr(value)) for key, value in pairs)


def _snapshot(
    session: Any, type_name: str, attributes: list[tuple[str, str]], criteria: str = ""
) -> dict[Key, dict[str, Any]]:
    """Every entity of exactly ``type_name`` (not its subtypes), by primary key: the value
    of each attribute as the server projected it (no lazy loading), and the mapped
    collections as the client shows them (``<name> as mapping``)."""
    names = ", ".join(name for name, _ in attributes)
    entities = session.query(f"select {names} from {type_name}{criteria}").all()
    entities = [entity for entity in entities if entity.entity_type == type_name]
    found = {}
    with session.auto_populating(False):
        for entity in entities:
            found[_key(entity)] = {name: _value(entity, name, kind) for name, kind in attributes}
    for entity in entities:
        for name, kind in attributes:
            if kind == "mapping":
                found[_key(entity)][f"{name} as mapping"] = _mapping(entity, name)
    return found


def _differences(source: Any, copy: Any) -> tuple[list[str], int]:
    """Every difference between ``copy`` and ``source`` (type, key, attribute, both values),
    and how many entities were compared."""
    assert copy.server_information["schema_hash"] == source.server_information["schema_hash"]
    assert sorted(copy.types) == sorted(source.types)
    differences: list[str] = []
    compared = 0
    for type_name in sorted(copy.types):
        attributes = _attributes(copy, type_name)
        assert attributes == _attributes(source, type_name), type_name
        mine = _snapshot(copy, type_name, attributes)
        if not mine:
            continue
        theirs = _snapshot(source, type_name, attributes)
        for key, entity in sorted(mine.items()):
            if key not in theirs:
                differences.append(f"{type_name} {key}: not in the source")
                continue
            for name, value in entity.items():
                if value is ftrack_api.symbol.NOT_SET:
                    differences.append(f"{type_name} {key} {name}: not projected by the copy")
                elif value != theirs[key][name]:
                    differences.append(
                        f"{type_name} {key} {name}: source {theirs[key][name]!r}, copy {value!r}"
                    )
            compared += 1
    return differences, compared


def test_every_entity_of_the_clone_equals_its_source(sessions: tuple[Any, Any, Any]) -> None:
    source, copy, _ = sessions
    differences, compared = _differences(source, copy)
    assert not differences, f"{len(differences)} differences:\n" + "\n".join(differences[:40])
    assert compared > ENTITIES * 0.8


def test_an_interrupted_then_resumed_clone_equals_its_source(
    sessions: tuple[Any, Any, Any],
) -> None:
    source, copy, resumed = sessions
    differences, compared = _differences(source, resumed)
    assert not differences, f"{len(differences)} differences:\n" + "\n".join(differences[:40])
    assert compared == _differences(source, copy)[1]


def test_the_copied_kinds_are_complete(sessions: tuple[Any, Any, Any]) -> None:
    source, copy, _ = sessions
    elsewhere = source.query('select id from Project where name is "elsewhere"').one()["id"]
    for type_name in (*CONTEXTS, *COPIED_IN_FULL):
        primary = [(name, "scalar") for name in source.types[type_name].primary_key_attributes]
        theirs = set(_snapshot(source, type_name, primary))
        if type_name == "Project":
            theirs.discard((elsewhere,))
        elif source.types[type_name].attributes.get("project_id") is not None:
            theirs -= set(
                _snapshot(source, type_name, primary, f' where project_id is "{elsewhere}"')
            )
        assert theirs, f"the generated show has no {type_name}"
        assert set(_snapshot(copy, type_name, primary)) == theirs, type_name
