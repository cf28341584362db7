"""Typed entity models: ``class Shot(TypedContext, entity="Shot")`` with ``attr``/``ref``/``many``.

See `ftorm.model.base` for the class machinery, `ftorm.model.state` for the per-instance state
and the hooks a session uses, and `ftorm.model.dynamic` for classes built from a schema.
"""

from __future__ import annotations

from ftorm.model.base import Model, ModelMeta
from ftorm.model.custom import (
    CustomAttr,
    CustomAttributeMapping,
    CustomAttributes,
    CustomColumn,
    CustomNamespace,
    custom_attr,
    custom_namespace,
)
from ftorm.model.fields import UNSET, Attr, Many, Ref, attr, many, new_id, ref
from ftorm.model.helpers import (
    NoteHelpers,
    NotesHelpers,
    ThumbnailHelpers,
    TimerHelpers,
    VersionHelpers,
)
from ftorm.model.registry import REGISTRY, Registry
from ftorm.model.relations import Related

__all__ = [
    "REGISTRY",
    "UNSET",
    "Attr",
    "CustomAttr",
    "CustomAttributeMapping",
    "CustomAttributes",
    "CustomColumn",
    "CustomNamespace",
    "Many",
    "Model",
    "ModelMeta",
    "NoteHelpers",
    "NotesHelpers",
    "Ref",
    "Registry",
    "Related",
    "ThumbnailHelpers",
    "TimerHelpers",
    "VersionHelpers",
    "attr",
    "custom_attr",
    "custom_namespace",
    "many",
    "new_id",
    "ref",
]
