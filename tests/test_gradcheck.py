"""Tests for micrograd_beans/gradcheck.py: gradcheck at orders 1-3 for every op, grad() with
and without create_graph against closed forms, and detect_anomaly."""

from __future__ import annotations

import math

import pytest

from micrograd_beans import (
    OPS,
    Value,
    affine,
    detect_anomaly,
    engine,
    grad,
    gradcheck,
    gradgradcheck,
)
from micrograd_beans.gradcheck import (
    GradcheckError,
    GradcheckResult,
    GradcheckWarning,
    ModelGradcheckResult,
    gradcheck_model,
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


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("case", [*OP_CASES, *MORE_CASES])
def test_every_op_passes_gradcheck(case, order):
    f, point = {**OP_CASES, **MORE_CASES}[case]
    if case == "note's network" and order == 3:
        pytest.skip("84 third derivatives: slow and nothing new")
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
    monkeypatch.setitem(engine._BACKWARD, "sigmoid", lambda g, out, a: (g * out,))
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

    monkeypatch.setitem(engine._BACKWARD, "tanh", detached)
    assert gradcheck(f, [0.4])
    assert not gradcheck(f, [0.4], order=2)
    assert not gradgradcheck(f, [0.4])


def test_allclose_semantics(monkeypatch):
    off = 1e-4

    def mul(g, out, a, b):
        return (g * b + off, g * a)

    monkeypatch.setitem(engine._BACKWARD, "*", mul)
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
    monkeypatch.setitem(engine._BACKWARD, "exp", lambda g, out, a: (g * math.nan,))
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


# --- grad(): gradients as floats or as Values -----------------------------------------------


def nth(f, x: float, n: int) -> float:
    """The n-th derivative of f at x by grad(..., create_graph=True) n times."""
    v = Value(x, label="x")
    d = f(v)
    for k in range(n):
        d = grad(d, v, create_graph=k < n - 1)
    return float(d)


CLOSED_FORMS = [
    # (name, f, x, order, exact)
    (
        "sigmoid''",
        lambda x: x.sigmoid(),
        0.7,
        2,
        sigmoid(0.7) * (1 - sigmoid(0.7)) * (1 - 2 * sigmoid(0.7)),
    ),
    ("tanh''", lambda x: x.tanh(), 0.7, 2, -2 * math.tanh(0.7) * (1 - math.tanh(0.7) ** 2)),
    ("(x^3)'''", lambda x: x**3, 0.7, 3, 6.0),
    ("(x^3)''' at x < 0", lambda x: x**3, -2.0, 3, 6.0),
    ("(x^3)''''", lambda x: x**3, -2.0, 4, 0.0),
    ("exp'''", lambda x: x.exp(), 0.7, 3, math.exp(0.7)),
    ("log''", lambda x: x.log(), 0.7, 2, -1 / 0.7**2),
    ("log'''", lambda x: x.log(), 0.7, 3, 2 / 0.7**3),
    ("(2^x)''", lambda x: 2.0**x, 0.7, 2, math.log(2) ** 2 * 2**0.7),
    ("(x^x)''", lambda x: x**x, 0.7, 2, 0.7**0.7 * ((math.log(0.7) + 1) ** 2 + 1 / 0.7)),
    ("relu'", lambda x: x.relu(), 0.7, 1, 1.0),
    ("relu' flat", lambda x: x.relu(), -0.7, 1, 0.0),
    ("relu''", lambda x: x.relu(), 0.7, 2, 0.0),
    ("(x relu x)''", lambda x: x * x.relu(), 0.7, 2, 2.0),
    ("(1/x)''", lambda x: 1.0 / x, 0.7, 2, 2 / 0.7**3),
    ("(-x)'", lambda x: -x, 0.7, 1, -1.0),
    ("(-x^2)''", lambda x: -(x * x), 0.7, 2, -2.0),
    ("affine(x, x, x)''", lambda x: affine([x], [x], x), 0.7, 2, 2.0),
]


@pytest.mark.parametrize("name, f, x, order, exact", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_higher_derivatives_match_closed_forms(name, f, x, order, exact):
    assert nth(f, x, order) == pytest.approx(exact, rel=1e-12, abs=1e-12)


def test_backward_through_a_gradient_gives_the_second_derivative():
    x = Value(0.7, label="x")
    dx = grad(x.tanh() * x, x, create_graph=True)
    dx.backward()
    t = math.tanh(0.7)
    assert x.grad == pytest.approx(2 * (1 - t * t) - 2 * 0.7 * t * (1 - t * t))


def test_mixed_partials_of_pow_div_affine():
    a, b = Value(1.7, label="a"), Value(-0.6, label="b")
    da, db = grad(a**b, [a, b], create_graph=True)
    assert float(da) == pytest.approx(-0.6 * 1.7**-1.6)
    assert float(db) == pytest.approx(1.7**-0.6 * math.log(1.7))
    assert grad(da, [a, b]) == pytest.approx(
        (-0.6 * -1.6 * 1.7**-2.6, 1.7**-1.6 * (1 + -0.6 * math.log(1.7)))
    )
    assert grad(db, b) == pytest.approx(1.7**-0.6 * math.log(1.7) ** 2)

    da, db = grad(a / b, [a, b], create_graph=True)
    assert grad(da, [a, b]) == pytest.approx((0.0, -1 / 0.6**2))
    assert grad(db, b) == pytest.approx(2 * 1.7 / (-0.6) ** 3)

    w1, x1, w2, x2, c = (Value(v, label=n) for v, n in zip([1, 2, 3, 4, 5], "wxvyc", strict=True))
    dw1, dx1, dc = grad(affine([w1, w2], [x1, x2], c), [w1, x1, c], create_graph=True)
    assert grad(dw1, [w1, x1, w2, x2, c]) == (0.0, 1.0, 0.0, 0.0, 0.0)
    assert grad(dx1, [w1, x1, w2, x2, c]) == (1.0, 0.0, 0.0, 0.0, 0.0)
    assert grad(dc, [w1, c]) == (0.0, 0.0)


def test_grad_leaves_grad_fields_alone_and_matches_backward():
    w, x = Value(0.3, label="w"), Value(-1.1, label="x")
    h = (w * x).sigmoid()
    e = (1.0 - h) ** 2 + w.exp() * h
    nodes = [w, x, h, e]
    for v in nodes:
        v.grad = 0.25
    dw, dx = grad(e, [w, x])
    dh = grad(e, h)
    assert [v.grad for v in nodes] == [0.25] * 4
    e.backward()
    assert (dw, dx, dh) == pytest.approx((w.grad - 0.25, x.grad - 0.25, h.grad))
    gw, gx = grad(e, [w, x], create_graph=True)
    assert isinstance(gw, Value) and (gw.data, gx.data) == pytest.approx((dw, dx))


def test_grad_edge_cases():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    assert grad(x * x, x) == 4.0
    assert grad(x * x, [x]) == (4.0,)
    assert grad(x + x, [x, x]) == (2.0, 2.0)
    assert grad(x * 2.0, [x, y]) == (2.0, 0.0)
    unused = grad(x * 2.0, y, create_graph=True)
    assert isinstance(unused, Value) and unused.data == 0.0
    assert grad(x, x) == 1.0
    z = x * y
    assert grad(z.exp(), z) == pytest.approx(math.exp(6.0))
    # d/dy of (d/dx x*y): a Value the first grad was not asked about stays differentiable
    dx = grad(x * y, x, create_graph=True)
    assert grad(dx, y) == 1.0
    # numbers are Values too: d2/dc2 of x*c*c for the Constant c made from 3.0
    y = x * 3.0
    c = y.parents[1]
    dc = grad(y * c, c, create_graph=True)
    assert (dc.data, grad(dc, c), grad(dc, x)) == (12.0, 4.0, 6.0)
    with pytest.raises(TypeError, match="Value as output"):
        grad(2.0, x)
    with pytest.raises(TypeError, match="position 1"):
        grad(x * y, [x, 3.0])


def test_second_derivatives_agree_with_differences_of_grad():
    def first(w: float, x: float) -> tuple[float, float]:
        wv, xv = Value(w), Value(x)
        return grad(((wv * xv).tanh() + wv**2).log(), [wv, xv])

    wv, xv = Value(0.8), Value(-0.4)
    dw, dx = grad(((wv * xv).tanh() + wv**2).log(), [wv, xv], create_graph=True)
    hessian = [grad(dw, [wv, xv]), grad(dx, [wv, xv])]
    eps = 1e-6
    up_w, down_w = first(0.8 + eps, -0.4), first(0.8 - eps, -0.4)
    up_x, down_x = first(0.8, -0.4 + eps), first(0.8, -0.4 - eps)
    for i in range(2):
        assert hessian[i][0] == pytest.approx((up_w[i] - down_w[i]) / (2 * eps), rel=1e-6)
        assert hessian[i][1] == pytest.approx((up_x[i] - down_x[i]) / (2 * eps), rel=1e-6)


# --- detect_anomaly -------------------------------------------------------------------------


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
    forward, backward = dict(engine._FORWARD), engine._backward
    with pytest.raises(FloatingPointError), detect_anomaly():
        with detect_anomaly():
            pass
        assert forward != engine._FORWARD  # still inside the outer block
        Value(1e300) * 1e300
    assert forward == engine._FORWARD and engine._backward is backward
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


# --- empty checks and gradcheck_model ---------------------------------------------------------


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


def _note_model(seed=3):
    from micrograd_beans.course.lessons import get_lesson

    lesson = get_lesson("hidden-layer")
    xs, ys = lesson.make_data(seed)
    return lesson.make_model(seed), xs, ys


def test_gradcheck_model_three_ways_on_one_bean():
    from micrograd_beans.course import by_hand

    model, xs, ys = _note_model()
    before = model.state_dict()
    result = gradcheck_model(model, xs[40], ys[40], by_hand=by_hand.gradients)
    assert isinstance(result, ModelGradcheckResult) and result
    assert [r.name for r in result.rows] == list(by_hand.PARAM_NAMES)
    hand = by_hand.gradients(before, float(xs[40]), float(ys[40]))
    for row in result.rows:
        assert row.by_hand == hand[row.name]
        assert row.engine == pytest.approx(hand[row.name], rel=1e-12, abs=1e-15)
        assert row.finite_difference == pytest.approx(hand[row.name], rel=1e-6, abs=1e-9)
        assert row.value == before[row.name]
    assert model.state_dict() == before  # parameters restored exactly
    assert all(p.grad == 0.0 for p in model.parameters())  # .grad left alone
    assert str(result).splitlines()[-1].startswith("all 7 gradients agree")
    assert result._repr_html_().count("<tr") == 8


def test_gradcheck_model_on_many_beans_is_the_mean():
    from micrograd_beans.course import by_hand

    model, xs, ys = _note_model()
    many = gradcheck_model(model, xs[:5], ys[:5], by_hand=by_hand.gradients)
    assert many.beans == 5 and many
    ones = [gradcheck_model(model, xs[i], ys[i]).rows for i in range(5)]
    for k, row in enumerate(many.rows):
        assert row.engine == pytest.approx(sum(r[k].engine for r in ones) / 5, rel=1e-12)


def test_gradcheck_model_two_inputs_and_no_by_hand():
    from micrograd_beans.course.lessons import get_lesson

    lesson = get_lesson("disc")
    model, X, ys = lesson.setup(seed=2)
    result = gradcheck_model(model, X[7], ys[7])
    assert result and all(r.by_hand is None for r in result.rows)
    assert len(result.rows) == len(model.parameters())


def test_gradcheck_model_catches_a_wrong_rule(monkeypatch):
    from micrograd_beans import engine

    model, xs, ys = _note_model()
    monkeypatch.setitem(engine._BACKWARD, "sigmoid", lambda g, out, a: (g * out,))
    result = gradcheck_model(model, xs[40], ys[40])
    assert not result and "7 of 7 gradients disagree" in str(result)
    with pytest.raises(GradcheckError):
        gradcheck_model(model, xs[40], ys[40], raise_on_failure=True)


def test_gradcheck_model_warns_when_every_gradient_is_zero():
    from micrograd_beans.nn import MLP

    model = MLP(1, [1], activation="relu", seed=0)  # relu at a negative input: flat
    model.load_state_dict({"w11_1": 0.5, "b1_1": -3.0})
    with pytest.warns(GradcheckWarning, match="all 2 gradients are 0"):
        result = gradcheck_model(model, 1.0, 1.0)
    assert result.empty


def test_gradcheck_model_bad_arguments():
    model, xs, ys = _note_model()
    with pytest.raises(ValueError, match="3 beans but y has 2"):
        gradcheck_model(model, xs[:3], ys[:2])
    with pytest.raises(TypeError, match="named_parameters"):
        gradcheck_model(lambda x: x, 1.0, 1.0)
    with pytest.raises(ValueError, match="eps"):
        gradcheck_model(model, 1.0, 1.0, eps=-1.0)
