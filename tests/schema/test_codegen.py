"""The model code generator: deterministic, true to the schema, clean under ruff and mypy."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ftorm
from ftorm.errors import SchemaError
from ftorm.schema.codegen import generate_module
from ftorm.schema.custom.configurations import Configuration
from ftorm.schema.load import load_schema
from ftorm.schema.standard import standard_documents, standard_schema
from ftorm.schema.types import Schema
from ftorm.schema.workspace import OBJECT_TYPE_IDS
from tests.generated_checks import mypy_strict
from tests.paths import RECORDED_SCHEMA as RECORDED
from tests.paths import ROOT

BIN = Path(sys.executable).parent


def _recorded() -> Schema:
    return load_schema(json.loads(RECORDED.read_text(encoding="utf-8")))


def _tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is part of the test extra: pip install -e '.[test]'")
    return path


def _classes(source: str) -> dict[str, ast.ClassDef]:
    return {n.name: n for n in ast.parse(source).body if isinstance(n, ast.ClassDef)}


def _fields(cls: ast.ClassDef) -> dict[str, str]:
    """Python name -> the whole declaration line, for each annotated attribute of a class."""
    return {
        n.target.id: ast.unparse(n)
        for n in cls.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }


def _schema(*documents: dict[str, Any]) -> Schema:
    return load_schema(list(documents))


def _doc(type_id: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": type_id, "type": "object", "properties": properties, **extra}


ID = {"type": "string", "default": "{uid}"}


# --- the standard schema and the committed module ----------------------------------------


def test_committed_models_are_current() -> None:
    generated = generate_module(standard_schema(), version=ftorm.__version__)
    committed = (ROOT / "ftorm" / "models.py").read_text(encoding="utf-8")
    assert committed == generated, "run `ftorm generate -o ftorm/models.py`"


def test_header_names_hash_and_version() -> None:
    schema = standard_schema()
    text = generate_module(schema, version="9.9.9")
    head = text[:400]
    assert schema.hash in head
    assert "ftorm 9.9.9" in head
    assert "from __future__ import annotations" in text


def test_standard_classes() -> None:
    schema = standard_schema()
    classes = _classes(generate_module(schema, version="0"))
    assert set(classes) == set(schema.types)
    shot = classes["Shot"]
    assert [ast.unparse(b) for b in shot.bases] == ["TypedContext"]
    assert [ast.unparse(k) for k in shot.keywords] == ["entity='Shot'"]
    context = _fields(classes["Context"])
    assert context["id"] == "id: Attr[str] = attr(primary_key=True, factory=new_id)"
    assert context["name"] == "name: Attr[str] = attr(default='')"
    assert context["children"] == "children: Many[Context] = many('Context', backref='parent')"
    assert context["parent"] == "parent: Ref[Context | None] = ref('Context', default=None)"
    assert context["created_at"] == (
        "created_at: Attr[arrow.Arrow | None] = attr(default=None, immutable=True)"
    )
    assert "computed=True" in context["thumbnail_url"]
    typed = _fields(classes["TypedContext"])
    assert (
        typed["metadata"]
        == "metadata: Many[Metadata] = many('Metadata', key_value=('key', 'value'))"
    )
    # Shot declares only what differs from TypedContext, keeping the base's annotation.
    shot_fields = _fields(shot)
    assert "name" not in shot_fields
    assert "children" not in shot_fields
    assert shot_fields["object_type_id"].startswith("object_type_id: Attr[str | None] = attr(")
    assert "bad911de-3bd6-47b9-8b46-3476e237cb36" in shot_fields["object_type_id"]
    link = _fields(classes["TypedContextLink"])
    assert link["from_"] == (
        "from_: Ref[TypedContext | None] = ref('TypedContext', default=None, name='from')"
    )
    outgoing = typed["outgoing_links"]
    assert "backref='from_'" in outgoing
    metadata = _fields(classes["Metadata"])
    assert metadata["key"] == "key: Attr[str] = attr(primary_key=True)"


def test_bases_come_first() -> None:
    text = generate_module(standard_schema(), version="0")
    order = list(_classes(text))
    for child, base in (
        ("Shot", "TypedContext"),
        ("TypedContext", "Context"),
        ("User", "Resource"),
    ):
        assert order.index(base) < order.index(child)
    roots = [name for name, cls in _classes(text).items() if ast.unparse(cls.bases[0]) == "Model"]
    assert roots == sorted(roots)


# --- naming, kinds and errors on small schemas --------------------------------------------


def test_keywords_and_reserved_names_are_renamed() -> None:
    schema = _schema(
        _doc(
            "Thing",
            {
                "id": ID,
                "from": {"type": "string"},
                "select": {"type": "integer"},
                "mro": {"type": "boolean", "default": False},
                "keys": {"type": "string"},
                "as_": {"type": "string"},
                "as": {"type": "string"},
                "class": {"$ref": "Thing"},
            },
        )
    )
    fields = _fields(_classes(generate_module(schema, version="0"))["Thing"])
    assert fields["from_"] == "from_: Attr[str | None] = attr(default=None, name='from')"
    assert fields["select_"] == "select_: Attr[int | None] = attr(default=None, name='select')"
    assert fields["mro_"] == "mro_: Attr[bool] = attr(default=False, name='mro')"
    assert fields["keys_"] == "keys_: Attr[str | None] = attr(default=None, name='keys')"
    assert "name='as'" in fields["as__"]
    assert "name='as_'" in fields["as___"]
    assert (
        fields["class_"] == "class_: Ref[Thing | None] = ref('Thing', default=None, name='class')"
    )


def test_reserved_names_match_the_model_api() -> None:
    from ftorm.model import base
    from ftorm.schema import codegen

    assert codegen.RESERVED_NAMES == base.RESERVED_NAMES


def test_enum_datetime_variable_and_restricted() -> None:
    schema = _schema(
        _doc(
            "Job",
            {
                "id": ID,
                "status": {"type": "string", "enum": ["queued", "done"], "default": "queued"},
                "finished": {"type": "string", "format": "date-time"},
                "data": {"type": "variable"},
                "hidden": {
                    "type": "mapped_array",
                    "items": {"$ref": "Job"},
                    "restricted_projection": True,
                },
                "ratio": {"type": "number", "default": 0},
            },
        )
    )
    text = generate_module(schema, version="0")
    fields = _fields(_classes(text)["Job"])
    assert fields["status"] == "status: Attr[Literal['queued', 'done']] = attr(default='queued')"
    assert fields["finished"] == "finished: Attr[arrow.Arrow | None] = attr(default=None)"
    assert fields["data"] == "data: Attr[Any] = attr(default=None)"
    assert fields["ratio"] == "ratio: Attr[float] = attr(default=0)"
    assert "hidden" not in fields
    assert "from typing import TYPE_CHECKING, Any, Literal" in text
    assert "if TYPE_CHECKING:\n    import arrow\n" in text


def test_custom_object_type_becomes_a_subclass() -> None:
    documents = standard_documents()
    shot = next(d for d in documents if d["id"] == "Shot")
    custom = json.loads(json.dumps(shot))
    custom["id"] = "Vehicle"
    custom["alias_for"] = {"id": "Task", "classifiers": {"object_typeid": "1234"}}
    custom["properties"]["object_type_id"]["default"] = "1234"
    documents.append(custom)
    classes = _classes(generate_module(load_schema(documents), version="0"))
    vehicle = classes["Vehicle"]
    assert [ast.unparse(b) for b in vehicle.bases] == ["TypedContext"]
    assert "'1234'" in _fields(vehicle)["object_type_id"]


def test_deterministic_regardless_of_document_order() -> None:
    documents = standard_documents()
    again = load_schema(list(reversed(documents)))

    def body(schema: Schema) -> list[str]:  # the hash is of the documents as listed
        return [
            line for line in generate_module(schema, version="0").splitlines() if "hash" not in line
        ]

    assert body(again) == body(standard_schema())


@pytest.mark.parametrize("type_id", ["Any", "Model", "not-a-name", "class"])
def test_unusable_type_ids(type_id: str) -> None:
    with pytest.raises(SchemaError, match="entity type"):
        generate_module(_schema(_doc(type_id, {"id": ID})), version="0")


def _edge_schema() -> Schema:
    """Small families exercising renames, enums and a subclass changing an attribute's kind."""
    return _schema(
        _doc(
            "Component",
            {
                "id": ID,
                "from": {"type": "string"},
                "any": {"type": "boolean", "default": True},
                "owner": {"type": "string"},
                "state": {"type": "string", "enum": ["a", "b"]},
                "members": {"type": "array", "items": {"$ref": "Component"}},
            },
        ),
        _doc(
            "FileComponent",
            {
                "id": ID,
                "from": {"type": "string"},
                "any": {"type": "boolean", "default": False},
                "owner": {"$ref": "Component"},
                "state": {"type": "string", "enum": ["a", "b"], "default": "b"},
                "members": {"type": "array", "items": {"$ref": "FileComponent"}},
            },
        ),
    )


