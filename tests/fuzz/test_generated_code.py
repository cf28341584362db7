"""`ftorm generate` on hostile schemas: a clear refusal, or a module that runs nothing.

Every string a schema, a custom attribute file or a server supplies (type ids, property names,
``type``, ``format``, ``alias_for``, ``enum``, defaults, configuration keys, types and labels)
is drawn from arbitrary text. For each draw, `generate_module` either raises `SchemaError`, or
writes a module whose syntax tree holds nothing that could run at import: only imports, class
definitions, assignments and docstrings at the top level, and inside classes only annotated
field declarations whose calls are ftorm's field specifiers with literal arguments. The modules
written are then imported, and type-checked with ``mypy --strict`` in one run.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftorm.errors import SchemaError
from ftorm.model.dynamic import build_models
from ftorm.schema.codegen import generate_module
from ftorm.schema.custom.configurations import Configuration, from_record
from ftorm.schema.load import load_schema
from ftorm.schema.types import Schema
from tests.generated_checks import mypy_strict

# --- strategies --------------------------------------------------------------------------

_PAYLOADS = st.sampled_from(
    [
        'x"""\nimport os; os.system("echo pwned")\n"""',
        '""+__import__("os").system("echo pwned")+""',
        "\\",
        '"',
        "'''",
        "\x00",
        "\ud800",
        "\u2028",
        "x²",
        "Ｔhing",  # noqa: RUF001 - the full-width letter is the point
        "ﬁle",
        "class",
        "__import__",
        "a\nb",
        "",
    ]
)
_TEXT = st.one_of(_PAYLOADS, st.text(max_size=12), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}"))
_IDENTIFIER = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,6}\Z")
_NAME = st.one_of(_IDENTIFIER, _IDENTIFIER, _IDENTIFIER, _TEXT)
"""Mostly plausible names, so that most schemas get as far as being written."""
_JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _TEXT,
)
_VALUE = st.one_of(
    _JSON_SCALAR,
    st.lists(_JSON_SCALAR, max_size=2),
    st.dictionaries(_TEXT, _JSON_SCALAR, max_size=1),
)


def _values_document(type_id: str) -> dict[str, Any]:
    """The schema of a type holding custom attribute values."""
    return {
        "id": type_id,
        "type": "object",
        "primary_key": ["configuration_id", "entity_id"],
        "properties": {
            "configuration_id": {"type": "string"},
            "entity_id": {"type": "string"},
            "key": {"type": "string"},
            "value": {"type": "variable"},
        },
    }


@st.composite
def _property(draw: st.DrawFn, type_ids: list[str]) -> dict[str, Any]:
    fragment: dict[str, Any] = {}
    shape = draw(st.sampled_from(["scalar", "ref", "array", "mapped"]))
    if shape == "scalar":
        fragment["type"] = draw(
            st.one_of(
                st.sampled_from(["string", "integer", "number", "boolean", "variable"]), _TEXT
            )
        )
    elif shape == "ref":
        fragment["$ref"] = draw(st.sampled_from(type_ids))
    else:
        fragment["type"] = draw(st.sampled_from(["array", "mapped_array"]))
        fragment["items"] = {"$ref": draw(st.sampled_from(type_ids))}
    for key, value in (
        ("format", _TEXT),
        ("alias_for", _TEXT),
        ("enum", st.lists(_JSON_SCALAR, max_size=3)),
        ("default", _VALUE),
    ):
        if draw(st.integers(0, 2)) == 0:
            fragment[key] = draw(value)
    return fragment


@st.composite
def schema_documents(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A few entity types, every name and string of them arbitrary text."""
    type_ids = draw(st.lists(_NAME, min_size=1, max_size=3, unique=True))
    documents: list[dict[str, Any]] = []
    for type_id in type_ids:
        names = draw(st.lists(_NAME, max_size=3, unique=True))
        properties = {"id": {"type": "string", "default": "{uid}"}}
        for name in names:
            properties[name] = draw(_property(type_ids))
        document: dict[str, Any] = {
            "id": type_id,
            "type": "object",
            "primary_key": ["id"],
            "properties": properties,
        }
        if draw(st.booleans()):
            document["alias_for"] = draw(st.one_of(_TEXT, st.fixed_dictionaries({"id": _TEXT})))
        if draw(st.booleans()):
            custom = f"{type_id}CustomAttributeValue"
            properties["custom_attributes"] = {"type": "array", "items": {"$ref": custom}}
            documents.append(_values_document(custom))
        documents.append(document)
    return documents


