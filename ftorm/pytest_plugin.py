"""pytest plugin registered by ftorm (entry point ``pytest11``): the ``ftorm_session`` fixture,
and the ``ftorm_fixtures`` marker that loads data fixtures into it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ftorm.session import Session


MARKER = "ftorm_fixtures"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``ftorm_fixtures`` marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*files, replace=False): data fixtures (ftorm dump files, relative to the "
        "test's folder) loaded into the ftorm_session fixture's workspace",
    )


@pytest.fixture
def ftorm_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """A `Session` on a fresh in-memory embedded server, closed after the test; with the
    ``ftorm_fixtures`` marker, holding the data of the fixtures it names."""
    from ftorm.testing import local_session

    fixtures: list[Path] = []
    replace = False
    for marker in reversed(list(request.node.iter_markers(MARKER))):  # outermost first
        folder = Path(str(request.node.path)).parent
        fixtures += [folder / Path(str(name)) for name in marker.args]
        replace = replace or bool(marker.kwargs.get("replace", False))
    session = local_session(fixtures=fixtures, replace=replace)
    try:
        yield session
    finally:
        session.close()
