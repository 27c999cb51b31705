"""Tests for micrograd_beans/codegen.py: generated chain-rule code against the engine.

The scalar code must give the engine's numbers (checked to 1e-12 relative; it is in fact
the same float operations), on the note's network and on random graphs of every op; the
numpy-batched code the same up to numpy's last-digit differences in exp/log/tanh and sums.
"""

from __future__ import annotations

import math
import operator
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from micrograd_beans import OPS, Constant, Value, affine
from micrograd_beans.codegen import CodegenError, compile_graph
from micrograd_beans.course import by_hand
from micrograd_beans.engine import Op

PARAMS = dict(w11_1=0.5, b1_1=0.1, w12_1=0.9, b2_1=0.3, w11_2=0.4, w21_2=0.7, b1_2=0.2)


def note_graph(params: dict[str, float], x: float, y: float):
    """The note's 1-2-1 network from Values, labelled as the note (and nn.MLP) name it."""
    p = {n: Value(v, label=n) for n, v in params.items()}
    xv, yv = Value(x, label="x"), Value(y, label="y")
    z1_1 = affine([p["w11_1"]], [xv], p["b1_1"])
    z1_1.label = "z1_1"
    a1_1 = z1_1.sigmoid()
    a1_1.label = "a1_1"
    z2_1 = affine([p["w12_1"]], [xv], p["b2_1"])
    z2_1.label = "z2_1"
    a2_1 = z2_1.sigmoid()
    a2_1.label = "a2_1"
    z1_2 = affine([p["w11_2"], p["w21_2"]], [a1_1, a2_1], p["b1_2"])
    z1_2.label = "z1_2"
    a1_2 = z1_2.sigmoid()
    a1_2.label = "a1_2"
    e = (yv - a1_2) ** 2
    e.label = "e"
    return e, [xv, yv], [p[n] for n in by_hand.PARAM_NAMES], a1_2


