"""`WritingSession`: a session's unit of work (`ftorm.session.reading` reads, this writes).

`create`, `add`, `delete`, `commit` (one request for every pending change, reconciled first
when the last commit's fate is unknown), `rollback` and `reset`; and the model layer's
writing half of `ftorm.model.state.Tracker` (`changed`, `collection_changed`). The commit is
written once as core steps (`ftorm.session.core`), driven by `Session` and
`ftorm.AsyncSession` alike. The file and convenience methods build on this class, and the
helper modules behind them (`ftorm.session.components`, `ftorm.session.conveniences` ...)
take a `WritingSession`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar, overload

from ftorm._typing import JSON
from ftorm.errors import InvalidValueError, ServerError, TransportError
from ftorm.model.base import Model
from ftorm.model.fields import Many, Ref
from ftorm.model.relations import unlink
from ftorm.model.state import attach, detach, hook_of, mark_clean, rollback
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.protocol.operations import DeleteOp
from ftorm.schema.custom.rules import CONFIGURATION_TYPE
from ftorm.session.core import Steps, drive
from ftorm.session.identity import identity_key
from ftorm.session.loading import class_info
from ftorm.session.queries import key_of
from ftorm.session.reading import ReadingSession
from ftorm.session.reconcile import reconcile_steps

__all__ = ["WritingSession"]

M = TypeVar("M", bound=Model)
P = ParamSpec("P")


class WritingSession(ReadingSession):
    """A session's reading and writing core (`ReadingSession` plus the unit of work): the
    session the helper modules behind `ftorm.Session`'s file and convenience methods take."""

    # --- the unit of work ------------------------------------------------------------------

    @overload
    def create(self, model: Callable[P, M], /, *args: P.args, **values: P.kwargs) -> M: ...
    @overload
    def create(self, model: str, /, **values: Any) -> Model: ...
    def create(self, model: Any, /, *args: Any, **values: Any) -> Any:
        """A new entity, added to the session (sent on the next `commit`); ``values`` are the
        model's constructor keywords, checked by type checkers the same way. An entity type
        name gives the session's class of that name."""
        cls = self._type(model) if isinstance(model, str) else self._catalog.adopt(model)
        with self.lock:  # the new object may join loaded collections of the session's objects
            obj = cls(*args, **values)
            self.add(obj)
        return obj

    def add(self, obj: Model) -> None:
        """Add a new entity (and new entities it references) to the session."""
        with self.lock:
            self._add(obj)

    def _add(self, obj: Model) -> None:
        self._check_open()
        if self._during is not None:
            self._during.add(obj)
        if not isinstance(obj, Model):
            msg = f"session.add() takes an entity, not {obj!r}"  # type: ignore[unreachable]  # untyped callers
            raise InvalidValueError(msg)
        owner = hook_of(obj)
        if owner is self:
            return
        self._catalog.adopt(type(obj))
        if owner is not None:
            msg = f"{obj!r} belongs to another session"
            raise InvalidValueError(msg)
        info = class_info(type(obj))
        values = key_of(obj)
        if any(value is None for value in values):
            msg = f"{obj!r} has no primary key value ({', '.join(info.pk_names)}): set it first"
            raise InvalidValueError(msg)
        key = identity_key(type(obj), values)
        if self._identity.get(key) is not None:
            msg = f"the session already holds an entity with the key of {obj!r}"
            raise InvalidValueError(msg)
        attach(obj, self)
        self._identity.add(key, obj)
        self._work.new[obj] = None
        for name, field in type(obj).__ftorm_fields__.items():
            value = obj.__dict__.get(name)
            if isinstance(field, Ref) and isinstance(value, Model):
                self._adopt(value)
            elif isinstance(field, Many) and value:
                for item in value:
                    self._adopt(item)

    def _adopt(self, obj: Model) -> None:
        """``obj`` is linked to an object of this session: add it if new, else note it."""
        owner = hook_of(obj)
        if owner is None:
            self._add(obj)
        elif owner is self and obj not in self._work.new:
            self._work.touched[obj] = None

    def delete(self, obj: Model) -> None:
        """Delete ``obj`` on the next `commit` (a new object is simply dropped)."""
        with self.lock:
            self._delete(obj)

    def _delete(self, obj: Model) -> None:
        self._check_open()
        if self._during is not None:
            self._during.add(obj)
        if hook_of(obj) is not self:
            msg = f"{obj!r} does not belong to this session"
            raise InvalidValueError(msg)
        if obj in self._work.new:  # dropped, with the new values only it holds (metadata ...)
            for new in (*self._work.new_members(obj), obj):
                del self._work.new[new]
                self._forget(new)
            return
        self._work.deleted[obj] = None

    def _forget(self, obj: Model) -> None:
        key = identity_key(type(obj), key_of(obj))
        self._identity.discard(key)
        for gone in self._watching.values():  # running iterations skip the row from now on
            gone.add(key)
        unlink(obj)
        detach(obj)

    @property
    def dirty(self) -> bool:
        """True when `commit` has something to send."""
        return bool(self._work)

    def commit(self) -> None:
        """Send every pending create, update and delete in one request.

        On failure nothing changes locally: the pending changes stay pending and the error
        (a `ftorm.ServerError` subclass or `ftorm.ConnectError`) says what went wrong; call
        `commit` again after fixing the data. When the connection failed, the server may or
        may not have applied the batch: the next `commit` first asks which changes took
        effect (one request) and sends only the rest, so each is applied exactly once.

        A commit holds the session's `lock` from start to end: it sends what is pending when
        it starts, and a change another thread makes meanwhile waits for it and stays pending
        for the next commit.
        """
        with self.lock:
            drive(self._commit_steps(), self.call)

    def _commit_steps(self) -> Steps[None]:
        """`commit` as core steps (`ftorm.session.core`): reconciliation first when the last
        commit's fate is unknown, then the batch of pending changes, then their answers."""
        self._check_open()
        work = self._work
        if not work:
            return
        if self._uncertain:
            yield from reconcile_steps(work, self._forget)
            self._uncertain = False
            self._hierarchy.forget()  # the lost batch may have stored values: resolve again
            if not work:
                return
        plan = work.plan()
        steps = plan.steps
        results: list[JSON] = []
        planned = dict.fromkeys((*work.new, *work.dirty, *work.touched, *work.deleted))
        during: set[Model] = set()  # objects changed while the batch is on its way
        if steps:
            self._during = during  # (only an awaited commit lets anything run meanwhile)
            try:
                results = yield [operation for operation, _ in steps]
            except BaseException as error:
                # Connection lost, an answer that is not the API, or the sender interrupted
                # (a cancelled task, Ctrl-C) while the batch was on its way: the server may
                # have applied it. A ServerError is a refusal: nothing was applied.
                if isinstance(error, TransportError):
                    self._uncertain = not isinstance(error, ServerError)
                elif not isinstance(error, Exception):
                    self._uncertain = True
                raise
            finally:
                self._during = None
        for obj in (*work.new, *work.dirty, *work.touched):
            if obj not in during:
                mark_clean(obj)
        before = self._hydrator.count
        for (operation, obj), result in zip(steps, results, strict=True):
            data = result.get("data") if isinstance(result, dict) else None
            if (
                obj not in during  # the echo would overwrite the newer change
                and not isinstance(operation, DeleteOp)
                and isinstance(data, dict)
                and ENTITY_TYPE in data
            ):
                self._hydrator.entity(data, into=obj)  # the server's echo: ids, defaults
        self.stats.entities += self._hydrator.count - before
        self._hierarchy.committed(steps)
        for obj in plan.deleted:
            self._forget(obj)
        if any(op.entity_type == CONFIGURATION_TYPE for op, _ in steps):
            self._configurations.forget()
        if during:
            self._keep_pending(planned, during)
        else:
            work.clear()

    def _keep_pending(self, planned: dict[Model, None], during: set[Model]) -> None:
        """After a commit: forget what it sent, keep what changed while it was on its way
        (objects changed then stay pending with every change they hold; new ones they
        created or deleted stay new or deleted)."""
        work = self._work
        new = [obj for obj in work.new if obj not in planned]
        deleted = [obj for obj in work.deleted if obj not in planned]
        changed = [obj for obj in during if obj in planned and hook_of(obj) is self]
        work.clear()
        work.new.update(dict.fromkeys(new))
        work.deleted.update(dict.fromkeys(deleted))
        work.dirty.update(dict.fromkeys(obj for obj in changed if obj not in work.deleted))

    def rollback(self) -> None:
        """Undo every change since the last commit; new objects are forgotten."""
        with self.lock:
            self._check_open()
            work = self._work
            for obj in list(work.new):
                self._forget(obj)
            for obj in (*work.dirty, *work.touched):
                rollback(obj)
            work.clear()
            self._uncertain = False

    # --- the model layer's Tracker protocol: writes ----------------------------------------

    def changed(self, obj: Model, name: str, old: object, new: object) -> None:
        """Record that ``obj.name`` was written (`ftorm.model.state.Tracker`)."""
        with self.lock:
            if self._during is not None:
                self._during.add(obj)
            for other in self._work.written(obj, name, old, new):
                self._adopt(other)

    def collection_changed(
        self, obj: Model, name: str, added: Sequence[Model], removed: Sequence[Model]
    ) -> None:
        """Record that the collection ``obj.name`` changed (`ftorm.model.state.Tracker`)."""
        with self.lock:
            if self._during is not None:
                self._during.add(obj)
            for other in self._work.collection_written(obj, name, (*added, *removed)):
                self._adopt(other)

    # --- starting afresh -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every object and every pending change, as ``ftrack_api.Session.reset``:
        the session is as new (its schema and connection are kept). Objects read before are
        detached from it: read them again to use them with the session."""
        with self.lock:
            self._check_open()
            for obj in self._identity:
                detach(obj)
            self._identity.clear()
            self._work.clear()
            self._hierarchy.forget()
            self._configurations.forget()
            self._uncertain = False
