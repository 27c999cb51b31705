"""Tests for micrograd_beans/losses.py: the note's e, MSE, and a binary cross-entropy that
stays finite (with the right gradient) at outputs of exactly 0 and 1."""

from __future__ import annotations

import math

import pytest

from micrograd_beans import Value
from micrograd_beans.losses import (
    LOSSES,
    binary_cross_entropy,
    get_loss,
    mse,
    squared_error,
)


def test_squared_error_is_the_notes_e():
    a = Value(0.8)
    e = squared_error(a, 1.0)
    assert e.label == "e"
    assert e.data == pytest.approx(0.04, abs=1e-15)
    e.backward()
    assert a.grad == pytest.approx(-2 * (1.0 - 0.8), abs=1e-15)  # de/da = -2 (y - a)
    assert squared_error(0.8, 1.0) == (1.0 - 0.8) ** 2


def test_squared_error_over_outputs_is_their_mean_or_with_sum_their_sum():
    outs = [Value(0.5), Value(2.0)]
    e = squared_error(outs, [1.0, 0.0])
    assert e.label == "e" and e.data == pytest.approx((0.25 + 4.0) / 2)
    e.backward()
    assert [a.grad for a in outs] == pytest.approx([-2 * 0.5 / 2, 2 * 2.0 / 2])
    assert squared_error(outs, [1.0, 0.0], reduction="sum").data == pytest.approx(0.25 + 4.0)
    assert squared_error([0.5, 2.0], [1.0, 0.0]) == pytest.approx((0.25 + 4.0) / 2)
    with pytest.raises(ValueError, match="2 outputs but 3"):
        squared_error(outs, [1.0, 0.0, 1.0])


@pytest.mark.parametrize("loss", [squared_error, binary_cross_entropy])
def test_one_output_is_the_same_graph_under_either_reduction(loss):
    # The course's networks have one output: "mean" must not add a node or change a bit.
    for reduction in ("mean", "sum"):
        assert loss(Value(0.3).sigmoid(), 1.0, reduction=reduction).op != "/"
    z1, z2 = Value(0.3), Value(0.3)
    mean, total = loss(z1.sigmoid(), 1.0), loss(z2.sigmoid(), 1.0, reduction="sum")
    mean.backward()
    total.backward()
    assert (mean.data, z1.grad) == (total.data, z2.grad)


@pytest.mark.parametrize("loss", [squared_error, binary_cross_entropy, mse])
def test_reduction_must_be_mean_or_sum(loss):
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum', got 'none'"):
        loss([Value(0.5)], [1.0], reduction="none")


def test_mse_is_the_mean_over_the_batch():
    preds = [Value(0.0), Value(1.0), Value(3.0)]
    loss = mse(preds, [1.0, 1.0, 1.0])
    assert loss.data == pytest.approx((1 + 0 + 4) / 3)
    loss.backward()
    assert [p.grad for p in preds] == pytest.approx([-2 / 3, 0.0, 4 / 3])
    total = mse([Value(0.0), Value(1.0), Value(3.0)], [1.0, 1.0, 1.0], reduction="sum")
    assert total.data == pytest.approx(1 + 0 + 4)
    with pytest.raises(ValueError, match="equally many"):
        mse(preds, [1.0])
    with pytest.raises(ValueError):
        mse([], [])