def close(a: float, b: float, rel: float = 1e-12, scale: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= rel * max(abs(a), abs(b), scale)


# --- the note's network --------------------------------------------------------------------


def test_note_network_source_reads_like_the_note():
    e, inputs, params, _ = note_graph(PARAMS, 0.9, 1.0)
    source = compile_graph(e, inputs, params).source
    for line in (
        "def gradient(x, y, w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2):",
        "a1_1 = sigmoid(z1_1)",
        "e = t1 ** 2.0",
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


@pytest.mark.parametrize("seed", range(20))
def test_note_network_matches_engine_exactly_and_by_hand(seed):
    rng = random.Random(seed)
    scale = rng.choice([1.0, 16.0])
    params = {n: rng.uniform(-scale, scale) for n in by_hand.PARAM_NAMES}
    x, y = rng.uniform(0, 2), float(rng.random() < 0.5)
    e, inputs, ps, _ = note_graph(params, x, y)
    compiled = compile_graph(e, inputs, ps)
    e.backward()
    out, grads = compiled([x, y])
    assert out == e.data
    assert grads == [p.grad for p in ps]  # the engine's own float operations, bit for bit
    hand = by_hand.gradients(params, x, y)
    for name, g in zip(by_hand.PARAM_NAMES, grads, strict=True):
        assert close(g, hand[name], 1e-12, 1e-300), name
    # other numbers through the same code: the graph's values are not baked in
    params2 = {n: v * 0.5 - 0.1 for n, v in params.items()}
    e2, _, ps2, _ = note_graph(params2, 1.3, 1.0 - y)
    e2.backward()
    out2, grads2 = compiled([1.3, 1.0 - y], [params2[n] for n in by_hand.PARAM_NAMES])
    assert out2 == e2.data and grads2 == [p.grad for p in ps2]


def test_callable_defaults_to_the_compiled_values_and_checks_arity():
    e, inputs, params, _ = note_graph(PARAMS, 0.9, 1.0)
    compiled = compile_graph(e, inputs, params)
    e.backward()
    assert compiled([0.9, 1.0])[1] == [p.grad for p in params]
    params[0].data = 3.0
    assert compiled([0.9, 1.0])[1] != [p.grad for p in params]  # reads the new value
    with pytest.raises(ValueError, match="expected 2 inputs"):
        compiled([0.9])
    with pytest.raises(ValueError, match="expected 7 params"):
        compiled([0.9, 1.0], [1.0])


def test_batched_matches_engine_summed_over_the_batch():
    rng = np.random.default_rng(3)
    xs, ys = rng.uniform(0, 2, 50), (rng.random(50) < 0.5).astype(float)
    e, inputs, params, _ = note_graph(PARAMS, 0.0, 0.0)
    compiled = compile_graph(e, inputs, params)
    outs, sums = compiled.batched([xs, ys])
    expected = np.zeros(7)
    scale = np.zeros(7)
    for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
        ek, _, pk, _ = note_graph(PARAMS, float(x), float(y))
        ek.backward()
        assert close(outs[k], ek.data, 1e-12)
        expected += [p.grad for p in pk]
        scale += [abs(p.grad) for p in pk]
    for g, want, s in zip(sums, expected, scale, strict=True):
        assert close(g, want, 1e-12, s)
    assert isinstance(sums[0], float) and outs.shape == (50,)
    source = compiled.batched_source
    assert "dedw11_1 = dot(dedz1_1, x)" in source and "dedb1_2 = dedz1_2.sum()" in source


def test_sigmoid_is_stable_in_both_variants():
    z = Value(0.0, label="z")
    a = z.sigmoid()
    compiled = compile_graph(a, [z])
    assert compiled([-1000.0])[0] == 0.0
    assert compiled([1000.0])[0] == 1.0
    with np.errstate(all="raise"):  # no overflow warning either
        outs, _ = compiled.batched([[-1000.0, 0.0, 1000.0]])
    assert outs.tolist() == [0.0, 0.5, 1.0]


# --- random graphs of every op -------------------------------------------------------------

UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu")
BINARY = ("+", "-", "*", "/", "**")
assert set(UNARY) | set(BINARY) | {"affine"} == set(OPS), "a new op needs a row in these tests"

BINARY_OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
finite = st.floats(-2.5, 2.5, allow_nan=False)
step = st.tuples(
    st.sampled_from(UNARY + BINARY + ("affine",)),
    st.lists(st.integers(0, 10**6), min_size=3, max_size=3),  # operand picks (reuse, fan-out)
    st.sampled_from([None, 2.0, 3.0, 0.5, -1.0, -0.75, 0.0]),  # a literal operand, or none
)


@st.composite
def recipes(draw):
    n_in, n_par = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return {
        "values": draw(st.lists(finite, min_size=n_in + n_par, max_size=n_in + n_par)),
        "others": draw(st.lists(finite, min_size=n_in + n_par, max_size=n_in + n_par)),
        "n_in": n_in,
        "steps": draw(st.lists(step, min_size=1, max_size=10)),
    }


def build(recipe: dict, values: list[float]):
    """The recipe's graph at the given leaf values: (root, inputs, params)."""
    n_in = recipe["n_in"]
    leaves = [Value(v, label=(f"x{i}" if i < n_in else f"w{i}")) for i, v in enumerate(values)]
    pool: list[Value] = list(leaves)
    for op, picks, literal in recipe["steps"]:
        a = pool[picks[0] % len(pool)]
        b = pool[picks[1] % len(pool)] if literal is None else literal
        if op in UNARY:
            node = getattr(a, "__neg__" if op == "neg" else op)()
        elif op == "affine":
            c = pool[picks[2] % len(pool)]
            node = affine([a, c], [b, a], c if literal is None else Constant(literal))
        else:
            left, right = (b, a) if picks[2] % 2 else (a, b)  # literals on either side
            node = BINARY_OPERATORS[op](left, right)
        if picks[2] % 3 == 0:
            node.label = f"n{len(pool)}"
        pool.append(node)
    # the root sums every node, so each one (and every fan-out) reaches it
    root = pool[n_in]
    for node in pool[n_in + 1 :]:
        root = root + node
    return root, leaves[:n_in], leaves[n_in:]


def engine_result(recipe, values):
    """(output, grads) from the engine; None if it raised, ("forward only", output) if only
    backward raised (the code may skip that gradient: it computes only the params')."""
    try:
        root, inputs, params = build(recipe, values)
    except (ArithmeticError, ValueError):
        return None
    try:
        root.backward()
    except (ArithmeticError, ValueError):
        return ("forward only", root.data)
    if not math.isfinite(root.data) or abs(root.data) > 1e200:
        return None
    return root.data, [p.grad for p in params]


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(recipes())
def test_random_graphs_match_engine(recipe):
    first = engine_result(recipe, recipe["values"])
    assume(first is not None and first[0] != "forward only")
    root, inputs, params = build(recipe, recipe["values"])
    compiled = compile_graph(root, inputs, params)
    n_in = recipe["n_in"]
    for values, want in (
        (recipe["values"], first),
        (recipe["others"], engine_result(recipe, recipe["others"])),
    ):
        xs, ps = values[:n_in], values[n_in:]
        if want is None:  # the engine raised (or overflowed): the generated code must not lie
            try:
                out, grads = compiled(xs, ps)
            except (ArithmeticError, ValueError):
                continue
            assert not (math.isfinite(out) and abs(out) <= 1e200)
            continue
        if want[0] == "forward only":
            try:
                out, grads = compiled(xs, ps)
            except (ArithmeticError, ValueError):
                continue
            assert close(out, want[1])
            continue
        out, grads = compiled(xs, ps)
        assert close(out, want[0]), (out, want[0], compiled.source)
        for g, w in zip(grads, want[1], strict=True):
            assert close(g, w), (g, w, compiled.source)
    # the batched code over both samples, when the engine accepts both
    second = engine_result(recipe, recipe["others"])
    if second is not None and second[0] != "forward only":
        columns = [
            [a, b] for a, b in zip(recipe["values"][:n_in], recipe["others"][:n_in], strict=True)
        ]
        outs, sums = compiled.batched(columns, recipe["values"][n_in:])
        assume(np.all(np.isfinite(outs)))
        first_at_p = engine_result(recipe, recipe["values"][:n_in] + recipe["values"][n_in:])
        second_at_p = engine_result(recipe, recipe["others"][:n_in] + recipe["values"][n_in:])
        if any(r is None or r[0] == "forward only" for r in (first_at_p, second_at_p)):
            return
        assert close(outs[0], first_at_p[0], 1e-9, 1e-9)
        assert close(outs[1], second_at_p[0], 1e-9, 1e-9)
        for s, g1, g2 in zip(sums, first_at_p[1], second_at_p[1], strict=True):
            if math.isfinite(g1) and math.isfinite(g2):
                assert close(s, g1 + g2, 1e-9, abs(g1) + abs(g2) + 1e-9), compiled.batched_source


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


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "exp", "log"])
def test_every_activation_in_a_neuron(activation):
    w = Value(0.8, label="w")
    b = Value(0.3, label="b")
    x = Value(0.5, label="x")
    z = affine([w], [x], b)
    a = getattr(z, activation)()
    compiled = compile_graph(a, [x], [w, b])
    for xv in (0.5, -2.0, 3.0):
        if activation == "log" and 0.8 * xv + 0.3 <= 0:
            with pytest.raises(ValueError):
                compiled([xv])
            continue
        w.grad = b.grad = 0.0
        x.data = xv
        z2 = affine([w], [x], b)
        a2 = getattr(z2, activation)()
        a2.backward()
        assert compiled([xv]) == (a2.data, [w.grad, b.grad])


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


