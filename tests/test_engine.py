"""Tests for micrograd_beans/engine (value.py and the op table): values, every op's forward
and derivative, backward semantics, deep graphs and the errors a user can cause."""

from __future__ import annotations

import copy
import math
import operator
import pickle
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_beans import OPS, Constant, Value, affine, engine, zero_grad
from micrograd_beans.engine import Op, speed
from micrograd_beans.engine import Value as EngineValue

EPS = 1e-6


def central_difference(f, xs: list[float], i: int, eps: float = EPS) -> float:
    up = list(xs)
    down = list(xs)
    up[i] += eps
    down[i] -= eps
    return (f(*up) - f(*down)) / (2 * eps)


def close(a: float, b: float, tol: float = 1e-6) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


# One row per primitive: how to build it from Values, the same function on floats, and a
# strategy for inputs inside its domain. test_every_op_has_a_row keeps this table complete.
finite = st.floats(-3.0, 3.0, allow_nan=False)
positive = st.floats(0.1, 3.0)
away_from_zero = st.one_of(st.floats(-3.0, -0.1), st.floats(0.1, 3.0))
away_from_kink = st.one_of(st.floats(-3.0, -0.01), st.floats(0.01, 3.0))

OP_ROWS = {
    "+": (lambda a, b: a + b, lambda a, b: a + b, (finite, finite)),
    "-": (lambda a, b: a - b, lambda a, b: a - b, (finite, finite)),
    "*": (lambda a, b: a * b, lambda a, b: a * b, (finite, finite)),
    "/": (lambda a, b: a / b, lambda a, b: a / b, (finite, away_from_zero)),
    "**": (lambda a, b: a**b, lambda a, b: a**b, (positive, finite)),
    "neg": (lambda a: -a, lambda a: -a, (finite,)),
    "exp": (lambda a: a.exp(), math.exp, (finite,)),
    "log": (lambda a: a.log(), math.log, (positive,)),
    "tanh": (lambda a: a.tanh(), math.tanh, (finite,)),
    "sigmoid": (lambda a: a.sigmoid(), lambda a: 1 / (1 + math.exp(-a)), (finite,)),
    "relu": (lambda a: a.relu(), lambda a: max(a, 0.0), (away_from_kink,)),
    "sin": (lambda a: a.sin(), math.sin, (finite,)),
    "cos": (lambda a: a.cos(), math.cos, (finite,)),
    "softplus": (lambda a: a.softplus(), lambda a: math.log1p(math.exp(a)), (finite,)),
    "affine": (
        lambda w1, x1, w2, x2, b: affine([w1, w2], [x1, x2], b),
        lambda w1, x1, w2, x2, b: w1 * x1 + w2 * x2 + b,
        (finite,) * 5,
    ),
}


def test_every_op_has_a_row():
    assert set(OP_ROWS) == set(OPS)


@pytest.mark.parametrize("name", sorted(OP_ROWS))
def test_op_forward_and_gradient_match_floats_and_finite_differences(name):
    build, on_floats, domains = OP_ROWS[name]

    @settings(max_examples=60, deadline=None)
    @given(st.tuples(*domains))
    def check(xs):
        values = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
        out = build(*values)
        assert out.op == name
        assert out.parents == tuple(values)
        assert out.data == pytest.approx(on_floats(*xs), rel=1e-12, abs=1e-12)
        out.backward()
        for i, v in enumerate(values):
            expected = central_difference(on_floats, list(xs), i)
            assert close(v.grad, expected), (name, xs, i, v.grad, expected)

    check()


# --- construction -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [3, 2.5, True, np.int64(4), np.float32(0.5), np.float64(-1.25), np.int8(-3)]
)
def test_value_accepts_real_numbers_and_stores_a_float(data):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == float(data)
    assert v.grad == 0.0 and v.label == "" and v.op == "" and v.parents == ()


