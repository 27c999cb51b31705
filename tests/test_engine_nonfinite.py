"""NaN, infinities and zeros through every op of the engine, with PyTorch float64 as the
oracle: values and gradients agree wherever the engine computes one, and the engine raises
only for finite inputs whose exact result is undefined or infinite (documented in
docs/errors-and-files.md). Skipped when torch is not installed."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from micrograd_beans.engine import OPS, Value  # noqa: E402

SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 1e-300, 1e300]

TORCH_OPS = {
    "+": torch.add,
    "-": torch.sub,
    "*": torch.mul,
    "/": torch.div,
    "**": torch.pow,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "exp": torch.exp,
    "log": torch.log,
    "neg": torch.neg,
    "sin": torch.sin,
    "cos": torch.cos,
    "softplus": lambda t: torch.nn.functional.softplus(t, threshold=1000.0),  # no cut at 20
}
METHODS = {
    "+": "__add__",
    "-": "__sub__",
    "*": "__mul__",
    "/": "__truediv__",
    "**": "__pow__",
    "neg": "__neg__",
}


def same(a: float, b: float) -> bool:
    """Equal as floats (finite ones to rounding: tanh's derivative is computed from its
    output), NaN equal to NaN. Zeros compare without their sign: a gradient starts at +0.0
    and adds, where PyTorch's first contribution is stored as it is."""
    if math.isfinite(a) and math.isfinite(b):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)
    return (math.isnan(a) and math.isnan(b)) or a == b


def allowed_error(name: str, args: tuple[float, ...]) -> bool:
    """The engine's documented errors: finite inputs with an undefined or infinite result,
    and any division by zero."""
    if name == "/":
        return args[1] == 0.0
    if not all(math.isfinite(a) for a in args):
        return False
    if name == "log":
        return args[0] <= 0.0
    if name == "**":
        a, b = args
        return (a == 0.0 and b < 0.0) or (a < 0.0 and not b.is_integer())
    return False


def test_every_row_of_the_table_is_checked_here():
    assert set(OPS) - {"affine"} == set(TORCH_OPS)


@pytest.mark.parametrize("name", sorted(TORCH_OPS))
def test_special_values_agree_with_torch(name):
    arity = OPS[name].arity
    for args in itertools.product(SPECIALS, repeat=arity):
        ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
        expected = TORCH_OPS[name](*ts)
        expected.backward()
        vs = [Value(a) for a in args]
        try:
            out = getattr(vs[0], METHODS.get(name, name))(*vs[1:])
        except (ArithmeticError, ValueError):
            assert allowed_error(name, args), (name, args, "raised")
            continue
        assert not allowed_error(name, args), (name, args, "did not raise")
        assert same(out.data, expected.item()), (name, args, out.data, expected.item())
        out.backward()
        for v, t in zip(vs, ts, strict=True):
            assert same(v.grad, t.grad.item()), (name, args, v.grad, t.grad.item())


def test_relu_keeps_nan_so_a_nan_weight_shows_in_the_loss():
    w = Value(math.nan, "w")
    loss = ((w * 2.0).relu() - 1.0) ** 2
    assert math.isnan(loss.data)
    assert math.isnan(Value(math.nan).relu().data)


@pytest.mark.parametrize(
    ("base", "exponent"),
    [(0.0, 0.5), (0.0, 0.0), (0.0, 2.0), (0.0, 1.0), (1e-300, -1.0), (2.0, 0.0), (1e-200, -2.0)],
)
def test_pow_derivatives_at_the_edges_are_torchs(base, exponent):
    a, b = Value(base), Value(exponent)
    out = a**b
    out.backward()
    ta = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
    (ta**tb).backward()
    assert same(out.data, (ta**tb).item())
    assert same(a.grad, ta.grad.item()) and same(b.grad, tb.grad.item())


def test_zero_to_a_value_power_gives_torchs_derivative():
    y = Value(0.5)
    out = 0.0**y  # the base is a number: only y needs a derivative
    out.backward()
    ty = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    (torch.tensor(0.0, dtype=torch.float64) ** ty).backward()
    assert same(y.grad, ty.grad.item()) and y.grad == 0.0


def test_a_derivative_is_computed_only_for_an_operand_that_needs_it(monkeypatch):
    from micrograd_beans.engine import OPS, ops, rules, speed, topological_order

    called = []

    def spy(*args):
        called.append(args)
        return rules.dpow_db(*args)

    monkeypatch.setitem(ops.NAMESPACE, "dpow_db", spy)
    propagate, _ = speed.compile_backward_loop(OPS.values())  # the loop backward() runs

    def backward(root):
        root.grad = 1.0
        propagate(topological_order(root))

    x = Value(-3.0)
    backward(x**2)  # the exponent is a number: its derivative (ln of -3) is never needed
    assert x.grad == -6.0 and called == []
    y = Value(2.0)
    backward(Value(3.0) ** y)
    assert len(called) == 1 and y.grad == pytest.approx(9.0 * math.log(3.0))


def test_overflow_is_inf_as_in_torch():
    assert Value(1000.0).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(1e200) * 1e200).data == math.inf


def test_numpy_bool_is_accepted_like_bool():
    assert Value(np.bool_(True)).data == 1.0 and Value(np.False_).data == 0.0
    assert Value(True).data == 1.0