configuration_records = st.lists(
    st.fixed_dictionaries(
        {
            "id": _IDENTIFIER,
            "key": _TEXT,
            "type": st.one_of(st.sampled_from(["number", "text", "boolean", "date"]), _TEXT),
            "entity_type": st.sampled_from(["show", "task", "assetversion", "user"]),
            "is_hierarchical": st.booleans(),
            "label": _TEXT,
            "default": _VALUE,
            "config": st.sampled_from(['{"isdecimal": true}', "{}", ""]),
        }
    ),
    max_size=4,
)


# --- what a module may hold --------------------------------------------------------------

_SPECIFIERS = frozenset({"attr", "ref", "many", "custom_attr", "custom_namespace", "Registry"})
_LITERALS = (ast.Constant, ast.List, ast.Tuple, ast.UnaryOp, ast.keyword)


def _literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_literal(item) for item in node.elts)
    return False


def _call_is_safe(call: ast.Call, names: set[str]) -> bool:
    if not (isinstance(call.func, ast.Name) and call.func.id in _SPECIFIERS):
        return False
    arguments = [*call.args, *(k.value for k in call.keywords)]
    # Literals, or a name the module binds (``new_id``, a namespace class, ``__name__``).
    return all(
        _literal(a) or (isinstance(a, ast.Name) and (a.id in names or a.id == "__name__"))
        for a in arguments
    )


def assert_runs_nothing(source: str) -> None:
    """The module's syntax tree holds declarations only: nothing runs when it is imported."""
    tree = ast.parse(source)
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    imported = {
        alias.asname or alias.name
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for alias in n.names
    }
    names = classes | imported
    for node in tree.body:
        if isinstance(node, ast.Expr):
            assert isinstance(node.value, ast.Constant), ast.dump(node)
        elif isinstance(node, ast.ImportFrom):
            assert node.module in {"__future__", "typing", "ftorm.model"}, node.module
        elif isinstance(node, ast.If):  # ``if TYPE_CHECKING: import arrow``
            assert ast.unparse(node.test) == "TYPE_CHECKING"
            assert all(isinstance(n, ast.Import) for n in node.body), ast.dump(node)
            assert [a.name for n in node.body for a in n.names] == ["arrow"]  # type: ignore[attr-defined]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = node.value
            assert value is not None
            assert _literal(value) or (isinstance(value, ast.Call) and _call_is_safe(value, names))
        else:
            assert isinstance(node, ast.ClassDef), ast.dump(node)
            assert not node.decorator_list
            assert all(isinstance(b, ast.Name) and b.id in names for b in node.bases)
            assert all(_literal(k.value) or isinstance(k.value, ast.Name) for k in node.keywords)
            for item in node.body:
                if isinstance(item, ast.Expr):
                    assert isinstance(item.value, ast.Constant), ast.dump(item)
                else:  # ``name: Attr[...] = attr(...)`` or ``custom = custom_namespace(...)``
                    assert isinstance(item, (ast.AnnAssign, ast.Assign)), ast.dump(item)
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    assert all(isinstance(t, ast.Name) for t in targets), ast.dump(item)
                    assert isinstance(item.value, ast.Call)
                    assert _call_is_safe(item.value, names), ast.unparse(item)


def _generate(documents: Any, records: Any) -> tuple[Schema, str] | None:
    """The schema and its module, or None when ftorm refuses them with `SchemaError`."""
    try:
        schema = load_schema(json.loads(json.dumps(documents)))
        configurations: list[Configuration] = [from_record(r) for r in records]
        return schema, generate_module(schema, version="0", custom_attributes=configurations)
    except SchemaError as error:
        message = str(error)
    assert message  # a clear message, never empty
    return None


def _import(path: Path) -> None:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[path.stem]


# --- the property ------------------------------------------------------------------------


