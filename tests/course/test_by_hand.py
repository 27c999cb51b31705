"""Tests for micrograd_beans/course/by_hand.py: the note's hand-derived gradients, checked against
the engine (to 1e-12) and both against central finite differences."""

from __future__ import annotations

import random

import numpy as np
import pytest

from micrograd_beans import Value
from micrograd_beans.course import by_hand

EPS = 1e-6


def note_network(params: dict[str, float], x: float, y: float):
    """The note's 1-2-1 network written directly with Values and the note's names."""
    p = {name: Value(v, label=name) for name, v in params.items()}
    a1_1 = (p["w11_1"] * x + p["b1_1"]).sigmoid()
    a2_1 = (p["w12_1"] * x + p["b2_1"]).sigmoid()
    a1_2 = (p["w11_2"] * a1_1 + p["w21_2"] * a2_1 + p["b1_2"]).sigmoid()
    e = (y - a1_2) ** 2
    return p, a1_2, e


def finite_difference(params: dict[str, float], name: str, x: float, y: float) -> float:
    up, down = dict(params), dict(params)
    up[name] += EPS
    down[name] -= EPS
    return (by_hand.squared_error(up, x, y) - by_hand.squared_error(down, x, y)) / (2 * EPS)


def random_case(rng: random.Random):
    # The note's start is U[0, 1); trained weights reach about ±16, so cover both.
    scale = rng.choice([1.0, 16.0])
    params = {n: rng.uniform(-scale, scale) for n in by_hand.PARAM_NAMES}
    return params, rng.uniform(0.0, 2.0), float(rng.random() < 0.5)


@pytest.mark.parametrize("seed", range(300))
def test_engine_equals_hand_derived_and_both_equal_finite_differences(seed):
    params, x, y = random_case(random.Random(seed))
    p, a1_2, e = note_network(params, x, y)
    e.backward()
    hand = by_hand.gradients(params, x, y)
    assert a1_2.data == pytest.approx(by_hand.forward(params, x)["a1_2"], rel=1e-12)
    for name in by_hand.PARAM_NAMES:
        assert p[name].grad == pytest.approx(hand[name], rel=1e-12, abs=1e-300), name
        fd = finite_difference(params, name, x, y)
        assert hand[name] == pytest.approx(fd, rel=1e-6, abs=1e-9), name


def test_forward_gives_every_intermediate_with_the_note_names():
    params = dict(zip(by_hand.PARAM_NAMES, [0.5, 0.1, 0.9, 0.3, 0.4, 0.7, 0.2], strict=True))
    f = by_hand.forward(params, 1.0)
    assert set(f) == {"z1_1", "a1_1", "z2_1", "a2_1", "z1_2", "a1_2"}
    assert f["z1_1"] == pytest.approx(0.6)
    assert f["a1_1"] == pytest.approx(1 / (1 + np.exp(-0.6)))
    assert f["z1_2"] == pytest.approx(0.4 * f["a1_1"] + 0.7 * f["a2_1"] + 0.2)


def test_sigmoid_is_stable_for_extreme_inputs():
    assert by_hand.sigmoid(-1000.0) == 0.0
    assert by_hand.sigmoid(1000.0) == 1.0


def test_sgd_step_updates_with_all_gradients_taken_first():
    params = {n: 0.5 for n in by_hand.PARAM_NAMES}
    grads = by_hand.gradients(params, 0.8, 1.0)
    stepped = dict(params)
    by_hand.sgd_step(stepped, 0.8, 1.0, alpha=0.03)
    for name in by_hand.PARAM_NAMES:
        assert stepped[name] == 0.5 - 0.03 * grads[name]


def test_the_note_loop_learns_the_bump():
    rng = np.random.default_rng(3)
    xs = np.sort(rng.random(100) * 2)
    ys = ((0.7 * xs + 0.5 > 0.8) & (0.7 * xs + 0.5 < 1.4)).astype(float)
    start = random.Random(1)
    params = {n: start.random() for n in by_hand.PARAM_NAMES}

    def loss(p):
        return sum(by_hand.squared_error(p, x, y) for x, y in zip(xs, ys, strict=True)) / 100

    before = loss(params)
    by_hand.train(params, xs, ys, alpha=0.03, epochs=1000)
    assert loss(params) < 0.5 * before


def test_train_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        by_hand.train({n: 0.5 for n in by_hand.PARAM_NAMES}, [0.1, 0.2], [1.0], epochs=1)


def test_the_notes_defaults_are_alpha_003_and_5000_epochs():
    """train() and sgd_step() with no alpha/epochs run the note's α = 0.03 for 5000 epochs:
    the same floats as giving them, and not those of a neighbouring α or epoch count."""
    xs, ys = [0.2, 0.5, 0.8], [0.0, 1.0, 0.0]
    start = {"w11_1": 0.3, "b1_1": 0.1, "w12_1": 0.6, "b2_1": 0.4}
    start.update({"w11_2": 0.5, "w21_2": 0.2, "b1_2": 0.7})
    default = by_hand.train(dict(start), xs, ys)
    assert default == by_hand.train(dict(start), xs, ys, alpha=0.03, epochs=5000)
    assert default != by_hand.train(dict(start), xs, ys, alpha=0.031, epochs=5000)
    assert default != by_hand.train(dict(start), xs, ys, alpha=0.03, epochs=4999)
    one = dict(start)
    by_hand.sgd_step(one, 0.5, 1.0)
    explicit = dict(start)
    by_hand.sgd_step(explicit, 0.5, 1.0, alpha=0.03)
    assert one == explicit != start
