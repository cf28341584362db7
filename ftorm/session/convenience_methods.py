"""`ConvenienceMethods`: ftrack_api's conveniences on a session, over
`ftorm.session.conveniences`, `ftorm.session.notes` and `ftorm.session.timers`.

Get-or-create (`ensure`), grouped queries (`aggregate`), reading an object again
(`refresh`), server-side resets and widget URLs, notes and replies, and timers. Each method
hands its work to the helper module named in its docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, overload

from ftorm.errors import InvalidValueError
from ftorm.model.base import Model
from ftorm.session.writing import WritingSession

if TYPE_CHECKING:
    from ftorm.query.aggregates import Grouped

__all__ = ["ConvenienceMethods"]

M = TypeVar("M", bound=Model)
P = ParamSpec("P")


class ConvenienceMethods(WritingSession):
    """ftrack_api's conveniences on `ftorm.Session`."""

    @overload
    def ensure(
        self,
        model: Callable[P, M],
        identifying_keys: Sequence[str] | None = None,
        /,
        *args: P.args,
        **values: P.kwargs,
    ) -> M: ...
    @overload
    def ensure(
        self, model: str, identifying_keys: Sequence[str] | None = None, /, **values: Any
    ) -> Model: ...
    def ensure(
        self,
        model: Any,
        identifying_keys: Sequence[str] | None = None,
        /,
        *args: Any,
        **values: Any,
    ) -> Any:
        """Get or create, as ``ftrack_api.Session.ensure``: the entity whose
        ``identifying_keys`` (by default every value given) equal ``values``, with its other
        values written where they differ, or a new one made of ``values``; the session is
        committed when anything was created or changed. ``values`` are typed like `create`'s.
        ``identifying_keys`` is positional (``session.ensure(Task, ["name", "parent"],
        name=..., parent=..., bid=...)``); a keyword ``identifying_keys=`` is accepted too.

        Raises:
            MultipleResultsError: more than one entity matches (nothing changes).
            InvalidValueError: no identifying data, or an identifying key without a value.
        """
        from ftorm.session.conveniences import ensure

        if args:
            msg = "session.ensure() takes the values as keywords"
            raise InvalidValueError(msg)
        if identifying_keys is None and "identifying_keys" in values:
            identifying_keys = values.pop("identifying_keys")
        cls = self._type(model) if isinstance(model, str) else self._catalog.adopt(model)
        return ensure(self, cls, identifying_keys, values)

    def aggregate(self, query: Grouped[Any]) -> list[dict[str, Any]]:
        """The rows of a grouped query (``Grouped(Task, count(Task.id)).by(Task.status_id)``,
        `ftorm.query.aggregates`), in one request: one dict per group, keyed by the grouped
        attributes and ``<function>_<attribute>``. ftrack answers these on a strict-API
        connection only (``Session(strict_api=True)``)."""
        from ftorm.session.conveniences import aggregate

        return aggregate(self, query)

    def refresh(self, obj: Model) -> None:
        """Read ``obj`` again from the server, in one request: every attribute it holds is
        replaced by the server's value (collections too), and inherited custom attribute
        values are resolved again on their next read. Pending changes are kept: an
        attribute changed and not committed keeps its new value (`commit` still sends it),
        as ftrack_api keeps local values when it populates.

        Raises:
            InvalidValueError: ``obj`` is new (not on the server yet) or not the session's.
            NotFoundError: the server no longer has ``obj`` (it stays in the session; delete
                or `reset` to drop it).
        """
        from ftorm.session.conveniences import refresh

        with self.lock:
            created = obj in self._work.new
        rows = refresh(self, obj, created)
        self._hydrate(rows, None, member=False)
        with self.lock:
            self._hierarchy.forget()

    def reset_remote(self, reset_type: str, entity: Model | None = None) -> Any:
        """Reset ``reset_type`` (an attribute with a default, or ``"api_key"`` of a
        ``User``) of ``entity`` on the server; the new value, also stored on ``entity`` when
        it is one of its attributes without a pending change
        (`ftorm.session.conveniences.reset_remote`)."""
        from ftorm.session.conveniences import reset_remote

        return reset_remote(self, reset_type, entity)

    def get_widget_url(
        self,
        name: str,
        entity: Model | None = None,
        theme: Literal["light", "dark"] | None = None,
    ) -> str:
        """The URL of ftrack's web widget ``name`` (``"info"``, ``"tasks"``,
        ``"tasks_browser"``) for ``entity`` (`ftorm.session.conveniences.get_widget_url`).
        The embedded server answers a URL on itself that serves no widget."""
        from ftorm.session.conveniences import get_widget_url

        return get_widget_url(self, name, entity, theme)

    def create_note(
        self,
        entity: Model,
        content: str,
        author: Model,
        *,
        recipients: Sequence[Model] = (),
        category: Model | None = None,
        labels: Sequence[Model] = (),
    ) -> Model:
        """A new ``Note`` on ``entity`` by ``author`` with ``recipients`` and ``labels``
        (or a ``category``), sent on the next commit (`ftorm.session.notes.create_note`)."""
        from ftorm.session.notes import create_note

        return create_note(self, entity, content, author, recipients, category, labels)

    def create_reply(self, note: Model, content: str, author: Model) -> Model:
        """A reply to ``note``, sent on the next commit (`ftorm.session.notes.create_reply`)."""
        from ftorm.session.notes import create_reply

        return create_reply(self, note, content, author)

    def start_timer(
        self,
        user: Model,
        context: Model | None = None,
        comment: str = "",
        name: str | None = None,
        force: bool = False,
    ) -> Model:
        """Start ``user``'s timer (committed); the ``Timer``. Raises `ftorm.TimerRunningError`
        when one runs and ``force`` is false (`ftorm.session.timers.start_timer`)."""
        from ftorm.session.timers import start_timer

        return start_timer(self, user, context, comment, name, force)

    def stop_timer(self, user: Model) -> Model:
        """Stop ``user``'s running timer (committed); the ``Timelog``. Raises
        `ftorm.NotFoundError` when none runs (`ftorm.session.timers.stop_timer`)."""
        from ftorm.session.timers import stop_timer

        return stop_timer(self, user)
