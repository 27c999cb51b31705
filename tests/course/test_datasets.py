"""Tests for micrograd_beans/course/datasets.py: every generator's shape, formula, order, seeding
and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_beans.course import datasets as ds

ONE_INPUT = ["line", "offset-line", "threshold", "bump", "two-bump"]
TWO_INPUTS = ["plane", "disc", "spiral"]


@pytest.mark.parametrize("name", ONE_INPUT + TWO_INPUTS)
def test_shapes_types_and_seeding(name):
    make = ds.DATASETS[name]
    xs, ys = make(40, seed=5)
    assert xs.shape == ((40,) if name in ONE_INPUT else (40, 2))
    assert ys.shape == (40,)
    assert xs.dtype == ys.dtype == np.float64
    again = make(40, seed=5)
    assert np.array_equal(xs, again[0]) and np.array_equal(ys, again[1])
    other = make(40, seed=6)
    assert not np.array_equal(xs, other[0])
    gx, gy = make(40, seed=np.random.default_rng(5))
    assert np.array_equal(gx, xs) and np.array_equal(gy, ys)
    assert len(make()[0]) == 100  # the course's 100 beans


@pytest.mark.parametrize("name", ONE_INPUT)
def test_one_input_beans_are_sorted(name):
    xs, _ = ds.DATASETS[name](200, seed=1)
    assert np.all(np.diff(xs) >= 0)


def test_line_formulas():
    xs, ys = ds.line_beans(500, seed=0)
    assert np.all((xs >= 0) & (xs < 1))
    noise = ys - 1.2 * xs
    assert np.all((noise >= 0) & (noise < 0.1))
    xs, ys = ds.offset_line_beans(500, seed=0)
    noise = ys - (0.7 * xs + 0.5)
    assert np.all(np.abs(noise) <= 0.1) and noise.min() < -0.08 and noise.max() > 0.08


def test_threshold_labels_switch_near_0_43():
    xs, ys = ds.threshold_beans(1000, seed=2)
    assert set(np.unique(ys)) == {0.0, 1.0}
    assert np.all(ys[xs < 0.41] == 0) and np.all(ys[xs > 0.45] == 1)


def test_bump_is_the_notes_get_beans3():
    xs, ys = ds.bump_beans(1000, seed=3)
    assert np.all((xs >= 0) & (xs < 2))
    assert np.all(ys[(xs > 0.46) & (xs < 1.26)] == 1)
    assert np.all(ys[(xs < 0.40) | (xs > 1.32)] == 0)
    gx, gy = ds.get_beans3(1000, seed=3)
    assert np.array_equal(gx, xs) and np.array_equal(gy, ys)


def test_two_bump_adds_a_second_band():
    xs, ys = ds.two_bump_beans(2000, seed=4)
    bx, by = ds.bump_beans(2000, seed=4)
    assert np.array_equal(xs, bx)
    assert np.all(ys >= by)  # every toxic bean of the bump is still toxic
    assert np.all(ys[(xs > 1.6) & (xs < 1.84)] == 1)
    assert np.all(ys[(xs > 1.32) & (xs < 1.53)] == 0)


def test_plane_and_disc_labels():
    xs, ys = ds.plane_beans(500, seed=0)
    assert np.all((xs >= 0) & (xs < 2))
    assert np.array_equal(ys, (xs[:, 0] - 0.5 * xs[:, 1] - 0.1 > 0).astype(float))
    xs, ys = ds.disc_beans(500, seed=0)
    inside = (xs[:, 0] - 1) ** 2 + (xs[:, 1] - 0.3) ** 2 < 0.5
    assert np.array_equal(ys, inside.astype(float)) and 0 < ys.sum() < 500


def test_spiral_classes_and_radius():
    xs, ys = ds.spiral_beans(101, seed=0)
    assert ys[:51].tolist() == [1.0] * 51 and ys[51:].tolist() == [0.0] * 50
    r = np.hypot(xs[:, 0], xs[:, 1])
    assert r.max() < 5 + 0.15
    # the first point of each arm sits at the centre, up to the noise
    assert np.all(np.abs(xs[0]) <= 0.1) and np.all(np.abs(xs[51]) <= 0.1)
    # with equal arms, point i of one arm mirrors point i of the other through the centre
    xs, _ = ds.spiral_beans(100, seed=0)
    assert np.hypot(*xs[25]) > 2.3
    assert np.allclose(xs[25], -xs[75], atol=0.2)


@pytest.mark.parametrize("name", list(ds.DATASETS))
@pytest.mark.parametrize(
    ("counts", "error"),
    [
        (0, ValueError),
        (-3, ValueError),
        (2.5, TypeError),
        ("10", TypeError),
        (True, TypeError),
        (None, TypeError),
    ],
)
def test_bad_counts(name, counts, error):
    with pytest.raises(error, match="counts"):
        ds.DATASETS[name](counts)


def test_bad_seed_and_name():
    with pytest.raises(TypeError, match="seed"):
        ds.bump_beans(10, seed="0")
    with pytest.raises(TypeError, match="seed"):
        ds.bump_beans(10, seed=1.5)
    with pytest.raises(ValueError, match="seed"):
        ds.bump_beans(10, seed=-1)
    with pytest.raises(ValueError, match="unknown dataset 'beans'.*bump"):
        ds.get_dataset("beans")
    assert ds.get_dataset("bump") is ds.bump_beans
    assert ds.spiral_beans(2)[0].shape == (2, 2)
    with pytest.raises(ValueError, match="at least 2"):
        ds.spiral_beans(1)


def test_numpy_integer_counts():
    assert ds.bump_beans(np.int64(7), seed=0)[0].shape == (7,)
