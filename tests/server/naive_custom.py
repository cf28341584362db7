"""The naive evaluator's custom attributes, by brute force (see `tests.server.naive_eval`).

- **Items.** An entity's ``custom_attributes`` hold one item per configuration that applies
  to it (`ftorm.schema.custom.rules.applies`: projects are ``show``, typed contexts ``task``
  of their object type, hierarchical configurations apply to both, project-specific ones
  inside their project), each with ``configuration_id``, ``entity_id``, ``key`` (the
  configuration's) and ``value`` (the stored value, else the configuration's ``default``).
  Stored values queried directly are the stored rows.
- **Variable values** (a custom attribute's ``value``, a configuration's ``default``) compare
  by what they hold: text with the literal's text, a number with the literal's number (none
  when the literal is not one: never true), a boolean as 0/1 with the literal's truth
  (``true``/``false`` in any case), lists and objects by their JSON text; ``none`` matches a
  missing value or JSON null, and nothing else does; ``like`` matches a text value itself
  and any other value's JSON text.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Mapping
from typing import Any

import attrs

from ftorm.query import ast
from ftorm.schema.custom.rules import applies

__all__ = ["VariableOperand", "compare_variable", "custom_items", "variable_operand"]


@attrs.frozen
class VariableOperand:
    """A literal compared with a variable value: its text, number and truth readings."""

    text: str
    number: float | None
    truth: bool | None
    null: bool = False


def variable_operand(node: ast.Value) -> VariableOperand:
    if isinstance(node, ast.Null):
        return VariableOperand("", None, None, null=True)
    if isinstance(node, ast.Boolean):
        return VariableOperand("true" if node.value else "false", None, node.value)
    text = node.text if isinstance(node, ast.Bare) else str(node.value)
    try:
        number = decimal.Decimal(text.strip())
        found = float(number) if number.is_finite() else None
    except decimal.InvalidOperation:
        found = None
    truth = {"true": True, "false": False}.get(text.lower())
    return VariableOperand(text, found, truth)


def _ordered(left: Any, operator: ast.Operator, right: Any) -> bool:
    op = ast.Operator
    if operator is op.EQ:
        return bool(left == right)
    if operator in (op.LT, op.BEFORE):
        return bool(left < right)
    if operator in (op.GT, op.AFTER):
        return bool(left > right)
    if operator is op.LE:
        return bool(left <= right)
    if operator is op.GE:
        return bool(left >= right)
    msg = f"unexpected operator {operator!r}"
    raise AssertionError(msg)


def compare_variable(value: Any, operator: ast.Operator, operand: VariableOperand) -> bool:
    """A decoded JSON value against a literal, for a positive operator (two-valued)."""
    from tests.server.naive_eval import like_match  # the evaluator's own LIKE

    if operand.null:
        return operator is ast.Operator.EQ and value is None
    if value is None:
        return False
    if operator is ast.Operator.LIKE:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return like_match(text, operand.text)
    if isinstance(value, str):
        return _ordered(value, operator, operand.text)
    if isinstance(value, bool):
        return operand.truth is not None and _ordered(int(value), operator, int(operand.truth))
    if isinstance(value, (int, float)):
        return operand.number is not None and _ordered(value, operator, operand.number)
    return _ordered(json.dumps(value, sort_keys=True), operator, operand.text)


def custom_items(
    owner_type: str,
    owner: Mapping[str, Any],
    configurations: list[Mapping[str, Any]],
    stored: Mapping[tuple[str, str], Any],
) -> list[dict[str, Any]]:
    """The ``custom_attributes`` items of a context of concrete type ``owner_type`` with
    values ``owner``, in configuration order."""
    if owner_type == "Project":
        kind, object_type, project = "show", None, owner["id"]
    else:
        kind, object_type, project = "task", owner.get("object_type_id"), owner.get("project_id")
    items: list[dict[str, Any]] = []
    for config in configurations:
        if not applies(config, kind, object_type, project):
            continue
        ident = (config["id"], owner["id"])
        items.append(
            {
                "configuration_id": config["id"],
                "entity_id": owner["id"],
                "key": config.get("key"),
                "value": stored[ident] if ident in stored else config.get("default"),
            }
        )
    return items