@pytest.mark.parametrize("z", [-3.0, -0.2, 0.0, 0.7, 4.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_of_a_sigmoid_matches_the_formula_and_its_gradient(z, y):
    zv = Value(z)
    p = zv.sigmoid()
    loss = binary_cross_entropy(p, y)
    s = 1 / (1 + math.exp(-z))
    assert loss.data == pytest.approx(-(y * math.log(s) + (1 - y) * math.log(1 - s)), rel=1e-12)
    loss.backward()
    assert zv.grad == pytest.approx(s - y, abs=1e-12)  # dBCE/dz = σ(z) - y


@pytest.mark.parametrize(
    ("z", "y", "expected"),
    [(-800.0, 1.0, 800.0), (800.0, 0.0, 800.0), (-800.0, 0.0, 0.0), (800.0, 1.0, 0.0)],
)
def test_bce_is_finite_where_the_sigmoid_saturates(z, y, expected):
    zv = Value(z)
    p = zv.sigmoid()
    assert p.data in (0.0, 1.0)  # the output really is exactly 0 or 1
    loss = binary_cross_entropy(p, y)
    assert math.isfinite(loss.data) and loss.data == pytest.approx(expected)
    loss.backward()
    assert math.isfinite(zv.grad) and zv.grad == pytest.approx(
        float(y == 0.0) - float(y == 1.0) if expected else 0.0, abs=1e-12
    )


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
@pytest.mark.parametrize("p", [0.0, 1e-50, 3e-44, 1e-20, 1e-13, 0.3, 0.5, 1.0 - 1e-13, 1.0])
def test_bce_of_a_probability_clamps_the_log_as_torch_does(p, y):
    """One clamping rule, torch's: each log is clamped at -100 (a term is at most 100), the
    same for a Value and a float; the gradient is the clamped value's derivative (0 beyond
    the clamp), which is torch's gradient wherever torch's backward does not bound it."""
    torch = pytest.importorskip("torch")
    pt = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy(pt, torch.tensor(y, dtype=torch.float64))
    expected.backward()
    v = Value(p)
    e = binary_cross_entropy(v, y)
    e.backward()
    # torch writes log(1 - p) as log1p(-p): the last digits may differ, and where 1 - p rounds
    # to 1 its tiny loss (p itself) is 0 here
    assert e.data == pytest.approx(expected.item(), rel=1e-14, abs=1e-12)
    assert binary_cross_entropy(p, y) == e.data  # the float path is the same definition
    clamped_low, clamped_high = p == 0.0 or math.log(p) < -100, p == 1.0
    derivative = 0.0 if clamped_low else -y / p
    derivative += 0.0 if clamped_high else (1.0 - y) / (1.0 - p)
    assert v.grad == pytest.approx(derivative, rel=1e-12)
    if min(p, 1.0 - p) >= 1e-12:  # torch's backward divides by max(p(1 - p), 1e-12)
        assert v.grad == pytest.approx(pt.grad.item(), rel=1e-12, abs=1e-12)


def test_bce_of_a_plain_probability():
    v = Value(0.25)
    loss = binary_cross_entropy(v, 1.0)
    assert loss.label == "bce"
    assert loss.data == pytest.approx(-math.log(0.25))
    loss.backward()
    assert v.grad == pytest.approx(-1 / 0.25)
    assert binary_cross_entropy(0.25, 0.0) == pytest.approx(-math.log(0.75))
    with pytest.raises(ValueError, match=r"probability in \[0, 1\]"):
        binary_cross_entropy(Value(1.5), 1.0)


def test_loss_lookup():
    assert get_loss("squared_error") is squared_error
    assert get_loss("bce") is binary_cross_entropy
    assert set(LOSSES) == {"squared_error", "bce"}
    assert get_loss(abs) is abs
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        get_loss("hinge")


def test_mse_of_several_outputs_is_the_mean_over_every_element_as_in_torch():
    preds = [[Value(0.0), Value(2.0)], [Value(1.0), Value(1.5)]]
    targets = [[1.0, 0.0], [1.0, 1.0]]
    squares = [1.0, 4.0, 0.0, 0.25]
    assert mse(preds, targets).data == pytest.approx(sum(squares) / 4)
    assert mse(preds, targets, reduction="sum").data == pytest.approx(sum(squares))


def test_bce_over_a_list_is_the_mean_of_the_samples_or_with_sum_their_sum():
    ps, ys = [0.9, 0.2, 0.6], [1.0, 0.0, 1.0]
    terms = [-math.log(0.9), -math.log(0.8), -math.log(0.6)]
    assert binary_cross_entropy(ps, ys) == pytest.approx(sum(terms) / 3)
    assert binary_cross_entropy(ps, ys, reduction="sum") == pytest.approx(sum(terms))
    zs = [Value(1.2), Value(-0.4)]
    loss = binary_cross_entropy([z.sigmoid() for z in zs], [1.0, 0.0])
    loss.backward()
    sig = [1 / (1 + math.exp(-z.data)) for z in zs]
    assert [z.grad for z in zs] == pytest.approx([(sig[0] - 1) / 2, (sig[1] - 0) / 2])


def _ops(root: Value) -> list[str]:
    from micrograd_beans.engine import topological_order

    return [v.op for v in topological_order(root)]


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3, 0.75])
@pytest.mark.parametrize("z", [-800.0, -37.0, -2.5, -1e-9, 0.0, 0.4, 3.0, 37.0, 800.0])
def test_bce_from_a_logit_is_torchs_for_any_label_in_0_1(z, y):
    torch = pytest.importorskip("torch")
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        zt, torch.tensor(y, dtype=torch.float64)
    )
    expected.backward()
    zv = Value(z)
    e = binary_cross_entropy(zv.sigmoid(), y)
    e.backward()
    # (torch's logits form rounds a right, confident answer's tiny loss to 0: abs 1e-15)
    assert e.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-15)
    assert zv.grad == pytest.approx(zt.grad.item(), rel=1e-12, abs=1e-15)
    if y in (0.0, 1.0):  # a 0/1 label: the loss is one softplus, exact even where tiny
        assert e.data == pytest.approx(math.log1p(math.exp(-abs(z))) + max(z if y == 0 else -z, 0))


