"""engine/speed.py against the engine a learner reads (value.py): the same floats, bit for bit.

value.py defines Value's operators and backward the plain way (each operator calls `_apply`;
backward calls each row's rule in `topological_order`); speed.py replaces them with methods
that record their node inline and a backward loop with the derivatives pasted in. Here the
same random programs run on both and every number is compared exactly.
"""

from __future__ import annotations

import math
import struct
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from hypothesis import given
from test_properties import Program, programs

from micrograd_beans import OPS, Value, affine, engine
from micrograd_beans.engine import speed, value


@contextmanager
def learner_engine():
    """Value with value.py's own operators and backward, then the fast ones again."""
    for name, method in speed.LEARNER_METHODS.items():
        setattr(Value, name, method)
    try:
        yield
    finally:
        speed.install()


def _interleave(ws, xs, b):
    return [v for pair in zip(ws, xs, strict=True) for v in pair] + [b]


# Named ops through the methods in place (learner's or fast); affine through value._apply in
# the learner's engine and engine.affine in the fast one.
LIB = SimpleNamespace(
    **{
        name: (lambda n: lambda a: getattr(a, n)())(name)
        for name in OPS
        if name.isidentifier() and name != "affine"
    }
)
LEARNER_LIB = SimpleNamespace(
    **vars(LIB), affine=lambda ws, xs, b: value._apply("affine", *_interleave(ws, xs, b))
)
FAST_LIB = SimpleNamespace(**vars(LIB), affine=affine)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)  # 0.0 and -0.0 differ, and a nan equals itself


def run(program: Program, point: list[float], lib: SimpleNamespace) -> list[tuple]:
    """Build the program, call backward, and read every node: op, operand positions, data,
    grad (a constant's grad is nobody's: the fast loop may skip it), constant mark."""
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    try:
        out, _ = program.run(xs, lib)
    except (ArithmeticError, ValueError) as err:
        return [type(err).__name__, str(err)]
    out.backward()
    out.backward()  # a second call: leaves accumulate, results are reset
    index = {}
    nodes = []
    for node in reversed(engine.topological_order(out)):
        for p in (*node.parents, node):
            if p not in index:
                index[p] = len(index)
                grad = None if p.is_constant else bits(p.grad)
                parents = tuple(index[q] for q in p.parents)
                nodes.append((p.op, parents, bits(p.data), grad, p.is_constant, p.label))
    return nodes


@given(programs(max_steps=10))
def test_the_learners_engine_and_the_fast_one_give_the_same_bits(example):
    program, point = example
    with learner_engine():
        learner = run(program, point, LEARNER_LIB)
    assert learner == run(program, point, FAST_LIB)


@pytest.mark.parametrize("name", sorted(set(OPS) - {"affine"}))
@pytest.mark.parametrize("number", [2, 0.5, -3.0, True])
def test_each_operator_with_a_number_is_the_same_node(name, number):
    """Every operator method, with a plain number on either side where it takes one."""
    arity = OPS[name].arity
    attrs = [a for a, op in _attributes().items() if op == name]
    for attr in attrs:
        made = []
        for methods in (speed.LEARNER_METHODS, vars(Value)):
            x = Value(1.5, label="x")
            try:
                out = methods[attr](x, number) if arity == 2 else methods[attr](x)
            except (ArithmeticError, ValueError) as err:
                made.append(repr(err))
                continue
            out.backward()
            made.append(
                (out.op, bits(out.data), bits(x.grad), [p.is_constant for p in out.parents])
            )
        assert made[0] == made[1], attr


def _attributes() -> dict[str, str]:
    """Value's attribute for each op: '__add__' and '__radd__' for '+', 'exp' for 'exp'."""
    found = {}
    for ops, attrs in speed._OPERATORS.items():
        found.update(dict.fromkeys(attrs, ops))
    found.update((name, name) for name in OPS if name not in speed._OPERATORS)
    found.pop("affine")
    return found


def test_every_method_speed_replaces_is_one_the_learner_reads():
    assert set(_attributes()) | {"backward"} == set(speed.LEARNER_METHODS)
    for name, method in speed.LEARNER_METHODS.items():
        assert vars(Value)[name] is not method  # replaced by the fast one
        assert vars(Value)[name].__qualname__ == f"Value.{name}"


@given(programs(max_steps=10))
def test_the_fast_orders_are_the_learners_order(example):
    program, point = example
    xs = [Value(x) for x in point]
    try:
        out, _ = program.run(xs, FAST_LIB)
    except (ArithmeticError, ValueError):
        return
    order = engine.topological_order(out)
    tree = speed._tree_order(out)
    assert tree is None or tree == order
    assert speed._depth_first_order(out) == value.depth_first_order(out)


def test_a_deep_chain_gives_the_same_bits_without_recursion():
    def chain(n):
        x = Value(0.5, label="x")
        y = x
        for i in range(n):
            y = (y * 0.999 + 0.001).tanh() if i % 2 else y * 1.0001 - x * 1e-4
        y.backward()
        return bits(y.data), bits(x.grad)

    with learner_engine():
        learner = chain(5000)
    assert learner == chain(5000)
    assert math.isfinite(struct.unpack("<d", learner[1])[0])


def test_errors_name_the_op_the_same_way():
    for methods in (speed.LEARNER_METHODS, vars(Value)):
        with pytest.raises(ZeroDivisionError, match=r"'/' failed on \(x=1.0, 0.0\)"):
            methods["__truediv__"](Value(1.0, label="x"), 0)
        with pytest.raises(TypeError, match="unsupported operand for '\\*': str"):
            methods["__mul__"](Value(1.0), "2")
