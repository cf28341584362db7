"""Imports flow one way between ftorm's layers (DESIGN.md section 2).

`ALLOWED` is the one statement of the layer order; docs/explanation/architecture.md draws it,
and `test_the_architecture_page_draws_the_layer_table` keeps the two in agreement.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

from tests.paths import ROOT

PACKAGE = ROOT / "ftorm"
ARCHITECTURE = ROOT / "docs" / "explanation" / "architecture.md"

# layer -> the layers it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "errors": {"_typing"},
    "_typing": set(),
    # Query literals write dates and datetimes with the wire's formatter
    # (ftorm.protocol.codec.format_datetime), so query text and JSON values never disagree;
    # protocol stays below query (operations carry query text, not the AST).
    "query": {"errors", "_typing", "protocol"},
    "schema": {"errors", "_typing"},
    "protocol": {"errors", "_typing"},
    "model": {"errors", "_typing", "query", "schema"},
    "transport": {"errors", "_typing", "protocol"},
    "server": {"errors", "_typing", "query", "schema", "protocol"},
    "session": {"errors", "_typing", "query", "schema", "protocol", "model", "transport", "models"},
    "models": {"model"},
    "events": {
        "errors",
        "_typing",
        "query",
        "schema",
        "protocol",
        "model",
        "transport",
        "session",
        "models",
    },
}
TOP = {"__init__", "__main__", "_embedded", "cli", "testing", "pytest_plugin", "clone"}
BASE = {"errors", "_typing"}  # every layer may import these; the picture leaves them out

TYPE_ONLY = {
    # ``Session.events`` is typed as the event hub client it returns; the client itself is
    # made through the factory ``import ftorm`` names (`ftorm.session.connect.provide_event_hub`),
    # so no import runs upward.
    ("ftorm.session.session", "events"),
    ("ftorm.session.aio", "events"),  # ``AsyncSession.events``, the same way
}
"""(module, layer above it) pairs allowed only under ``if TYPE_CHECKING:``."""


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _type_only(tree: ast.Module) -> set[int]:
    """The ids of the import nodes under a top-level ``if TYPE_CHECKING:``."""
    return {
        id(child)
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for child in ast.walk(node)
    }


def _imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_only(tree) if runtime_only else set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
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
        type_only = {target for name, target in TYPE_ONLY if name == module}
        runtime = _imports(path, runtime_only=True)
        for imported in _imports(path):
            target = _layer(imported)
            if target in allowed or (target in type_only and imported not in runtime):
                continue
            problems.append(f"{module} imports {imported} ({layer} -> {target})")
    assert not problems, "\n".join(problems)


def test_every_module_belongs_to_a_layer() -> None:
    layers = {_layer(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts))
              for p in PACKAGE.rglob("*.py")}  # fmt: skip
    assert layers <= set(ALLOWED) | TOP


def _drawn() -> tuple[list[set[str]], dict[str, set[str]]]:
    """The architecture page's picture: each row's layer names, top first, and the layers
    each one's arrow points to."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    picture = text.split("```\n", 2)[1]
    rows: list[set[str]] = []
    arrows: dict[str, set[str]] = {}
    for line in picture.splitlines():
        if line and not line[0].isspace():
            head = line.split("  ", 1)[0]
            rows.append({name.strip().removesuffix("/").removesuffix(".py")
                         for name in head.split(",")})  # fmt: skip
        if "->" in line:
            targets = line.split("->", 1)[1].split("(", 1)[0].split(";", 1)[0]
            for name in rows[-1]:
                arrows[name] = {target.strip() for target in targets.split(",")}
    return rows, arrows


def test_the_architecture_page_draws_the_layer_table() -> None:
    rows, arrows = _drawn()
    assert rows[0] == TOP
    assert rows[-1] == BASE
    row_of = {name: index for index, row in enumerate(rows) for name in row}
    assert set(row_of) - rows[0] == set(ALLOWED), "the picture draws other layers"
    for layer, allowed in ALLOWED.items():
        assert arrows.get(layer, set()) == allowed - BASE, f"{layer}'s arrow"
        below = [target for target in allowed - BASE if row_of[target] <= row_of[layer]]
        assert not below, f"{layer} imports {below}, drawn at or above it"


# --- no import circle inside a package ------------------------------------------------------

