"""The ``ftorm`` command line: one module per subcommand, each with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence

__all__ = ["main"]

# Subcommand modules under ftorm.cli; each defines register(subparsers) which adds a parser
# whose ``handler`` default is a function taking the parsed namespace and returning an exit code.
_COMMANDS = ("demo", "parse", "query", "generate", "serve", "clone", "dump", "load")


_MARKUP = re.compile(r"``(.+?)``|`([^`]+)`", re.S)
"""Inline code in the docstrings the help texts come from: shown as plain text."""


def plain(text: str) -> str:
    """``text`` without its reStructuredText inline code marks (````x```` and ```x```)."""
    return _MARKUP.sub(lambda m: m.group(1) or m.group(2), text)


class _PlainFormatter(argparse.HelpFormatter):
    """Help in plain text: descriptions and option help written for the docs lose their
    markup."""

    def _format_text(self, text: str) -> str:
        return super()._format_text(plain(text))

    def _expand_help(self, action: argparse.Action) -> str:
        return plain(super()._expand_help(action))


def build_parser() -> argparse.ArgumentParser:
    """The ``ftorm`` argument parser, with one subcommand per module in ``_COMMANDS``."""
    from ftorm import __version__

    parser = argparse.ArgumentParser(
        prog="ftorm",
        description="Typed ORM-style access to ftrack, and an embedded server.",
        formatter_class=_PlainFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ftorm {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        module = importlib.import_module(f"ftorm.cli.{name}")
        module.register(subparsers)
    for subparser in subparsers.choices.values():
        subparser.formatter_class = _PlainFormatter
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
