"""Which collection pairs with which reference: the one table of ftrack's reverse relations.

ftrack's schema names both ends of a relation (``Context.children`` and ``Context.parent``)
but never says that they are two ends of one thing. `PAIRINGS` says so, once, for the
relations ftrack is known to have: the collection, the reference on its members pointing
back, the key column on the members that holds the owner's id, and whether the members go
when the owner is deleted. Everything else is derived from it:

- `KNOWN_BACKREFS` pairs the two ends of generated and dynamic models
  (`ftorm.schema.naming.backref_of`);
- `reverse_keys` is where the embedded server looks for a collection's members
  (`ftorm.server.storage`);
- `CASCADE` and `RESTRICT` are its delete rules (`ftorm.server.rules`).

A pairing is only used when the schema has both ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import attrs

from ftorm.schema.custom.rules import CONFIGURATION_TYPE, KIND_TYPE

__all__ = ["CASCADE", "KNOWN_BACKREFS", "PAIRINGS", "RESTRICT", "Pairing", "reverse_keys"]


@attrs.frozen(slots=True)
class Pairing:
    """A collection and what its members hold of their owner."""

    owner: str | None
    """The type (or base type) owning the collection; None for any type with a collection of
    that name."""
    collection: str
    """The collection's name on the owner."""
    reference: str | None = None
    """The reference on the members pointing back at the owner, when the members have one."""
    key: str | None = None
    """The key column on the members holding the owner's id, when it is not found from the
    schema alone."""
    cascade: bool = False
    """Whether the members are deleted with their owner."""
    restrict: bool = False
    """Whether the owner cannot be deleted directly while it has members."""


def _p(
    owner: str | None,
    collection: str,
    reference: str | None,
    key: str | None,
    *,
    cascade: bool = False,
    restrict: bool = False,
) -> Pairing:
    return Pairing(owner, collection, reference, key, cascade, restrict)


