"""Tests for micrograd_beans/anomaly.py: detect_anomaly names the first op that makes a nan
or an infinity, forward and backward (in backward() and grad()), and leaves the engine as it
was, also when blocks open and close in several threads."""

from __future__ import annotations

import math
import threading

import pytest

from micrograd_beans import engine
from micrograd_beans.anomaly import detect_anomaly
from micrograd_beans.engine import Value, affine
from micrograd_beans.gradients import grad
from micrograd_beans.nn import MLP


def test_forward_anomaly_names_the_op_and_its_inputs():
    w, x = Value(1e200, label="w"), Value(1e200, label="x")
    assert math.isinf((w * x).data)  # outside: unchanged, inf goes through
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        w * x
    assert "'*'" in str(info.value) and "w=1e+200" in str(info.value)
    assert "x=1e+200" in str(info.value)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"'\+'.*n=nan"):
        Value(math.nan, label="n") + 1.0
    with detect_anomaly(), pytest.raises(FloatingPointError, match="'affine'.*w=1e\\+200"):
        affine([w], [x], 0.0)


def test_backward_anomaly_names_the_first_op():
    x = Value(1e-320, label="x")
    loss = x.log() * 3.0  # log is finite; its derivative 1/x is not
    loss.backward()
    assert math.isinf(x.grad)
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"backward of 'log' on \(x=1e-320\)"):
            loss.backward()
        with pytest.raises(FloatingPointError, match="'log'"):
            grad(loss, x)
        with pytest.raises(FloatingPointError, match="'log'"):
            grad(loss, x, create_graph=True)


def test_no_false_alarm_for_gradients_of_numbers():
    # d(x**2)/d(2) = x**2 ln x is nan for x < 0; nobody asked for it, so no anomaly.
    x = Value(-3.0, label="x")
    with detect_anomaly():
        y = x**2
        y.backward()
        assert x.grad == -6.0
        assert grad(y, x) == -6.0
        d = grad(y, x, create_graph=True)
        assert grad(d, x) == 2.0
        d.backward()
    # but a nan gradient for an exponent that is a variable is one
    b = Value(2.0, label="b")
    with detect_anomaly(), pytest.raises(FloatingPointError, match="input 2 \\(b=2.0\\)"):
        (x**b).backward()


def test_anomaly_mode_restores_the_engine():
    rows, backward = dict(engine.OPS), Value.backward
    with pytest.raises(FloatingPointError), detect_anomaly():
        with detect_anomaly():
            pass
        assert rows != engine.OPS and Value.backward is not backward  # still inside the outer block
        Value(1e300) * 1e300
    assert all(engine.OPS[name] is row for name, row in rows.items()) and rows == engine.OPS
    assert Value.backward is backward
    assert math.isinf((Value(1e300) * 1e300).data)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value(1e300) * 1e300,  # an operator method
        lambda: 1e300 * Value(1e300),  # a reflected one
        lambda: Value(math.nan).sigmoid(),  # a unary one
        lambda: affine([Value(1e300)], [1e300], 0.0),  # an op of any arity
    ],
)
def test_anomaly_mode_reaches_every_kind_of_operator_method(make):
    with pytest.raises(FloatingPointError, match="detect_anomaly"), detect_anomaly():
        make()
    assert not math.isfinite(make().data)  # outside the block: the plain rules again


def test_anomaly_mode_gives_the_same_gradients():
    def run():
        w, x = Value(0.3, label="w"), Value(-1.1, label="x")
        e = ((w * x).sigmoid() - 1.0) ** 2 + affine([w], [x], 0.5).relu() / (x * x + 1)
        e.backward()
        e.backward()
        return w.grad, x.grad, grad(e, [w, x])

    plain = run()
    with detect_anomaly():
        checked = run()
    assert checked == plain
    leaf = Value(2.0)
    with detect_anomaly():
        leaf.backward()
        leaf.backward()
    assert leaf.grad == 2.0


def test_detect_anomaly_is_process_wide_as_documented():
    started, release = threading.Event(), threading.Event()

    def hold_the_mode():
        with detect_anomaly():
            started.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_mode)
    holder.start()
    started.wait(10)
    try:
        with pytest.raises(FloatingPointError):
            Value(1e200) * Value(1e200)  # another thread's block checks this one too
    finally:
        release.set()
        holder.join()
    assert (Value(1e200) * Value(1e200)).data == math.inf  # and the checks end with it


def test_detect_anomaly_from_many_threads_restores_the_engine():
    before = dict(engine.OPS)
    barrier = threading.Barrier(8)

    def nest():
        barrier.wait(10)
        for _ in range(50):
            with detect_anomaly():
                Value(1.0) * 2.0

    threads = [threading.Thread(target=nest) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(engine.OPS[name] is row for name, row in before.items())
    assert (Value(1e200) * Value(1e200)).data == math.inf


def test_a_model_built_inside_the_block_stops_checking_after_it():
    """A neuron holds its activation's method; the block's checking rule must leave with it."""
    with detect_anomaly():
        model = MLP(1, [1], activation="relu", output_activation="relu")
        neuron = model.layers[0].neurons[0]
        neuron.w[0].data, neuron.b.data = 1.0, math.inf
        with pytest.raises(FloatingPointError, match="'relu' failed"):
            neuron._act(Value(math.inf))  # the method the neuron holds checks inside
    assert neuron._act(Value(math.inf)).data == math.inf  # and not after: inf, as PyTorch
    assert model(1.0).data == math.inf