def test_subclass_overrides() -> None:
    classes = _classes(generate_module(_edge_schema(), version="0"))
    fields = _fields(classes["FileComponent"])
    assert set(fields) == {"any_", "owner", "state", "members"}
    assert fields["any_"] == "any_: Attr[bool] = attr(default=False, name='any')"
    assert fields["state"] == "state: Attr[Literal['a', 'b'] | None] = attr(default='b')"
    assert fields["members"] == "members: Many[Component] = many('FileComponent')"
    assert fields["owner"] == "owner: Ref[Component | None] = ref('Component', default=None)"
    text = generate_module(_edge_schema(), version="0")
    assert 'ref("Component", default=None)  # type: ignore[assignment]' in text


def test_enum_default_outside_the_enum() -> None:
    bad = {"type": "string", "enum": ["a"], "default": "z"}
    with pytest.raises(SchemaError, match="not one of"):
        generate_module(_schema(_doc("Thing", {"id": ID, "kind": bad})), version="0")


def test_default_of_the_wrong_type() -> None:
    schema = _schema(_doc("Thing", {"id": ID, "size": {"type": "integer", "default": "0"}}))
    with pytest.raises(SchemaError, match=r"Thing\.size"):
        generate_module(schema, version="0")


# --- the recorded 116-type schema ---------------------------------------------------------


