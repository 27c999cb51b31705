"""Tests for micrograd_beans/gradcheck.py: gradcheck at orders 1-3 for every op, its result
table, the wrong rules it catches, and the names that still import from it."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from micrograd_beans import engine
from micrograd_beans.engine import OPS, Value, affine
from micrograd_beans.gradcheck import (
    GradcheckError,
    GradcheckResult,
    GradcheckWarning,
    gradcheck,
    gradgradcheck,
)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# One row per primitive: f on Values, and a point inside its domain (away from relu's kink).
# test_every_op_is_checked keeps this table complete when an op is added to OPS.
OP_CASES = {
    "+": (lambda a, b: a + b, [0.3, -1.2]),
    "-": (lambda a, b: a - b, [0.3, -1.2]),
    "*": (lambda a, b: a * b, [0.3, -1.2]),
    "/": (lambda a, b: a / b, [0.7, -1.3]),
    "**": (lambda a, b: a**b, [1.7, -0.6]),
    "neg": (lambda a: -a, [0.4]),
    "exp": (lambda a: a.exp(), [0.4]),
    "log": (lambda a: a.log(), [0.4]),
    "tanh": (lambda a: a.tanh(), [0.4]),
    "sigmoid": (lambda a: a.sigmoid(), [-0.8]),
    "relu": (lambda a: a.relu(), [0.9]),
    "sin": (lambda a: a.sin(), [0.9]),
    "cos": (lambda a: a.cos(), [0.9]),
    "softplus": (lambda a: a.softplus(), [-0.8]),
    "affine": (lambda w1, x1, w2, x2, b: affine([w1, w2], [x1, x2], b), [0.5, -1, 2, 0.3, 0.1]),
}
# More ways an op is met: constant exponents and bases, negative bases, relu's flat side,
# and ops applied to themselves so that every derivative of every order is non-trivial.
MORE_CASES = {
    "** const exponent": (lambda a: a**3, [-1.4]),
    "** const base": (lambda b: 2.0**b, [0.6]),
    "** sqrt": (lambda a: a**0.5, [2.3]),
    "relu flat": (lambda a: a.relu() * a, [-0.7]),
    "/ squared": (lambda a, b: (a / b) * (a / b), [0.7, 1.9]),
    "log of product": (lambda a, b: (a * b).log(), [0.7, 1.9]),
    "affine squared": (lambda w, x, b: affine([w], [x], b) ** 2, [0.5, -1.5, 0.25]),
    "note's network": (
        lambda w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2: (
            (
                1.0
                - (
                    w11_2 * (w11_1 * 0.9 + b1_1).sigmoid()
                    + w21_2 * (w12_1 * 0.9 + b2_1).sigmoid()
                    + b1_2
                ).sigmoid()
            )
            ** 2
        ),
        [0.5, 0.1, 0.9, 0.3, 0.4, 0.7, 0.2],
    ),
}


def test_every_op_is_checked():
    assert set(OP_CASES) == set(OPS)


# every case at orders 1-3, but the note's network only to order 2 (its 84 third derivatives
# are slow and check nothing the other cases do not)
ORDERS = [
    (case, order)
    for case in [*OP_CASES, *MORE_CASES]
    for order in (1, 2, 3)
    if not (case == "note's network" and order == 3)
]


@pytest.mark.parametrize("case, order", ORDERS)
def test_every_op_passes_gradcheck(case, order):
    f, point = {**OP_CASES, **MORE_CASES}[case]
    if case == "relu flat" and order == 1:  # every gradient 0 there: an empty check warns
        with pytest.warns(GradcheckWarning, match="all 1 gradients are 0"):
            result = gradcheck(f, point, order=order)
    else:
        result = gradcheck(f, point, order=order)
    assert result, str(result)
    assert len(result.rows) == math.comb(len(point) + order - 1, order)


# --- gradcheck: the result, its table, and catching wrong rules ---------------------------


def test_result_rows_name_inputs_by_key_label_or_position():
    result = gradcheck(lambda a, b: a * b, [2.0, Value(3.0, label="w")])
    assert [r.name for r in result.rows] == ["x0", "w"]
    assert result.rows[0].engine == pytest.approx(3.0)
    assert result.rows[1].finite_difference == pytest.approx(2.0)
    mapped = gradcheck(lambda w, x: w * x, {"w": 2.0, "x": 3.0})
    assert [r.name for r in mapped.rows] == ["w", "x"]
    single = gradcheck(lambda x: x * x, Value(3.0, label="x"))
    assert [r.name for r in single.rows] == ["x"] and single.rows[0].engine == 6.0
    second = gradgradcheck(lambda x, y: x * x * y, {"x": 1.0, "y": 2.0})
    assert [r.name for r in second.rows] == ["x,x", "x,y", "y,y"]
    assert [r.engine for r in second.rows] == pytest.approx([4.0, 2.0, 0.0])


def test_table_lists_every_row():
    text = str(gradcheck(lambda w, x: (w * x).tanh(), {"w": 0.3, "x": -2.0}))
    lines = text.splitlines()
    assert "engine" in lines[1] and "finite diff" in lines[1] and "rel err" in lines[1]
    assert lines[2].startswith("d/dw ") and lines[2].endswith("ok")
    assert lines[3].startswith("d/dx ") and lines[3].endswith("ok")
    assert lines[-1] == "all 2 gradients agree"
    assert "d2/dw dx" in str(gradgradcheck(lambda w, x: (w * x).tanh(), {"w": 0.3, "x": -2.0}))


def test_inputs_are_left_alone():
    w = Value(0.5, label="w")
    w.grad = 7.0
    gradcheck(lambda w: w.exp(), [w], order=2)
    assert (w.data, w.grad) == (0.5, 7.0)


def test_detects_a_wrong_derivative_rule(monkeypatch):
    def f(z):
        return z.sigmoid()

    assert gradcheck(f, [0.3])
    # A classic slip: sigma'(z) written as sigma(z) instead of sigma(z)(1 - sigma(z)).
    monkeypatch.setitem(
        engine.OPS, "sigmoid", replace(engine.OPS["sigmoid"], backward=lambda g, out, a: (g * out,))
    )
    result = gradcheck(f, [0.3])
    assert not result
    assert result.failures == result.rows
    row = result.rows[0]
    assert row.engine == pytest.approx(sigmoid(0.3))
    assert row.finite_difference == pytest.approx(sigmoid(0.3) * (1 - sigmoid(0.3)))
    assert str(result).splitlines()[2].endswith("FAIL")
    assert str(result).splitlines()[-1] == "1 of 1 gradients disagree"
    with pytest.raises(GradcheckError, match="FAIL"):
        gradcheck(f, [0.3], raise_on_failure=True)


def test_detects_a_rule_that_is_right_but_not_differentiable(monkeypatch):
    # Reading out.data detaches the rule from the graph: first derivatives stay right,
    # second derivatives are wrong. This is why every rule in OPS uses operators only.
    def f(a):
        return a.tanh()

    def detached(g, out, a):
        return (g * (1.0 - float(out) ** 2),)

    monkeypatch.setitem(engine.OPS, "tanh", replace(engine.OPS["tanh"], backward=detached))
    assert gradcheck(f, [0.4])
    assert not gradcheck(f, [0.4], order=2)
    assert not gradgradcheck(f, [0.4])


def test_allclose_semantics(monkeypatch):
    off = 1e-4

    def mul(g, out, a, b):
        return (g * b + off, g * a)

    monkeypatch.setitem(engine.OPS, "*", replace(engine.OPS["*"], backward=mul))
    f = lambda a, b: a * b  # noqa: E731
    # |engine - fd| = 1e-4 against atol + rtol * |fd| with |fd| = 2
    assert not gradcheck(f, [1.0, 2.0], atol=1e-5, rtol=0.0)
    assert gradcheck(f, [1.0, 2.0], atol=2e-4, rtol=0.0)
    assert gradcheck(f, [1.0, 2.0], atol=0.0, rtol=1e-4)
    assert not gradcheck(f, [1.0, 2.0], atol=0.0, rtol=1e-5)
    row = gradcheck(f, [1.0, 2.0]).rows[0]
    assert row.abs_err == pytest.approx(off, rel=1e-4)
    assert row.rel_err == pytest.approx(off / 2.0, rel=1e-4)


def test_nan_derivative_fails(monkeypatch):
    monkeypatch.setitem(
        engine.OPS, "exp", replace(engine.OPS["exp"], backward=lambda g, out, a: (g * math.nan,))
    )
    assert not gradcheck(lambda a: a.exp(), [0.1])


def test_constant_function_and_bad_arguments():
    # a function that ignores its inputs would "pass" with every derivative 0: an error
    with pytest.raises(ValueError, match="does not use the Values it is given"):
        gradcheck(lambda a: 3.0, [1.0])
    with pytest.raises(ValueError, match="order"):
        gradcheck(lambda a: a, [1.0], order=0)
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda a: a, [1.0], eps=0.0)
    with pytest.raises(TypeError, match="'x0'"):
        gradcheck(lambda a: a, ["1.0"])
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda a: "no", [1.0])
    assert isinstance(gradcheck(lambda a: a, [1.0]), GradcheckResult)


def test_a_lambda_that_ignores_its_inputs_is_an_error_not_a_pass():
    # the learner's mistake from issue 15: the lambda reads the model, not its arguments
    from micrograd_beans.losses import squared_error
    from micrograd_beans.nn import MLP

    model = MLP(1, [2, 1], seed=0)
    with pytest.raises(ValueError, match="gradcheck_model"):
        gradcheck(lambda *ps: squared_error(model(0.9), 1.0), model.parameters())


def test_gradcheck_result_reprs_are_short_and_the_html_is_a_table():
    result = gradcheck(lambda w, x: (w * x).tanh(), {"w": 0.3, "x": -2.0})
    assert repr(result) == "<GradcheckResult: all 2 gradients agree>"
    page = result._repr_html_()
    assert page.count("<tr") == 3 and "d/dw" in page and "d/dx" in page
    assert f"{result.rows[0].engine:.10g}" in page


def test_names_that_moved_out_still_import_from_here():
    # grad, detect_anomaly and gradcheck_model lived in this module before the split
    import sys

    from micrograd_beans import anomaly, gradients, model_gradcheck
    from micrograd_beans.gradcheck import (
        ModelGradcheckResult,
        ModelGradcheckRow,
        detect_anomaly,
        grad,
        gradcheck_model,
    )

    assert grad is gradients.grad and detect_anomaly is anomaly.detect_anomaly
    assert gradcheck_model is model_gradcheck.gradcheck_model
    assert ModelGradcheckResult is model_gradcheck.ModelGradcheckResult
    assert ModelGradcheckRow is model_gradcheck.ModelGradcheckRow
    module = sys.modules["micrograd_beans.gradcheck"]  # the package's `gradcheck` is the function
    namespace: dict = {}
    exec("from micrograd_beans.gradcheck import *", namespace)
    assert set(module.__all__) <= set(namespace) and "gradcheck_model" in module.__all__
    with pytest.raises(AttributeError, match="has no attribute 'gradcheck_modle'"):
        module.gradcheck_modle  # noqa: B018
