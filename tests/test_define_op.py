"""define_op: a new primitive in one line, working everywhere an op works; and sin/cos."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_beans import Value, define_op, detect_anomaly, engine, grad, gradcheck
from micrograd_beans.codegen import CodegenError, compile_graph
from micrograd_beans.engine import ops, speed
from micrograd_beans.viz import draw_dot


@pytest.fixture
def scratch_ops():
    """Put the engine back as it was after the test (define_op adds rows and methods)."""
    tables = (ops.OPS, ops.OP_FUNCTIONS, ops.NAMESPACE)
    saved = [dict(t) for t in tables]
    source = engine.BACKWARD_SOURCE
    yield
    for name in set(ops.OPS) - set(saved[0]):
        if name in vars(Value):
            delattr(Value, name)
    for table, old in zip(tables, saved, strict=True):
        table.clear()
        table.update(old)
    speed.install()  # the methods and the backward loop from the table as it was
    assert source == engine.BACKWARD_SOURCE


def smoothplus(scratch_ops):
    return define_op("smoothplus", "log(1.0 + exp(a))", "g * sigmoid(a)")


# --- sin and cos, rows of the table -------------------------------------------------------


@given(st.floats(-10.0, 10.0))
def test_sin_and_cos_values_and_derivatives(x):
    v = Value(x)
    s, c = v.sin(), v.cos()
    assert s.data == math.sin(x) and c.data == math.cos(x)
    assert grad(s, v) == math.cos(x) and grad(c, v) == -math.sin(x)


def test_sin_and_cos_to_second_order_and_in_code():
    assert gradcheck(lambda x, y: (x * y).sin() * y.cos(), [0.4, -1.3], order=2)
    x, w = Value(0.4, label="x"), Value(-1.3, label="w")
    y = (x * w).sin() + w.cos()
    y.backward()
    compiled = compile_graph(y, [x], [w])
    out, grads = compiled([0.4])
    assert (out, grads) == (y.data, [w.grad])  # the engine's floats, bit for bit
    batch_out, batch_grads = compiled.batched([np.array([0.4, 0.4])])
    assert batch_grads[0] == pytest.approx(2 * w.grad, rel=1e-14)
    assert "sin(" in compiled.source and "cos(" in compiled.source
    assert (x.sin())._op == "sin"


# --- a user's op -------------------------------------------------------------------------


def test_a_user_op_is_a_method_with_its_value_and_gradient(scratch_ops):
    op = smoothplus(scratch_ops)
    assert engine.OPS["smoothplus"] is op
    x = Value(0.3)
    y = x.smoothplus()
    assert y.op == "smoothplus" and y._op == "smoothplus" and y.parents == (x,)
    assert y.data == math.log(1.0 + math.exp(0.3))
    y.backward()
    assert x.grad == 1.0 / (1.0 + math.exp(-0.3))
    # its derivative was pasted into the backward loop, written again
    assert "elif op == 'smoothplus':" in engine.BACKWARD_SOURCE


def test_a_user_op_passes_gradcheck_to_second_order(scratch_ops):
    smoothplus(scratch_ops)
    define_op("leaky_relu", "relu(a) - 0.01 * relu(-a)", "g * (0.01 + 0.99 * step(a))")
    f = lambda x, w: (x * w).smoothplus() * (x - w).leaky_relu()  # noqa: E731
    for point in ([0.3, -1.2], [1.5, 0.7], [-0.4, 0.9]):
        result = gradcheck(f, point, order=2)
        assert result, str(result)
    assert gradcheck(f, [0.3, -1.2], order=3)  # and third, through sigmoid's own rule


def test_math_functions_in_the_derivative_mean_the_ops(scratch_ops):
    define_op("wave", "sin(a) * 2.0", "g * 2.0 * math.cos(a)")
    assert gradcheck(lambda x: x.wave() * x, [0.7], order=2)
    with pytest.raises(ValueError, match=r"math\.sqrt, which is not an op"):
        define_op("root", "a ** 0.5", "g * 0.5 / math.sqrt(a)")


def test_a_two_input_op(scratch_ops):
    define_op("hypot", "(a * a + b * b) ** 0.5", ("g * a / out", "g * b / out"))
    a, b = Value(3.0), Value(4.0)
    h = a.hypot(b)
    assert h.data == 5.0 and h.parents == (a, b)
    h.backward()
    assert (a.grad, b.grad) == (0.6, 0.8)
    assert (a.hypot(2.0)).parents[1].is_constant
    assert gradcheck(lambda x, y: x.hypot(y).log(), [0.5, -1.5], order=2)


def test_a_forward_given_as_a_function(scratch_ops):
    define_op("log1p", math.log1p, "g / (1.0 + a)")
    x = Value(0.25, label="x")
    y = x.log1p() * x
    assert gradcheck(lambda x: x.log1p() * x, [0.25], order=2)
    y.backward()
    with pytest.raises(CodegenError, match="'log1p' has no codegen rule.*code="):
        compile_graph(y, [], [x])
    define_op("log1p_coded", math.log1p, "g / (1.0 + a)", code="log(1.0 + {0})")
    z = x.log1p_coded()
    compiled = compile_graph(z, [], [x])
    assert compiled([])[0] == pytest.approx(z.data, rel=1e-15)


def test_a_derivative_given_as_a_function(scratch_ops):
    define_op("cube", lambda a: a * a * a, lambda g, out, a: (g * 3.0 * a * a,))
    assert gradcheck(lambda x: x.cube(), [1.3], order=2)


def test_anomaly_mode_reaches_a_user_op(scratch_ops):
    # a deliberately wrong derivative that makes an infinite gradient
    define_op("wrong_square", "a * a", "g * a * math.inf")
    x = Value(1.0, label="x")
    x.wrong_square().backward()  # outside anomaly mode: silently infinite
    assert x.grad == math.inf
    with detect_anomaly(), pytest.raises(FloatingPointError, match="'wrong_square'.*x=1.0"):
        Value(1.0, label="x").wrong_square().backward()
    with detect_anomaly(), pytest.raises(FloatingPointError, match="wrong_square"):
        Value(1e200, label="x").wrong_square()  # forward: the result is inf
    assert Value(3.0).wrong_square().data == 9.0  # the method was made again after the block


def test_a_user_op_is_drawn_by_name(scratch_ops):
    smoothplus(scratch_ops)
    x = Value(0.3, label="x")
    drawing = draw_dot(x.smoothplus(), legend=False)
    assert 'label="smoothplus"' in drawing.source or "label=smoothplus" in drawing.source


# --- what is refused -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exp", "sin", "backward", "data", "grad", "step", "math"])
def test_a_name_that_exists_is_refused(name):
    with pytest.raises(ValueError, match="exists already"):
        define_op(name, "a", "g")


@pytest.mark.parametrize("name", ["2x", "class", "", "_private", 3])
def test_a_name_must_be_a_public_identifier(name):
    with pytest.raises(ValueError, match="name|'_'"):
        define_op(name, "a", "g")


def test_unknown_variables_are_named(scratch_ops):
    with pytest.raises(ValueError, match=r"uses x, y.*it may use a, g, out"):
        define_op("bad", "exp(a)", "g * x * y")
    with pytest.raises(ValueError, match=r"forward rule 'a \+ c' uses c"):
        define_op("bad", "a + c", "g")
    with pytest.raises(ValueError, match="not a Python expression"):
        define_op("bad", "a +", "g")
    with pytest.raises(ValueError, match="must use a"):
        define_op("bad", "2.0", "g")
    with pytest.raises(ValueError, match="one or two inputs"):
        define_op("bad", "a", ("g", "g", "g"))
    with pytest.raises(TypeError, match="forward must be"):
        define_op("bad", 3.0, "g")
    assert "bad" not in engine.OPS and not hasattr(Value, "bad")  # nothing half-defined
