"""Tests for codegen/trace.py: derivative rules that branch on data become branches in the code."""

from __future__ import annotations

import math
import sys
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

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
    assert "(0.0 if t1 <= 0.0 else 1.0)" in compiled.source
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


# --- compiling from several threads at once ------------------------------------------------


def branching_graph(kind: int, x: float, weights: list[float], p: float):
    """Graph number `kind`: a mix of `**` with a Value exponent (its derivative rule branches
    on the base's sign while it is traced) and relu, different for each kind.
    Returns (output, inputs, params)."""
    xv = Value(x, label="x")
    ws = [Value(w, label=f"w{i}") for i, w in enumerate(weights)]
    pv = Value(p, label="p")
    h = xv
    for i, w in enumerate(ws):
        z = h * w + 0.25 * (i - 1)
        h = z.relu() ** pv if (kind + i) % 2 else z**pv + z.relu()
        if kind % 3 == i % 3:
            h = h * z ** (pv - 1.0)
    return h, [xv], [*ws, pv]


KINDS = [
    (kind, [0.4 + 0.3 * i * (-1) ** (i + kind) for i in range(kind % 4 + 2)]) for kind in range(6)
]


def same(a: float, b: float) -> bool:
    """Equal floats, or both nan (d/dp of a negative base's power is nan, as in the engine)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def test_compiling_from_many_threads_at_once():
    """Each trace holds its own branch explorer: threads compiling at once do not mix them."""
    threads = 8
    start = Barrier(threads)

    def compile_and_check(thread: int) -> int:
        start.wait()
        checked = 0
        for round_ in range(3):
            for kind, weights in KINDS[thread % 2 :] + KINDS[: thread % 2]:
                out, inputs, params = branching_graph(kind, 0.5, weights, 2.0)
                compiled = compile_graph(out, inputs, params)
                for x in (-1.5, 0.0, 0.7 + 0.1 * round_):
                    for p in (2.0, 3.0):
                        want, _, ps = branching_graph(kind, x, weights, p)
                        want.backward()
                        got = compiled([x], [*weights, p])
                        expected = [want.data, *(v.grad for v in ps)]
                        values = [got[0], *got[1]]
                        assert all(map(same, values, expected)), (kind, x, p, values, expected)
                        checked += 1
        return checked

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up at once
    try:
        with ThreadPoolExecutor(threads) as pool:
            counts = list(pool.map(compile_and_check, range(threads)))
    finally:
        sys.setswitchinterval(interval)
    assert counts == [3 * len(KINDS) * 6] * threads
