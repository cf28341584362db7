"""The clone loop: paged projection queries, batched across types, into large transactions.

Work is a queue of queries (`Job`), each ``select <stored attributes> from T where <key> in
(<owner ids>)`` for one chunk of owners. Each round sends up to ``batch`` pages of queued
queries in one request and stores everything they answered in one transaction, with the
record of which chunks are done (`ftorm.clone.state`). A query with more rows queues its
next page. When the queue is empty, the rules (`ftorm.clone.plan`) are run again for the
owners copied since, and the rows referenced but not copied are asked for by id; the clone
is complete when that finds nothing new. So the number of requests grows with the number
of rows divided by the page size (and with the depth of the project tree), not with the
number of entities.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ftorm._typing import JSON, JSONObject
from ftorm.clone.anonymize import Anonymizer
from ftorm.clone.plan import Rule, Shape, among, applicable_rules, references
from ftorm.clone.progress import Progress
from ftorm.clone.state import State
from ftorm.errors import NotFoundError, ValidationError
from ftorm.protocol.codec import ENTITY_TYPE
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.protocol.results import read_query
from ftorm.query import ast
from ftorm.query.render import render
from ftorm.schema.hierarchy import family_root
from ftorm.server.bulk import RowWriter
from ftorm.server.storage import TYPE_COLUMN, Layout, quote
from ftorm.server.values import from_wire

__all__ = ["Call", "Copier", "Job"]

Call = Callable[[Sequence[OperationLike]], list[JSON]]
"""Sends one batch as one request; one result per operation."""


@attrs.define
class Job:
    """One query to read to its end, page by page."""

    shape: Shape
    criteria: ast.Criterion
    rule: str  # marked done for ``owners`` when the last page is read
    owners: list[str]
    beneath: bool
    offset: int = 0
    rows: int = 0

    def text(self, layout: Layout, page: int) -> str:
        """The query text of the current page."""
        type_id = self.shape.type_id
        select = ast.Select(
            type_id,
            projections=tuple(ast.Path.of(name) for name in self.shape.projections),
            where=self.criteria,
            order_by=tuple(
                ast.OrderItem(ast.Path.of(name))
                for name in layout.schema.types[type_id].primary_key
            ),
            offset=self.offset,
            limit=page,
        )
        return render(select)


def _chunks(values: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


class Copier:
    """Runs the queue of a clone into a workspace (see the module docstring)."""

    def __init__(
        self,
        call: Call,
        layout: Layout,
        connection: sqlite3.Connection,
        *,
        page_size: int,
        chunk: int,
        batch: int,
        progress: Progress,
        anonymizer: Anonymizer | None,
    ) -> None:
        self.call: Call = call
        self.layout: Layout = layout
        self.writer: RowWriter = RowWriter(layout, connection)
        self.state: State = State(layout, connection)
        self.page_size: int = page_size
        self.chunk: int = chunk
        self.batch: int = batch
        self.progress: Progress = progress
        self.anonymizer: Anonymizer | None = anonymizer
        self.rules: tuple[Rule, ...] = applicable_rules(layout)
        self.queue: deque[Job] = deque()
        self.requests: int = 0
        self.completed: int = 0
        """Query pages read so far (the time-left estimate counts in them)."""
        self._shapes: dict[str, Shape] = {}
        self._extras: dict[tuple[str, str], bool] = {}
        self._asked: set[tuple[str, str]] = set()  # (family, id) asked for by reference

    # --- planning -------------------------------------------------------------------------

    def shape(self, type_id: str) -> Shape:
        """What a query of ``type_id`` projects."""
        found = self._shapes.get(type_id)
        if found is None:
            found = self._shapes[type_id] = Shape.of(self.layout, type_id)
        return found

    def needs_extras(self, concrete: str, queried: str) -> bool:
        """Whether a row of ``concrete`` read through a query of ``queried`` lacks some of
        its attributes."""
        key = (concrete, queried)
        if key not in self._extras:
            mine, theirs = self.shape(concrete), self.shape(queried)
            self._extras[key] = not set(mine.projections) <= set(theirs.projections)
        return self._extras[key]

    def start(self, projects: Sequence[str]) -> None:
        """Queue the projects not read yet."""
        for name in projects:
            if name not in self.state.done.get("project", set()):
                shape = self.shape("Project")
                criteria = ast.Comparison(ast.Path.of("name"), ast.Operator.EQ, ast.String(name))
                self.queue.append(Job(shape, criteria, "project", [name], beneath=True))

    def plan(self) -> None:
        """Queue the rules' queries for owners copied since, the subtype attributes rows
        lack, and the rows referenced but not copied."""
        state = self.state
        for rule in self.rules:
            owners = sorted(self._owners(rule) - state.done.get(rule.name, set()))
            self._queue(self.shape(rule.type_id), rule, owners)
        for concrete, ids in sorted(state.by_type.items()):
            root = family_root(self.layout.schema, concrete)
            if concrete != root and self.needs_extras(concrete, root):
                todo = sorted(ids - state.done.get(f"extras:{concrete}", set()))
                for chunk in _chunks(todo, self.chunk):
                    criteria = among("id", chunk)
                    job = Job(self.shape(concrete), criteria, f"extras:{concrete}", chunk, False)
                    self.queue.append(job)
        for target, ids in sorted(self._missing().items()):
            for chunk in _chunks(sorted(ids), self.chunk):
                criteria = among("id", chunk)
                self.queue.append(Job(self.shape(target), criteria, "", chunk, beneath=False))

    def _owners(self, rule: Rule) -> set[str]:
        found: set[str] = set()
        for concrete, ids in self.state.by_type.items():
            if any(self.layout.is_a(concrete, owner) for owner in rule.owners):
                found |= ids
        if rule.beneath:
            found -= self.state.refs
        return found

    def _queue(self, shape: Shape, rule: Rule, owners: list[str]) -> None:
        if rule.fixed is not None:
            if owners:  # a rule with fixed criteria runs once
                self.queue.append(Job(shape, rule.fixed, rule.name, owners, rule.beneath))
            return
        for chunk in _chunks(owners, self.chunk):
            criteria = rule.criteria(chunk)
            self.queue.append(Job(shape, criteria, rule.name, chunk, rule.beneath))

    def _missing(self) -> dict[str, set[str]]:
        """Referred type -> ids referenced by copied rows that are not copied (or asked)."""
        missing: dict[str, set[str]] = {}
        schema, state = self.layout.schema, self.state
        for table in self.layout.tables.values():
            columns = {c for t in table.types for c in references(self.layout, t)}
            if not columns:
                continue
            for type_id, values in self._column_values(table.name, sorted(columns)):
                refs = references(self.layout, type_id)
                for column, value in values.items():
                    target = refs.get(column)
                    if value is None or target is None:
                        continue
                    family = family_root(schema, target)
                    if state.known(family, str(value)) or (family, str(value)) in self._asked:
                        continue
                    self._asked.add((family, str(value)))
                    missing.setdefault(target, set()).add(str(value))
        return missing

    def _column_values(
        self, table: str, columns: list[str]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        names = ", ".join(quote(c) for c in columns)
        statement = f"SELECT {quote(TYPE_COLUMN)}, {names} FROM {quote(table)}"
        for row in self.writer.connection.execute(statement):
            yield str(row[0]), dict(zip(columns, row[1:], strict=True))

    # --- running --------------------------------------------------------------------------

    def run(self) -> None:
        """Run rounds until nothing is left to copy."""
        while True:
            if not self.queue:
                self.plan()
                if not self.queue:
                    return
            self.round()

    def round(self) -> None:
        """Send up to ``batch`` queued pages as one request; store what they answer."""
        jobs = [self.queue.popleft() for _ in range(min(self.batch, len(self.queue)))]
        ops = [QueryOp(job.text(self.layout, self.page_size)) for job in jobs]
        results = self.call(ops)
        self.requests += 1
        with self.writer:
            for job, result in zip(jobs, results, strict=True):
                page = read_query(result)
                following = page.following(job.offset)
                self.store(job, page.data)
                job.rows += len(page.data)
                if following is not None:
                    job.offset = following
                    self.queue.append(job)
                elif job.rule == "project" and job.rows == 0:
                    msg = f"the server has no project named {job.owners[0]!r}"
                    raise NotFoundError(msg)
                elif job.rule:
                    self.state.mark(job.rule, job.owners)
        self.completed += len(jobs)
        self.progress.update(len(self.queue), self.completed)

    def store(self, job: Job, data: list[JSONObject]) -> None:
        """Write one page of rows (with their link pairs), and note what they are."""
        schema, layout, state = self.layout.schema, self.layout, self.state
        shape = job.shape
        by_type: dict[str, list[dict[str, Any]]] = {}
        for entity in data:
            concrete = str(entity.get(ENTITY_TYPE))
            if concrete not in schema.types:
                continue
            columns = self._columns(concrete, shape, entity)
            if self.anonymizer is not None:
                self.anonymizer.apply(concrete, columns)
            by_type.setdefault(concrete, []).append(columns)
        for concrete, rows in by_type.items():
            self.writer.put_many(concrete, rows)
            self.progress.add(concrete, len(rows) if not job.rule.startswith("extras:") else 0)
            root = layout.table(concrete).root
            keys = [str(r["id"]) for r in rows if "id" in r]
            for key in keys:
                state.add(root, concrete, key)
            complete = concrete == shape.type_id or not self.needs_extras(concrete, shape.type_id)
            if complete and concrete != root and self.needs_extras(concrete, root):
                state.mark(f"extras:{concrete}", keys)
            if job.rule and job.beneath:
                state.mark_refs(keys, add=False)
            elif not job.rule:
                state.mark_refs(keys, add=True)

    def _columns(self, concrete: str, shape: Shape, entity: Mapping[str, Any]) -> dict[str, Any]:
        props = self.layout.schema.types[concrete].properties
        columns: dict[str, Any] = {}
        for name in shape.scalars:
            if name in entity and name in props:
                value = entity[name]
                try:
                    columns[name] = from_wire(props[name], value, f"{concrete}.{name}")
                except ValidationError:
                    columns[name] = value if not isinstance(value, (dict, list)) else str(value)
        for name, column in shape.hidden.items():
            if name in entity:
                value = entity[name]
                columns[column] = value.get("id") if isinstance(value, dict) else None
        for name, table in shape.links.items():
            members = entity.get(name)
            if isinstance(members, list) and "id" in entity:
                pairs = [
                    (str(entity["id"]), str(m["id"]))
                    for m in members
                    if isinstance(m, dict) and "id" in m
                ]
                self.writer.link(table, pairs)
        return columns
