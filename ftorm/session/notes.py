"""Notes, as ftrack_api writes them: ``create_note`` on an entity, ``create_reply`` on a note.

A note is created with its ``content`` and ``author`` under its parent (``parent_id`` and
``parent_type`` name the entity), one ``Recipient`` per resource given (a user or a group),
and either a ``category`` (``NoteCategory``, ftrack's older spelling) or ``labels``
(``NoteLabel``, one ``NoteLabelLink`` each), never both, as ftrack_api refuses. Nothing is
sent until the session commits, as in ftrack_api.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ftorm.errors import InvalidValueError, excerpt
from ftorm.model.base import Model
from ftorm.model.state import changes, hook_of

if TYPE_CHECKING:
    from ftorm.session.writing import WritingSession

__all__ = ["create_note", "create_reply"]


def _entity(session: WritingSession, value: object, what: str) -> Model:
    if not isinstance(value, Model) or hook_of(value) is not session:
        msg = f"{what} must be an entity of this session, not {excerpt(value)}"
        raise InvalidValueError(msg)
    return value


def _text(content: object) -> str:
    if not isinstance(content, str):
        msg = f"a note's content is text, not {excerpt(content)}"
        raise InvalidValueError(msg)
    return content


def create_note(
    session: WritingSession,
    entity: Model,
    content: str,
    author: Model,
    recipients: Sequence[Model] = (),
    category: Model | None = None,
    labels: Sequence[Model] = (),
) -> Model:
    """A new ``Note`` on ``entity`` (see the module's text); sent on the next commit.

    Raises:
        InvalidValueError: ``entity``, ``author``, a recipient, the category or a label is
            not an entity of the session; content is not text; both a category and labels.
    """
    parent = _entity(session, entity, "the note's parent")
    if "notes" not in type(parent).__ftorm_fields__:
        msg = f"{type(parent).__name__} has no notes"
        raise InvalidValueError(msg)
    writer = _entity(session, author, "the note's author")
    people = [_entity(session, item, "a recipient") for item in recipients]
    tags = [_entity(session, item, "a label") for item in labels]
    if category is not None and tags:
        msg = "give a note a category or labels, not both (ftrack_api refuses both)"
        raise InvalidValueError(msg)
    kind = _entity(session, category, "the category") if category is not None else None
    text = _text(content)
    with session.lock:
        values: dict[str, object] = {
            "content": text,
            "author": writer,
            "parent_id": parent.__dict__.get("id"),
            "parent_type": type(parent).__ftorm_entity__,
        }
        if kind is not None:
            values["category_id"] = kind.__dict__.get("id")
        note = session.create("Note", **values)
        note_id = note.__dict__.get("id")
        for person in dict.fromkeys(people):
            session.create("Recipient", note_id=note_id, resource_id=person.__dict__.get("id"))
        for tag in dict.fromkeys(tags):
            session.create("NoteLabelLink", note_id=note_id, label_id=tag.__dict__.get("id"))
        if "notes" not in changes(parent):  # the server links the note: read them again
            parent.__dict__.pop("notes", None)
    return note


def create_reply(session: WritingSession, note: Model, content: str, author: Model) -> Model:
    """A reply to ``note`` (a ``Note`` with ``in_reply_to``, under the same parent); sent
    on the next commit.

    Raises:
        InvalidValueError: ``note`` or ``author`` is not an entity of the session, or
            ``note`` is not a note; content is not text.
    """
    original = _entity(session, note, "the note replied to")
    if type(original).__ftorm_entity__ != "Note":
        msg = f"create_reply() replies to a Note, not {original!r}"
        raise InvalidValueError(msg)
    writer = _entity(session, author, "the reply's author")
    text = _text(content)
    with session.lock:
        values: dict[str, object] = {"content": text, "author": writer, "in_reply_to": original}
        for key in ("parent_id", "parent_type"):
            value = getattr(original, key)
            if value is not None:
                values[key] = value
        return session.create("Note", **values)
