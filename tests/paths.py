"""Where the project and the read-only reference material beside it are."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The project's root folder."""
SHARED = ROOT.parent / "shared"
"""``../shared`` beside the project (may be absent: tests that need it skip)."""
REFERENCE = SHARED / "reference"
FIXTURES = REFERENCE / "fixtures"
