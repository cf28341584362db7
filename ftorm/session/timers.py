"""Timers, as ftrack_api's ``User.start_timer`` and ``User.stop_timer`` run them.

A user has at most one running ``Timer`` (the server refuses a second). `start_timer`
creates it, with ``start`` now, and commits; with ``force`` it first stops the running one
(logging its time). `stop_timer` turns the running timer into a ``Timelog`` (``start``,
``duration`` in whole seconds, ``context``, ``comment`` and ``name`` of the timer), deletes
the timer and commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import arrow

from ftorm.errors import (
    InvalidValueError,
    NotFoundError,
    ServerError,
    TimerRunningError,
    excerpt,
)
from ftorm.model.base import Model
from ftorm.model.state import hook_of

if TYPE_CHECKING:
    from ftorm.session.writing import WritingSession

__all__ = ["running_timer", "start_timer", "stop_timer"]

DUPLICATE = "DuplicateEntryError"
"""The server's exception name for a second running timer."""


def _user(session: WritingSession, user: object) -> Model:
    if not isinstance(user, Model) or hook_of(user) is not session:
        msg = f"a timer belongs to a user of this session, not {excerpt(user)}"
        raise InvalidValueError(msg)
    return user


def running_timer(session: WritingSession, user: Model) -> Model | None:
    """The running ``Timer`` of ``user``, read from the server (None when none runs)."""
    user = _user(session, user)
    return session.query("Timer").where(user_id=str(user.__dict__.get("id"))).first()


def start_timer(
    session: WritingSession,
    user: Model,
    context: Model | None = None,
    comment: str = "",
    name: str | None = None,
    force: bool = False,
) -> Model:
    """Start a ``Timer`` for ``user`` on ``context`` (committed); the timer.

    Raises:
        TimerRunningError: ``user`` has a running timer and ``force`` is false; nothing
            is changed.
        InvalidValueError: ``user`` or ``context`` is not an entity of the session.
    """
    user = _user(session, user)
    if context is not None and (not isinstance(context, Model) or hook_of(context) is not session):
        msg = f"a timer's context is an entity of this session, not {excerpt(context)}"
        raise InvalidValueError(msg)
    if force and running_timer(session, user) is not None:
        stop_timer(session, user)
    values: dict[str, object] = {
        "user_id": user.__dict__.get("id"),  # ids, not references: a refused timer touches
        "context_id": None if context is None else context.__dict__.get("id"),  # nothing
        "comment": comment,
        "name": name,
        "start": arrow.utcnow().replace(microsecond=0),
    }
    with session.lock:
        timer = session.create("Timer", **values)
        try:
            session.commit()
        except ServerError as error:
            session.delete(timer)  # a new object: dropped; other pending changes stay
            if error.exception == DUPLICATE:
                msg = (
                    f"user {user.__dict__.get('id')} already has a running timer: stop it "
                    "first, or start with force=True"
                )
                raise TimerRunningError(msg) from error
            raise
    return timer


def stop_timer(session: WritingSession, user: Model) -> Model:
    """Stop ``user``'s running timer; the ``Timelog`` made of it (committed).

    Raises:
        NotFoundError: ``user`` has no running timer.
    """
    timer = running_timer(session, user)
    if timer is None:
        msg = f"user {user.__dict__.get('id')} has no running timer to stop"
        raise NotFoundError(msg)
    start = getattr(timer, "start", None) or arrow.utcnow()
    delta = arrow.utcnow() - start
    duration = max(0, delta.days * 86400 + delta.seconds)
    with session.lock:
        timelog = session.create(
            "Timelog",
            user_id=timer.__dict__.get("user_id") or getattr(timer, "user_id", None),
            context_id=getattr(timer, "context_id", None),
            comment=getattr(timer, "comment", "") or "",
            name=getattr(timer, "name", None),
            start=start,
            duration=float(duration),
        )
        session.delete(timer)
        session.commit()
    return timelog
