"""Tests for codegen/trace.py: derivative rules that branch on data become branches in the code."""

from __future__ import annotations

import math

import pytest
from codegen_cases import close

from micrograd_beans import OPS, Value
from micrograd_beans.codegen import CodegenError, compile_graph
from micrograd_beans.engine import Op


def test_relu_is_evaluated_in_the_generated_code():
    x = Value(-1.0, label="x")  # compiled where the relu is off ...
    w = Value(2.0, label="w")
    a = (w * x).relu()
    compiled = compile_graph(a, [x], [w])
    assert compiled([-1.0]) == (0.0, [0.0])
    assert compiled([3.0]) == (6.0, [3.0])  # ... and still right where it is on
    assert "(1.0 if t1 > 0.0 else 0.0)" in compiled.source
    outs, grads = compiled.batched([[-1.0, 3.0]])
    assert outs.tolist() == [0.0, 6.0] and grads == [3.0]


def test_pow_with_a_value_exponent_branches_on_the_base_at_run_time():
    a = Value(2.0, label="a")
    b = Value(1.5, label="b")
    out = a**b
    compiled = compile_graph(out, [], [a, b])
    for base in (2.0, 0.0, -2.0):
        exponent = 2.0 if base < 0 else 1.5
        a2, b2 = Value(base), Value(exponent)
        (a2**b2).backward()
        got = compiled([], [base, exponent])
        assert got[0] == (a2**b2).data
        assert close(got[1][0], a2.grad) and close(got[1][1], b2.grad)
    with pytest.raises(ValueError):  # negative base, fractional exponent: no real result
        compiled([], [-2.0, 0.5])


def test_a_derivative_rule_that_cannot_run_on_symbols_is_reported(monkeypatch):
    monkeypatch.setitem(
        OPS, "odd", Op("odd", 1, abs, lambda g, out, a: (g * math.copysign(1, a),), "abs({0})")
    )
    x = Value(-0.5, label="x")
    node = x.exp()
    node.op = "odd"
    with pytest.raises(CodegenError, match="'odd'"):
        compile_graph(node, [], [x])
