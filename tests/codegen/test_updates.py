"""Tests for codegen/updates.py: each optimizer described once, as data, for the loops."""

from __future__ import annotations

import math

import pytest

from micrograd_beans import Value
from micrograd_beans.codegen import compile_graph
from micrograd_beans.codegen.updates import UPDATES, Update, update_for
from micrograd_beans.optim import SGD, Adam, Optimizer


def test_each_optimizer_class_has_its_update_and_subclasses_have_none():
    p = [Value(1.0)]
    assert update_for(SGD(p, 0.1)) is UPDATES["sgd"]
    assert update_for(SGD(p, 0.1, momentum=0.5)) is UPDATES["momentum"]
    assert update_for(Adam(p)) is UPDATES["adam"]

    class Mine(Adam):  # may override step: the generated update would not be its own
        pass

    assert update_for(Mine(p)) is None and update_for(object()) is None


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, 0.1),
        lambda ps: SGD(ps, 0.1, momentum=0.9),
        lambda ps: Adam(ps, 0.01, betas=(0.8, 0.99), eps=1e-6),
    ],
    ids=["sgd", "momentum", "adam"],
)
def test_read_and_write_hand_an_optimizers_state_over_and_back(make):
    params = [Value(0.5), Value(-1.5)]
    opt = make(params)
    for _ in range(3):  # some running state first
        opt.zero_grad()
        (params[0] * params[1] * params[1]).backward()
        opt.step()
    update = update_for(opt)
    hyper, state = update.read(opt)
    assert len(hyper) == len(update.hyper)
    assert len(state) == len(update.counters) + len(update.slots)
    twin = make([Value(0.0), Value(0.0)])
    update.write(twin, state)
    assert twin.state_dict() == opt.state_dict()


def test_momentums_first_velocity_is_the_gradient_to_the_bit():
    # optim.SGD starts with v = g; the loop starts from -0.0, and mu * -0.0 + g is g exactly
    _, state = UPDATES["momentum"].read(SGD([Value(1.0), Value(2.0)], 0.1, momentum=0.9))
    assert state == ([-0.0, -0.0],) and all(math.copysign(1, v) < 0 for v in state[0])
    for g in (0.0, -0.0, 1e-310, -3.5, math.inf):
        v = 0.9 * -0.0 + g
        assert v == g and math.copysign(1, v) == math.copysign(1, g)


def test_a_new_optimizer_is_one_entry(monkeypatch):
    """The loop writer takes anything described as an `Update`: here SGD with a decaying
    step, θ ← θ - lr / k · g on the k-th update (its count is state that comes back)."""
    decaying = Update(
        "decaying",
        "SGD with a decaying step",
        hyper=("lr",),
        per_param=("{p} -= step_size * {g}",),
        read=lambda opt: ((opt.lr,), (opt.k,)),
        write=lambda opt, state: setattr(opt, "k", state[0]),
        counters=("step",),
        per_update=("step += 1", "step_size = lr / step"),
    )
    monkeypatch.setitem(UPDATES, "decaying", decaying)
    w = Value(2.0, label="w")
    x = Value(0.0, label="x")
    e = (w * x - 1.0) ** 2
    compiled = compile_graph(e, [x], [w])
    train = compiled.optimizer_loop("decaying").function
    final, state, _, _ = train([(1.0,), (0.5,)], [2.0], (0,), (0.1,), 1, 1, ())
    w1 = 2.0 - 0.1 / 1 * (2 * (2.0 * 1.0 - 1.0) * 1.0)
    w2 = w1 - 0.1 / 2 * (2 * (w1 * 0.5 - 1.0) * 0.5)
    assert final == [pytest.approx(w2, rel=1e-15)] and state == (2,)

    class Decaying(Optimizer):
        k = 0

    opt = Decaying([Value(0.0)], 0.1)
    decaying.write(opt, state)
    assert opt.k == 2
