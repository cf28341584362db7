"""pytest plugin registered by ftorm (entry point ``pytest11``): the ``ftorm_session`` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ftorm.session import Session


@pytest.fixture
def ftorm_session() -> Iterator[Session]:
    """A `Session` on a fresh in-memory embedded server, closed after the test."""
    from ftorm.testing import local_session

    session = local_session()
    try:
        yield session
    finally:
        session.close()