def test_recorded_schema_one_class_per_type_and_stable() -> None:
    schema = _recorded()
    first = generate_module(schema, version="0")
    assert set(_classes(first)) == set(schema.types)
    assert len(_classes(first)) == 116
    assert generate_module(_recorded(), version="0") == first


# --- custom attributes ----------------------------------------------------------------------

SHOT_TYPE = OBJECT_TYPE_IDS["Shot"]
CONFIGURATIONS = [
    Configuration("c1", "fstart", "number", "task", SHOT_TYPE, default=1001, label="Frame start"),
    Configuration("c2", "cut_notes", "text", "task", SHOT_TYPE, label='Cut """notes"""'),
    Configuration("c3", "vendors", "enumerator", "task", SHOT_TYPE, config={"multiSelect": True}),
    Configuration("c4", "delivery", "date", "show", is_hierarchical=True),
    Configuration("c5", "fps", "number", "assetversion", default=24.0, config={"isdecimal": True}),
    Configuration("c6", "2d-look", "boolean", "show", default=False),
    Configuration("c7", "class", "text", "task", OBJECT_TYPE_IDS["Sequence"]),
]


def _namespace(source: str, name: str) -> dict[str, str]:
    """``{attribute: annotation}`` of a generated namespace class."""
    found = _classes(source)[name]
    return {
        node.target.id: ast.unparse(node.annotation)
        for node in found.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }


def test_custom_attributes_become_typed_namespaces() -> None:
    source = generate_module(standard_schema(), version="0", custom_attributes=CONFIGURATIONS)
    classes = _classes(source)
    delivery = {"delivery": "CustomAttr[arrow.Arrow | None]"}  # hierarchical
    assert _namespace(source, "ContextCustom") == delivery
    assert _namespace(source, "TypedContextCustom") == {}  # inherited from ContextCustom
    assert _namespace(source, "ShotCustom") == {
        "cut_notes": "CustomAttr[str | None]",
        "fstart": "CustomAttr[int | None]",
        "vendors": "CustomAttr[list[str] | None]",
    }
    assert _namespace(source, "SequenceCustom") == {"class_": "CustomAttr[str | None]"}
    assert _namespace(source, "ProjectCustom") == {"attr_2d_look": "CustomAttr[bool | None]"}
    assert _namespace(source, "AssetVersionCustom") == {
        "fps": "CustomAttr[float | None]",
        **delivery,
    }
    assert _namespace(source, "TaskCustom") == {}  # the hierarchical one is inherited
    assert [ast.unparse(b) for b in classes["ShotCustom"].bases] == ["TypedContextCustom"]
    assert "class ContextCustom(CustomAttributes, closed=True):" in source
    assert "    custom = custom_namespace(ShotCustom)" in source
    assert 'custom_attr("fstart", "number", default=1001)' in source
    assert '        "2d-look",\n        "boolean",\n        default=False,\n' in source
    assert "decimal=True" in source
    assert '    """``fstart``: number (integer), "Frame start"."""' in source
    assert "\"Cut '''notes'''\"" in source  # a label cannot end the docstring


def test_without_configurations_custom_is_open() -> None:
    source = generate_module(standard_schema(), version="0")
    assert "class ContextCustom(" not in source
    assert (
        source.count("custom = custom_namespace(CustomAttributes)")
        == len([t for t in standard_schema().types if t.endswith("CustomAttributeValue")]) - 1
    )  # one per family root; the bare CustomAttributeValue belongs to none


# --- ruff and mypy on generated modules ---------------------------------------------------


