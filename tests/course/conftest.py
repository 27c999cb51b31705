"""Fixtures the course's plot and animation tests share: bump and disc beans, and closing
every figure a test drew."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def close_figures():
    import matplotlib.pyplot as plt  # not at import: each test module picks its backend first

    yield
    plt.close("all")


@pytest.fixture
def bump():
    rng = np.random.default_rng(0)
    xs = np.sort(rng.random(100) * 2)
    yi = 0.7 * xs + (0.5 - rng.random(100)) / 50 + 0.5
    return xs, ((yi > 0.8) & (yi < 1.4)).astype(float)


@pytest.fixture
def disc():
    rng = np.random.default_rng(1)
    X = rng.random((100, 2)) * 2
    return X, ((X[:, 0] - 1) ** 2 + (X[:, 1] - 0.3) ** 2 < 0.5).astype(float)
