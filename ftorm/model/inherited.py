"""Kept so that ``from ftorm.model.inherited import InheritedPath`` keeps working: the code is
`ftorm.model.custom.inheritance` (``from ftorm.model.custom import InheritedPath``)."""

from __future__ import annotations

from ftorm.model.custom.inheritance import InheritedPath

__all__ = ["InheritedPath"]
