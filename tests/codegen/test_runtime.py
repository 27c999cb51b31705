"""Tests for codegen/runtime.py: compiled graphs run against the engine.

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
from codegen_cases import PARAMS, close, note_graph
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from micrograd_beans import OPS, Constant, Value, affine
from micrograd_beans.codegen import compile_graph
from micrograd_beans.course import by_hand
from micrograd_beans.engine import graph_nodes


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


# --- random graphs of every op -------------------------------------------------------------

UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "softplus")
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


def largest_value(recipe: dict, values: list[float]) -> float:
    """The largest finite |value| of any node of the recipe's graph at these leaf values."""
    root, _, _ = build(recipe, values)
    return max((abs(v.data) for v in graph_nodes(root) if math.isfinite(v.data)), default=0.0)


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
# numpy 1.24 rounds an intermediate one unit from libm here and the sum cancels to 1e-15
@example(
    recipe={
        "values": [0.0, 0.0, 0.0, 0.0],
        "others": [-8.881784197001251e-16, 0.0, 0.0, 2.1946529268479223e-308],
        "n_in": 1,
        "steps": [
            ("sigmoid", [0, 0, 0], None),
            ("exp", [0, 0, 0], None),
            ("-", [396028, 0, 0], 2.0),
        ],
    }
)
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
        # numpy's exp, log, ... may round an intermediate value one unit differently from
        # libm; a later sum can cancel down to that unit (2 - e^σ(x) + ... near 1e-15), so
        # the output is compared at the scale of the largest value the graph computes
        for out, at_p, values in (
            (outs[0], first_at_p, recipe["values"]),
            (outs[1], second_at_p, recipe["others"][:n_in] + recipe["values"][n_in:]),
        ):
            assert close(out, at_p[0], 1e-9, max(1e-9, largest_value(recipe, values)))
        for s, g1, g2 in zip(sums, first_at_p[1], second_at_p[1], strict=True):
            if math.isfinite(g1) and math.isfinite(g2):
                assert close(s, g1 + g2, 1e-9, abs(g1) + abs(g2) + 1e-9), compiled.batched_source


# --- ** at its edges: the engine's numbers (IEEE, as torch), or its errors -------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, 1.5, -2.5, 1e-300, -1e-300]
SPECIAL += [1e200, -1e200, 5e-324, 1e308, math.inf, -math.inf, math.nan, 1023.0, -1075.0]