def test_constants_are_literals_and_negative_ones_keep_their_meaning():
    x = Value(2.0, label="x")
    out = (-2.0) ** x + x**-1.0 - (-0.5) * x  # (-2)**2 is 4, -(2**2) would be -4
    compiled = compile_graph(out, [], [x])
    out.backward()
    value, (grad,) = compiled([])
    assert value == out.data == 5.5
    assert math.isnan(grad) and math.isnan(x.grad)  # d/dx (-2)**x: undefined, as in the engine
    assert "(-2.0)" in compiled.source


def test_names_are_made_valid_and_unique():
    a = Value(1.0, label="w1.12_2")
    b = Value(2.0, label="w1.12_2")  # the same label twice
    c = Value(3.0, label="lambda")  # a keyword
    out = a * b + c
    compiled = compile_graph(out, [], [a, b, c])
    assert compiled.param_names == ("w1_12_2", "w1_12_2_2", "lambda_2")
    assert compiled.grad_names == ("dedw1_12_2", "dedw1_12_2_2", "dedlambda_2")
    out.backward()
    assert compiled([])[1] == [a.grad, b.grad, c.grad]


def test_a_parameter_the_output_ignores_gets_zero():
    x, w, unused = Value(2.0, label="x"), Value(3.0, label="w"), Value(1.0, label="u")
    compiled = compile_graph(w * x, [x], [w, unused])
    assert compiled([2.0]) == (6.0, [2.0, 0.0])
    assert compiled.batched([[1.0, 2.0]])[1] == [3.0, 0.0]


# --- what cannot be compiled ---------------------------------------------------------------


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


def test_a_derivative_rule_that_cannot_run_on_symbols_is_reported(monkeypatch):
    monkeypatch.setitem(
        OPS, "odd", Op("odd", 1, abs, lambda g, out, a: (g * math.copysign(1, a),), "abs({0})")
    )
    x = Value(-0.5, label="x")
    node = x.exp()
    node.op = "odd"
    with pytest.raises(CodegenError, match="'odd'"):
        compile_graph(node, [], [x])


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