def test_bce_from_a_logit_has_one_graph_shape_for_every_label_and_logit():
    # what lets generated code run it: the same ops in the same order, whatever the sample
    shapes = {
        tuple(_ops(binary_cross_entropy(Value(z).sigmoid(), y)))
        for z in (-5.0, 0.0, 5.0)
        for y in (0.0, 0.3, 1.0)
    }
    assert len(shapes) == 1 and "softplus" in next(iter(shapes))


# --- BCE of a probability (not a logit) against torch's BCELoss, float64 ---------------------
# Every term is checked: log(1 - p) (label 0), soft labels 0 < y < 1, and the clamp.


def _torch_bce(p: float, y: float) -> tuple[float, float]:
    torch = pytest.importorskip("torch")
    pt = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.BCELoss()(pt, torch.tensor(y, dtype=torch.float64))
    loss.backward()
    return loss.item(), pt.grad.item()


@pytest.mark.parametrize("y", [0.0, 1.0, 0.25, 0.5, 0.9])
@pytest.mark.parametrize("p", [1e-9, 1e-6, 0.1, 0.5, 0.73, 0.999, 1.0 - 1e-9])
def test_bce_of_a_probability_is_torchs_value_and_gradient(p, y):
    """A probability that is no sigmoid's output (here a leaf): both logs, any label. (Where
    p(1 - p) < 1e-12 torch's backward bounds the gradient; see the clamp test below.)"""
    expected, expected_grad = _torch_bce(p, y)
    pv = Value(p)
    e = binary_cross_entropy(pv, y)
    e.backward()
    assert e.data == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert pv.grad == pytest.approx(expected_grad, rel=1e-9)
    assert binary_cross_entropy(p, y) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_the_log_1_minus_p_term_alone():
    """Label 0: -log(1 - p), gradient 1 / (1 - p)."""
    pv = Value(0.8)
    e = binary_cross_entropy(pv, 0.0)
    e.backward()
    assert e.data == pytest.approx(-math.log(0.2), rel=1e-15)
    assert pv.grad == pytest.approx(1.0 / 0.2, rel=1e-14)


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
@pytest.mark.parametrize("p", [0.0, 1e-50, 1e-30, 1.0, 1.0 - 1e-17])
def test_bce_beyond_torchs_clamp_has_torchs_value_and_a_zero_gradient(p, y):
    """Where log p or log(1 - p) is below -100 torch clamps it to -100: the same value here
    (and 1e-30, whose log -69 is above the clamp, is not clamped).
    The clamped term's gradient is 0 (the derivative of a constant, as documented); torch's
    backward divides by max(p(1 - p), 1e-12) instead, so only the unclamped term's gradient
    is compared with it."""
    expected, _ = _torch_bce(p, y)
    pv = Value(p)
    e = binary_cross_entropy(pv, y)
    e.backward()
    assert e.data == pytest.approx(expected, rel=1e-12)
    lo_clamped = p <= 0.0 or math.log(p) < -100
    hi_clamped = p >= 1.0 or math.log1p(-p) < -100
    grad = 0.0 if lo_clamped else -y / p
    grad += 0.0 if hi_clamped else (1.0 - y) / (1.0 - p)
    assert pv.grad == pytest.approx(grad, rel=1e-12, abs=0.0)
