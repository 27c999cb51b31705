"""define_op: a new primitive in one line, working everywhere an op works; and sin/cos."""

from __future__ import annotations

import math
import sys
import threading

import numpy as np
import pytest
from engine_state import engine_restored
from hypothesis import given
from hypothesis import strategies as st

from micrograd_beans import Value, define_op, detect_anomaly, engine, grad, gradcheck
from micrograd_beans.codegen import CodegenError, compile_graph
from micrograd_beans.engine import ops
from micrograd_beans.viz import draw_dot


@pytest.fixture
def scratch_ops():
    with engine_restored():
        yield


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


# --- the engine's number rules in a user's forward (item 13) -------------------------------


def test_a_forward_expression_computes_powers_as_the_engine_does(scratch_ops):
    define_op("root", "a ** 0.5", "g * 0.5 / out")
    define_op("square", "a ** 2.0", "g * 2.0 * a")
    with pytest.raises(ValueError, match="non-integer exponent") as engines:
        Value(-4.0) ** 0.5
    with pytest.raises(ValueError, match="non-integer exponent") as users:
        Value(-4.0).root()  # not the complex number Python's float power gives
    assert str(users.value).replace("'root'", "'**'").startswith(str(engines.value)[:20])
    assert Value(1e200).square().data == (Value(1e200) ** 2.0).data == math.inf
    assert Value(-1e200).square().data == math.inf  # not OverflowError
    assert Value(2.25).root().data == 1.5
    with pytest.raises(ZeroDivisionError, match="negative power"):
        define_op("inverse", "a ** -1.0", "-g * out * out")
        Value(0.0).inverse()


def test_a_forward_function_must_give_a_real_number(scratch_ops):
    define_op("croot", lambda a: a ** (1.0 / 3.0), "g / (3.0 * out * out)")
    with pytest.raises(ValueError, match="'croot' failed on .*no real result"):
        Value(-8.0).croot()
    define_op("counted", lambda a: len(str(a)), "0.0 * g")
    assert type(Value(0.5).counted().data) is float  # an int result becomes a float
    define_op("texty", lambda a: "x", "0.0 * g")
    with pytest.raises(TypeError, match="'texty'.*must return a number.*str"):
        Value(0.5).texty()


# --- code generation of a user op (items 14 and 15) -----------------------------------------


def test_an_op_built_from_an_earlier_user_op_compiles(scratch_ops):
    define_op("double", "2.0 * a", "g * 2.0")
    define_op("quad", "double(a) * double(a) + math.exp(a)", "g * (4.0 * double(a) + exp(a))")
    double = ops.OP_FUNCTIONS["double"]  # the op as a function of floats, Values, symbols
    define_op("hinge", "a * 3.0", lambda g, out, a: (g * double(a) / a * 1.5,))
    x, w = Value(0.7, label="x"), Value(-0.4, label="w")
    y = (x * w).quad().hinge() + w.double()
    y.backward()
    compiled = compile_graph(y, [x], [w])
    out, grads = compiled([0.7])
    assert out == pytest.approx(y.data, rel=1e-15) and grads[0] == pytest.approx(w.grad, rel=1e-14)
    assert "double" not in compiled.source and "quad" not in compiled.source
    _, batch = compiled.batched([np.array([0.7, 0.7])])
    assert batch[0] == pytest.approx(2 * w.grad, rel=1e-14)


def test_the_docstrings_log1p_example_compiles(scratch_ops):
    define_op("log1p", math.log1p, "g / (1.0 + a)", code="log1p({0})")
    define_op("root1p", lambda a: math.sqrt(1.0 + a), "g * 0.5 / out", code="sqrt(1.0 + {0})")
    x = Value(0.25, label="x")
    y = x.log1p() * x.root1p()
    y.backward()
    out, grads = compile_graph(y, [], [x])([])
    assert (out, grads[0]) == (pytest.approx(y.data, rel=1e-15), pytest.approx(x.grad, rel=1e-15))


# --- a derivative given as a function, at second order (item 16) ---------------------------


def test_a_derivative_function_that_leaves_the_graph_is_refused_at_second_order(scratch_ops):
    # math.cos(a) turns a Value into a float: its derivative would silently be 0
    define_op("wave", math.sin, lambda g, out, a: (g * math.cos(a),))
    x = Value(0.8)
    y = x.wave()
    y.backward()
    assert x.grad == math.cos(0.8)  # first order (floats) is fine
    with pytest.raises(TypeError, match="'wave'.*turned a Value into a float.*silent 0"):
        grad(y, x, create_graph=True)
    with pytest.raises(TypeError, match="turned a Value into a float"):
        gradcheck(lambda x: x.wave(), [0.8], order=2)
    # .data in arithmetic drops the gradient g: refused too
    define_op("wave2", math.sin, lambda g, out, a: (g.data * math.cos(a.data),))
    with pytest.raises(TypeError, match="'wave2'.*plain number"):
        grad(x.wave2(), x, create_graph=True)
    assert Value(0.3).wave().data == math.sin(0.3)  # the nodes it watched are plain again


