"""The facts behind ftorm's standard schema, in a compact notation expanded by `standard`.

Each entity type is written as a `Spec`: its attributes as a whitespace-separated string of
``name:kind[@server_name][flags]`` tokens, plus the few facts that do not fit a token.

Kinds: ``str`` ``bool`` ``int`` ``num`` (float) ``var`` (any JSON value) ``obj`` (JSON object)
``date`` (date-time string) ``json`` (JSON text in a string) ``fk`` (string key column of a
relation) ``ifk`` (integer key column) ``uid`` (string primary key defaulting to a new uuid)
``subid`` (the same, for a subtype whose key is also the key of its base's row), ``>Type``
(one related entity), ``*Type`` (collection), ``%Type`` (key/value collection keyed by
``key`` with values in ``value``).
Flags: ``!`` required, ``^`` immutable, ``~`` computed (read-only for clients whatever ``^``
says), ``#`` restricted projection (usable in criteria, never selected).
Primary keys are always required and immutable.

Groups of attributes shared by a family (the ``Context`` attributes, the ``TypedContext``
attributes, the ``Component`` attributes ...) are written once and combined per type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ftorm.schema.workspace import DEFAULT_PRIORITY_ID, OBJECT_TYPE_IDS

__all__ = ["SPECS", "Spec"]


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


# Attributes that freeze once a subtype's entity exists, beyond those of every typed context.
_SUBTYPE_FROZEN: Final[Mapping[str, str]] = {
    "AssetBuild": "bid start_date end_date",
    "Episode": "type_id type status_id status bid start_date end_date",
    "Folder": "type_id type status_id status bid start_date end_date",
    "Milestone": "start_date",
    "Sequence": "type_id type status_id status bid start_date end_date",
    "Shot": "type_id type bid start_date end_date",
    "Task": "",
}

# --- shared groups -------------------------------------------------------------------------

# Custom attribute links from the entity (``custom_attribute_links``, to_id is the other end)
# and to it (``custom_attribute_links_from``, from_id is the other end).
_LINKS: Final = """
    custom_attribute_links:%CustomAttributeLink#
    custom_attribute_links_from:%CustomAttributeLinkFrom#
"""

_CREATED: Final = """
    created_at:date created_by:>User@createdBy created_by_id:fk@created_by
"""

_CONTEXT: Final = (
    """
    id:uid name:str! context_type:str! parent:>Context parent_id:fk
    created_at:date^ created_by:>User@createdBy^ created_by_id:fk@created_by^ link:var@_api_link^
    thumbnail:>Component thumbnail_id:fk@thumbid thumbnail_url:obj~^
    children:*Context notes:*Note timelogs:*Timelog assets:*Asset managers:*Manager scopes:*Scope
    appointments:*Appointment@context_appointments allocations:*Appointment@context_allocations
    assignments:*Appointment@context_assignments
    custom_attributes:%ContextCustomAttributeValue@custom_attribute_values
"""
    + _LINKS
)

_TYPED_CONTEXT: Final = (
    _CONTEXT
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

_RESOURCE: Final = """
    id:uid resource_type:str!
    appointments:*Appointment@resource_appointments allocations:*Appointment@resource_allocations
    assignments:*Appointment@resource_assignments dashboard_resources:*DashboardResource
"""

_COMPONENT: Final = (
    _LINKS
    + """
    name:str! system_type:str! file_type:str@filetype size:int
    version:>AssetVersion version_id:fk container:>ContainerComponent container_id:fk
    component_locations:*ComponentLocation metadata:%Metadata@meta
"""
)

_LIST: Final = (
    """
    id:uid@listid name:str is_open:bool@isopen! date:date system_type:str@entity
    category:>ListCategory@type category_id:fk@typeid! project:>Project@show
    project_id:fk@showid! owner:>User@user user_id:fk@userid
    custom_attributes:%ListCustomAttributeValue@custom_attribute_values
"""
    + _LINKS
)

_VALUE: Final = """
    configuration:>CustomAttributeConfiguration@register
    configuration_id:fk@register_id entity_id:fk key:str value:var@casted_value
