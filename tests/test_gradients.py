"""Tests for micrograd_beans/gradients.py: grad() with and without create_graph against
closed forms, backward() and finite differences."""

from __future__ import annotations

import math

import pytest

from micrograd_beans.engine import Value, affine
from micrograd_beans.gradients import grad


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


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
