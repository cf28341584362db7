"""The notation of the standard schema's facts: `Spec`, and the groups of attributes shared
by a family (the ``Context`` attributes, the ``TypedContext`` attributes, the ``Component``
attributes ...), written once and combined per type (`ftorm.schema._standard_spec`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

__all__ = [
    "COMPONENT",
    "CONFIGURATION",
    "CONTEXT",
    "CREATED",
    "LINK",
    "LINKS",
    "LINK_ENDS",
    "LIST",
    "RESOURCE",
    "STATUS_CHANGE",
    "TYPED_CONTEXT",
    "VALUE",
    "Spec",
]


@attrs.frozen
class Spec:
    """One entity type of the standard schema, before expansion."""

    id: str
    attributes: str
    primary_key: tuple[str, ...] = ("id",)
    defaults: Mapping[str, Any] = attrs.field(factory=dict)
    alias_for: str | Mapping[str, Any] | None = None
    default_projections: tuple[str, ...] | None = None  # None: the primary key
    system_projections: tuple[str, ...] = ()
    enums: Mapping[str, tuple[Any, ...]] = attrs.field(factory=dict)
    transforms: tuple[
        str, ...
    ] = ()  # properties holding schema ids (client) / table names (server)


# --- shared groups -------------------------------------------------------------------------

# Custom attribute links from the entity (``custom_attribute_links``, to_id is the other end)
# and to it (``custom_attribute_links_from``, from_id is the other end).
LINKS: Final = """
    custom_attribute_links:%CustomAttributeLink#
    custom_attribute_links_from:%CustomAttributeLinkFrom#
"""

CREATED: Final = """
    created_at:date created_by:>User@createdBy created_by_id:fk@created_by
"""

CONTEXT: Final = (
    """
    id:uid name:str! context_type:str! parent:>Context parent_id:fk
    created_at:date^ created_by:>User@createdBy^ created_by_id:fk@created_by^ link:var@_api_link^
    thumbnail:>Component thumbnail_id:fk@thumbid thumbnail_url:obj~^
    children:*Context notes:*Note timelogs:*Timelog assets:*Asset managers:*Manager scopes:*Scope
    appointments:*Appointment@context_appointments allocations:*Appointment@context_allocations
    assignments:*Appointment@context_assignments
    custom_attributes:%ContextCustomAttributeValue@custom_attribute_values
"""
    + LINKS
)

TYPED_CONTEXT: Final = (
    CONTEXT
    + """
    project:>Project@show project_id:fk@showid description:str bid:num! sort:num!
    start_date:date@startdate end_date:date@enddate
    status:>Status status_id:fk@statusid! type:>Type type_id:fk@typeid!
    priority:>Priority priority_id:fk@priorityid!
    object_type:>ObjectType@objectType object_type_id:fk@object_typeid!
    time_logged:num~^ bid_time_logged_difference:num~^
    ancestors:*TypedContext descendants:*TypedContext
    incoming_links:*TypedContextLink@predecessors outgoing_links:*TypedContextLink@successors
    lists:*TypedContextList@_lists status_changes:*StatusChange metadata:%Metadata@meta
"""
)

RESOURCE: Final = """
    id:uid resource_type:str!
    appointments:*Appointment@resource_appointments allocations:*Appointment@resource_allocations
    assignments:*Appointment@resource_assignments dashboard_resources:*DashboardResource
"""

COMPONENT: Final = (
    LINKS
    + """
    name:str! system_type:str! file_type:str@filetype size:int
    version:>AssetVersion version_id:fk container:>ContainerComponent container_id:fk
    component_locations:*ComponentLocation metadata:%Metadata@meta
"""
)

LIST: Final = (
    """
    id:uid@listid name:str is_open:bool@isopen! date:date system_type:str@entity
    category:>ListCategory@type category_id:fk@typeid! project:>Project@show
    project_id:fk@showid! owner:>User@user user_id:fk@userid
    custom_attributes:%ListCustomAttributeValue@custom_attribute_values
"""
    + LINKS
)

VALUE: Final = """
    configuration:>CustomAttributeConfiguration@register
    configuration_id:fk@register_id entity_id:fk key:str value:var@casted_value
"""

CONFIGURATION: Final = """
    id:uid@registerid key:str label:str entity_type:str@entity config:str! core:bool! sort:int
    project_id:str@topid object_type:>ObjectType@object_type object_type_id:str@entity_key
    group:>CustomAttributeGroup group_id:fk@groupid read_security_roles:*SecurityRole@read_roles
    write_security_roles:*SecurityRole@write_roles
"""

LINK: Final = """
    id:uid configuration:>CustomAttributeLinkConfiguration@register
    configuration_id:fk@registerid!^ from_id:str! to_id:str!
"""

LINK_ENDS: Final = " from_entity_type:str to_entity_type:str "

STATUS_CHANGE: Final = """
    id:str@tracid date:date parent_id:str parent_type:str
    status:>Status status_id:fk from_status:>Status from_status_id:fk user:>User user_id:fk@userid
"""
