"""ftrack's write rules seen through ftorm's session on the embedded server: a refused
commit loses nothing, and what the server derives comes back into the same objects."""

from __future__ import annotations

from collections.abc import Iterator

import arrow
import pytest

from ftorm.errors import ServerError, ValidationError
from ftorm.models import Asset, AssetVersion, Project, Scope, Sequence, Shot, Timer, User
from ftorm.session import Session
from ftorm.testing import local_session


@pytest.fixture
def session() -> Iterator[Session]:
    with local_session() as session:
        yield session


def test_scalar_key_to_a_missing_row_is_refused(session: Session) -> None:
    project = session.create(Project, name="p")
    shot = session.create(Shot, name="sh", parent=project)
    session.commit()
    shot.parent_id = "no-such-id"
    with pytest.raises(ValidationError, match="no-such-id"):
        session.commit()
    shot.parent_id = project.id
    session.commit()


def test_context_without_a_parent_is_refused(session: Session) -> None:
    session.create(Sequence, name="orphan")
    with pytest.raises(ValidationError, match="parent"):
        session.commit()


def test_required_value_set_after_the_create(session: Session) -> None:
    scope = session.create(Scope)
    scope.name = "later"
    session.commit()
    assert scope.name == "later"
    session.create(Scope)
    with pytest.raises(ValidationError, match=r"Scope\.name"):
        session.commit()


def test_derived_values_come_back(session: Session) -> None:
    user = session.create(User, first_name="Ada", last_name="Lovelace")
    timer = session.create(Timer)
    session.commit()
    assert user.username == "ada.lovelace"
    assert isinstance(timer.start, arrow.Arrow)
    session.create(Timer)
    with pytest.raises(ServerError) as raised:
        session.commit()
    assert raised.value.exception == "DuplicateEntryError"


def test_link_comes_back_with_the_create(session: Session) -> None:
    project = session.create(Project, name="p")
    shot = session.create(Shot, name="sh", parent=project)
    asset = session.create(Asset, name="plate", parent=shot)
    version = session.create(AssetVersion, asset=asset)
    session.commit()
    assert [item["name"] for item in shot.link or []] == ["p", "sh"]
    assert [item["type"] for item in version.link or []] == [
        "Project",
        "Shot",
        "AssetVersion",
    ]
    assert [item["name"] for item in version.link or []] == ["p", "sh", "plate v1"]