PAIRINGS: Final[tuple[Pairing, ...]] = (
    _p("Asset", "versions", "asset", "asset_id", cascade=True),
    _p("AssetType", "assets", "type", None, restrict=True),
    _p("AssetVersion", "components", "version", "version_id", cascade=True),
    _p("AssetVersion", "incoming_links", "to", "to_id", cascade=True),
    _p("AssetVersion", "outgoing_links", "from", "from_id", cascade=True),
    _p("AssetVersion", "review_session_objects", "asset_version", "version_id", cascade=True),
    _p("Component", "component_locations", "component", "component_id", cascade=True),
    _p("ContainerComponent", "members", "container", "container_id", cascade=True),
    _p("Context", "appointments", "context", "context_id", cascade=True),
    _p("Context", "assets", "parent", "context_id", cascade=True),
    _p("Context", "children", "parent", "parent_id", cascade=True),
    _p("Context", "managers", "context", None),
    _p("Context", "timelogs", "context", "context_id", cascade=True),
    _p("Context", "assignments", None, "context_id", cascade=True),
    _p("Context", "allocations", None, "context_id", cascade=True),
    _p(
        "CalendarEvent",
        "calendar_event_resources",
        "calendar_event",
        "calendar_event_id",
        cascade=True,
    ),
    _p("Conversation", "messages", "conversation", "conversation_id", cascade=True),
    _p("Conversation", "participants", "conversation", "conversation_id", cascade=True),
    _p(CONFIGURATION_TYPE, "values", "configuration", None, cascade=True),
    _p("CustomAttributeGroup", "custom_attribute_configurations", "group", None),
    _p(KIND_TYPE, "custom_attribute_configurations", "type", None, restrict=True),
    _p("Dashboard", "dashboard_resources", "dashboard", "dashboard_id", cascade=True),
    _p("Dashboard", "widgets", "dashboard", "dashboard_id", cascade=True),
    _p("Disk", "projects", "disk", None),
    _p("Event", "feeds", "event", "social_id", cascade=True),
    _p("Group", "children", "parent", "parent_id", cascade=True),
    _p("Group", "memberships", "group", "group_id", cascade=True),
    _p("Job", "job_components", "job", "job_id", cascade=True),
    _p("ListCategory", "lists", "category", None, restrict=True),
    _p("Location", "location_components", "location", "location_id", restrict=True),
    _p("Note", "replies", "in_reply_to", "in_reply_to_id", cascade=True),
    _p("Note", "note_components", None, None, cascade=True),
    _p("Note", "recipients", None, None, cascade=True),
    _p("ObjectType", "tasks", "object_type", None, restrict=True),
    _p("Priority", "tasks", "priority", None, restrict=True),
    _p("Project", "calendar_events", "project", "project_id", cascade=True),
    _p("Project", "review_sessions", "project", "project_id", cascade=True),
    _p("Project", "user_security_role_projects", "project", "project_id", cascade=True),
    _p("Resource", "appointments", "resource", "resource_id", cascade=True),
    _p("Resource", "assignments", None, "resource_id", cascade=True),
    _p("Resource", "allocations", None, "resource_id", cascade=True),
    _p("Resource", "dashboard_resources", "resource", "resource_id", cascade=True),
    _p(
        "ReviewSession",
        "review_session_objects",
        "review_session",
        "review_session_id",
        cascade=True,
    ),
    _p(
        "ReviewSession",
        "review_session_invitees",
        "review_session",
        "review_session_id",
        cascade=True,
    ),
    _p("ReviewSession", "settings", None, "parent_id", cascade=True),
    # Not cascaded: the delete rules go by collection name, and Schema.statuses and
    # WorkflowSchema.statuses keep their members.
    _p("ReviewSessionInvitee", "statuses", "invitee", "review_session_invitee_id"),
    _p("ReviewSessionObject", "statuses", "review_session_object", "review_session_object_id"),
    _p("SecurityRole", "user_security_roles", "security_role", "security_role_id", cascade=True),
    _p("Status", "tasks", "status", None, restrict=True),
    _p("TaskTemplate", "items", "template", None),
    _p("Type", "tasks", "type", None, restrict=True),
    _p("TypedContext", "incoming_links", "to", "to_id", cascade=True),
    _p("TypedContext", "outgoing_links", "from", "from_id", cascade=True),
    _p("User", "memberships", "user", "user_id", cascade=True),
    _p("User", "timelogs", "user", "user_id", cascade=True),
    _p("User", "user_security_roles", "user", "user_id", cascade=True),
    _p(
        "UserSecurityRole",
        "user_security_role_projects",
        "user_security_role",
        "user_security_role_id",
        cascade=True,
    ),
    _p(None, "notes", None, "parent_id", cascade=True),
    _p(None, "metadata", None, "parent_id", cascade=True),
    _p(None, "custom_attributes", None, "entity_id", cascade=True),
    _p(None, "status_changes", None, "parent_id", cascade=True),
    _p(None, "custom_attribute_links", None, "from_id", cascade=True),
    _p(None, "custom_attribute_links_from", None, "to_id", cascade=True),
)
"""ftrack's reverse relations. Owners are listed by their most general type (``Context``
covers projects and every typed context)."""

KNOWN_BACKREFS: Final[Mapping[tuple[str, str], str]] = {
    (p.owner, p.collection): p.reference
    for p in PAIRINGS
    if p.owner is not None and p.reference is not None
}
"""(type, collection) -> the reference on the collection's members pointing back."""

CASCADE: Final[frozenset[str]] = frozenset(p.collection for p in PAIRINGS if p.cascade)
"""Collections whose members are deleted with their owner."""

RESTRICT: Final[frozenset[tuple[str, str]]] = frozenset(
    (p.owner, p.collection) for p in PAIRINGS if p.restrict and p.owner is not None
)
"""(type, collection) pairs that must be empty before their owner is deleted directly."""


def reverse_keys(owners: Sequence[str], collection: str) -> tuple[str, ...]:
    """Candidate key columns on the members of ``collection`` that may hold the owner's id:
    first those listed for ``owners`` (a type and its bases, nearest first), then those
    listed for any other owner of a collection with that name."""
    own = [
        p.key
        for owner in owners
        for p in PAIRINGS
        if p.owner == owner and p.collection == collection and p.key is not None
    ]
    rest = [p.key for p in PAIRINGS if p.collection == collection and p.key is not None]
    return tuple(dict.fromkeys([*own, *rest]))
