"""The engine against PyTorch in float64 on random graphs: values, gradients and second
derivatives. Skipped when torch is not installed (it is not a dependency)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")

from hypothesis import assume, given  # noqa: E402
from test_properties import judgeable, programs, sum_affine  # noqa: E402

from micrograd_beans import grad  # noqa: E402

TORCH = SimpleNamespace(
    exp=torch.exp,
    log=torch.log,
    tanh=torch.tanh,
    sigmoid=torch.sigmoid,
    relu=torch.relu,
    sin=torch.sin,
    cos=torch.cos,
    softplus=lambda a: torch.nn.functional.softplus(a, threshold=100.0),  # exact past 20
    affine=sum_affine,
)


def number(t) -> float:
    """A torch gradient as a float: None (the input was not used) is 0."""
    return 0.0 if t is None else float(t.item())


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@given(programs())
def test_values_gradients_and_second_derivatives_match_pytorch(example):
    program, point = example
    out, xs = judgeable(program, point)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    t_out, t_pool = program.run(ts, TORCH)
    assert close(number(t_out), out.data)
    # torch's pow backward masks b * x**(b-1) to 0 where the exponent b is exactly 0, so its
    # second derivative through b is 0 there (d/db of it is x**-1, which the engine gives):
    # torch is no oracle at that point, so such examples are not judged.
    assume(
        not any(
            kind == "**" and number(t_pool[operands[1]]) == 0.0
            for kind, operands, _ in program.steps
        )
    )

    t_grads = torch.autograd.grad(t_out, ts, create_graph=True, allow_unused=True)
    grads = grad(out, xs, create_graph=True)
    for t_g, g in zip(t_grads, grads, strict=True):
        assert close(number(t_g), g.data), (number(t_g), g.data)
        if t_g is None or not t_g.requires_grad:
            t_second = [None] * len(ts)  # this gradient does not depend on the inputs
        else:
            t_second = torch.autograd.grad(t_g, ts, retain_graph=True, allow_unused=True)
        second = grad(g, xs)
        for t_h, h in zip(t_second, second, strict=True):
            assert close(number(t_h), h), (number(t_h), h)