# --- training through generated code -------------------------------------------------------


def _lesson_run(name: str, seed: int = 0, **changes):
    from micrograd_beans.course.lessons import get_lesson

    lesson = get_lesson(name).with_(**changes) if changes else get_lesson(name)
    return lesson, lesson.make_model(seed), *lesson.make_data(seed)


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("lesson_name", ["hidden-layer", "disc", "spiral"])
def test_fit_compiled_trains_like_the_engine(lesson_name, batch_size):
    from micrograd_beans.train import fit

    lesson, dynamic, xs, ys = _lesson_run(lesson_name, epochs=20, batch_size=batch_size)
    model = lesson.make_model(0)
    seen = {"dynamic": [], "compiled": []}

    def watch(which):
        return lambda epoch, m, h: seen[which].append((epoch, m.state_dict()))

    kwargs = dict(lesson.fit_kwargs(), progress=False, every=7, shuffle=batch_size == 7, seed=1)
    h_dyn = fit(dynamic, xs, ys, callback=watch("dynamic"), **kwargs)
    h_comp = fit(model, xs, ys, compiled=True, callback=watch("compiled"), **kwargs)
    want, got = dynamic.state_dict(), model.state_dict()
    for name in want:
        if batch_size == 1:  # per sample: the engine's float operations, bit for bit
            assert got[name] == want[name], name
        else:  # batched: numpy's sums and exp differ in the last digits
            assert close(got[name], want[name], 1e-9, 1e-9), name
    assert [e for e, _ in seen["compiled"]] == [7, 14, 20]  # callbacks see the live model
    for (_, a), (_, b) in zip(seen["compiled"], seen["dynamic"], strict=True):
        assert all(close(a[k], b[k], 1e-9, 1e-9) for k in a)
    for lc, ld in zip(h_comp.loss, h_dyn.loss, strict=True):
        assert close(lc, ld, 1e-9)
    assert h_comp.accuracy == h_dyn.accuracy


def test_fit_compiled_auto_falls_back_and_true_explains():
    from micrograd_beans.train import fit

    lesson, model, xs, ys = _lesson_run("hidden-layer")
    twin = lesson.make_model(0)
    fit(model, xs, ys, epochs=3, loss="bce", compiled="auto", progress=False)
    fit(twin, xs, ys, epochs=3, loss="bce", progress=False)
    assert model.state_dict() == twin.state_dict()
    with pytest.raises(ValueError, match="compiled=True does not apply"):
        fit(model, xs, ys, epochs=1, optimizer="adam", compiled=True, progress=False)


def test_compiled_step_batch_matches_the_graph_step():
    from micrograd_beans.codegen import CompiledStep
    from micrograd_beans.losses import squared_error
    from micrograd_beans.optim import SGD
    from micrograd_beans.train import GraphStep

    _, model, xs, ys = _lesson_run("disc")
    twin = _lesson_run("disc")[1]
    pairs = [(list(x), float(y)) for x, y in zip(xs[:10].tolist(), ys[:10], strict=True)]
    e1, outs1 = CompiledStep(model, squared_error, SGD(model.parameters(), 0.05)).batch(pairs)
    e2, outs2 = GraphStep(twin, squared_error, SGD(twin.parameters(), 0.05)).batch(pairs)
    assert close(e1, e2, 1e-12) and outs1 == outs2
    got, want = model.state_dict(), twin.state_dict()
    assert all(close(got[k], want[k], 1e-12) for k in got)


def test_compiled_epoch_counts_like_fit():
    from micrograd_beans.codegen import CompiledStep
    from micrograd_beans.losses import squared_error
    from micrograd_beans.optim import SGD

    _, model, xs, ys = _lesson_run("hidden-layer")
    twin = _lesson_run("hidden-layer")[1]
    pairs = list(zip(xs.tolist(), ys.tolist(), strict=True))
    step = CompiledStep(model, squared_error, SGD(model.parameters(), 0.03))
    total, correct = step.epoch(pairs, 1)
    other = CompiledStep(twin, squared_error, SGD(twin.parameters(), 0.03))
    t2, c2 = 0.0, 0
    for x, y in pairs:
        e, out = other.sample(x, y)
        t2 += e
        c2 += (out >= 0.5) == (y == 1.0)
    assert (total, correct) == (t2, c2)
    assert model.state_dict() == twin.state_dict()


