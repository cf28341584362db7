"""Writing one benchmark's section of ``docs/benchmarks.md`` (shared by the benchmarks)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"


def write_section(path: Path, heading: str, section: str) -> None:
    """Replace (or append) the ``heading`` section of ``path``, leaving the rest alone.

    ``section`` starts with the ``heading`` line itself.
    """
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        body = text.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        after = "".join(lines[end:])
        body = "".join(lines[:start]) + section + ("\n" + after if after else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, "utf-8")


def publish(heading: str, section: str, *, write: bool) -> int:
    """Print ``section`` and, with ``write``, make it the ``heading`` section of the
    benchmarks page; the exit status (0)."""
    print(section)
    if write:
        write_section(DOCS, heading, section)
    return 0
