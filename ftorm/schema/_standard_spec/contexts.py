"""The standard schema's contexts (``Context``, ``Project``, ``TypedContext`` and its
subtypes) and workflows (object types, types, statuses, priorities, project and workflow
schemas, task templates, status changes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ftorm.schema._standard_spec.notation import CONTEXT, STATUS_CHANGE, TYPED_CONTEXT, Spec
from ftorm.schema.workspace import DEFAULT_PRIORITY_ID, OBJECT_TYPE_IDS

__all__ = ["context_family", "workflow"]


# Attributes that freeze once a subtype's entity exists, beyond those of every typed context.
SUBTYPE_FROZEN: Final[Mapping[str, str]] = {
    "AssetBuild": "bid start_date end_date",
    "Episode": "type_id type status_id status bid start_date end_date",
    "Folder": "type_id type status_id status bid start_date end_date",
    "Milestone": "start_date",
    "Sequence": "type_id type status_id status bid start_date end_date",
    "Shot": "type_id type bid start_date end_date",
    "Task": "",
}


def context_family() -> list[Spec]:
    context = ("context_type", "id", "name")
    specs = [
        Spec(
            "Context",
            CONTEXT + " project_id:fk",
            defaults={"name": ""},
            default_projections=context,
            system_projections=("context_type",),
        ),
        Spec(
            "Project",
            CONTEXT
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
            TYPED_CONTEXT,
            defaults={"name": ""},
            alias_for="Task",
            default_projections=context,
            system_projections=("showid", "context_type"),
        ),
    ]
    for name, object_type_id in sorted(OBJECT_TYPE_IDS.items()):
        frozen = " ".join(f"{attr}^" for attr in SUBTYPE_FROZEN[name].split())
        specs.append(
            Spec(
                name,
                # A later token for the same name adds its flags to the earlier one.
                TYPED_CONTEXT + " object_type_id^ object_type^ " + frozen,
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


def workflow() -> list[Spec]:
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
        Spec("StatusChange", STATUS_CHANGE, alias_for="Trac"),
        Spec("AssetVersionStatusChange", STATUS_CHANGE + " parent:>AssetVersion"),
        Spec("TypedContextStatusChange", STATUS_CHANGE + " parent:>TypedContext"),
    ]
