"""Tests for codegen/program.py: a graph becomes one line of code per node, forward and backward."""

from __future__ import annotations

import ast
import math

import pytest
from codegen_cases import PARAMS, close, note_graph

from micrograd_beans import OPS, Value
from micrograd_beans.codegen import CodegenError, compile_graph
from micrograd_beans.codegen.symbols import MAX_DEPTH
from micrograd_beans.engine import Op


def test_note_network_source_reads_like_the_note():
    e, inputs, params, _ = note_graph(PARAMS, 0.9, 1.0)
    source = compile_graph(e, inputs, params).source
    for line in (
        "def gradient(x, y, w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2):",
        "a1_1 = sigmoid(z1_1)",
        "e = power(t1, 2.0)",  # the engine's ** (inf where Python's ** overflows)
        "dedz1_2 = deda1_2 * a1_2 * (1.0 - a1_2)",
        "deda1_1 = dedz1_2 * w11_2",
        "dedw11_1 = dedz1_1 * x",
        "dedb1_2 = dedz1_2",
        "return e, (dedw11_1, dedb1_1, dedw12_1, dedb2_1, dedw11_2, dedw21_2, dedb1_2)",
    ):
        assert line in source, line
    assert "Value" not in source
    # the forward pass in the note's reading order, whatever order backward() walks
    body = source.split("def gradient")[1]
    lines = [s.strip().split(" = ")[0] for s in body.splitlines() if " = " in s]
    assert lines[:8] == ["z1_1", "a1_1", "z2_1", "a2_1", "z1_2", "a1_2", "t1", "e"]
    # one assignment per node: 8 op nodes forward, 14 gradients backward
    assert body.count(" = ") == 8 + 14


def test_fan_out_and_reuse():
    x = Value(1.5, label="x")
    w = Value(-0.7, label="w")
    h = (w * x).tanh()
    h.label = "h"
    out = h * h + h * w + (w * w).exp() / h  # h used four times, w four times
    out.label = "out"
    compiled = compile_graph(out, [x], [w])
    out.backward()
    assert compiled([1.5]) == (out.data, [w.grad])
    assert "doutdh = " in compiled.source
    line = next(s for s in compiled.source.splitlines() if s.strip().startswith("doutdh = "))
    assert line.count(" + ") == 3  # h*h (twice), h*w and .../h, summed in the engine's order


def test_constants_are_literals_and_negative_ones_keep_their_meaning():
    x = Value(2.0, label="x")
    out = (-2.0) ** x + x**-1.0 - (-0.5) * x  # (-2)**2 is 4, -(2**2) would be -4
    compiled = compile_graph(out, [], [x])
    out.backward()
    value, (grad,) = compiled([])
    assert value == out.data == 5.5
    assert math.isnan(grad) and math.isnan(x.grad)  # d/dx (-2)**x: undefined, as in the engine
    assert "t1 = power(-2.0, x)" in compiled.source  # the base, not -(2.0 ** x)


def test_a_parameter_the_output_ignores_gets_zero():
    x, w, unused = Value(2.0, label="x"), Value(3.0, label="w"), Value(1.0, label="u")
    compiled = compile_graph(w * x, [x], [w, unused])
    assert compiled([2.0]) == (6.0, [2.0, 0.0])
    assert compiled.batched([[1.0, 2.0]])[1] == [3.0, 0.0]


def test_an_op_without_a_codegen_rule_fails_at_compile_time_naming_it(monkeypatch):
    x = Value(0.5, label="x")
    node = x.exp()
    node.op = "erfish"  # a node of an op the table does not have
    with pytest.raises(CodegenError, match="'erfish'"):
        compile_graph(node, [x])
    monkeypatch.setitem(
        OPS, "erfish", Op("erfish", 1, math.erf, lambda g, out, a: (g,), "erf({0})")
    )
    with pytest.raises(CodegenError, match="'erfish' has no codegen rule.*'erf'"):
        compile_graph(node, [x])


def test_unlisted_leaves_and_non_leaf_inputs_are_refused():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    out = w * x
    with pytest.raises(CodegenError, match="'x'.*neither inputs nor params"):
        compile_graph(out, [], [w])
    with pytest.raises(CodegenError, match="leaves"):
        compile_graph(out, [out], [w])
    with pytest.raises(ValueError, match="twice"):
        compile_graph(out, [x], [w, x])
    with pytest.raises(TypeError):
        compile_graph(out, [1.0], [w])


def test_long_sums_and_deep_chains_compile():
    x, w = Value(0.3, label="x"), Value(0.9, label="w")
    h = x
    for _ in range(3000):  # w reaches the output 3000 ways: deep chain, long gradient sum
        h = (h * w + 0.1).tanh()
    compiled = compile_graph(h, [x], [w])
    h.backward()
    assert compiled([0.3]) == (h.data, [w.grad])
    outs, sums = compiled.batched([[0.3, 0.3]])
    assert close(sums[0], 2 * w.grad, 1e-12) and close(outs[0], h.data, 1e-12)
    assert "dedw = dedw + " in compiled.source  # the sum continues over several lines


def deepest_line(source: str) -> int:
    """How deep the deepest expression of `source` nests (in AST levels), without recursion."""
    deepest = 0
    for statement in ast.walk(ast.parse(source)):
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.Return)):
            stack = [(statement.value, 1)]
            while stack:
                node, level = stack.pop()
                deepest = max(deepest, level)
                stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def engine_numbers(out: Value, params: list[Value]) -> tuple[float, list[float]]:
    out.backward()
    return out.data, [p.grad for p in params]