def test_a_derivative_function_written_with_values_is_differentiated_again(scratch_ops):
    # softsign(x) = x / (1 + |x|) for x > 0: d2 = -2 / (1 + x)^3; at 0.7: -0.40708...
    define_op(
        "softsign_pos",
        lambda a: a / (1.0 + a),
        lambda g, out, a: (g / ((1.0 + a) * (1.0 + a)),),
    )
    x = Value(0.7)
    d1 = grad(x.softsign_pos(), x, create_graph=True)
    assert d1.data == pytest.approx(1 / 1.7**2, rel=1e-15)
    assert grad(d1, x) == pytest.approx(-2.0 / 1.7**3, rel=1e-14)
    # a branch on .data (a comparison, not arithmetic) is fine
    define_op(
        "leaky",
        lambda a: a if a > 0 else 0.1 * a,
        lambda g, out, a: (
            g * (1.0 if a.data > 0 else 0.1)
            if isinstance(a, Value)
            else g * (1.0 if a > 0 else 0.1),
        ),
    )
    assert gradcheck(lambda x: x.leaky() * x, [0.6], order=2)
    assert gradcheck(lambda x: x.leaky() * x, [-0.6], order=2)


# --- what an expression may be (item 17) ----------------------------------------------------


@pytest.mark.parametrize(
    "derivative",
    [
        "(yield g)",
        "(lambda: g)()",
        "[g for _ in a]",
        "(g := 1.0)",
        "g if a > 0 else 0.0",
        "g * a.real",
        "g * 'x'",
        "g * exp(a, b=1)",
        "g[0]",
        "g * 1j",
        "g % 2.0",
    ],
)
def test_a_derivative_outside_the_allow_list_is_refused(scratch_ops, derivative):
    before = engine.BACKWARD_SOURCE
    with pytest.raises(ValueError, match=r"define_op 'odd': the derivative .* uses"):
        define_op("odd", "a * 1.0", derivative)
    assert "odd" not in engine.OPS and before == engine.BACKWARD_SOURCE
    x = Value(0.5)
    (x * x).backward()  # backward still works
    assert x.grad == 1.0


def test_a_forward_outside_the_allow_list_is_refused(scratch_ops):
    with pytest.raises(ValueError, match=r"the forward rule .* uses Yield"):
        define_op("odd", "(yield a)", "g")
    with pytest.raises(ValueError, match=r"the forward rule .* uses Compare"):
        define_op("odd", "a > 0.0", "g")


# --- names generated code uses (item 18) ----------------------------------------------------


@pytest.mark.parametrize("name", ["zip", "type", "tuple", "len", "node", "rules", "grads", "gp"])
def test_names_the_backward_loop_uses_are_refused(scratch_ops, name):
    with pytest.raises(ValueError, match=f"'{name}' is a name the engine's generated"):
        define_op(name, "a * 2.0", "g * 2.0")
    # a neuron with three inputs (an affine node: the loop's zip branch) still backprops
    ws, xs = [Value(0.5), Value(-1.0), Value(2.0)], [Value(1.5), Value(0.25), Value(-0.5)]
    y = engine.affine(ws, xs, Value(0.1)).tanh()
    y.backward()
    local = 1.0 - y.data * y.data
    assert [w.grad for w in ws] == [local * x.data for x in xs]


# --- several threads (item 19) --------------------------------------------------------------


def test_define_op_from_several_threads(scratch_ops):
    threads, per_thread = 6, 8
    start = threading.Barrier(threads)
    errors = []

    def define(t):
        start.wait()
        try:
            for k in range(per_thread):
                scale = float(t * per_thread + k + 1)
                define_op(f"scaled_{t}_{k}", f"{scale} * a", f"g * {scale}")
        except Exception as err:  # noqa: BLE001 (reported below)
            errors.append(err)

    workers = [threading.Thread(target=define, args=(t,)) for t in range(threads)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so a race shows
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors
    for t in range(threads):
        for k in range(per_thread):
            x = Value(1.5)
            getattr(x, f"scaled_{t}_{k}")().backward()
            assert x.grad == t * per_thread + k + 1
            assert f"elif op == 'scaled_{t}_{k}':" in engine.BACKWARD_SOURCE


def test_one_name_defined_from_several_threads_has_one_winner(scratch_ops):
    # without the lock two threads both pass the name check and the second silently
    # replaces the first's op (19 of 20 rounds, measured); with it the others are refused
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for round_ in range(10):
            winners, start = [], threading.Barrier(4)

            def define(t, name=f"same_{round_}", winners=winners, start=start):
                start.wait()
                try:
                    define_op(name, f"{t + 1.0} * a", f"g * {t + 1.0}")
                    winners.append(t)
                except ValueError as err:
                    assert "exists already" in str(err)

            workers = [threading.Thread(target=define, args=(t,)) for t in range(4)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            assert len(winners) == 1
            x = Value(2.0)
            getattr(x, f"same_{round_}")().backward()
            assert x.grad == winners[0] + 1.0  # the winner's op is the one in place
    finally:
        sys.setswitchinterval(interval)
