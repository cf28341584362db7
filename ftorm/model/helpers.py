"""ftrack_api's entity helper methods, for generated model classes: ``task.create_note(...)``,
``note.create_reply(...)``, ``user.start_timer(...)``, ``version.create_component(...)``,
``shot.create_thumbnail(...)``.

``ftorm generate`` gives each class the helpers its type has in ftrack_api (`HELPERS_OF`
in `ftorm.schema.codegen`): every type with a ``notes`` collection gets `NotesHelpers`,
``Note`` `NoteHelpers`, ``User`` `TimerHelpers`, ``AssetVersion`` `VersionHelpers`, and every
type with a ``thumbnail_id`` `ThumbnailHelpers`. Each method calls the session the entity is
attached to (`ftorm.session.Session.create_note` and the others), which does the work;
an entity attached to no session raises `ftorm.InvalidValueError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ftorm.errors import InvalidValueError
from ftorm.model.state import hook_of

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from ftorm.model.base import Model

__all__ = ["NoteHelpers", "NotesHelpers", "ThumbnailHelpers", "TimerHelpers", "VersionHelpers"]


def _session(obj: object, method: str) -> Any:
    """The session ``obj`` is attached to (typed loosely: the model layer does not know it)."""
    hook = hook_of(obj)  # type: ignore[arg-type]
    if hook is None or not hasattr(hook, method):
        msg = f"{obj!r} is not attached to a session: add it to one to call {method}()"
        raise InvalidValueError(msg)
    return hook


class NotesHelpers:
    """``create_note`` for entities with notes."""

    __slots__ = ()

    def create_note(
        self,
        content: str,
        author: Model,
        recipients: Sequence[Model] = (),
        category: Model | None = None,
        labels: Sequence[Model] = (),
    ) -> Model:
        """A new ``Note`` on this entity, sent on the next commit
        (`ftorm.session.Session.create_note`)."""
        session = _session(self, "create_note")
        note: Model = session.create_note(
            self, content, author, recipients=recipients, category=category, labels=labels
        )
        return note


class NoteHelpers:
    """``create_reply`` for notes."""

    __slots__ = ()

    def create_reply(self, content: str, author: Model) -> Model:
        """A reply to this note, sent on the next commit
        (`ftorm.session.Session.create_reply`)."""
        reply: Model = _session(self, "create_reply").create_reply(self, content, author)
        return reply


class TimerHelpers:
    """``start_timer`` and ``stop_timer`` for users."""

    __slots__ = ()

    def start_timer(
        self,
        context: Model | None = None,
        comment: str = "",
        name: str | None = None,
        force: bool = False,
    ) -> Model:
        """Start this user's timer, committed; the ``Timer``
        (`ftorm.session.Session.start_timer`)."""
        session = _session(self, "start_timer")
        timer: Model = session.start_timer(self, context, comment, name, force)
        return timer

    def stop_timer(self) -> Model:
        """Stop this user's running timer, committed; the ``Timelog``
        (`ftorm.session.Session.stop_timer`)."""
        timelog: Model = _session(self, "stop_timer").stop_timer(self)
        return timelog


class ThumbnailHelpers:
    """``create_thumbnail`` for entities with a thumbnail."""

    __slots__ = ()

    def create_thumbnail(
        self, path: str | os.PathLike[str], data: Mapping[str, Any] | None = None
    ) -> Model:
        """Upload the image at ``path`` as this entity's thumbnail; the component
        (`ftorm.session.Session.create_thumbnail`)."""
        session = _session(self, "create_thumbnail")
        component: Model = session.create_thumbnail(self, path, data)
        return component


class VersionHelpers:
    """``create_component`` and ``encode_media`` for asset versions."""

    __slots__ = ()

    def create_component(
        self,
        path: str | os.PathLike[str],
        data: Mapping[str, Any] | None = None,
        location: Any = "auto",
    ) -> Model:
        """A new component of this version for the file, sequence or folder at ``path``
        (`ftorm.session.Session.create_component`); ``location`` is a
        `ftorm.session.locations.Location`, ``"auto"`` or None."""
        session = _session(self, "create_component")
        component: Model = session.create_component(path, data, location, version=self)
        return component

    def encode_media(
        self, media: str | os.PathLike[str] | Model, keep_original: bool | str = "auto"
    ) -> Model:
        """Encode ``media`` for this version; the ``Job``
        (`ftorm.session.Session.encode_media`)."""
        session = _session(self, "encode_media")
        version_id = vars(self).get("id")
        job: Model = session.encode_media(media, version_id=version_id, keep_original=keep_original)
        return job