CIRCLES_ALLOWED: list[tuple[str, ...]] = [
    # being split: the session facade and the modules it delegates to import each other, and
    # so do the event hub client and its change subscriptions.
    ("ftorm.session.*",),
    ("ftorm.events.*",),
    # not broken yet: `Model`'s methods call the functions of these modules (state.not_loaded,
    # guard; relations.assign; paths.column_for; the default REGISTRY; namespace_of), and
    # those modules name `Model` in their public types: `state.Tracker` and
    # `custom.inheritance.InheritedSource`, which the session implements with ``obj: Model``
    # (a stand-in supertype would no longer admit those implementations),
    # ``CustomAttributes.source() -> Model | None`` (tests/typing/usage.py),
    # ``Registry.lookup() -> type[Model]``, ``Ref.target``. Breaking it means splitting each:
    # what base.py calls moves below it, typed with a stand-in, and what names `Model` stays
    # where it is importable now, above base.py.
    (
        "ftorm.model.attributes",
        "ftorm.model.base",
        "ftorm.model.custom.inheritance",
        "ftorm.model.custom.namespace",
        "ftorm.model.fields",
        "ftorm.model.paths",
        "ftorm.model.registry",
        "ftorm.model.relations",
        "ftorm.model.state",
    ),
]
"""Import circles inside one package that `test_no_import_circle_inside_a_package` lets
pass: a circle passes when each of its modules matches a pattern of one entry (fnmatch)."""


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(
        ".__init__"
    )


def _import_graph() -> dict[str, set[str]]:
    """Each ftorm module -> the ftorm modules it imports, wherever the import is written (at
    module level, under ``if TYPE_CHECKING:``, inside a function). ``from a import b`` is an
    import of the module ``a.b`` when there is one, else of ``a``."""
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        is_package = path.name == "__init__.py"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = module.split(".")
                    keep = len(parts) - node.level + (1 if is_package else 0)
                    base = ".".join([*parts[:keep], *([base] if base else [])])
                for alias in node.names:
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base)
        graph[module] = {name for name in found if name in paths and name != module}
    return graph


def _package(module: str) -> str:
    """The top-level package a module belongs to: ``ftorm.model`` for
    ``ftorm.model.custom.namespace``; ``ftorm`` for the modules directly in it."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or (PACKAGE / parts[-1]).is_dir() else "ftorm"


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of two or more modules, following only imports between
    modules of one package."""
    same = {m: {t for t in targets if _package(t) == _package(m)} for m, targets in graph.items()}
    reach: dict[str, set[str]] = {}
    for start in same:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for target in same[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        reach[start] = seen
    groups: list[set[str]] = []
    for module in sorted(same):
        group = {module} | {other for other in reach[module] if module in reach[other]}
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def _allowed(circle: set[str]) -> bool:
    return any(
        all(any(fnmatch(module, pattern) for pattern in entry) for module in circle)
        for entry in CIRCLES_ALLOWED
    )


def test_no_import_circle_inside_a_package() -> None:
    problems = [
        "import circle: " + ", ".join(sorted(circle))
        for circle in _circles(_import_graph())
        if not _allowed(circle)
    ]
    assert not problems, "\n".join(problems)


def test_the_circle_check_sees_every_kind_of_import() -> None:
    # The graph counts imports under TYPE_CHECKING and inside functions, and names the
    # submodule ``from package import module`` imports.
    graph = _import_graph()
    assert "ftorm.query.render" in graph["ftorm.query"]  # ``from ftorm.query import render``
    assert "ftorm.model.base" in graph["ftorm.model.registry"]  # TYPE_CHECKING and local
    assert "ftorm.server.wsgi" in graph["ftorm.server.handlers"]  # inside Server.app
    circle = {"ftorm.query.a", "ftorm.query.b"}
    assert _circles({"ftorm.query.a": {"ftorm.query.b"}, "ftorm.query.b": {"ftorm.query.a"}}) == [
        circle
    ]
    assert not _allowed(circle)
    assert _allowed({"ftorm.session.a", "ftorm.session.b"})
    # imports between packages are the layer table's business, not this check's
    assert _circles({"ftorm.query.a": {"ftorm.model.b"}, "ftorm.model.b": {"ftorm.query.a"}}) == []


def test_the_async_session_modules_import_one_way() -> None:
    # `CIRCLES_ALLOWED` still lets ``ftorm.session.*`` hold circles; the asynchronous
    # session's modules hold none: aio.py imports aio_query.py and aio_bridge.py, and neither
    # reaches aio.py back, nor each other, through any import (under TYPE_CHECKING included).
    graph = _import_graph()
    helpers = {"ftorm.session.aio_query", "ftorm.session.aio_bridge"}
    assert helpers <= graph["ftorm.session.aio"]
    for helper in helpers:
        reached: set[str] = set()
        todo = [helper]
        while todo:
            for target in graph[todo.pop()] - reached:
                reached.add(target)
                todo.append(target)
        assert not reached & {"ftorm.session.aio", *helpers}, helper