def same(a: float, b: float) -> bool:
    """Bit for bit, NaNs compared as NaN (0.0 and -0.0 told apart)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def last_digits(a: float, b: float, ulps: int = 4) -> bool:
    """`same`, or both finite and apart by at most a few units in the last place: numpy's
    log, power and the like may round differently from C's libm (numpy 1.24 takes 1 / x
    for x ** -1 and its own log), which is all the batched code promises (see the top)."""
    if same(a, b):
        return True
    finite = math.isfinite(a) and math.isfinite(b)
    return finite and abs(a - b) <= ulps * math.ulp(max(abs(a), abs(b)))


def same_values(got: list[float], want: list[float], equal=same) -> bool:
    """The output bit for bit, and the gradients too except the sign of a zero: the engine
    adds every gradient to 0.0, so it never has -0.0 (docs/engine.md says so). `equal`
    compares two numbers (`last_digits` for the numpy-batched code)."""
    return equal(got[0], want[0]) and all(
        equal(g, w) or g == w == 0.0 for g, w in zip(got[1:], want[1:], strict=True)
    )


def engine_power(a: float, b: float):
    """(a ** b, d/da, d/db) from the engine, or the exception type its forward raised."""
    x, y = Value(a, "x"), Value(b, "y")
    try:
        out = x**y
    except (ArithmeticError, ValueError) as err:
        return type(err)
    out.backward()
    return out.data, x.grad, y.grad


def test_the_issue_examples_give_the_engines_numbers():
    x = Value(0.0, "x")
    y = x**0.5
    y.backward()
    compiled = compile_graph(y, [], [x])
    assert compiled([], [0.0]) == (0.0, [math.inf]) == (y.data, [x.grad])
    outs, grads = compiled.batched([], [0.0])
    assert outs.tolist() == [0.0] and grads == [math.inf]
    big = Value(1e200, "big")
    square = big**2
    square.backward()
    compiled = compile_graph(square, [], [big])
    assert compiled([], [1e200]) == (math.inf, [2e200]) == (square.data, [big.grad])
    assert compiled.batched([], [1e200])[0].tolist() == [math.inf]
    params, losses = compiled.train_sgd([()], [1e200], lr=0.0)  # the loop's inlined square
    assert losses == [math.inf] and params == [1e200]
    tiny = Value(1e-300, "tiny")
    inverse = tiny**-1.0
    inverse.backward()  # d/dx x ** -1 = -x ** -2 overflows: -inf, as torch
    assert compile_graph(inverse, [], [tiny])([], [1e-300]) == (inverse.data, [-math.inf])
    with pytest.raises(ZeroDivisionError):  # 0 ** -1 is a mistake: the engine raises too
        compile_graph(inverse, [], [tiny])([], [0.0])
    with pytest.raises(ValueError):  # (-8) ** 0.5 has no real value: as the engine
        compile_graph(y, [], [x])([], [-8.0])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SPECIAL), st.sampled_from(SPECIAL), st.booleans())
def test_power_at_special_values_is_the_engines_bit_for_bit(a, b, literal_exponent):
    """x ** y over ±0, ±1, ±inf, nan, negative, tiny and huge numbers: the scalar code gives
    the engine's value and both derivatives bit for bit or raises its error; the batched
    code gives its numbers (to numpy's last digits) wherever the engine gives numbers (nan
    or inf where it raises)."""
    want = engine_power(a, b)
    x, y = Value(a, "x"), Value(b, "y")
    if literal_exponent:  # x ** 2.0 with the exponent a literal, as the note writes it
        assume(not isinstance(want, type))
        out = x ** Constant(b)
        compiled = compile_graph(out, [], [x])
        params, ps = [a], [x]
    else:
        assume(not (a == 0.0 and b < 0.0 and b > -math.inf) and not (a < 0.0 and b % 1.0))
        out = x**y
        compiled = compile_graph(out, [], [x, y])
        params, ps = [a, b], [x, y]
    if isinstance(want, type):
        with pytest.raises(want):
            compiled([], params)
        return
    out.backward()
    got, grads = compiled([], params)
    want = [out.data, *(p.grad for p in ps)]
    assert same_values([got, *grads], want), (want, compiled.source)
    outs, sums = compiled.batched([], params)
    batched = [float(outs[0]), *sums]
    assert same_values(batched, want, last_digits), (want, compiled.batched_source)


def test_batched_power_is_the_engines_ieee_power_on_a_grid():
    """The batched code's power (its ** forward and in derivatives) against the engine's
    rules, to numpy's last digits (nan, inf and zeros exactly), over every pair of special
    values, with one exponent for the batch
    (where numpy would take sqrt or square) and as a scalar: the derivative's power always,
    the forward's where the engine gives a number (where it raises: inf or nan)."""
    from micrograd_beans.codegen import BATCH_HELPERS
    from micrograd_beans.engine import rules

    helpers: dict = {}
    exec(BATCH_HELPERS, helpers)
    power = helpers["power"]
    bases = np.array(SPECIAL)
    for b in SPECIAL:
        with np.errstate(all="ignore"):
            column = power(bases, b).tolist()
            scalars = [float(power(a, b)) for a in SPECIAL]
        for a, g, g_scalar in zip(SPECIAL, column, scalars, strict=True):
            assert last_digits(g, rules.ieee_pow(a, b)), (a, b, g, rules.ieee_pow(a, b))
            assert last_digits(g_scalar, g), (a, b, g, g_scalar)
            try:
                assert last_digits(g, rules.power(a, b)), (a, b)
            except (ArithmeticError, ValueError):
                assert math.isinf(g) or math.isnan(g), (a, b)


def test_a_traceback_shows_the_generated_line_while_the_code_lives_and_then_it_goes():
    import gc
    import linecache
    import traceback

    x = Value(2.0, "x")
    out = (x * 3.0).log()
    out.label = "e"
    compiled = compile_graph(out, [x])
    with pytest.raises(ValueError) as caught:  # log of a negative: math's error, as raised
        compiled([-1.0])
    text = "".join(traceback.format_exception(caught.value))
    assert "e = log(t1)" in text or "e = log(x * 3.0)" in text  # the line that failed, shown
    filenames = [f.filename for f in traceback.extract_tb(caught.value.__traceback__)]
    generated = [name for name in filenames if name.startswith("<micrograd_beans.codegen")]
    assert generated and all(name in linecache.cache for name in generated)
    del compiled, caught
    gc.collect()
    assert not any(name in linecache.cache for name in generated)
