"""What a clone copies, as data: the rules that reach beneath a project, and what each query
projects.

A `Rule` copies the rows of a type whose key ``column`` holds the id of an entity already
copied of one of the ``owners`` types: the typed contexts whose ``project_id`` is a copied
project, the assets whose ``context_id`` is a copied context, and so on down. Rules whose
type or column the schema lacks are skipped, so any schema works. ``beneath`` rules follow
only the entities beneath the projects; the others (a schema's statuses, a component's
locations) follow anything copied, including what was copied because it is referenced.

What copied rows reference (their key columns: statuses, types, priorities, users, project
schemas, configurations ...) is copied too, transitively (`references`), and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import attrs

from ftorm.query import ast
from ftorm.schema.custom.rules import CONFIGURATION_TYPE, VALUE_SUFFIX
from ftorm.schema.types import EntityType, Kind
from ftorm.server.storage import Layout

__all__ = [
    "EXTRA_REFERENCES",
    "RULES",
    "Rule",
    "Shape",
    "among",
    "applicable_rules",
    "references",
]


@attrs.frozen
class Rule:
    """Rows of ``type_id`` whose ``column`` holds the id of a copied ``owners`` entity."""

    type_id: str
    column: str
    owners: tuple[str, ...]
    beneath: bool = True
    unowned: bool = False
    """Rows whose ``column`` is none are copied too (global configurations)."""
    fixed: ast.Criterion | None = None
    """Criteria that name no owner: the rule runs once, whatever the owners."""

    @property
    def name(self) -> str:
        """The rule's name (in the record of what a clone has done)."""
        return f"{self.type_id}.{self.column}"

    def criteria(self, ids: Sequence[str]) -> ast.Criterion:
        """The query criteria for the owner ids ``ids``: ``<column> in (...)``, or ``fixed``."""
        if self.fixed is not None:
            return self.fixed
        owned = among(self.column, ids)
        if not self.unowned:
            return owned
        none = ast.Comparison(ast.Path.of(self.column), ast.Operator.EQ, ast.Null())
        return ast.Or((none, owned))


def among(attribute: str, ids: Sequence[str]) -> ast.Comparison:
    """``<attribute> in ("a", "b")``."""
    values = ast.ValueList(tuple(ast.String(i) for i in ids))
    return ast.Comparison(ast.Path.of(attribute), ast.Operator.IN, values)


_CONTEXT: Final = ("Context",)
_VERSION: Final = ("AssetVersion",)

RULES: Final[tuple[Rule, ...]] = (
    Rule("TypedContext", "project_id", ("Project",)),
    Rule("Asset", "context_id", _CONTEXT),
    Rule("AssetVersion", "asset_id", ("Asset",)),
    Rule("Component", "version_id", _VERSION),
    Rule("ComponentLocation", "component_id", ("Component",), beneath=False),
    Rule("Note", "parent_id", (*_CONTEXT, *_VERSION)),
    Rule("Recipient", "note_id", ("Note",)),
    Rule("NoteComponent", "note_id", ("Note",)),
    Rule("NoteLabelLink", "note_id", ("Note",)),
    Rule("Timelog", "context_id", _CONTEXT),
    Rule("Appointment", "context_id", _CONTEXT),
    Rule("Manager", "context_id", _CONTEXT),
    Rule("List", "project_id", ("Project",)),
    Rule("ListObject", "list_id", ("List",)),
    Rule("StatusChange", "parent_id", (*_CONTEXT, *_VERSION)),
    Rule("TypedContextStatusChange", "parent_id", _CONTEXT),
    Rule("AssetVersionStatusChange", "parent_id", _VERSION),
    Rule("TypedContextLink", "from_id", _CONTEXT),
    Rule("AssetVersionLink", "from_id", _VERSION),
    Rule("ReviewSession", "project_id", ("Project",)),
    Rule("ReviewSessionObject", "review_session_id", ("ReviewSession",)),
    Rule("ReviewSessionInvitee", "review_session_id", ("ReviewSession",)),
    Rule("ReviewSessionObjectStatus", "review_session_object_id", ("ReviewSessionObject",)),
    Rule("CalendarEvent", "project_id", ("Project",)),
    # Custom attribute values: the stored rows, by the kind of entity they belong to.
    Rule("ContextCustomAttributeValue", "entity_id", _CONTEXT),
    Rule("AssetCustomAttributeValue", "entity_id", ("Asset",)),
    Rule("AssetVersionCustomAttributeValue", "entity_id", _VERSION),
    Rule("ListCustomAttributeValue", "entity_id", ("List",)),
    Rule("ListObjectCustomAttributeValue", "entity_id", ("ListObject",)),
    Rule(
        VALUE_SUFFIX,
        "entity_id",
        (*_CONTEXT, "Asset", *_VERSION, "List", "ListObject", "Component"),
    ),
    Rule("Metadata", "parent_id", (*_CONTEXT, "Asset", *_VERSION, "Component", "Note")),
    # What configures the projects: configurations (global or theirs), every location.
    Rule(CONFIGURATION_TYPE, "project_id", ("Project",), unowned=True),
    Rule("CustomAttributeLinkConfiguration", "project_id", ("Project",), unowned=True),
    Rule(
        "Location",
        "id",
        ("Project",),
        fixed=ast.Comparison(ast.Path.of("id"), ast.Operator.NE, ast.Null()),
    ),
    # A project schema's parts, wherever it was copied from.
    Rule("ProjectSchemaObjectType", "project_schema_id", ("ProjectSchema",), beneath=False),
    Rule("Schema", "project_schema_id", ("ProjectSchema",), beneath=False),
    Rule("SchemaStatus", "schema_id", ("Schema",), beneath=False),
    Rule("SchemaType", "schema_id", ("Schema",), beneath=False),
    Rule("WorkflowSchemaStatus", "workflow_schema_id", ("WorkflowSchema",), beneath=False),
    Rule("TaskTypeSchemaType", "task_type_schema_id", ("TaskTypeSchema",), beneath=False),
    Rule("TaskTemplate", "project_schema_id", ("ProjectSchema",), beneath=False),
    Rule("TaskTemplateItem", "template_id", ("TaskTemplate",), beneath=False),
)
"""Every rule, for any schema (`applicable_rules` keeps those a schema can run)."""

