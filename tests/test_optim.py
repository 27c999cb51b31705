"""Tests for micrograd_beans/optim.py: the note's update, momentum and Adam, with the
expected numbers of the first steps written out."""

from __future__ import annotations

import pytest

from micrograd_beans import Value
from micrograd_beans.course import by_hand
from micrograd_beans.losses import squared_error
from micrograd_beans.nn import MLP
from micrograd_beans.optim import SGD, Adam


def run(optimizer_factory, steps: int) -> list[float]:
    """Minimise p² from p = 1 (gradient 2p); the parameter after each step."""
    p = Value(1.0)
    opt = optimizer_factory([p])
    seen = []
    for _ in range(steps):
        opt.zero_grad()
        (p * p).backward()
        opt.step()
        seen.append(p.data)
    return seen


def test_sgd_is_the_notes_update_exactly():
    params = {
        "w11_1": 0.3,
        "b1_1": 0.6,
        "w12_1": 0.9,
        "b2_1": 0.1,
        "w11_2": 0.5,
        "w21_2": 0.7,
        "b1_2": 0.2,
    }
    model = MLP(1, [2, 1])
    model.load_state_dict(params)
    opt = SGD(model.parameters(), lr=0.03)
    expected = dict(params)
    for x, y in [(0.2, 0.0), (0.8, 1.0), (1.5, 0.0)]:
        squared_error(model(x), y).backward()
        opt.step()
        opt.zero_grad()
        by_hand.sgd_step(expected, x, y, alpha=0.03)
    for name, v in model.state_dict().items():
        assert v == pytest.approx(expected[name], abs=1e-12)
    assert all(p.grad == 0.0 for p in model.parameters())


def test_sgd_numbers():
    assert run(lambda ps: SGD(ps, lr=0.1), 3) == pytest.approx([0.8, 0.64, 0.512], abs=1e-15)


def test_momentum_numbers():
    # v1 = g1 = 2; v2 = 0.9*2 + 1.6 = 3.4; v3 = 0.9*3.4 + 0.92 = 3.98 (PyTorch's form)
    got = run(lambda ps: SGD(ps, lr=0.1, momentum=0.9), 3)
    assert got == pytest.approx([0.8, 0.46, 0.062], abs=1e-15)


def test_adam_first_steps_match_pytorchs_formula():
    # m_t = 0.9 m + 0.1 g, v_t = 0.999 v + 0.001 g², θ -= lr m̂ / (√v̂ + eps), g = 2θ;
    # worked out to 40 digits with Python's decimal module.
    got = run(lambda ps: Adam(ps, lr=0.1), 3)
    expected = [0.9000000004999999975, 0.8004122286917921452, 0.7015862729460295452]
    assert got == pytest.approx(expected, abs=1e-13)


def test_adam_custom_betas_first_step_is_lr_sized():
    p = Value(3.0)
    opt = Adam([p], lr=0.01, betas=(0.5, 0.9), eps=0.0)
    p.grad = -7.0
    opt.step()
    assert p.data == pytest.approx(3.01, abs=1e-15)  # m̂/√v̂ = sign(g) on step 1
    assert opt.t == 1


def test_zero_grad():
    a, b = Value(1.0), Value(2.0)
    (a * b).backward()
    opt = SGD([a, b], lr=0.1)
    opt.zero_grad()
    assert a.grad == b.grad == 0.0


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda p: SGD(p, lr=0), ValueError, "lr"),
        (lambda p: SGD(p, lr=float("nan")), ValueError, "lr"),
        (lambda p: SGD(p, lr="0.1"), TypeError, "lr"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), ValueError, "momentum"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda p: SGD([], lr=0.1), ValueError, "empty"),
        (lambda p: SGD([1.0, 2.0], lr=0.1), TypeError, "Values"),
        (lambda p: Adam(p, betas=(0.9,)), TypeError, "betas"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError, "betas"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), ValueError, "betas"),
        (lambda p: Adam(p, eps=-1.0), ValueError, "eps"),
        # a parameter listed twice would move twice per step (torch warns that it will refuse)
        (lambda p: SGD(p + p, lr=0.1), ValueError, r"twice \('w' at positions 0 and 1\)"),
        (lambda p: Adam([*p, Value(2.0), *p]), ValueError, "positions 0 and 2"),
    ],
)
def test_bad_arguments(build, error, match):
    with pytest.raises(error, match=match):
        build([Value(1.0, label="w")])