def test_compiled_only_where_it_applies():
    from micrograd_beans.codegen import compiled_step, why_not_compiled
    from micrograd_beans.losses import binary_cross_entropy, squared_error
    from micrograd_beans.optim import SGD, Adam

    _, model, _, _ = _lesson_run("hidden-layer")
    sgd = SGD(model.parameters(), 0.03)
    assert why_not_compiled(squared_error, sgd) is None
    assert "squared-error" in why_not_compiled(binary_cross_entropy, sgd)
    assert "momentum" in why_not_compiled(squared_error, SGD(model.parameters(), 0.03, 0.9))
    assert "Adam" in why_not_compiled(squared_error, Adam(model.parameters()))
    assert compiled_step(model, binary_cross_entropy, sgd, "auto") is None
    assert compiled_step(model, squared_error, sgd, False) is None
    assert compiled_step(model, squared_error, sgd, "auto") is not None
    with pytest.raises(ValueError, match="compiled=True does not apply.*squared-error"):
        compiled_step(model, binary_cross_entropy, sgd, True)
    with pytest.raises(ValueError, match="compiled must be"):
        compiled_step(model, squared_error, sgd, "yes")


def test_generated_sgd_loop_equals_the_note_by_hand():
    _, model, xs, ys = _lesson_run("hidden-layer")
    e, inputs, params, a1_2 = note_graph(model.state_dict(), 0.0, 0.0)
    compiled = compile_graph(e, inputs, params, predictions=[a1_2])
    rows = list(zip(xs.tolist(), ys.tolist(), strict=True))
    final, losses = compiled.train_sgd(rows, compiled.param_values(), 0.03, 30)
    hand = by_hand.train(dict(model.state_dict()), xs, ys, 0.03, 30)
    for name, v in zip(by_hand.PARAM_NAMES, final, strict=True):
        assert close(v, hand[name], 1e-9), name
    assert len(losses) == 30 and losses[-1] < losses[0]
    source = compiled.sgd_loop([("a1_2", "y")]).source
    assert "w11_1 -= lr * dedw11_1" in source and "correct +=" in source
    with pytest.raises(ValueError, match="labels pair"):
        compiled.sgd_loop([("nope", "y")])


# --- the command line ----------------------------------------------------------------------


def test_cli_prints_the_notes_code_with_the_hand_formulas_beside_it(capsys):
    from micrograd_beans.cli import main

    assert main(["codegen", "--by-hand"]) == 0
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if s.strip().startswith("dedw11_1 = "))
    assert "dedz1_1 * x" in line and "# de/dw11_1 = δ · w11_2 · a1_1 (1 - a1_1) · x" in line
    compile(out, "<codegen output>", "exec")  # still valid Python, comments and all


@pytest.mark.parametrize("flag", [[], ["--batched"], ["--loop"]])
def test_cli_variants_and_lessons(capsys, flag):
    from micrograd_beans.cli import main

    assert main(["codegen", "--lesson", "disc", *flag]) == 0
    out = capsys.readouterr().out
    assert "dedw21_1" in out  # weight from input 2 to hidden neuron 1
    assert {"": "def gradient(", "--batched": "dot(", "--loop": "for x1, x2, y in samples"}[
        "".join(flag)
    ] in out


def test_cli_by_hand_only_for_the_note(capsys):
    from micrograd_beans.cli import main

    assert main(["codegen", "--lesson", "spiral", "--by-hand"]) == 1
    assert "--by-hand" in capsys.readouterr().err


def test_cli_train_uses_generated_code_unless_dynamic(capsys):
    from micrograd_beans.cli import main

    runs = {}
    for flags in ([], ["--dynamic"]):
        assert main(["train", "--epochs", "30", "--no-progress", *flags]) == 0
        out = capsys.readouterr().out
        runs[bool(flags)] = [s for s in out.splitlines() if not s.startswith("trained ")]
    assert runs[False] == runs[True]  # same loss, accuracy and parameters, to the digit


def test_demo_flag_dynamic_selects_the_engine(monkeypatch):
    import argparse

    from micrograd_beans.course import demo

    calls = []
    monkeypatch.setattr(demo, "run_demo", lambda name, **kw: calls.append(kw["compiled"]))
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser, lesson=False)
    demo.run_args(parser.parse_args([]), "hidden-layer")
    demo.run_args(parser.parse_args(["--dynamic"]), "hidden-layer")
    assert calls == ["auto", False]


def test_benchmark_script_runs_tiny():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_codegen.py"
    result = subprocess.run(
        [sys.executable, str(script), "--tiny"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = result.stdout
    assert "RATIO compiled / note's loop" in out and "RATIO generated / note's numpy" in out
    assert "max |compiled - engine| final params: 0 " in out  # bit for bit, not just 1e-9


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
