"""A hypothesis state machine drives a Session beside a plain dict model of the same data.

Rules create, rename, relink and delete sequences under two projects, commit, roll back, and
attempt a commit the server refuses. After every step the session's objects must agree with
the model of pending state; after every commit (and every refused commit) a fresh session
must see exactly the model of committed state; and identity must hold throughout.

Beside it, a reader session (``lazy="batch"``) queries sequences by id alone, so reading
their parents and names makes batch loads; it renames projects without committing and rolls
back. Its batch loads must keep identity, never overwrite a pending rename, and after a
rollback must see the server's values again.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import ftorm
from ftorm.model.state import is_loaded
from ftorm.models import Project, Sequence, Status, Task
from ftorm.session import Session
from ftorm.testing import local_session
from ftorm.transport.inprocess import InProcessTransport
from tests.profiles import scaled

names = st.text(alphabet="abcé \"'\\%_", min_size=1, max_size=6)

# sequence id -> (name, project index)
State = dict[str, tuple[str, int]]


class UnitOfWorkMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.session: Session = local_session()
        self.projects = [
            self.session.create(Project, name=f"p{index}", full_name=f"P{index}")
            for index in range(2)
        ]
        ghost = self.session.create(Status, name="Ghost", is_active=True)
        self.session.commit()
        remover = self._fresh()
        remover.delete(remover.get(Status, ghost.id))  # type: ignore[arg-type]
        remover.commit()
        self.ghost = ghost  # deleted on the server: referencing it makes a commit fail
        self.objects: dict[str, Sequence] = {}
        self.pending: State = {}
        self.committed: State = {}
        # Deleted since the last commit: still listed by their parent until the commit.
        self.deleting: State = {}
        self.reader = self._fresh()
        self.reader_projects = self.reader.query(
            Project.select(Project.id).order_by(Project.name)
        ).all()
        self.reader_seen: dict[str, Sequence] = {}
        self.renamed: dict[int, str] = {}  # project index -> the reader's pending name

    def _fresh(self) -> Session:
        server = self.session.local_server
        assert server is not None
        return Session(transport=InProcessTransport(server))

    def _alive(self) -> list[str]:
        return sorted(self.pending)

    @rule(name=names, where=st.integers(0, 1))
    def create(self, name: str, where: int) -> None:
        sequence = self.session.create(Sequence, name=name, parent=self.projects[where])
        self.objects[sequence.id] = sequence
        self.pending[sequence.id] = (name, where)

    @rule(data=st.data(), name=names)
    def rename(self, data: st.DataObject, name: str) -> None:
        if not self.pending:
            return
        key = data.draw(st.sampled_from(self._alive()))
        self.objects[key].name = name
        self.pending[key] = (name, self.pending[key][1])

    @rule(data=st.data(), by_collection=st.booleans())
    def relink(self, data: st.DataObject, by_collection: bool) -> None:
        if not self.pending:
            return
        key = data.draw(st.sampled_from(self._alive()))
        target = 1 - self.pending[key][1]
        sequence = self.objects[key]
        if by_collection:
            self.projects[target].children.append(sequence)
        else:
            sequence.parent = self.projects[target]
        self.pending[key] = (self.pending[key][0], target)

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        if not self.pending:
            return
        key = data.draw(st.sampled_from(self._alive()))
        self.session.delete(self.objects[key])
        if key in self.committed:
            self.deleting[key] = self.pending[key]
        del self.pending[key]

    @rule()
    def commit(self) -> None:
        self.session.commit()
        self.committed = dict(self.pending)
        self.deleting.clear()
        self._check_server()

    @rule()
    def rollback(self) -> None:
        self.session.rollback()
        self.pending = dict(self.committed)
        self.deleting.clear()

    @rule()
    def refused_commit(self) -> None:
        bad = self.session.create(Task, name="bad", parent=self.projects[0], status=self.ghost)
        try:
            self.session.commit()
        except ftorm.ValidationError:
            pass
        else:  # pragma: no cover - the server must refuse
            msg = "a commit referencing a deleted status succeeded"
            raise AssertionError(msg)
        self._check_server()  # nothing of the batch was applied
        self.session.delete(bad)  # a new object: simply dropped

    @rule(where=st.integers(0, 1), name=names)
    def reader_renames_project(self, where: int, name: str) -> None:
        self.reader_projects[where].name = name
        self.renamed[where] = name

    @rule()
    def reader_rolls_back(self) -> None:
        self.reader.rollback()
        self.renamed.clear()

    @rule()
    def reader_batch_loads(self) -> None:
        rows = self.reader.query(Sequence.select(Sequence.id)).all()
        for row in rows:
            assert self.reader_seen.setdefault(row.id, row) is row
        projects = self.reader_projects
        fresh = [row for row in rows if not is_loaded(row, "parent")]
        if fresh:
            before = self.reader.stats.batch_loads
            _ = fresh[0].parent  # one batch load: every fresh row, and their projects
            assert self.reader.stats.batch_loads == before + 1
            for row in fresh:
                assert is_loaded(row, "parent")
                assert any(row.parent is project for project in projects)
        for index, project in enumerate(projects):
            assert project.name == self.renamed.get(index, f"p{index}")

    def _check_server(self) -> None:
        fresh = self._fresh()
        rows = fresh.query(Sequence.select(Sequence.name, Sequence.parent.name)).all()
        seen = {row.id: (row.name, int(row.parent.name[1])) for row in rows}
        assert seen == self.committed
        fresh.close()

    @invariant()
    def session_agrees_with_the_model(self) -> None:
        if not hasattr(self, "pending"):
            return
        for key, (name, where) in self.pending.items():
            sequence = self.objects[key]
            assert sequence.name == name
            assert sequence.parent is self.projects[where]
            assert sequence in self.projects[where].children
            assert sequence not in self.projects[1 - where].children
        for index, project in enumerate(self.projects):
            listed = {child.id for child in project.children if isinstance(child, Sequence)}
            expected = {k for k, (_, w) in (*self.pending.items(), *self.deleting.items())
                        if w == index}  # fmt: skip
            assert listed == expected

    @invariant()
    def identity_holds(self) -> None:
        if not hasattr(self, "committed"):
            return
        for key in self.committed:
            if key in self.pending:
                assert self.session.get(Sequence, key) is self.objects[key]

    def teardown(self) -> None:
        if hasattr(self, "reader"):
            self.reader.close()
        if hasattr(self, "session"):
            self.session.close()


UnitOfWorkMachine.TestCase.settings = settings(
    settings.default, max_examples=scaled(40), stateful_step_count=25, deadline=None
)
test_unit_of_work = UnitOfWorkMachine.TestCase