def test_defaults_are_the_notes_alpha_and_pytorchs_adam():
    w = [Value(1.0)]
    assert (SGD(w).lr, SGD(w).momentum) == (0.03, 0.0)  # the note's α = 0.03
    adam = Adam(w)
    assert (adam.lr, adam.betas, adam.eps) == (0.001, (0.9, 0.999), 1e-8)  # torch.optim.Adam's


def test_the_edges_of_the_allowed_settings_are_allowed():
    """β = 0 (no running average: Adam's step is then g / (|g| + eps)) and eps = 0 are
    allowed, as in PyTorch; only β = 1 and beyond are refused."""
    w = Value(1.0)
    adam = Adam([w], lr=0.1, betas=(0.0, 0.0), eps=0.0)
    w.grad = -4.0
    adam.step()
    assert w.data == 1.1  # m̂ / √v̂ = -4 / 4 = -1, so w moves by +lr


def train_note(opt_factory, model: MLP, steps: range):
    """A few per-bean steps of the note's network, the optimizer made by `opt_factory`."""
    opt = opt_factory(model.parameters())
    for i in steps:
        x, y = 0.1 * (i % 17), float(5 <= i % 17 <= 12)
        opt.zero_grad()
        squared_error(model(x), y).backward()
        opt.step()
    return opt


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-7),
    ],
    ids=["sgd", "momentum", "adam"],
)
def test_state_dict_round_trip_resumes_training_exactly(make):
    import json

    # One run of 30 steps against 12 steps, a save through JSON, and 18 more steps on a new
    # optimizer (over a copy of the model) loaded from it: the same parameters, bit for bit.
    straight = MLP(1, [2, 1], seed=3)
    train_note(make, straight, range(30))

    first = MLP(1, [2, 1], seed=3)
    opt = train_note(make, first, range(12))
    saved = json.loads(json.dumps(opt.state_dict()))
    resumed = MLP(1, [2, 1], seed=3)
    resumed.load_state_dict(first.state_dict())
    fresh = make(resumed.parameters())
    fresh.load_state_dict(saved)
    assert fresh.state_dict() == saved
    for i in range(12, 30):
        x, y = 0.1 * (i % 17), float(5 <= i % 17 <= 12)
        fresh.zero_grad()
        squared_error(resumed(x), y).backward()
        fresh.step()
    assert resumed.state_dict() == straight.state_dict()


def test_state_dict_holds_the_settings_and_running_state():
    p, q = Value(1.0), Value(-2.0)
    momentum = SGD([p, q], lr=0.1, momentum=0.5)
    assert momentum.state_dict() == {
        "optimizer": "SGD",
        "lr": 0.1,
        "momentum": 0.5,
        "velocity": None,
    }
    p.grad, q.grad = 2.0, -4.0
    momentum.step()
    assert momentum.state_dict()["velocity"] == [2.0, -4.0]

    adam = Adam([p, q], lr=0.01)
    adam.step()
    state = adam.state_dict()
    assert state["optimizer"] == "Adam" and state["t"] == 1
    assert state["m"] == pytest.approx([0.2, -0.4]) and state["v"] == pytest.approx([4e-3, 16e-3])
    assert (state["betas"], state["eps"]) == ([0.9, 0.999], 1e-8)
    state["m"][0] = 99.0  # a copy: changing it leaves the optimizer alone
    assert adam.m[0] == pytest.approx(0.2)


