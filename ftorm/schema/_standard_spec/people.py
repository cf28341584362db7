"""The standard schema's people (resources, users, groups, managers, security roles,
appointments, timelogs, timers, calendar events), notes, and activity (jobs, events, feeds,
conversations, review sessions, dashboards)."""

from __future__ import annotations

from ftorm.schema._standard_spec.notation import CREATED, LINKS, RESOURCE, Spec

__all__ = ["people", "notes", "activity"]


def people() -> list[Spec]:
    return [
        Spec("Resource", RESOURCE, system_projections=("resource_type",)),
        Spec(
            "User",
            RESOURCE
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
            + LINKS,
            defaults={"resource_type": "user"},
            system_projections=("resource_type",),
        ),
        Spec(
            "Group",
            RESOURCE
            + """
            name:str! local:bool! resource_type^ link:var@api_link^ parent:>Group
            parent_id:fk@group_id children:*Group memberships:*Membership@group_memberships
            """
            + LINKS,
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
            CREATED
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
            CREATED
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


def notes() -> list[Spec]:
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


def activity() -> list[Spec]:
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
            CREATED
            + "created_at! created_by_id! id:uid messages:*Message participants:*Participant",
        ),
        Spec(
            "Message",
            CREATED
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
            CREATED
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
            CREATED
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
