"""Imports flow one way between ftorm's layers (DESIGN.md section 2)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT

PACKAGE = ROOT / "ftorm"

# layer -> the layers it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "errors": {"_typing"},
    "_typing": set(),
    # Query literals write dates and datetimes with the wire's formatter
    # (ftorm.protocol.codec.format_datetime), so query text and JSON values never disagree;
    # protocol stays below query (operations carry query text, not the AST).
    "query": {"errors", "_typing", "protocol"},
    "schema": {"errors", "_typing"},
    "protocol": {"errors", "_typing", "schema"},
    "model": {"errors", "_typing", "query", "schema"},
    "transport": {"errors", "_typing", "protocol"},
    "server": {"errors", "_typing", "query", "schema", "protocol"},
    "session": {"errors", "_typing", "query", "schema", "protocol", "model", "transport", "models"},
    "models": {"model"},
}
TOP = {"__init__", "__main__", "cli", "testing", "pytest_plugin", "clone"}

# Deliberate, documented exceptions: (importing module, imported layer).
EXCEPTIONS = {
    # Session.local() starts an embedded server in-process (imported inside the function),
    # and Session.local_server names its class for type checkers only.
    ("ftorm.session.connect", "server"),
    ("ftorm.session.session", "server"),
    ("ftorm.session.aio", "server"),
    # The in-process transport names the server class for type checkers only.
    ("ftorm.transport.inprocess", "server"),
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "ftorm" or name.startswith("ftorm.")}


def test_imports_flow_one_way() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        layer = _layer(module)
        if layer in TOP:
            continue
        allowed = ALLOWED[layer] | {layer}
        for imported in _imports(path):
            target = _layer(imported)
            if target in allowed or (module, target) in EXCEPTIONS:
                continue
            problems.append(f"{module} imports {imported} ({layer} -> {target})")
    assert not problems, "\n".join(problems)


def test_every_module_belongs_to_a_layer() -> None:
    layers = {_layer(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts))
              for p in PACKAGE.rglob("*.py")}  # fmt: skip
    assert layers <= set(ALLOWED) | TOP