"""

_CONFIGURATION: Final = """
    id:uid@registerid key:str label:str entity_type:str@entity config:str! core:bool! sort:int
    project_id:str@topid object_type:>ObjectType@object_type object_type_id:str@entity_key
    group:>CustomAttributeGroup group_id:fk@groupid read_security_roles:*SecurityRole@read_roles
    write_security_roles:*SecurityRole@write_roles
"""

_LINK: Final = """
    id:uid configuration:>CustomAttributeLinkConfiguration@register
    configuration_id:fk@registerid!^ from_id:str! to_id:str!
"""

_LINK_ENDS: Final = " from_entity_type:str to_entity_type:str "

_STATUS_CHANGE: Final = """
    id:str@tracid date:date parent_id:str parent_type:str
    status:>Status status_id:fk from_status:>Status from_status_id:fk user:>User user_id:fk@userid
"""


def _context_family() -> list[Spec]:
    context = ("context_type", "id", "name")
    specs = [
        Spec(
            "Context",
            _CONTEXT + " project_id:fk",
            defaults={"name": ""},
            default_projections=context,
            system_projections=("context_type",),
        ),
        Spec(
            "Project",
            _CONTEXT
            + """
            project_id:fk full_name:str@fullname root:str color:str status:str!
            is_global:bool@isglobal! is_private:bool@private
            start_date:date@startdate end_date:date@enddate disk:>Disk disk_id:fk@diskid
            project_schema:>ProjectSchema@projectscheme
            project_schema_id:fk@projectschemeid! descendants:*TypedContext metadata:%Metadata@meta
            calendar_events:*CalendarEvent review_sessions:*ReviewSession@reviewSessions
            user_security_role_projects:*UserSecurityRoleProject@user_role_projects
            """,
            defaults={"name": "", "is_global": False, "is_private": False},
            alias_for="Show",
            default_projections=context,
            system_projections=("context_type",),
        ),
        Spec(
            "TypedContext",
            _TYPED_CONTEXT,
            defaults={"name": ""},
            alias_for="Task",
            default_projections=context,
            system_projections=("showid", "context_type"),
        ),
    ]
    for name, object_type_id in sorted(OBJECT_TYPE_IDS.items()):
        frozen = " ".join(f"{attr}^" for attr in _SUBTYPE_FROZEN[name].split())
        specs.append(
            Spec(
                name,
                # A later token for the same name adds its flags to the earlier one.
                _TYPED_CONTEXT + " object_type_id^ object_type^ " + frozen,
                defaults={
                    "name": "",
                    "priority_id": DEFAULT_PRIORITY_ID,
                    "object_type_id": object_type_id,
                },
                alias_for={"id": "Task", "classifiers": {"object_typeid": object_type_id}},
                default_projections=context,
                system_projections=("showid", "context_type"),
            )
        )
    return specs


def _workflow() -> list[Spec]:
    return [
        Spec(
            "ObjectType",
            """
            id:uid@typeid name:str! icon:str! sort:int! is_time_reportable:bool@istimereportable!
            is_taskable:bool@istaskable! is_typeable:bool@istypeable!
            is_statusable:bool@isstatusable! is_schedulable:bool@isschedulable!
            is_leaf:bool@isleaf tasks:*Task project_schemas:*ProjectSchema
            """,
            defaults={
                "icon": "default",
                "sort": 0,
                "is_leaf": False,
                "is_schedulable": False,
                "is_statusable": True,
                "is_taskable": True,
                "is_time_reportable": False,
                "is_typeable": True,
            },
        ),
        Spec(
            "Type",
            """
            id:uid@typeid name:str color:str! sort:int! is_billable:bool@isbillable!
            tasks:*Task task_type_schemas:*TaskTypeSchema@schemes
            """,
            defaults={"color": "#510100", "sort": 0, "is_billable": True},
            alias_for="TaskType",
        ),
        Spec(
            "Status",
            "id:uid@statusid name:str color:str sort:int is_active:bool@isactive! "
            "state:>State@statustype tasks:*Task",
            defaults={"sort": 0},
            alias_for="TaskStatus",
        ),
        Spec("State", "id:uid@typeid name:str short:str", alias_for="StatusType"),
        Spec(
            "Priority",
            "id:uid@priorityid name:str color:str sort:int value:num tasks:*Task",
            defaults={"sort": 0, "value": 0},
            alias_for="PriorityType",
        ),
        Spec(
            "ProjectSchema",
            """
            id:uid@schemeid name:str object_types:*ObjectType
            object_type_schemas:*Schema@schemas _schemas:*Schema@schemas
            task_templates:*TaskTemplate@templates
            task_type_schema:>TaskTypeSchema@tasktypescheme
            _task_type_schema:>TaskTypeSchema@tasktypescheme
            task_type_schema_id:fk@tasktypeschemeid
            task_workflow_schema:>WorkflowSchema@taskworkflow
            _task_workflow:>WorkflowSchema@taskworkflow task_workflow_schema_id:fk@taskworkflowid
            asset_version_workflow_schema:>WorkflowSchema@versionworkflow
            _version_workflow:>WorkflowSchema@versionworkflow
            asset_version_workflow_schema_id:fk@versionworkflowid
            task_workflow_schema_overrides:*ProjectSchemaOverride@overrides
            _overrides:*ProjectSchemaOverride@overrides
            """,
            alias_for="ProjectScheme",
        ),
        Spec(
            "ProjectSchemaObjectType",
            "project_schema:>ProjectSchema project_schema_id:fk object_type:>ObjectType "
            "object_type_id:fk",
            primary_key=("object_type_id", "project_schema_id"),
        ),
        Spec(
            "ProjectSchemaOverride",
            "id:uid@overrideid project_schema_id:fk@projectschemeid type_id:fk@typeid "
            "workflow_schema:>WorkflowSchema@workflowscheme workflow_schema_id:fk@workflowschemeid",
            alias_for="ProjectSchemeOverride",
        ),
        Spec(
            "Schema",
            "id:uid project_schema_id:fk@projectschemeid! type_id:fk@typeid! "
            "object_type_id:fk@typeid statuses:*SchemaStatus types:*SchemaType",
        ),
        Spec(
            "SchemaStatus",
            "schema_id:fk@schemaid status_id:fk@statusid sort:int task_status:>Status@taskstatus",
            primary_key=("status_id", "schema_id"),
            defaults={"sort": 0},
        ),
        Spec(
            "SchemaType",
            "schema_id:fk@schemaid type_id:fk@typeid sort:int task_type:>Type@tasktype",
            primary_key=("type_id", "schema_id"),
            defaults={"sort": 0},
        ),
        Spec(
            "TaskTypeSchema",
            "id:uid@schemeid name:str types:*Type",
            defaults={"name": "TaskType Schema Name"},
            alias_for="TaskTypeScheme",
        ),
        Spec(
            "TaskTypeSchemaType",
            "task_type_schema_id:fk@schemeid type_id:fk@typeid",
            primary_key=("task_type_schema_id", "type_id"),
        ),
        Spec(
            "TaskTemplate",
            "id:uid name:str! project_schema:>ProjectSchema@schema "
            "project_schema_id:fk@projectschemeid! items:*TaskTemplateItem",
            default_projections=("id", "name"),
        ),
        Spec(
            "TaskTemplateItem",
            "id:uid template:>TaskTemplate template_id:fk! task_type:>Type@taskType "
            "task_type_id:fk@tasktype_id!",
        ),
        Spec(
            "WorkflowSchema",
            "id:uid@schemeid name:str statuses:*Status overrides:*ProjectSchemaOverride",
            defaults={"name": "Workflow Name"},
            alias_for="WorkflowScheme",
        ),
        Spec(
            "WorkflowSchemaStatus",
            "workflow_schema_id:fk@schemeid status_id:fk@statusid",
            primary_key=("workflow_schema_id", "status_id"),
        ),
        Spec("StatusChange", _STATUS_CHANGE, alias_for="Trac"),
        Spec("AssetVersionStatusChange", _STATUS_CHANGE + " parent:>AssetVersion"),
        Spec("TypedContextStatusChange", _STATUS_CHANGE + " parent:>TypedContext"),
    ]


def _people() -> list[Spec]:
    return [
        Spec("Resource", _RESOURCE, system_projections=("resource_type",)),
        Spec(
            "User",
            _RESOURCE
            + """
            username:str! first_name:str@firstname last_name:str@lastname email:str
            is_active:bool@isactive! is_otp_enabled:bool@otp_enabled
            is_totp_enabled:bool@totp_enabled require_details_update:bool
            resource_type^ thumbnail:>Component thumbnail_id:fk@thumbid thumbnail_url:obj~^
            user_type:>UserType@type user_type_id:fk@typeid timelogs:*Timelog
            memberships:*Membership@user_memberships metadata:%Metadata@meta
            custom_attributes:%UserCustomAttributeValue@custom_attribute_values
            user_security_roles:*UserSecurityRole@userRoles
            """
            + _LINKS,
            defaults={"resource_type": "user"},
            system_projections=("resource_type",),
        ),
        Spec(
            "Group",
            _RESOURCE
            + """
            name:str! local:bool! resource_type^ link:var@api_link^ parent:>Group
            parent_id:fk@group_id children:*Group memberships:*Membership@group_memberships
            """
            + _LINKS,
            defaults={"name": "", "resource_type": "group"},
            system_projections=("resource_type",),
        ),
        Spec(
            "Membership",
            "id:uid user:>User@membership_user user_id:fk! group:>Group@membership_group "
            "group_id:fk!",
        ),
        Spec("UserType", "id:uid@typeid name:str^"),
        Spec(
            "Appointment",
            "id:uid type:str! context:>Context@appointment_context context_id:fk! "
            "resource:>Resource@appointment_resource resource_id:fk!",
            enums={},
        ),
        Spec(
            "Timelog",
            "id:uid name:str comment:str! start:date! duration:num! time_zone_offset:num "
            "context:>Context context_id:fk user:>User user_id:fk",
            defaults={"comment": ""},
            system_projections=("user_id", "context_id"),
        ),
        Spec(
            "Manager",
            "id:uid@managerid context:>Context context_id:fk type:>ManagerType type_id:fk@typeid "
            "user:>User user_id:fk@userid",
        ),
        Spec("ManagerType", "id:uid@typeid name:str"),
        Spec("Scope", "id:uid name:str!"),
        Spec("Disk", "id:uid@diskid name:str! unix:str windows:str projects:*Project@shows"),
        Spec(
            "UserSecurityRole",
            """
            id:uid is_all_open_projects:bool@isallprojects is_all_projects:bool@isallprojects
            security_role:>SecurityRole@role security_role_id:fk@roleid user:>User user_id:fk@userid
            user_security_role_projects:*UserSecurityRoleProject@user_role_projects
            """,
            alias_for="Auth_UserRole",
            default_projections=("id", "user_id", "security_role_id"),
        ),
        Spec(
            "UserSecurityRoleProject",
            "id:uid project:>Project project_id:fk user_security_role:>UserSecurityRole@user_role "
            "user_security_role_id:fk@user_role_id",
            alias_for="UserRoleProject",
            default_projections=("id", "user_security_role_id", "project_id"),
        ),
        Spec(
            "UserApplicationState",
            "user_id:fk@userid key:str value:str!",
            primary_key=("user_id", "key"),
            alias_for="UserSetting",
            default_projections=("user_id", "key", "value"),
        ),
        Spec(
            "Timer",
            "id:uid name:str comment:str! start:date! context:>Context context_id:fk "
            "user:>User user_id:fk!",
            defaults={"comment": ""},
        ),
        Spec(
            "CalendarEvent",
            _CREATED
            + """
            id:uid name:str! start:date! end:date! effort:num estimate:num everyone:bool
            forecast:bool leave:bool project:>Project project_id:fk type:>Type type_id:fk
            calendar_event_resources:*CalendarEventResource metadata:%Metadata@meta
            """,
            defaults={"name": ""},
            default_projections=("id", "start", "end"),
            system_projections=("project_id",),
        ),
        Spec(
            "CalendarEventResource",
            _CREATED
            + "id:uid calendar_event:>CalendarEvent calendar_event_id:fk! resource:>Resource "
            "resource_id:fk!",
            default_projections=("id", "calendar_event_id", "resource_id"),
        ),
        Spec(
            "SecurityRole",
            "id:uid@roleid name:str type:fk@typeid user_security_roles:*UserSecurityRole@userRoles",
            alias_for="Auth_Role",
            default_projections=("id", "name"),
        ),
    ]


def _notes() -> list[Spec]:
    return [
        Spec(
            "Note",
            """
            id:uid@noteid content:str@text date:date is_todo:bool parent_id:str parent_type:str
            author:>User@user user_id:fk@userid! category:>NoteCategory category_id:fk@categoryid
            completed_at:date completed_by:>User completed_by_id:fk
            in_reply_to:>Note@noteparent in_reply_to_id:fk@noteparentid replies:*Note@notes
            thread_activity:date@triggerdate recipients:*Recipient@note_recipients
            note_components:*NoteComponent note_label_links:*NoteLabelLink metadata:%Metadata@meta
            """,
            defaults={"is_todo": False},
            transforms=("parent_type",),
        ),
        Spec(
            "NoteCategory",
            "id:uid@categoryid name:str color:str sort:int",
            defaults={"sort": 0},
            alias_for="NoteCategory",
        ),
        Spec(
            "NoteLabel",
            "id:uid@categoryid name:str color:str sort:int",
            defaults={"sort": 0},
            alias_for="NoteCategory",
        ),
        Spec(
            "NoteLabelLink",
            "note:>Note note_id:fk label:>NoteLabel label_id:fk",
            primary_key=("note_id", "label_id"),
        ),
        Spec(
            "NoteComponent",
            "note:>Note note_id:fk component:>Component component_id:fk "
            "url:obj~^ thumbnail_url:obj~^",
            primary_key=("component_id", "note_id"),
        ),
        Spec(
            "Recipient",
            "note:>Note@recipient_note note_id:fk recipient:>Resource@recipient_resource "
            "resource_id:fk user:>User text_mentioned:str",
            primary_key=("note_id", "resource_id"),
        ),
    ]


def _activity() -> list[Spec]:
    """Jobs, the activity feed, conversations, review sessions and dashboards."""
    return [
        Spec(
            "Job",
            """
            id:uid@jobid type:str!^ status:str! data:json created_at:date finished_at:date
            user:>User user_id:fk@userid job_components:*JobComponent
            """,
            defaults={"status": "queued", "type": "api_job"},
            enums={"status": ("queued", "running", "done", "failed")},
        ),
        Spec(
            "JobComponent",
            "job:>Job job_id:fk component:>Component component_id:fk url:obj~^",
            primary_key=("component_id", "job_id"),
        ),
        Spec(
            "Event",
            """
            id:int@socialid action:str@action insert:str@insert data:str created_at:date
            parent_id:str parent_type:str project:>Project@show project_id:fk@showid
            user:>User user_id:fk@userid feeds:*Feed
            """,
            alias_for="SocialEvent",
            system_projections=("showid",),
        ),
        Spec(
            "Feed",
            """
            id:uid cluster_id:str@clusterid created_at:date distance:int@distance event:>Event
            owner_id:str@ownerid relation:str@relation social_id:ifk@socialid
            """,
            defaults={"distance": 0},
            alias_for="SocialFeed",
        ),
        Spec(
            "Conversation",
            _CREATED
            + "created_at! created_by_id! id:uid messages:*Message participants:*Participant",
        ),
        Spec(
            "Message",
            _CREATED
            + "created_at! created_by_id! id:uid conversation:>Conversation conversation_id:fk! "
            "text:str",
        ),
        Spec(
            "Participant",
            "id:uid conversation:>Conversation conversation_id:fk! last_visit:date "
            "resource:>Resource resource_id:fk!",
        ),
        Spec(
            "ReviewSession",
            _CREATED
            + """
            created_at! created_by_id! id:uid name:str! description:str! start_date:date@start!
            end_date:date@end! project:>Project project_id:fk! availability:str
            is_moderated:bool is_open:bool~^ passphrase:str passphrase_enabled:bool
            shareable_url_enabled:bool thumbnail:>Component thumbnail_id:fk@thumbid~^
            thumbnail_url:obj~^ settings:*EntitySetting@settingOverrides
            review_session_invitees:*ReviewSessionInvitee@reviewSessionInvitees
            review_session_objects:*ReviewSessionObject@reviewSessionObjects
            """,
            defaults={"name": "New review session", "description": ""},
        ),
        Spec(
            "ReviewSessionObject",
            """
            id:uid name:str! description:str! version:str! created_at:date! sort_order:num!
            asset_version:>AssetVersion@assetVersion version_id:fk!
            review_session:>ReviewSession@reviewSession review_session_id:fk!
            notes:*Note statuses:*ReviewSessionObjectStatus
            """,
            defaults={"name": "", "description": "", "version": ""},
            system_projections=("review_session_id",),
        ),
        Spec(
            "ReviewSessionInvitee",
            _CREATED
            + """
            created_at! created_by_id! id:uid name:str! email:str!
            review_session:>ReviewSession@reviewSession review_session_id:fk!
            created_from_shared_url:bool^ last_sent_at:date statuses:*ReviewSessionObjectStatus
            """,
            system_projections=("review_session_id",),
        ),
        Spec(
            "ReviewSessionObjectStatus",
            """
            id:uid created_at:date! status:str invitee:>ReviewSessionInvitee
            review_session_invitee_id:fk review_session_object_id:fk
            review_session_object:>ReviewSessionObject@reviewSessionObject
            """,
            system_projections=("review_session_object_id",),
        ),
        Spec(
            "Dashboard",
            """
            id:uid@dashboardid name:str created_by:>User@user created_by_id:fk@userid
            is_shared_with_everyone:bool@isglobal dashboard_resources:*DashboardResource
            widgets:*DashboardWidget
            """,
            defaults={"is_shared_with_everyone": False},
            system_projections=("typeid",),
        ),
        Spec(
            "DashboardResource",
            "dashboard:>Dashboard dashboard_id:fk resource:>Resource resource_id:fk "
            "is_shared_with_everyone:bool@isglobal",
            primary_key=("dashboard_id", "resource_id"),
            defaults={"is_shared_with_everyone": False},
            alias_for="LinkDashboardResource",
            system_projections=("dashboard_id", "resource_id"),
        ),
        Spec(
            "DashboardWidget",
            "id:uid@widgetid config:str dashboard:>Dashboard dashboard_id:fk@dashboardid "
            "sort:num type:str@widget_typeid",
        ),
    ]


def _assets() -> list[Spec]:
    component = ("id", "system_type")
    component_sp = ("system_type", "version_id")
    component_defaults = {"name": "main", "size": 0}
    return [
        Spec(
            "Asset",
            """
            id:uid@assetid name:str parent:>Context context_id:fk type:>AssetType
            type_id:fk@typeid latest_version:>AssetVersion~ versions:*AssetVersion
            metadata:%Metadata@meta
            custom_attributes:%AssetCustomAttributeValue@custom_attribute_values
            """
            + _LINKS,
            system_projections=("context_id",),
        ),
        Spec(
            "AssetType",
            "id:uid@typeid name:str! short:str! component:str assets:*Asset",
            defaults={"component": "main"},
        ),
        Spec(
            "AssetVersion",
            """
            id:uid@versionid version:int comment:str date:date is_published:bool@ispublished!
            is_latest_version:bool^ link:var@_api_link^ asset:>Asset asset_id:fk@assetid
            status:>Status status_id:fk@statusid! task:>Task task_id:fk@taskid
            user:>User user_id:fk@userid thumbnail:>Component thumbnail_id:fk@thumbid
            thumbnail_url:obj~^ components:*Component notes:*Note status_changes:*StatusChange
            incoming_links:*AssetVersionLink@incoming_links
            outgoing_links:*AssetVersionLink@outgoing_links
            uses_versions:*AssetVersion@usesversions used_in_versions:*AssetVersion@usedinversions
            lists:*AssetVersionList@_lists metadata:%Metadata@meta
            custom_attributes:%AssetVersionCustomAttributeValue@custom_attribute_values
            review_session_objects:*ReviewSessionObject@reviewSessionObjects
            """
            + _LINKS,
            defaults={"comment": "", "is_published": True},
            system_projections=("assetid",),
        ),
        Spec(
            "AssetVersionLink",
            "id:uid from:>AssetVersion@linked_version from_id:fk@linkedversionid! "
            "to:>AssetVersion@version to_id:fk@versionid! metadata:%Metadata@meta",
            default_projections=("id", "from_id", "to_id"),
        ),
        Spec(
            "Component",
            "id:uid" + _COMPONENT,
            defaults=component_defaults,
            default_projections=component,
            system_projections=component_sp,
        ),
        Spec(
            "FileComponent",
            "id:subid" + _COMPONENT,
            defaults=component_defaults,
            default_projections=component,
            system_projections=component_sp,
        ),
        Spec(
            "ContainerComponent",
            "id:subid" + _COMPONENT + " members:*Component",
            defaults=component_defaults,
            default_projections=component,
            system_projections=component_sp,
        ),
        Spec(
            "SequenceComponent",
            "id:subid" + _COMPONENT + " members:*Component padding:int!",
            defaults={**component_defaults, "padding": 0},
            default_projections=component,
            system_projections=component_sp,
        ),
        Spec(
            "Location",
            "id:uid name:str! label:str description:str location_components:*ComponentLocation",
        ),
        Spec(
            "ComponentLocation",
            "id:uid component:>Component component_id:fk location:>Location location_id:fk "
            "resource_identifier:str@resourceIdentifier url:obj~",
            system_projections=("location_id", "component_id"),
        ),
        Spec(
            "Metadata",
            "parent_id:str@meta_id key:str@variable value:str! parent_type:str@meta_type!",
            primary_key=("parent_id", "key"),
            alias_for="Meta",
            default_projections=("parent_id", "key", "value", "parent_type"),
            transforms=("parent_type",),
        ),
    ]


def _custom_attributes() -> list[Spec]:
    configuration_defaults = {"core": False, "sort": 0}
    configuration_sp = ("write_permissionid", "permissionid", "topid")
    value_projections = ("configuration_id", "entity_id", "key")
    value_sp = ("entity_id", "key", "_casted_value", "project_id")
    kinds = {
        "Context": value_sp,
        "Asset": value_sp,
        "AssetVersion": value_sp,
        "List": value_sp,
        "User": value_sp[:3],
        "ListObject": value_sp[:3],
    }
    specs = [
        Spec(
            "CustomAttributeConfiguration",
            _CONFIGURATION
            + """
            default:var@casted_default is_hierarchical:bool@ishierarchical
            type:>CustomAttributeType type_id:fk@typeid values:*CustomAttributeValue
            """,
            defaults={**configuration_defaults, "default": "", "is_hierarchical": False},
            alias_for="Variable_Register",
            system_projections=configuration_sp,
        ),
        Spec(
            "CustomConfigurationBase",
            _CONFIGURATION,
            defaults=configuration_defaults,
            alias_for="RegisterBase",
            system_projections=configuration_sp,
        ),
        Spec(
            "CustomAttributeLinkConfiguration",
            _CONFIGURATION
            + """
            entity_type! entity_type_to:str@entity_to!^ one_to_one:bool
            object_type_to:>ObjectType@object_type_to object_type_id_to:fk@entity_key_to^
            """,
            defaults=configuration_defaults,
            alias_for="LinkRegister",
            system_projections=configuration_sp,
        ),
        Spec(
            "CustomAttributeLink",
            _LINK,
            default_projections=("configuration_id", "from_id", "to_id"),
        ),
        Spec(
            "CustomAttributeLinkFrom",
            _LINK + _LINK_ENDS,
            default_projections=("configuration_id", "from_id", "to_id"),
            transforms=("from_entity_type", "to_entity_type"),
        ),
        Spec(
            "CustomAttributeType",
            "id:uid@typeid name:str core:bool! form_config:str@formconfig "
            "custom_attribute_configurations:*CustomAttributeConfiguration@variables",
            defaults={"core": False},
        ),
        Spec(
            "CustomAttributeGroup",
            "id:uid@groupid name:str "
            "custom_attribute_configurations:*CustomAttributeConfiguration@registers",
            alias_for="AttributeGroup",
            default_projections=("id", "name"),
        ),
        Spec(
            "CustomAttributeValue",
            "configuration:>CustomAttributeConfiguration@register "
            "configuration_id:fk@registerid entity_id:str@entityid value:var@casted_value",
            primary_key=("configuration_id", "entity_id"),
            alias_for="Variable_Value",
        ),
    ]
    # One pair per kind of entity at the other end, which ``<end>`` refers to.
    ends = {
        "Asset": "asset",
        "AssetVersion": "asset_version",
        "Component": "component",
        "Context": "context",
        "Group": "group",
        "List": "list",
        "User": "user",
    }
    for kind, end in sorted(ends.items()):
        # ftrack also lists from_entity_type and to_entity_type, which the ``Link`` half
        # lacks, among their required names and projections; only attributes are listed here.
        projections = ("id", "to_id", "configuration_id", "from_id")
        specs.append(
            Spec(
                f"{kind}CustomAttributeLink",
                f"{_LINK} {end}:>{kind}",
                default_projections=projections,
            )
        )
        specs.append(
            Spec(
                f"{kind}CustomAttributeLinkFrom",
                f"{_LINK}{_LINK_ENDS} {end}:>{kind} from_entity_type! to_entity_type!",
                default_projections=(*projections[:2], "to_entity_type", *projections[2:]),
                transforms=("from_entity_type", "to_entity_type"),
            )
        )
    for kind, system in sorted(kinds.items()):
        specs.append(
            Spec(
                f"{kind}CustomAttributeValue",
                _VALUE,
                primary_key=("configuration_id", "entity_id"),
                default_projections=value_projections,
                system_projections=system,
            )
        )
    return specs


def _lists() -> list[Spec]:
    return [
        Spec(
            "List",
            _LIST,
            defaults={"name": "", "is_open": True, "system_type": "task"},
            system_projections=("showid",),
        ),
        Spec(
            "TypedContextList",
            _LIST + " items:*Task@_task_items",
            defaults={"name": "", "is_open": True, "system_type": "task"},
            alias_for={"id": "List", "classifiers": {"entity": "task"}},
            system_projections=("showid",),
        ),
        Spec(
            "AssetVersionList",
            _LIST + " items:*AssetVersion@_asset_version_items",
            defaults={"name": "", "is_open": True, "system_type": "assetversion"},
            alias_for={"id": "List", "classifiers": {"entity": "assetversion"}},
            system_projections=("showid",),
        ),
        Spec("ListCategory", "id:uid@typeid name:str lists:*List", alias_for="ListType"),
        Spec(
            "ListObject",
            "id:uid entity_id:str@entityid! list:>List list_id:fk@listid! "
            "custom_attributes:%ListObjectCustomAttributeValue@custom_attribute_values",
            default_projections=("id", "entity_id", "list_id"),
        ),
        Spec(
            "TypedContextLink",
            "id:uid@dependencyid from:>TypedContext@fromTask from_id:fk! "
            "to:>TypedContext@toTask to_id:fk! metadata:%Metadata@meta",
            alias_for="Dependency",
            default_projections=("id", "from_id", "to_id"),
        ),
        Spec(
            "Setting",
            "name:str group:str value:str",
            primary_key=("name", "group"),
            defaults={"name": "default", "group": "default", "value": "default"},
        ),
        Spec(
            "EntitySetting",
            "parent_id:str group:str name:str value:str! parent_type:str!",
            primary_key=("parent_id", "group", "name"),
            alias_for="SettingOverride",
            default_projections=("parent_id", "group", "name", "value", "parent_type"),
            transforms=("parent_type",),
        ),
        Spec(
            "SettingComponent",
            "component:>Component component_id:fk name:fk group:fk setting:>Setting "
            "url:obj~^ thumbnail_url:obj~^",
            primary_key=("component_id", "name", "group"),
        ),
    ]


SPECS: Final[tuple[Spec, ...]] = tuple(
    _context_family()
    + _workflow()
    + _people()
    + _notes()
    + _activity()
    + _assets()
    + _custom_attributes()
    + _lists()
)
"""Every type of the standard schema."""