def test_hostile_schemas_are_refused_or_written_safely(tmp_path: Path) -> None:
    written: list[Path] = []

    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(documents=schema_documents(), records=configuration_records)
    def check(documents: list[dict[str, Any]], records: list[dict[str, Any]]) -> None:
        generated = _generate(documents, records)
        if generated is None:
            return
        schema, source = generated
        assert_runs_nothing(source)
        path = tmp_path / f"generated_{len(written)}.py"
        path.write_text(source, encoding="utf-8")
        _import(path)
        build_models(schema)  # the dynamic classes follow the same rules: no error here
        written.append(path)

    check()
    assert written, "no draw produced a module: the strategy is too hostile to test writing"
    result = mypy_strict(written[:40], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the cases found ---------------------------------------------------------------------

_ATTACK = 'x"""\nimport os; os.system("echo pwned")\n"""'


def _one_type(
    properties: dict[str, Any], type_id: str = "Thing", **extra: Any
) -> list[dict[str, Any]]:
    return [
        {
            "id": type_id,
            "type": "object",
            "primary_key": ["id"],
            "properties": {"id": {"type": "string", "default": "{uid}"}, **properties},
            **extra,
        }
    ]


_SHOW = [
    *_one_type(
        {"custom_attributes": {"type": "array", "items": {"$ref": "ContextCustomAttributeValue"}}},
        type_id="Project",
    ),
    _values_document("ContextCustomAttributeValue"),
]


@pytest.mark.parametrize(
    ("documents", "records"),
    [
        pytest.param(_one_type({"name": {"type": "string", "format": _ATTACK}}), [], id="format"),
        pytest.param(_one_type({"name": {"type": "string"}}, alias_for=_ATTACK), [], id="alias"),
        pytest.param(
            _SHOW,
            [{"id": "1", "key": _ATTACK, "type": "text", "entity_type": "show"}],
            id="custom key",
        ),
        pytest.param(
            _SHOW,
            [{"id": "1", "key": "k", "type": _ATTACK, "entity_type": "show"}],
            id="custom type",
        ),
        pytest.param(
            _SHOW,
            [
                {
                    "id": "1",
                    "key": "k",
                    "type": "text",
                    "entity_type": "show",
                    "label": '""+__import__("os").system("echo pwned")+""',
                }
            ],
            id="custom label",
        ),
    ],
)
def test_schema_text_cannot_escape_its_docstring(
    documents: list[dict[str, Any]],
    records: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    generated = _generate(documents, records)
    assert generated is not None
    _, source = generated
    assert_runs_nothing(source)
    calls: list[str] = []
    monkeypatch.setattr(os, "system", calls.append)
    path = tmp_path / "studio_models.py"
    path.write_text(source, encoding="utf-8")
    _import(path)
    assert calls == []


def test_a_key_python_reads_differently_gets_a_name_it_reads_as_itself() -> None:
    generated = _generate(_SHOW, [{"id": "1", "key": "x²", "type": "text", "entity_type": "show"}])
    assert generated is not None
    _, source = generated
    compile(source, "studio_models.py", "exec")
    assert "    x2: CustomAttr[str | None] = custom_attr(" in source
    assert '"x²"' in source or '"x\\u00b2"' in source  # the server key, kept


def test_a_property_python_reads_differently_keeps_its_key() -> None:
    generated = _generate(_one_type({"x²": {"type": "string"}, "ﬁle": {"type": "string"}}), [])
    assert generated is not None
    _, source = generated
    compile(source, "models.py", "exec")
    assert 'x2: Attr[str | None] = attr(default=None, name="x\\u00b2")' in source
    assert 'file: Attr[str | None] = attr(default=None, name="\\ufb01le")' in source


def test_type_ids_that_collapse_into_one_name_are_refused() -> None:
    documents = [*_one_type({}), {**_one_type({})[0], "id": "Ｔhing"}]  # noqa: RUF001
    with pytest.raises(SchemaError, match="Python reads it as 'Thing'"):
        generate_module(load_schema(documents), version="0")
    with pytest.raises(SchemaError, match="Python reads it as 'Thing'"):
        build_models(load_schema(documents))


@pytest.mark.parametrize("value", [1e999, -1e999, float("nan")])
def test_a_number_with_no_literal_is_a_clear_error(value: float) -> None:
    documents = _one_type({"n": {"type": "number", "enum": [value]}})
    with pytest.raises(SchemaError, match=r"Thing\.n: enum value .*not a finite number"):
        generate_module(load_schema(documents), version="0")
    with pytest.raises(SchemaError, match=r"Thing\.n: enum value"):
        build_models(load_schema(documents))
    documents = _one_type({"n": {"type": "number", "default": value}})
    with pytest.raises(SchemaError, match=r"Thing\.n: default"):
        generate_module(load_schema(documents), version="0")
