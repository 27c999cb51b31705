"""The micrograd face's Value: micrograd 0.1.0's test file with only the import swapped,
micrograd's float order, repr and constructor, and the real micrograd as an oracle."""

from __future__ import annotations

import math

import pytest

from micrograd_beans.micrograd.engine import Value

# micrograd's own tests use PyTorch as their oracle: the `[torch]` extra.
torch = pytest.importorskip("torch")

# --- micrograd's test/test_engine.py, its Value import swapped -------------------------------


def test_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    assert ymg.data == ypt.data.item()
    assert xmg.grad == xpt.grad.item()


def more_ops(a, b):
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_more_ops():
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b)
    g.backward()

    at = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    bt = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    gt = more_ops(at, bt)
    gt.backward()

    tol = 1e-6
    assert abs(g.data - gt.data.item()) < tol
    assert abs(a.grad - at.grad.item()) < tol
    assert abs(b.grad - bt.grad.item()) < tol
    # the published values (micrograd's README): g = 24.7041, dg/da = 138.8338, dg/db = 645.5773
    assert g.data == pytest.approx(24.70408163265306, rel=1e-15)
    assert a.grad == pytest.approx(138.83381924198252, rel=1e-13)
    assert b.grad == pytest.approx(645.5772594752186, rel=1e-13)


# --- micrograd's float order ------------------------------------------------------------------


def test_division_is_a_times_b_to_the_minus_one_as_in_micrograd():
    # 0.1 / 7.0 and 0.1 * 7.0**-1 round differently: the face keeps micrograd's way
    assert 0.1 / 7.0 != 0.1 * 7.0**-1
    a, b = Value(0.1), Value(7.0)
    assert (a / b).data == 0.1 * 7.0**-1
    assert (a / 7.0).data == 0.1 * 7.0**-1
    assert (0.1 / b).data == 0.1 * 7.0**-1
    q = a / b
    q.backward()
    assert a.grad == 7.0**-1  # d(a * b**-1)/da = b**-1
    assert b.grad == (-1 * 7.0**-2) * 0.1  # micrograd: (-1 * b**-2) * (a * out.grad)


def test_subtraction_and_negation_give_micrograds_floats():
    # micrograd: a - b is a + (b * -1), -a is a * -1; one node each here, the same floats
    for x, y in [(0.1, 0.3), (1e16, 1.0), (-2.5, 7.25)]:
        a, b = Value(x), Value(y)
        assert (a - b).data == x + (y * -1)
        assert (-a).data == x * -1
        assert (3 - b).data == 3 + (y * -1)


def test_a_second_backward_adds_the_leaf_gradients_once_more():
    x = Value(3.0)
    y = x * x + x
    y.backward()
    assert x.grad == 7.0
    y.backward()
    assert x.grad == 14.0  # (micrograd re-adds into intermediates too and gets 20)


# --- constructor and repr -----------------------------------------------------------------


def test_repr_is_micrograds():
    x = Value(2.5)
    assert repr(x) == "Value(data=2.5, grad=0.0)"
    y = x * x
    y.backward()
    assert repr(y) == "Value(data=6.25, grad=1.0)"
    assert repr(x) == "Value(data=2.5, grad=5.0)"
    assert repr(Value(0.8958441028683222)) == "Value(data=0.8958441028683222, grad=0.0)"


def test_results_of_every_op_are_face_values():
    x = Value(0.5)
    results = [x + 1, 1 + x, x * 2, 2 * x, x - 1, 1 - x, -x, x / 2, 2 / x, x**2, 2**x]
    results += [x.relu(), x.exp(), x.log(), x.tanh(), x.sigmoid(), x.sin(), x.cos()]
    for r in results:
        assert type(r) is Value
    assert results[-4].data == math.tanh(0.5)


def test_data_is_a_float_whatever_number_comes_in():
    import numpy as np

    for raw in (2, 2.0, np.float64(2.0), np.int64(2), True):
        v = Value(raw)
        assert type(v.data) is float and v.data == float(raw)


def test_children_given_by_hand_are_refused_with_the_way_to_add_an_op():
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(TypeError, match="define_op"):
        Value(3.0, (a, b), "+")
    with pytest.raises(TypeError, match="define_op"):
        Value(3.0, _op="+")


def test_label_keyword_of_the_lecture():
    a = Value(2.0, label="a")
    assert a.label == "a"