def test_load_state_dict_restores_settings_too():
    adam = Adam([Value(1.0)], lr=0.01)
    adam.load_state_dict(
        {
            "optimizer": "Adam",
            "lr": 0.5,
            "betas": [0.5, 0.6],
            "eps": 0.0,
            "t": 4,
            "m": [0.25],
            "v": [0.125],
        }
    )
    assert (adam.lr, adam.betas, adam.eps, adam.t, adam.m, adam.v) == (
        0.5,
        (0.5, 0.6),
        0.0,
        4,
        [0.25],
        [0.125],
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"optimizer": "Adam"}, "from optimizer 'Adam', not 'SGD'"),
        ({"velocity": [1.0]}, "velocity must be a list of one number per parameter \\(2\\)"),
        ({"velocity": [1.0, float("nan")]}, "velocity must hold finite numbers"),
        ({"lr": -1.0}, "lr must be a finite number > 0"),
        ({"momentum": 1.5}, "momentum must be below 1"),
        ({"extra": 1}, r"unexpected \['extra'\]"),
    ],
)
def test_load_state_dict_checks_everything_before_changing_anything(change, message):
    opt = SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9)
    before = opt.state_dict()
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict({**before, **change})
    assert opt.state_dict() == before
    with pytest.raises(TypeError, match="needs a mapping"):
        opt.load_state_dict([("lr", 0.1)])


def test_adam_load_state_dict_rejects_a_bad_step_count_or_moments():
    adam = Adam([Value(1.0)])
    good = adam.state_dict()
    for change, message in [
        ({"t": -1}, "whole number >= 0"),
        ({"t": 1.5}, "whole number >= 0"),
        ({"v": [-1.0]}, "must not be negative"),
        ({"m": []}, "m must be a list of one number per parameter \\(1\\)"),
        ({"betas": [0.9, 1.0]}, r"betas must be in \[0, 1\)"),
    ]:
        with pytest.raises(ValueError, match=message):
            adam.load_state_dict({**good, **change})
    assert adam.state_dict() == good


def test_loading_the_state_of_an_adam_that_has_not_stepped_yet():
    """A fresh Adam's state (t = 0, zero moments) loads into another, which then takes the
    first step PyTorch takes: lr times the gradient's sign."""
    a, b = Value(1.0), Value(-2.0)
    fresh = Adam([a, b], lr=0.1, betas=(0.8, 0.9), eps=1e-8)
    state = fresh.state_dict()
    assert state["t"] == 0 and state["m"] == [0.0, 0.0] and state["v"] == [0.0, 0.0]
    c, d = Value(1.0), Value(-2.0)
    other = Adam([c, d], lr=0.5)  # other settings: the loaded ones win
    other.t, other.m, other.v = 7, [1.0, 1.0], [1.0, 1.0]
    other.load_state_dict(state)
    assert other.state_dict() == state
    c.grad, d.grad = 3.0, -0.5
    other.step()
    # the first step: m̂ = g and v̂ = g², so lr · g / (|g| + eps)
    assert c.data == pytest.approx(1.0 - 0.1 * 3.0 / (3.0 + 1e-8), rel=1e-14)
    assert d.data == pytest.approx(-2.0 + 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-14)
    assert other.t == 1


def test_a_neurons_parameters_are_its_weights_then_its_bias():
    from micrograd_beans.nn import Neuron

    neuron = Neuron(3, seed=0)
    params = neuron.parameters()
    assert params == [*neuron.w, neuron.b] and all(
        p is q for p, q in zip(params, [*neuron.w, neuron.b], strict=True)
    )
    assert [p.label for p in params] == ["w11_1", "w21_1", "w31_1", "b1_1"]
    assert params is not neuron.parameters()  # a new list each time: safe to change
    unbiased = Neuron(2, bias=False, seed=0)
    assert unbiased.parameters() == unbiased.w and unbiased.parameters() is not unbiased.w
