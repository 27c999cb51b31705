"""A pytest plugin (loaded by tests/conftest.py): under CI, a skipped browser test fails.

Tests marked `browser` skip on a developer's machine without Chromium or the [browser] extra.
CI must run them, so when the environment variable CI is set (to anything but "", 0, false
or no; `.ci/run` sets CI=true for the README's test command) such a skip is reported as a
failure that says why the test could not run.
"""

from __future__ import annotations

import os

import pytest

MARKER = "browser"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker(MARKER) is not None and under_ci():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"a {MARKER} test was skipped under CI (CI={os.environ.get('CI')!r}), and CI must "
            f"run it: {reason}"
        )
