"""Tests for codegen/symbols.py: expressions built with operators print as Python that
computes the same floats (parentheses only where the order needs them, exact folding)."""

from __future__ import annotations

import math
import operator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from micrograd_beans.codegen.symbols import _Printer, _var
from micrograd_beans.engine.rules import ieee_pow

OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
OPERATORS["**"] = operator.pow  # on symbols: a derivative's power, the engine's ieee_pow
leaf = st.one_of(
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -3.25, 1e300]),
)
trees = st.recursive(
    leaf,
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(sorted(OPERATORS)), sub, sub),
        st.tuples(st.just("neg"), sub),
    ),
    max_leaves=12,
)


def both(tree, values: dict[str, float]):
    """The tree built twice with the same operators: as a symbol, and on floats."""
    if isinstance(tree, str):
        return _var(tree), values[tree]
    if isinstance(tree, float):
        return tree, tree
    if tree[0] == "neg":
        sym, num = both(tree[1], values)
        return -sym, -num
    op = OPERATORS[tree[0]]
    (sa, na), (sb, nb) = both(tree[1], values), both(tree[2], values)
    if tree[0] == "**":  # on two literals too: symbols fold ** as the engine's ieee_pow
        both_literal = isinstance(sa, float) and isinstance(sb, float)
        return (ieee_pow(sa, sb) if both_literal else sa**sb), ieee_pow(na, nb)
    return op(sa, sb), op(na, nb)


@given(trees, st.lists(st.floats(-4, 4, allow_nan=False), min_size=3, max_size=3))
def test_printed_expressions_compute_the_same_floats(tree, numbers):
    values = dict(zip("abc", numbers, strict=True))
    try:
        symbol, number = both(tree, values)
    except (ArithmeticError, ValueError, TypeError):  # TypeError: a complex literal subtree
        assume(False)
    assume(isinstance(number, float))  # a negative base to a fractional power is complex
    assume(not isinstance(symbol, float))  # a tree of literals only is a float, not a symbol
    source = _Printer(batched=False).expr(symbol)
    got = eval(source, {"inf": math.inf, "nan": math.nan, "ieee_pow": ieee_pow}, dict(values))
    assert got == number or (math.isnan(got) and math.isnan(number)), source
    if number == 0.0:  # -0.0 and 0.0 too: folding must not flip a sign
        assert math.copysign(1.0, got) == math.copysign(1.0, number), source


@pytest.mark.parametrize(
    ("build", "printed"),
    [
        (lambda a, b: a - (b - 1.0), "a - (b - 1.0)"),
        (lambda a, b: (a - b) - 1.0, "a - b - 1.0"),
        (lambda a, b: (-a) ** 2.0, "ieee_pow(-a, 2.0)"),
        (lambda a, b: a ** (b**2.0), "ieee_pow(a, ieee_pow(b, 2.0))"),
        (lambda a, b: (a**b) ** 2.0, "ieee_pow(ieee_pow(a, b), 2.0)"),
        (lambda a, b: 1.0 * a * 1.0 / 1.0, "a"),  # exact in every float: folded away
        (lambda a, b: 0.0 * a, "0.0 * a"),  # not exact (inf, nan, -0.0): kept
        (lambda a, b: a.exp() * b.relu(), "exp(a) * relu(b)"),
    ],
)
def test_parentheses_and_folding(build, printed):
    assert _Printer(batched=False).expr(build(_var("a"), _var("b"))) == printed


def test_a_symbol_has_no_truth_value_and_no_order():
    a = _var("a")
    with pytest.raises(TypeError, match="no truth value"):
        bool(a)
    with pytest.raises(TypeError, match="cannot be compared"):
        _ = a < 1.0
    with pytest.raises(TypeError, match="outside a rule trace"):
        bool(a.data > 0.0)  # a branch on the number asks the trace, and there is none
