"""Custom attributes on models: the documented names, from the modules that hold them.

- `ftorm.model.custom.namespace`: ``shot.custom`` and ``Shot.custom`` (`CustomAttributes`,
  `CustomAttr`/`custom_attr`, `CustomNamespace`/`custom_namespace`);
- `ftorm.model.custom.mapping`: ``shot["custom_attributes"]`` (`CustomAttributeMapping`);
- `ftorm.model.custom.columns`: query columns (`CustomColumn`, `CustomStrColumn`);
- `ftorm.model.custom.values`: a value checked against, and read as, its configured type;
- `ftorm.model.custom.inheritance`: ``shot.custom.inherited`` and `InheritedPath`.

The other layers' parts: `ftorm.schema.custom` (ftrack's rules, configurations, the generated
namespaces), `ftorm.session.custom` (a session's configurations and inherited values),
`ftorm.server.custom` (the embedded server's reads and writes).
"""

from __future__ import annotations

from ftorm.model.custom.columns import CustomColumn, CustomStrColumn
from ftorm.model.custom.inheritance import InheritedPath
from ftorm.model.custom.mapping import CustomAttributeMapping
from ftorm.model.custom.namespace import (
    CustomAttr,
    CustomAttributes,
    CustomNamespace,
    custom_attr,
    custom_namespace,
)

__all__ = [
    "CustomAttr",
    "CustomAttributeMapping",
    "CustomAttributes",
    "CustomColumn",
    "CustomNamespace",
    "CustomStrColumn",
    "InheritedPath",
    "custom_attr",
    "custom_namespace",
]
