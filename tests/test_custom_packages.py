"""Custom attributes live in one ``custom`` package per layer, whose module names state their
jobs (docs/explanation/architecture.md, "Custom attributes"); the entity type names they
share are written once."""

from __future__ import annotations

import ast
import importlib

import pytest

import ftorm.model
import ftorm.model.custom
import ftorm.model.inherited
from ftorm.schema.custom.rules import CONFIGURATION_TYPE, KIND_TYPE, VALUE_SUFFIX
from tests.paths import ROOT

PACKAGE = ROOT / "ftorm"
ARCHITECTURE = ROOT / "docs" / "explanation" / "architecture.md"
LAYERS = ("schema", "model", "session", "server")


def _modules(layer: str) -> list[str]:
    folder = PACKAGE / layer / "custom"
    return sorted(path.stem for path in folder.glob("*.py") if path.stem != "__init__")


@pytest.mark.parametrize("layer", LAYERS)
def test_each_package_says_what_its_modules_do_and_where_the_rest_is(layer: str) -> None:
    doc = importlib.import_module(f"ftorm.{layer}.custom").__doc__ or ""
    assert _modules(layer), f"ftorm/{layer}/custom/ holds no module"
    for module in _modules(layer):
        assert f"`ftorm.{layer}.custom.{module}`" in doc, f"{layer}: {module} is not described"
    for other in LAYERS:
        if other != layer:
            assert f"`ftorm.{other}.custom`" in doc, f"{layer}: {other}'s part is not named"


def test_the_architecture_page_lists_every_module() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("\n## Custom attributes\n", 1)[1].split("\n## ", 1)[0]
    for layer in LAYERS:
        for module in _modules(layer):
            assert f"`{layer}/custom/{module}.py`" in section, f"{layer}/custom/{module}.py"


def test_no_custom_attribute_module_lies_beside_the_packages() -> None:
    assert sorted(PACKAGE.glob("*/custom_*.py")) == []
    assert sorted(PACKAGE.glob("*/custom.py")) == []


def test_documented_names_import_from_where_the_docs_name_them() -> None:
    """docs/reference/models.md: the custom attribute names in ``ftorm.model.custom`` (and
    the model front door), `InheritedPath` in ``ftorm.model.inherited`` too."""
    custom = ftorm.model.custom
    for name in custom.__all__:
        found = getattr(custom, name)
        assert found.__module__.startswith("ftorm.model.custom."), name
        if name in ftorm.model.__all__:
            assert getattr(ftorm.model, name) is found, name
    assert ftorm.model.inherited.InheritedPath is custom.InheritedPath


def test_the_entity_type_names_are_written_once() -> None:
    """``CustomAttributeConfiguration``, ``CustomAttributeType`` and ``CustomAttributeValue``
    are literals only in their homes; the standard schema's text and the generated models
    name them as data."""
    homes = {
        CONFIGURATION_TYPE: "ftorm/schema/custom/rules.py",
        KIND_TYPE: "ftorm/schema/custom/rules.py",
        VALUE_SUFFIX: "ftorm/schema/hierarchy.py",
    }
    restated = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name == "ftorm/models.py" or name.startswith("ftorm/schema/_standard_spec/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and homes.get(node.value, name) != name:
                restated.append(f"{name}:{node.lineno}: {node.value!r}")
    assert restated == []
