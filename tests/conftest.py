"""Shared test configuration."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# --- hypothesis profiles (property tests: tests/test_properties.py) --------------------------
# "ci" (default) keeps the whole property suite around ten seconds on a busy machine;
# HYPOTHESIS_PROFILE=thorough runs twenty times as many examples per test.
settings.register_profile("ci", max_examples=100, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
