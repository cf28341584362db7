"""Every error ftorm raises is an `ftorm.FtormError`: no module raises a bare builtin."""

from __future__ import annotations

import ast

from tests.paths import ROOT

BUILTINS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "LookupError", "Exception"}


def test_no_bare_builtin_exceptions_are_raised() -> None:
    found = []
    for path in sorted((ROOT / "ftorm").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(exc, ast.Name) and exc.id in BUILTINS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} raises {exc.id}")
    assert not found, "\n".join(found)