def check_big_graph(out: Value, inputs: list[Value], params: list[Value]) -> None:
    """The per-sample code gives the engine's numbers bit for bit, the batched code within
    1e-12, and no line of either nests deeper than MAX_DEPTH (plus the line's own frame)."""
    compiled = compile_graph(out, inputs, params)
    value, grads = engine_numbers(out, params)
    assert compiled([v.data for v in inputs]) == (value, grads)
    batch = 2 if inputs else 1  # no inputs: one sample
    outs, sums = compiled.batched([[v.data] * batch for v in inputs])
    assert close(outs[0], value, 1e-12) and all(
        close(s, batch * g, 1e-12, 1e-300) for s, g in zip(sums, grads, strict=True)
    )
    for source in (compiled.source, compiled.batched_source):
        assert deepest_line(source) <= MAX_DEPTH + 3


def test_a_chain_of_10000_nodes_compiles_to_the_engines_numbers():
    """Unlabelled sums and products fold into the line that uses them: a chain of 5000
    `h * c + w` steps would be one line nesting 10,000 deep (SyntaxError from 200 levels on,
    RecursionError later); it is cut into lines of at most MAX_DEPTH levels."""
    x, w = Value(0.3, label="x"), Value(0.9, label="w")
    h = x
    for _ in range(5000):
        h = h * 1.0001 + w
    check_big_graph(h, [x], [w])


def test_a_chain_of_300_folded_steps_no_longer_fails_to_compile():
    # the case: SyntaxError (too many nested parentheses) from fit's fallback's reach
    x, w = Value(0.3, label="x"), Value(0.9, label="w")
    h = x
    for _ in range(300):
        h = (h - w) * 1.01
    check_big_graph(h, [x], [w])


def test_python_sum_of_1000_terms_compiles_to_the_engines_numbers():
    xs = [Value(0.001 * i, label=f"x{i}") for i in range(1000)]
    ws = [Value(0.5 - i / 3000, label=f"w{i}") for i in range(1000)]
    check_big_graph(sum(w * x for w, x in zip(ws, xs, strict=True)), xs, ws)
    plain = [Value(0.001 * i) for i in range(1000)]
    check_big_graph(sum(plain), [], plain)  # 0 + v1 + v2 + ...: a chain of 1000 sums


def test_a_1000_input_affine_node_compiles_to_the_engines_numbers():
    from micrograd_beans import affine

    xs = [Value(0.001 * i, label=f"x{i}") for i in range(1000)]
    ws = [Value(0.5 - i / 3000, label=f"w{i}") for i in range(1000)]
    z = affine(ws, xs, 0.1)
    z.label = "z"
    check_big_graph(z.sigmoid(), xs, ws)
    compiled = compile_graph(affine(ws, xs, 0.1), xs, ws)
    # written as the running sum it is, in parts that each continue the one before
    assert "e_part = w0 * x0 + w1 * x1 + " in compiled.source
    assert "e_part_2 = e_part + w" in compiled.source


def test_code_python_refuses_is_a_codegen_error():
    from micrograd_beans.codegen.runtime import _load

    with pytest.raises(CodegenError, match="Python cannot compile the generated code.*Syntax"):
        _load("def gradient(:\n    pass\n", "gradient")


def test_a_neuron_of_plus_and_times_nodes_reads_as_one_line_with_the_same_floats():
    # nn builds one- and two-input neurons from * and + nodes (no affine node): the code
    # writes each sum in the line that uses it, as the note does, and stays bit for bit
    from micrograd_beans.losses import squared_error
    from micrograd_beans.nn import MLP

    model = MLP(1, [2, 1])
    model.load_state_dict(PARAMS)
    x, y = Value(0.0, label="x"), Value(0.0, label="y")
    out = model(x)
    compiled = compile_graph(squared_error(out, y), [x, y], model.parameters())
    for line in (
        "z1_1 = w11_1 * x + b1_1",
        "z1_2 = w11_2 * a1_1 + w21_2 * a2_1 + b1_2",
        "t1 = y - a1_2",
        "dedw11_2 = dedz1_2 * a1_1",
        "dedw11_1 = dedz1_1 * x",
    ):
        assert line in compiled.source, line
    assert "t2" not in compiled.source  # the folded products take no numbers
    affine_e, inputs, params, _ = note_graph(PARAMS, 0.0, 0.0)
    # the same lines as the note's graph built with affine nodes (backward may order them
    # differently: the engine walks a different graph)
    affine_source = compile_graph(affine_e, inputs, params).function_source
    assert sorted(compiled.function_source.splitlines()) == sorted(affine_source.splitlines())
    for xv, yv in [(0.9, 1.0), (0.1, 0.0), (1.7, 0.0), (-3.0, 1.0)]:
        x.data, y.data = xv, yv
        e = squared_error(model(xv), yv)
        model.zero_grad()
        e.backward()
        got, grads = compiled([xv, yv])
        assert got == e.data and grads == [p.grad for p in model.parameters()]


def test_a_sum_read_by_a_derivative_stays_its_own_line():
    a, b, c = (Value(v, label=n) for v, n in ((0.5, "a"), (2.0, "b"), (-1.0, "c")))
    out = (a * b + c) * (a * b + c).exp()  # the sums are read by * and exp's rules
    compiled = compile_graph(out, [], [a, b, c])
    assert "t1 = a * b + c" in compiled.source  # a * b folded into the sum that uses it
    out.backward()
    value, grads = compiled([])
    assert value == out.data and grads == [a.grad, b.grad, c.grad]
