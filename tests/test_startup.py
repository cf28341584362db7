"""Start-up: importing ftorm and building a typed query loads nothing it does not need.

Each check runs in a fresh interpreter, since this test process has long since imported
everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("parsimonious", "requests", "ftorm.server", "sqlite3", "asyncio")


def loaded_after(code: str) -> list[str]:
    """The modules of ``HEAVY`` that ``code`` leaves in ``sys.modules`` of a fresh process."""
    program = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    modules = json.loads(result.stdout.splitlines()[-1])
    return [name for name in HEAVY if name in modules]


def test_import_loads_no_server_parser_or_http() -> None:
    assert loaded_after("import ftorm, ftorm.models") == []


def test_building_and_rendering_a_typed_query_loads_no_server_parser_or_http() -> None:
    code = (
        "import datetime, ftorm\n"
        "from ftorm.models import Project\n"
        "q = Project.where(Project.status == 'active', Project.name.like('te%'),\n"
        "    Project.end_date.before(datetime.date(2026, 12, 4)))\n"
        "assert str(q).startswith('Project where ')\n"
    )
    assert loaded_after(code) == []


def test_an_http_session_loads_nothing_before_its_first_request() -> None:
    code = "import ftorm, ftorm.models\nftorm.Session('http://127.0.0.1:1', 'u', 'k')"
    assert loaded_after(code) == []


@pytest.mark.parametrize(
    ("code", "needed"),
    [
        ("import ftorm\nftorm.parse('Task where name is \"x\"')", "parsimonious"),
        ("import ftorm\nftorm.Session.local().close()", "ftorm.server"),
        (
            "import ftorm\ns = ftorm.Session('http://127.0.0.1:1', 'u', 'k', retries=0)\n"
            "try:\n    s.schema\nexcept ftorm.ConnectError:\n    pass",
            "requests",
        ),
        ("import ftorm\nftorm.AsyncSession", "asyncio"),
        ("from ftorm.session import AsyncQuery", "asyncio"),
    ],
)
def test_what_is_left_out_loads_on_first_use(code: str, needed: str) -> None:
    assert needed in loaded_after(code)


def test_arrow_waits_for_the_first_date() -> None:
    """arrow (and dateutil under it) load when a date is converted, not on import."""
    program = (
        "import sys, ftorm, ftorm.models\n"
        "from ftorm.models import Task\n"
        "ftorm.Session('http://127.0.0.1:1', 'u', 'k')\n"
        "str(Task.where(Task.name == 'x', Task.bid > 2))\n"
        "print('arrow' in sys.modules, 'dateutil' in sys.modules)\n"
        "from ftorm.protocol.codec import decode_value\n"
        "decode_value({'__type__': 'datetime', 'value': '2026-12-04T10:00:00'})\n"
        "print('arrow' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False", "True"]