@pytest.fixture(scope="module")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated modules: standard, edge cases and the recorded one."""
    directory = tmp_path_factory.mktemp("generated")
    (directory / "standard_models.py").write_text(
        generate_module(standard_schema(), version=ftorm.__version__), encoding="utf-8"
    )
    (directory / "edge_models.py").write_text(
        generate_module(_edge_schema(), version=ftorm.__version__), encoding="utf-8"
    )
    (directory / "studio_models.py").write_text(
        generate_module(
            standard_schema(), version=ftorm.__version__, custom_attributes=CONFIGURATIONS
        ),
        encoding="utf-8",
    )
    if RECORDED.is_file():
        recorded = load_schema(json.loads(RECORDED.read_text(encoding="utf-8")))
        (directory / "recorded_models.py").write_text(
            generate_module(recorded, version=ftorm.__version__), encoding="utf-8"
        )
        (directory / "recorded_studio_models.py").write_text(
            generate_module(recorded, version=ftorm.__version__, custom_attributes=CONFIGURATIONS),
            encoding="utf-8",
        )
    return directory


def test_generated_modules_pass_ruff(generated_dir: Path) -> None:
    ruff = _tool("ruff")
    files = sorted(str(p) for p in generated_dir.glob("*.py"))
    config = ["--config", str(ROOT / "pyproject.toml")]
    isort = ["--config", "lint.isort.known-first-party = ['ftorm']"]
    fmt = subprocess.run(
        [ruff, "format", "--check", *config, *files], capture_output=True, text=True, check=False
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    lint = subprocess.run(
        [ruff, "check", *config, *isort, *files], capture_output=True, text=True, check=False
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_generated_modules_are_stable_under_default_ruff(
    generated_dir: Path, tmp_path: Path
) -> None:
    """A studio repo's ruff, with no configuration: formatting changes nothing, lint passes."""
    ruff = _tool("ruff")
    for source in sorted(generated_dir.glob("*.py")):
        copy = tmp_path / source.name
        copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        fmt = subprocess.run(
            [ruff, "format", "--isolated", str(copy)],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        assert fmt.returncode == 0, fmt.stdout + fmt.stderr
        assert copy.read_text(encoding="utf-8") == source.read_text(encoding="utf-8"), source
        for rules in ([], ["--select", "E,F,W,I"]):
            lint = subprocess.run(
                [ruff, "check", "--isolated", *rules, str(copy)],
                capture_output=True,
                text=True,
                check=False,
                cwd=tmp_path,
            )
            assert lint.returncode == 0, lint.stdout + lint.stderr


def test_each_attribute_says_its_ftrack_type_and_target() -> None:
    lines = generate_module(standard_schema(), version="0").splitlines()
    declared = 0
    for number, line in enumerate(lines):
        if re.match(r"    \w+: (Attr|Ref|Many)\[", line):
            end = number
            while not lines[end].split("  # ")[0].endswith(")"):
                end += 1
            assert lines[end + 1].startswith('    """ftrack '), line
            declared += 1
    assert declared > 500
    shot = lines.index('class Shot(TypedContext, entity="Shot"):')
    assert lines[shot + 4] == '    """ftrack ``number``."""'  # bid
    assert lines[shot + 6] == '    """ftrack ``string`` (format ``date-time``)."""'  # end_date
    assert '    """ftrack reference to ``ObjectType``."""' in lines[shot:]
    assert '    """ftrack collection of ``Context``."""' in lines
    assert '    """ftrack mapped collection of ``Metadata``."""' in lines


def test_generated_modules_pass_mypy_strict(generated_dir: Path) -> None:
    """One mypy run over every generated module (standard, and recorded when available)."""
    result = mypy_strict(sorted(generated_dir.glob("*.py")), cwd=generated_dir)
    assert result.returncode == 0, result.stdout + result.stderr


def test_helper_bases_follow_ftrack_api() -> None:
    schema = standard_schema()
    classes = _classes(generate_module(schema, version="0"))

    def bases(name: str) -> list[str]:
        return [ast.unparse(b) for b in classes[name].bases]

    assert bases("Context") == ["Model", "NotesHelpers", "ThumbnailHelpers"]
    assert bases("Shot") == ["TypedContext"]  # inherited from Context
    assert bases("Note") == ["Model", "NoteHelpers"]
    assert bases("User")[1:] == ["ThumbnailHelpers", "TimerHelpers"]
    assert "VersionHelpers" in bases("AssetVersion")
    assert "NotesHelpers" in bases("AssetVersion")
    assert bases("Status") == ["Model"]
    assert generate_module(schema, version="0") == generate_module(schema, version="0")