EXTRA_REFERENCES: Final[dict[tuple[str, str], str]] = {
    ("WorkflowSchemaStatus", "status_id"): "Status",
    ("WorkflowSchemaStatus", "workflow_schema_id"): "WorkflowSchema",
    ("TaskTypeSchemaType", "type_id"): "Type",
    ("TaskTypeSchemaType", "task_type_schema_id"): "TaskTypeSchema",
    ("SchemaStatus", "schema_id"): "Schema",
    ("SchemaType", "schema_id"): "Schema",
    ("Schema", "project_schema_id"): "ProjectSchema",
    ("Schema", "object_type_id"): "ObjectType",
}
"""Key columns a schema may declare no reference for, and the type they refer to."""


def applicable_rules(layout: Layout) -> tuple[Rule, ...]:
    """The rules whose type and column ``layout``'s schema stores."""
    types = layout.schema.types
    return tuple(
        rule
        for rule in RULES
        if rule.type_id in types
        and layout.stored(rule.type_id, rule.column)
        and len(types[rule.type_id].primary_key) >= 1
        and any(owner in types for owner in rule.owners)
    )


def references(layout: Layout, type_id: str) -> Mapping[str, str]:
    """Key column -> referred type, for a row of concrete type ``type_id``."""
    found = dict(layout.foreign_keys(type_id))
    for (owner, column), target in EXTRA_REFERENCES.items():
        known = target in layout.schema.types and layout.is_a(type_id, owner)
        if known and layout.stored(type_id, column):
            found.setdefault(column, target)
    return found


@attrs.frozen
class Shape:
    """What a query of ``type_id`` projects to copy its rows."""

    type_id: str
    scalars: tuple[str, ...]  # stored, not computed
    hidden: Mapping[str, str]  # reference name -> hidden column holding its key
    links: Mapping[str, str]  # collection name -> hidden link table

    @classmethod
    def of(cls, layout: Layout, type_id: str, base: EntityType | None = None) -> Shape:
        """The shape of ``type_id``; with ``base``, only what ``base`` lacks."""
        entity = layout.schema.types[type_id]
        skip = set(base.properties) if base is not None else set()
        scalars = tuple(
            sorted(
                name
                for name in layout.stored_names(type_id)
                if not entity.properties[name].computed and name not in skip
            )
        )
        hidden: dict[str, str] = {}
        links: dict[str, str] = {}
        for prop in entity.properties.values():
            if prop.name in skip or prop.computed:
                continue
            ref = layout.reference(type_id, prop.name)
            if ref is not None and ref.column.startswith("__ref_"):
                hidden[prop.name] = ref.column
            coll = layout.collection(type_id, prop.name)
            if (
                prop.kind is Kind.COLLECTION
                and coll is not None
                and coll.mode == "link"
                and coll.link_table in layout.link_tables
            ):
                links[prop.name] = coll.link_table
        return cls(type_id, scalars, dict(sorted(hidden.items())), dict(sorted(links.items())))

    @property
    def projections(self) -> tuple[str, ...]:
        """Everything the query selects."""
        return (*self.scalars, *self.hidden, *self.links)

    def __bool__(self) -> bool:
        return bool(self.projections)
