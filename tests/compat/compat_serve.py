"""Starting ``ftorm serve`` for the compatibility tests, from ftorm's own environment.

The official client pins ``arrow<1``, so its tests run in a second virtual environment
(``tests/compat/run.sh``) while ``ftorm serve`` runs from ftorm's (``FTORM_PYTHON``, default
the project's ``.venv``, else this interpreter when it has ftorm). Imported by the sibling
test modules by name (this folder is not a package); it never imports ``ftrack_api``, so the
modules that do not need the client also run in the main suite.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.paths import RECORDED_SCHEMA, ROOT


def ftorm_python() -> str:
    """A Python with ftorm installed (skips the test when there is none)."""
    configured = os.environ.get("FTORM_PYTHON")
    if configured:
        return configured
    candidate = ROOT / ".venv" / "bin" / "python"
    if candidate.exists():
        return str(candidate)
    try:
        import ftorm  # noqa: F401
    except ImportError:
        pytest.skip("set FTORM_PYTHON to a Python with ftorm installed")
    return sys.executable


def ftorm_command(*arguments: str) -> list[str]:
    """``ftorm <arguments>`` run by `ftorm_python`."""
    return [
        ftorm_python(),
        "-c",
        "import sys; from ftorm.cli import main; sys.exit(main())",
        *arguments,
    ]


def start(api_user: str, api_key: str, *arguments: str) -> tuple[subprocess.Popen[str], str]:
    """``ftorm serve`` on a free loopback port with ``arguments``; the process and its address.

    Waits (at most 60 s) for the ``export FTRACK_SERVER=...`` banner; raises when the server
    exits or prints none.
    """
    command = ftorm_command(
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--api-user",
        api_user,
        "--api-key",
        api_key,
        *arguments,
    )
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=str(ROOT)
    )
    timer = threading.Timer(60, process.kill)  # bounded wait for the banner
    timer.start()
    url = None
    seen: list[str] = []
    try:
        assert process.stdout is not None
        for _ in range(50):
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith("export FTRACK_SERVER="):
                url = line.split("=", 1)[1].strip()
                break
    finally:
        timer.cancel()
    if url is None:
        stop(process)
        raise RuntimeError("ftorm serve did not start:\n" + "".join(seen))
    return process, url


def stop(process: subprocess.Popen[str]) -> None:
    """End a server `start` started (terminate, then kill if it lingers)."""
    process.terminate()
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate(timeout=10)


@contextlib.contextmanager
def serving(api_user: str, api_key: str, *arguments: str) -> Iterator[str]:
    """`start` as a context: the address, the server stopped on exit."""
    process, url = start(api_user, api_key, *arguments)
    try:
        yield url
    finally:
        stop(process)


SCHEMAS = ("standard", "recorded")
"""The schemas the client's tests run on: ftorm's standard one and the recorded 116 types."""


def served_schema(name: str, api_user: str, api_key: str) -> Iterator[str]:
    """For a module fixture parametrized by `SCHEMAS`: ``ftorm serve`` on that schema (the
    recorded one is ``tests/data``'s); its address."""
    arguments: list[str] = []
    if name == "recorded":
        arguments = ["--schema", str(RECORDED_SCHEMA)]
    with serving(api_user, api_key, *arguments) as url:
        yield url


def client(url: str, api_user: str, api_key: str) -> Any:
    """An official-client session on ``url`` (no event hub, no schema cache, no plugins)."""
    import ftrack_api

    return ftrack_api.Session(
        server_url=url,
        api_user=api_user,
        api_key=api_key,
        auto_connect_event_hub=False,
        schema_cache_path=False,
        plugin_paths=[],
    )
