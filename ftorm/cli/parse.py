"""``ftorm parse TEXT``: print a query's canonical text (or its tree with ``--tree``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ftorm.errors import QuerySyntaxError
from ftorm.query import ast
from ftorm.query.parser import parse

__all__ = ["register", "run", "tree"]


def register(subparsers: Any) -> None:
    """Add the ``parse`` command to the ``ftorm`` argument parser's ``subparsers``."""
    parser = subparsers.add_parser(
        "parse",
        help="parse ftrack query text and print its canonical form",
        description="Parse ftrack query text; print the canonical text, or the AST with --tree.",
    )
    parser.add_argument("text", help="the query, e.g. 'Shot where parent.name like \"sq01%%\"'")
    parser.add_argument("--tree", action="store_true", help="print the syntax tree instead")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the canonical text (or tree) of ``args.text``; exit status 2 for bad text."""
    try:
        query = parse(args.text)
    except QuerySyntaxError as error:
        print(f"ftorm parse: {error}", file=sys.stderr)
        return 2
    print(tree(query) if args.tree else str(query))
    return 0


def tree(node: object, indent: str = "") -> str:
    """An indented outline of an AST, one node per line; paths and values on their line."""
    match node:
        case ast.Path():
            return f"{indent}Path {node}"
        case ast.String() | ast.Integer() | ast.Decimal() | ast.Boolean() | ast.Null() | ast.Bare():
            return f"{indent}{type(node).__name__} {node}"
        case ast.Node():
            pass
        case _:
            return f"{indent}{node!r}"
    lines = [f"{indent}{type(node).__name__}"]
    for field in type(node).__attrs_attrs__:  # type: ignore[attr-defined]
        value = getattr(node, field.name)
        if value is None or value == ():
            continue
        if isinstance(value, tuple):
            lines.append(f"{indent}  {field.name}:")
            lines.extend(tree(item, indent + "    ") for item in value)
        elif isinstance(value, ast.Node):
            lines.append(f"{indent}  {field.name}:")
            lines.append(tree(value, indent + "    "))
        else:
            lines.append(f"{indent}  {field.name}: {value}")
    return "\n".join(lines)
