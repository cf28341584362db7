"""`InheritedPath` where the models reference first named it: the code is
`ftorm.model.custom.inheritance` (``from ftorm.model.custom import InheritedPath``)."""

from __future__ import annotations

from ftorm.model.custom.inheritance import InheritedPath

__all__ = ["InheritedPath"]
