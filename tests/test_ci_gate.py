"""The CI gate (tests/ci_gate.py): a skipped browser test fails under CI, and only then."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

TESTS = """
import pytest

@pytest.mark.browser
def test_needs_chromium():
    pytest.skip("no chromium here")

@pytest.mark.browser
@pytest.mark.skipif(True, reason="no [browser] extra")
def test_marked_skip():
    pass

def test_plain_skip():
    pytest.skip("not a browser test")

@pytest.mark.browser
def test_runs():
    assert True
"""


def run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(TESTS)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(HERE)
    plugins = ["-p", "ci_gate", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *plugins, "-rA", "-o", "markers=browser: a browser"]
        + [str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("ci", [None, "false"])
def test_outside_ci_browser_tests_skip(tmp_path, ci):
    done = run(tmp_path, ci)
    assert done.returncode == 0, done.stdout
    assert "1 passed, 3 skipped" in done.stdout


def test_under_ci_a_skipped_browser_test_fails_and_says_why(tmp_path):
    done = run(tmp_path, "true")
    assert done.returncode == 1, done.stdout
    # a skip in the test fails it; a skip mark (checked in setup) errors it
    assert "1 failed, 1 passed, 1 skipped, 1 error" in done.stdout
    assert "FAILED test_sample.py::test_needs_chromium" in done.stdout
    assert "ERROR test_sample.py::test_marked_skip" in done.stdout
    assert "CI must run it" in done.stdout and "no chromium here" in done.stdout