@pytest.mark.parametrize(
    "data, type_name",
    [
        ("1.0", "str"),
        (None, "NoneType"),
        ([1.0], "list"),
        (1 + 2j, "complex"),
        (np.array([1.0, 2.0]), "ndarray"),
        (np.array(1.0), "ndarray"),
    ],
)
def test_value_rejects_non_real_data_naming_the_type(data, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(data)


def test_value_of_a_value_says_what_to_do():
    with pytest.raises(TypeError, match="Value itself"):
        Value(Value(1.0))


def test_value_is_importable_from_the_package_and_the_engine():
    assert Value is EngineValue


def test_constants_become_constant_leaves_in_operand_order():
    x = Value(3.0, label="x")
    y = x * 2
    assert y.data == 6.0 and y.op == "*"
    assert y.parents[0] is x
    two = y.parents[1]
    assert isinstance(two, Constant) and two.data == 2.0 and two.parents == () and two.op == ""
    z = 2 - x
    assert isinstance(z.parents[0], Constant) and z.parents[1] is x and z.data == -1.0
    assert two.is_constant and two.is_leaf and not x.is_constant and not y.is_constant
    assert (
        not isinstance(x, Constant) and not isinstance(y, Constant) and not isinstance(2, Constant)
    )


def test_constant_is_a_marked_value_that_survives_copies():
    made = Constant(5, label="five")
    assert type(made) is Value and isinstance(made, Constant) and made.is_leaf
    assert made.label == "five" and made.data == 5.0 and made.parents == ()
    for twin in (copy.deepcopy(made), pickle.loads(pickle.dumps(made))):
        assert isinstance(twin, Constant) and twin.data == 5.0
    with pytest.raises(TypeError, match="real number"):
        Constant("5")


def test_same_operand_twice_is_kept_twice():
    x = Value(3.0)
    assert (x + x).parents == (x, x)
    assert (x * x).parents == (x, x)


def test_unsupported_operand_names_its_type_and_the_op():
    with pytest.raises(TypeError, match=r"'\*'.*str"):
        Value(1.0) * "2"
    with pytest.raises(TypeError, match=r"'\+'.*list"):
        [1.0] + Value(1.0)


def test_repr_shows_label_data_and_grad():
    v = Value(1.5, label="w11_1")
    v.grad = -0.25
    assert repr(v) == "Value('w11_1', data=1.5, grad=-0.25)"
    assert repr(Value(2.0)) == "Value(data=2, grad=0)"
    assert repr((v * 2).parents[1]) == "Constant(data=2, grad=0)"


def test_item_and_format_read_the_number_as_in_pytorch():
    v = Value(2.0, label="x") * 1.5
    assert v.item() == 3.0 and type(v.item()) is float
    assert f"{v:.2f}" == "3.00" and f"{v:>8.1e}" == " 3.0e+00" and f"{v:g}" == "3"
    assert f"{v}" == str(v) == repr(v)
    assert format(Value(-0.12345), "+.3f") == "-0.123"
    with pytest.raises(ValueError):
        f"{v:d}"  # as for a float: an integer format does not apply


# --- operators with numbers on either side ----------------------------------------------


def test_reflected_operators_and_numpy_scalars_on_the_left():
    x = Value(2.0)
    assert (3 + x).data == 5.0
    assert (3 - x).data == 1.0
    assert (3 * x).data == 6.0
    assert (3 / x).data == 1.5
    assert (3**x).data == 9.0
    assert (-x).data == -2.0
    for left in (np.float64(3.0), np.int64(3)):
        out = left * x
        assert isinstance(out, Value) and out.data == 6.0
        out = left - x
        assert isinstance(out, Value) and out.data == 1.0


@given(st.floats(0.2, 3.0), st.floats(-2.0, 2.0))
@settings(max_examples=50, deadline=None)
def test_number_to_a_value_power_and_value_exponent(base, exponent):
    e = Value(exponent)
    out = base**e
    out.backward()
    assert close(e.grad, base**exponent * math.log(base))
    a, b = Value(base), Value(exponent)
    out = a**b
    out.backward()
    assert close(a.grad, central_difference(lambda p, q: p**q, [base, exponent], 0))
    assert close(b.grad, central_difference(lambda p, q: p**q, [base, exponent], 1))


def test_power_of_a_negative_base_with_an_integer_exponent():
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert y.data == -8.0 and x.grad == 12.0


def test_power_at_zero_base():
    x = Value(0.0)
    y = x**2
    y.backward()
    assert y.data == 0.0 and x.grad == 0.0
    b = Value(2.0)
    y = Value(0.0) ** b
    y.backward()
    assert b.grad == 0.0


def test_gradient_with_respect_to_an_exponent_of_a_negative_base_is_nan():
    b = Value(2.0)
    (Value(-2.0) ** b).backward()
    assert math.isnan(b.grad)


# --- chains, fan-out and reuse ----------------------------------------------------------


def expression(a, b, c):
    """Uses every op, with reuse of a and b."""
    d = a * b + c / (a + 3.0)
    e = (d.tanh() - (b * b).sigmoid()) ** 2
    f = (e + 1.0).log() + (-a).exp() * 0.5 + (a - b).relu()
    return f * 2.0 + affine([a, b], [c, d], 0.25) - 1.0 / (1.0 + b * b)


def expression_on_floats(a, b, c):
    d = a * b + c / (a + 3.0)
    e = (math.tanh(d) - 1 / (1 + math.exp(-(b * b)))) ** 2
    f = math.log(e + 1.0) + math.exp(-a) * 0.5 + max(a - b, 0.0)
    return f * 2.0 + (a * c + b * d + 0.25) - 1.0 / (1.0 + b * b)


@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
@settings(max_examples=150, deadline=None)
def test_chain_mixing_all_ops_matches_finite_differences(a, b, c):
    if abs(a - b) < 1e-3:  # relu's kink: finite differences straddle it
        return
    xs = [Value(a), Value(b), Value(c)]
    out = expression(*xs)
    assert out.data == pytest.approx(expression_on_floats(a, b, c), rel=1e-12, abs=1e-12)
    out.backward()
    for i, v in enumerate(xs):
        assert close(v.grad, central_difference(expression_on_floats, [a, b, c], i), 1e-5)


def test_fan_out_and_reuse_are_exact():
    x = Value(3.0)
    (x + x).backward()
    assert x.grad == 2.0
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    x = Value(3.0)
    y = x * 2.0
    z = y * y + y  # y feeds two ops, one of them twice
    z.backward()
    assert y.grad == 2 * 6.0 + 1.0 and x.grad == 2.0 * 13.0


def test_backward_twice_accumulates_leaves_once_more_each_time():
    x = Value(2.0)
    y = x * x * 3
    y.backward()
    assert x.grad == 12.0
    y.backward()
    assert x.grad == 24.0  # micrograd gives 36 here


def test_intermediate_grads_hold_the_latest_call_only():
    x = Value(2.0)
    h = x * x
    y = h * 3
    y.backward()
    y.backward()
    assert h.grad == 3.0 and y.grad == 1.0 and x.grad == 24.0


def test_backward_on_a_leaf_and_on_an_intermediate():
    x = Value(5.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0
    a = Value(2.0)
    h = a * 4.0
    loss = h * h
    h.backward()  # only the subgraph below h
    assert a.grad == 4.0 and loss.grad == 0.0


def test_zero_grad_resets_a_graph_or_a_list():
    a, b = Value(1.0), Value(2.0)
    y = a * b + a
    y.backward()
    assert a.grad == 3.0 and b.grad == 1.0
    zero_grad(y)
    assert a.grad == 0.0 and b.grad == 0.0 and y.grad == 0.0
    y.backward()
    zero_grad([a])
    assert a.grad == 0.0 and b.grad == 1.0


def test_deep_chain_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(100_000):  # 200,000 op nodes plus their constants
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0 and y.data == 1.0
    zero_grad(y)
    assert x.grad == 0.0


def test_long_sum_has_exact_gradient():
    xs = [Value(float(i)) for i in range(5000)]
    total = Value(0.0)
    for x in xs:
        total = total + x * x
    total.backward()
    assert all(x.grad == 2.0 * x.data for x in xs)


# --- the op table and the backward loop written out from it ------------------------------


def test_derivative_expressions_become_the_rule_function():
    op = Op("twice-sin", 1, math.sin, ("g * 2.0 * math.cos(a)",), "2 * sin({0})")
    assert op.expressions == ("g * 2.0 * math.cos(a)",)
    assert op.backward(3.0, 0.0, 0.5) == (3.0 * 2.0 * math.cos(0.5),)
    two = Op("hyp", 2, math.hypot, ("g * a / out", "g * b / out"), "hypot({0}, {1})")
    assert two.backward(1.0, 5.0, 3.0, 4.0) == (0.6, 0.8)
    assert OPS["affine"].expressions is None  # a rule of any arity stays a function


def test_derivative_expressions_must_fit_the_arity():
    with pytest.raises(ValueError, match="one expression per input"):
        Op("bad", 2, operator.add, ("g",), "{0} + {1}")
    with pytest.raises(ValueError, match="arity 1 or 2"):
        Op("bad", 0, sum, ("g",), "sum({0})")
    with pytest.raises(ValueError, match="uses c; it may use a, b, g, out"):
        Op("bad", 2, operator.add, ("g * c", "g"), "{0} + {1}")


def test_backward_loop_pastes_in_every_expression_rule():
    source = engine.BACKWARD_SOURCE
    for op in OPS.values():
        if op.expressions is None:
            assert f"op == {op.name!r}" not in source  # called through the table instead
        else:
            assert f"op == {op.name!r}" in source
            for expr in op.expressions:
                assert f".grad += {expr}" in source


@pytest.mark.parametrize("name", sorted(OP_ROWS))
def test_backward_loop_gives_the_rules_floats_bit_for_bit(name):
    build, _, domains = OP_ROWS[name]

    @settings(max_examples=40, deadline=None)
    @given(st.tuples(*domains))
    def check(xs):
        def grads(backward):
            values = [Value(x) for x in xs]
            out = build(*values)
            out = out * out.sigmoid() + out  # shared use: the depth-first order
            backward(out)
            return [v.grad for v in values]

        # value.py's backward: each node's OPS rule called, in topological_order
        assert grads(Value.backward) == grads(speed.LEARNER_METHODS["backward"])

    check()


def test_parents_reads_the_operands_in_order():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    assert a.parents == () and a.is_leaf
    assert (-a).parents == (a,)
    assert (a - b).parents == (a, b)
    assert (2.0 - a).parents[1] is a and (2.0 - a).parents[0].is_constant
    assert affine([a, b], [c, a], b).parents == (a, c, b, a, b)
    assert not (a * b).is_leaf


# --- numerically delicate ops -----------------------------------------------------------


def test_sigmoid_is_stable_at_the_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lo, hi = Value(-1000.0), Value(1000.0)
        s_lo, s_hi = lo.sigmoid(), hi.sigmoid()
        assert s_lo.data == 0.0 and s_hi.data == 1.0
        (s_lo + s_hi).backward()
    assert lo.grad == 0.0 and hi.grad == 0.0


@given(st.floats(-1e308, 1e308))
@settings(max_examples=100, deadline=None)
def test_sigmoid_and_tanh_gradients_are_finite_everywhere(z):
    v = Value(z)
    (v.sigmoid() + v.tanh()).backward()
    assert math.isfinite(v.grad)


def test_relu_forward_and_gradient_on_both_sides():
    neg, pos = Value(-1.5), Value(2.0)
    (neg.relu() + pos.relu() * 3.0).backward()
    assert neg.grad == 0.0 and pos.grad == 3.0
    assert Value(-1.0).relu().data == 0.0


# --- the errors a user can cause --------------------------------------------------------


@pytest.mark.parametrize(
    "make, error, op",
    [
        (lambda: Value(-1.0, label="x").log(), ValueError, "log"),
        (lambda: Value(0.0).log(), ValueError, "log"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"\*\*"),
        (lambda: (-2.0) ** Value(0.5), ValueError, r"\*\*"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "/"),
        (lambda: 1.0 / Value(0.0), ZeroDivisionError, "/"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"\*\*"),
    ],
)
def test_bad_math_names_the_op_and_the_input(make, error, op):
    with pytest.raises(error, match=f"'{op}'"):
        make()


def test_bad_math_message_names_the_labelled_input():
    with pytest.raises(ValueError, match=r"x=-1\.0"):
        Value(-1.0, label="x").log()


# --- how a Value shows itself in Jupyter ----------------------------------------------------


def test_a_value_shows_label_data_grad_and_op_as_a_table():
    from micrograd_beans import Value

    x = Value(2.0, label="x<1>")
    y = (x * x).sigmoid()
    y.backward()
    page = x._repr_html_()
    assert "<table" in page and "x&lt;1&gt;" in page
    assert f"<td>{x.grad:.6g}</td>" in page and "<td>leaf</td>" in page
    assert "<td>sigmoid</td>" in y._repr_html_()
    assert "<td>constant</td>" in (x * 3).parents[1]._repr_html_()


def test_two_backward_calls_as_the_readme_says():
    """Leaves accumulate (as in PyTorch); an intermediate holds the latest call's grad
    (PyTorch's retained grads would accumulate: 2.0, not 1.0, for t here)."""
    x = Value(3.0, "x")
    t = x * 2.0
    out = t * t
    out.backward()
    assert (x.grad, t.grad) == (24.0, 12.0)
    out.backward()
    assert (x.grad, t.grad) == (48.0, 12.0)


def test_the_second_derivative_of_a_power_at_a_zero_exponent_keeps_its_dependence_on_it():
    # d/da a**b = b·a**(b-1) is 0 at b = 0, but its derivative in b there is a**-1 (found
    # by the property tests: x0 ** x1 at (1, 0))
    from micrograd_beans import Value
    from micrograd_beans.gradients import grad

    a, b = Value(2.0, label="a"), Value(0.0, label="b")
    da = grad(a**b, a, create_graph=True)
    assert da.data == 0.0
    assert grad(da, b) == 0.5
