"""Notes and lists in the differential test's worlds (`tests.server.strategies`).

A project may hold notes on its contexts (each by one of the users, to some recipients:
the server adds the author to them, as ftrack does) and lists: task lists whose items are
some of its tasks, and version lists whose items are some of its versions, all in one list
category the world creates once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs
from hypothesis import strategies as st

from tests.server.naive_eval import World

__all__ = ["ListSpec", "NoteSpec", "add_lists", "add_notes", "list_specs", "note_specs"]


@attrs.frozen
class NoteSpec:
    """A note on the project's ``context``-th context by the ``author``-th user, to the
    ``recipients``-th users (indices wrap)."""

    context: int
    content: str
    author: int
    recipients: tuple[int, ...]
    is_todo: bool


@attrs.frozen
class ListSpec:
    """A ``TypedContextList`` (``kind`` ``task``) or ``AssetVersionList`` (``assetversion``)
    of the project, holding its ``items``-th tasks or versions (indices wrap)."""

    name: str
    kind: str
    is_open: bool
    items: tuple[int, ...]


def note_specs(names: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[NoteSpec, ...]]:
    indices = st.integers(0, 30)
    spec = st.builds(
        NoteSpec,
        indices,
        names,
        indices,
        st.lists(indices, max_size=2).map(tuple),
        st.booleans(),
    )
    return st.lists(spec, max_size=3).map(tuple)


def list_specs(names: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[ListSpec, ...]]:
    spec = st.builds(
        ListSpec,
        names,
        st.sampled_from(("task", "assetversion")),
        st.booleans(),
        st.lists(st.integers(0, 30), max_size=3).map(tuple),
    )
    return st.lists(spec, max_size=2).map(tuple)


Create = Callable[[str, dict[str, Any], dict[str, str] | None], None]


def add_notes(
    specs: tuple[NoteSpec, ...],
    contexts: list[str],
    users: list[str],
    ids: Iterator[str],
    world: World,
    create: Create,
    operations: list[dict[str, Any]],
) -> None:
    """Create the notes of ``specs`` and their recipients (the author among them)."""
    for spec in specs:
        note_id = next(ids)
        parent = world.by_id[contexts[spec.context % len(contexts)]]
        author = users[spec.author % len(users)]
        values = {
            "id": note_id,
            "content": spec.content,
            "is_todo": spec.is_todo,
            "parent_id": parent.id,
            "parent_type": parent.type,
            "user_id": author,
        }
        create("Note", values, None)
        recipients = dict.fromkeys([author, *(users[i % len(users)] for i in spec.recipients)])
        for resource in recipients:
            world.add("Recipient", {"note_id": note_id, "resource_id": resource})
            if resource == author:
                continue  # the server adds the author
            operations.append(
                {
                    "action": "create",
                    "entity_type": "Recipient",
                    "entity_key": [note_id, resource],
                    "entity_data": {"note_id": note_id, "resource_id": resource},
                }
            )


def add_lists(
    specs: tuple[ListSpec, ...],
    project_id: str,
    category: Callable[[], str],
    tasks: list[str],
    versions: list[str],
    ids: Iterator[str],
    world: World,
    create: Create,
    operations: list[dict[str, Any]],
) -> None:
    """Create the lists of ``specs`` with their items (sent as the list's ``items``)."""
    for spec in specs:
        list_id = next(ids)
        pool = tasks if spec.kind == "task" else versions
        members = list(dict.fromkeys(pool[i % len(pool)] for i in spec.items)) if pool else []
        type_id = "TypedContextList" if spec.kind == "task" else "AssetVersionList"
        values = {
            "id": list_id,
            "name": spec.name,
            "is_open": spec.is_open,
            "project_id": project_id,
            "category_id": category(),
        }
        create(type_id, values, None)
        world.list_items.extend((list_id, member) for member in members)
        member_type = "Task" if spec.kind == "task" else "AssetVersion"
        operations.append(
            {
                "action": "update",
                "entity_type": type_id,
                "entity_key": [list_id],
                "entity_data": {
                    "items": [{"__entity_type__": member_type, "id": m} for m in members]
                },
            }
        )
