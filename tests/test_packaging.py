"""The installed distribution: entry points, the typing marker, and an editable install that
type checkers can follow (a path entry, not an import hook)."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

import ftorm
from tests.paths import ROOT


@pytest.fixture(scope="module")
def distribution() -> metadata.Distribution:
    return metadata.distribution("ftorm")


def test_version_comes_from_the_package(distribution: metadata.Distribution) -> None:
    assert distribution.version == ftorm.__version__


def test_console_script_and_pytest_plugin_are_registered() -> None:
    scripts = {e.name: e.value for e in metadata.entry_points(group="console_scripts")}
    plugins = {e.name: e.value for e in metadata.entry_points(group="pytest11")}
    assert scripts.get("ftorm") == "ftorm.cli:main"
    assert plugins.get("ftorm") == "ftorm.pytest_plugin"


def test_the_package_is_marked_typed() -> None:
    assert (Path(ftorm.__file__).parent / "py.typed").is_file()


def test_an_editable_install_is_a_plain_path_entry(distribution: metadata.Distribution) -> None:
    direct_url = distribution.read_text("direct_url.json")
    if direct_url is None or not json.loads(direct_url).get("dir_info", {}).get("editable"):
        pytest.skip("ftorm is not installed in editable mode")
    files = [Path(str(f)) for f in distribution.files or []]
    path_files = [distribution.locate_file(f) for f in files if f.suffix == ".pth"]
    assert path_files, files
    for path_file in path_files:
        lines = Path(str(path_file)).read_text(encoding="utf-8").split()
        # An import hook would be an "import ..." line, which type checkers do not run.
        assert [Path(line).resolve() for line in lines] == [ROOT], lines
    assert not [f for f in files if f.suffix == ".py"], "an import hook module is installed"
