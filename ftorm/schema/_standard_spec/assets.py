"""The standard schema's assets (assets, versions, components, locations, metadata), custom
attribute configurations, links and values, and lists, links between contexts, and
settings."""

from __future__ import annotations

from ftorm.schema._standard_spec.notation import (
    COMPONENT,
    CONFIGURATION,
    LINK,
    LINK_ENDS,
    LINKS,
    LIST,
    VALUE,
    Spec,
)

__all__ = ["assets", "custom_attributes", "lists"]


def assets() -> list[Spec]:
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
            + LINKS,
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
            + LINKS,
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
            "id:uid" + COMPONENT,
            defaults=component_defaults,
            default_projections=component,
            system_projections=component_sp,
        ),
        Spec(
            "FileComponent",
            "id:subid" + COMPONENT,
            defaults=component_defaults,
            default_projections=component,
            system_projections=component_sp,
        ),
        Spec(
            "ContainerComponent",
            "id:subid" + COMPONENT + " members:*Component",
            defaults=component_defaults,
            default_projections=component,
            system_projections=component_sp,
        ),
        Spec(
            "SequenceComponent",
            "id:subid" + COMPONENT + " members:*Component padding:int!",
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


def custom_attributes() -> list[Spec]:
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
            CONFIGURATION
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
            CONFIGURATION,
            defaults=configuration_defaults,
            alias_for="RegisterBase",
            system_projections=configuration_sp,
        ),
        Spec(
            "CustomAttributeLinkConfiguration",
            CONFIGURATION
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
            LINK,
            default_projections=("configuration_id", "from_id", "to_id"),
        ),
        Spec(
            "CustomAttributeLinkFrom",
            LINK + LINK_ENDS,
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
                f"{LINK} {end}:>{kind}",
                default_projections=projections,
            )
        )
        specs.append(
            Spec(
                f"{kind}CustomAttributeLinkFrom",
                f"{LINK}{LINK_ENDS} {end}:>{kind} from_entity_type! to_entity_type!",
                default_projections=(*projections[:2], "to_entity_type", *projections[2:]),
                transforms=("from_entity_type", "to_entity_type"),
            )
        )
    for kind, system in sorted(kinds.items()):
        specs.append(
            Spec(
                f"{kind}CustomAttributeValue",
                VALUE,
                primary_key=("configuration_id", "entity_id"),
                default_projections=value_projections,
                system_projections=system,
            )
        )
    return specs


def lists() -> list[Spec]:
    return [
        Spec(
            "List",
            LIST,
            defaults={"name": "", "is_open": True, "system_type": "task"},
            system_projections=("showid",),
        ),
        Spec(
            "TypedContextList",
            LIST + " items:*Task@_task_items",
            defaults={"name": "", "is_open": True, "system_type": "task"},
            alias_for={"id": "List", "classifiers": {"entity": "task"}},
            system_projections=("showid",),
        ),
        Spec(
            "AssetVersionList",
            LIST + " items:*AssetVersion@_asset_version_items",
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
