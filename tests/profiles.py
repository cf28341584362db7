"""Hypothesis profiles, chosen with ``HYPOTHESIS_PROFILE`` (default ``ci``), and `scaled`, the
example count of a test that runs fewer examples than the profile's default."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

BASE = 100
"""The ``ci`` profile's examples per test: what the counts given to `scaled` are relative to."""

settings.register_profile(
    "ci",
    max_examples=BASE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.register_profile(
    "long",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def scaled(examples: int) -> int:
    """``examples`` under the ``ci`` profile, scaled to the loaded one: 60 stays 60 under
    ``ci``, becomes 18 under ``dev`` and 1,200 under ``thorough`` (at least 1)."""
    return max(1, examples * settings.default.max_examples // BASE)
