"""Shared test configuration: hypothesis profiles, and the fixtures the picture-writing
tests share (`headless`, `picture`, `no_renderer`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Under CI a skipped `browser` test is a failure (see tests/ci_gate.py).
pytest_plugins = ["ci_gate"]

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


# --- the op table: a test that defines an op puts the engine back (tests/engine_state.py) ----


@pytest.fixture(autouse=True)
def _no_op_outlives_its_test():
    """A user op left in the table changes what later tests meet (the op list, the generated
    backward loop), and only in some test orders: every test must leave the table as it found
    it."""
    from micrograd_beans.engine import ops

    before = set(ops.OPS)
    yield
    added = set(ops.OPS) - before
    assert not added, f"ops {sorted(added)} outlived their test: define them in engine_restored()"


# --- pictures: demos and tours write real files, and no test opens a window ---------------------


@pytest.fixture
def headless(monkeypatch):
    """No display and a Linux platform, so matplotlib draws off screen; closes every figure."""
    import matplotlib.pyplot as plt

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    yield
    plt.close("all")


def _picture(path: Path) -> tuple[str, tuple[int, int], int, float]:
    from PIL import Image

    with Image.open(path) as im:
        fmt, size, frames = im.format, im.size, getattr(im, "n_frames", 1)
        im.seek(frames - 1)
        grey = np.asarray(im.convert("L"), dtype=float)
    return fmt, size, frames, float(grey.var())


@pytest.fixture
def picture():
    """`picture(path)`: (format, size, frames, grey-level variance of the last frame) of an
    image file; a variance far above 0 means something was drawn."""
    return _picture


@pytest.fixture
def no_renderer(monkeypatch, tmp_path):
    """Hide every Graphviz renderer: no env var, an empty PATH, an interpreter in an empty
    folder."""
    from micrograd_beans.render import ENV_VAR

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
