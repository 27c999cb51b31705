"""define_op against PyTorch float64: random user ops (derivatives as expressions and as
functions, one op built on another) to second order, in backward, grad(create_graph=True),
gradcheck and generated code. Skipped when torch is not installed (it is not a dependency)."""

from __future__ import annotations

import itertools

import pytest
from engine_state import engine_restored
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_beans import Value, define_op, grad, gradcheck
from micrograd_beans.codegen import compile_graph
from micrograd_beans.engine import ops

torch = pytest.importorskip("torch")

# Building blocks of one input: (forward, its derivative in a, the same op in torch).
BLOCKS = [
    ("sin(a)", "cos(a)", torch.sin),
    ("cos(a)", "-sin(a)", torch.cos),
    ("exp(0.5 * a)", "0.5 * exp(0.5 * a)", lambda t: torch.exp(0.5 * t)),
    ("tanh(a)", "(1.0 - tanh(a) * tanh(a))", torch.tanh),
    ("sigmoid(a)", "sigmoid(a) * (1.0 - sigmoid(a))", torch.sigmoid),
    ("log(1.0 + a * a)", "2.0 * a / (1.0 + a * a)", lambda t: torch.log(1.0 + t * t)),
    ("a ** 3", "3.0 * a ** 2", lambda t: t**3),
    ("(a * a + 1.0) ** 0.5", "a / (a * a + 1.0) ** 0.5", lambda t: (t * t + 1.0) ** 0.5),
]
_names = itertools.count()

block = st.sampled_from(range(len(BLOCKS)))
coefficient = st.floats(-2.0, 2.0).map(lambda c: round(c, 3))


def _user_op(u, v, w, c1, c2, as_function):
    """The op c1*u(a) + c2*v(a)*w(a) with its derivative, and the same in torch."""
    (fu, du, tu), (fv, dv, tv), (fw, dw, tw) = BLOCKS[u], BLOCKS[v], BLOCKS[w]
    forward = f"{c1} * {fu} + {c2} * {fv} * {fw}"
    derivative = f"g * ({c1} * {du} + {c2} * ({dv} * {fw} + {fv} * {dw}))"
    name = f"user{next(_names)}"
    if as_function:  # the same rule as a function: it runs on floats, Values and symbols
        rule = eval(f"lambda g, out, a: ({derivative},)", ops.NAMESPACE)  # noqa: S307
        define_op(name, forward, rule)
    else:
        define_op(name, forward, derivative)
    return name, lambda t: c1 * tu(t) + c2 * tv(t) * tw(t), derivative


def _torch_derivatives(f, x, w):
    tx = torch.tensor(x, dtype=torch.float64)
    tw = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    y = f(tx, tw)
    (d1,) = torch.autograd.grad(y, tw, create_graph=True)
    (d2,) = torch.autograd.grad(d1, tw)
    return y.item(), d1.item(), d2.item()


@settings(max_examples=25, deadline=None)
@given(
    block,
    block,
    block,
    coefficient,
    coefficient,
    st.booleans(),
    st.booleans(),
    st.floats(-1.5, 1.5),
    st.floats(-1.5, 1.5),
)
def test_random_user_ops_match_torch_to_second_order(u, v, w, c1, c2, as_function, nest, x, p):
    with engine_restored():
        name, torch_op, derivative = _user_op(u, v, w, c1, c2, as_function)
        if nest:  # an op whose forward and derivative call the first one by name
            outer = f"nested{next(_names)}"
            dinner = derivative.replace("g * ", "", 1)  # the inner op's derivative in a
            define_op(outer, f"{name}(a) * a", f"g * ({dinner} * a + {name}(a))")
            ours = lambda xv, wv: getattr(getattr(xv * wv, name)() + wv, outer)()  # noqa: E731
            theirs = lambda tx, tw: _nested_torch(torch_op, tx, tw)  # noqa: E731
        else:
            ours = lambda xv, wv: getattr(xv * wv, name)() * wv  # noqa: E731
            theirs = lambda tx, tw: torch_op(tx * tw) * tw  # noqa: E731
        value, d1, d2 = _torch_derivatives(theirs, x, p)

        xv, wv = Value(x, label="x"), Value(p, label="w")
        y = ours(xv, wv)
        assert y.data == pytest.approx(value, rel=1e-12, abs=1e-12)
        y.backward()
        assert wv.grad == pytest.approx(d1, rel=1e-10, abs=1e-10)
        first = grad(y, wv, create_graph=True)
        assert first.data == pytest.approx(d1, rel=1e-10, abs=1e-10)
        assert grad(first, wv) == pytest.approx(d2, rel=1e-9, abs=1e-9)
        result = gradcheck(lambda wv: ours(Value(x), wv), [p], order=2)
        assert result, str(result)

        compiled = compile_graph(y, [xv], [wv])
        out, grads = compiled([x])
        assert out == pytest.approx(y.data, rel=1e-13, abs=1e-13)
        assert grads[0] == pytest.approx(wv.grad, rel=1e-12, abs=1e-12)


def _nested_torch(torch_op, tx, tw):
    """outer(z) = inner(z) * z with z = inner(x * w) + w: the nested ops in torch."""
    z = torch_op(tx * tw) + tw
    return torch_op(z) * z
