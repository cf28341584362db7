"""The ``ftorm`` command line: one module per subcommand, each with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

# Subcommand modules under ftorm.cli; each defines register(subparsers) which adds a parser
# whose ``handler`` default is a function taking the parsed namespace and returning an exit code.
_COMMANDS = ("demo", "parse", "query", "generate", "serve", "clone", "dump", "load")


def build_parser() -> argparse.ArgumentParser:
    """The ``ftorm`` argument parser, with one subcommand per module in ``_COMMANDS``."""
    parser = argparse.ArgumentParser(
        prog="ftorm", description="Typed ORM-style access to ftrack, and an embedded server."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        module = importlib.import_module(f"ftorm.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ftorm`` command with ``argv`` (default: ``sys.argv[1:]``); the exit code.

    Without a subcommand, prints the help to stderr and returns 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    code: int = handler(args)
    return code
