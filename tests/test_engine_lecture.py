"""The lecture's idioms on the main Value: `_prev`, `_op`, `_backward()`, its `build_topo`
walk, backprop by hand node by node, and its own `trace`/`draw_dot` helper."""

from __future__ import annotations

import math

import pytest
from graphviz import Digraph
from hypothesis import given
from test_properties import judgeable, programs

from micrograd_beans import OPS, Value, affine
from micrograd_beans.render import render_source

# --- the lecture's code, written here from what it does -----------------------------------


def build_topo(root):
    """The lecture's walk: each node after everything in its _prev (recursive, as there)."""
    topo, visited = [], set()

    def visit(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                visit(child)
            topo.append(v)

    visit(root)
    return topo


def backprop_by_hand(root):
    """The lecture's backward(): root.grad = 1.0, then each node's _backward() in reverse."""
    root.grad = 1.0
    for node in reversed(build_topo(root)):
        node._backward()


def trace(root):
    """The lecture's trace: the set of nodes and of (child, node) edges, through _prev."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def lecture_draw_dot(root):
    """The lecture's draw_dot: a record per Value, an op node per _op, left to right."""
    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label=f"{{ {n.label} | data {n.data:.4f} | grad {n.grad:.4f} }}")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def lecture_neuron():
    """The lecture's neuron: tanh(x1*w1 + x2*w2 + b), every Value labelled as there."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return locals()


# --- backprop by hand ---------------------------------------------------------------------


def test_the_lectures_node_by_node_backprop():
    v = lecture_neuron()
    o = v["o"]
    o.grad = 1.0
    o._backward()
    assert v["n"].grad == pytest.approx(0.5, abs=1e-15)  # 1 - tanh(n)**2 at tanh(n) = 1/√2
    v["n"]._backward()
    v["b"]._backward()  # a leaf: nothing to do
    v["x1w1x2w2"]._backward()
    v["x2w2"]._backward()
    v["x1w1"]._backward()
    by_hand = {k: v[k].grad for k in ("x1", "x2", "w1", "w2", "b")}
    assert by_hand == pytest.approx({"x1": -1.5, "x2": 0.5, "w1": 1.0, "w2": 0.0, "b": 0.5})

    again = lecture_neuron()
    again["o"].backward()
    assert {k: again[k].grad for k in by_hand} == by_hand  # the same floats


def test_a_leafs_backward_does_nothing():
    a = Value(3.0)
    a.grad = 2.0
    a._backward()
    assert a.grad == 2.0 and a._op == "" and a._prev == set()


def test_backward_touches_only_this_nodes_operands():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    d.grad = 1.0
    d._backward()
    assert (c.grad, a.grad, b.grad) == (1.0, 1.0, 0.0)  # b waits for c._backward()
    c._backward()
    assert (a.grad, b.grad) == (4.0, 2.0)


@pytest.mark.parametrize(
    "a, b, build, expected",
    [
        (3.0, 0.0, lambda a, b: a + a, (2.0, 0.0)),  # the lecture's "b = a + a" bug, fixed by +=
        (-2.0, 3.0, lambda a, b: (a * b) * (a + b), (-3.0, -8.0)),
    ],
)
def test_the_lectures_shared_node_examples(a, b, build, expected):
    a, b = Value(a, label="a"), Value(b, label="b")
    backprop_by_hand(build(a, b))
    assert (a.grad, b.grad) == expected


@given(programs())
def test_build_topo_and_backward_by_hand_match_backward(example):
    program, point = example
    out, xs = judgeable(program, point)  # fresh graph, every grad 0
    backprop_by_hand(out)
    by_hand = [x.grad for x in xs]
    for x in xs:
        x.grad = 0.0
    out.backward()
    assert by_hand == pytest.approx([x.grad for x in xs], rel=1e-12, abs=1e-12)


# --- _prev and _op ------------------------------------------------------------------------


def test_prev_is_the_operands_as_a_fresh_read_only_set():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    assert c._prev == {a, b} and isinstance(c._prev, set)
    c._prev.add(Value(5.0))
    assert c._prev == {a, b}  # a copy: the graph is unchanged
    with pytest.raises(AttributeError):
        c._prev = set()
    assert (a + a)._prev == {a}
    assert (a**2)._prev == {a}  # micrograd leaves a constant exponent out
    assert (a**b)._prev == {a, b}
    assert len((a * 2)._prev) == 2  # ... but keeps other numbers, as Value(2)


def test_op_uses_micrograds_names():
    a, b = Value(1.5), Value(2.0)
    assert (a + b)._op == "+" and (a * b)._op == "*"
    assert a.relu()._op == "ReLU"
    assert (a**2)._op == "**2" and (a**-1)._op == "**-1" and (a**0.5)._op == "**0.5"
    assert a.exp()._op == "exp" and a.tanh()._op == "tanh"
    with pytest.raises(AttributeError):
        a._op = "+"


def test_every_op_of_the_engine_has_an_op_string_and_a_backward():
    a, b = Value(0.7), Value(1.3)
    for name, op in OPS.items():
        if op.arity == 0:
            out = affine([a], [b], a)
        elif op.arity == 1:
            out = getattr(Value, {"neg": "__neg__"}.get(name, name))(a)
        else:
            out = {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a**b}[name]
        assert out.op == name and isinstance(out._op, str) and out._op
        assert out._prev <= {a, b}
        backprop_by_hand(out)
        by_hand = (a.grad, b.grad)
        a.grad = b.grad = 0.0
        out.backward()
        assert by_hand == pytest.approx((a.grad, b.grad), rel=1e-15)
        a.grad = b.grad = 0.0


# --- the constructor: micrograd's signature is refused clearly ------------------------------


def test_micrograds_constructor_is_a_clear_error_never_a_silent_leaf():
    a, b = Value(1.0), Value(2.0)
    for call in (
        lambda: Value(3.0, (a, b)),
        lambda: Value(3.0, (a, b), "+"),
        lambda: Value(3.0, _children=(a, b), _op="+"),
        lambda: Value(a.data * b.data, (a, b), "*", "e"),  # the lecture's four arguments
    ):
        with pytest.raises(TypeError, match=r"micrograd_beans\.micrograd\.engine\.Value"):
            call()
    with pytest.raises(TypeError) as three:
        Value(2.0, (a, b), "*")
    with pytest.raises(TypeError) as four:
        Value(2.0, (a, b), "*", "e")
    assert str(four.value) == str(three.value)  # one message, whatever the arity


@pytest.mark.parametrize("label", [None, 3, ("a",), b"a"])
def test_a_label_must_be_a_string(label):
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label)


# --- the lecture's own drawing helper ---------------------------------------------------------


def test_the_lectures_draw_dot_runs_on_this_value():
    v = lecture_neuron()
    v["o"].backward()
    dot = lecture_draw_dot(v["o"])
    src = dot.source
    # 10 Values, 5 op nodes: records for x1 ... o, ops '*', '*', '+', '+', 'tanh'
    assert src.count("data ") == 10
    assert src.count("label=tanh") == 1 and src.count('label="*"') == 2
    assert "{ o | data 0.7071 | grad 1.0000 }" in src
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in src
    # The lecture calls graphviz's dot.pipe(), which needs system Graphviz; a pip-only machine
    # draws the same DOT text with the package's renderer (dot if present, else graphviz-pure).
    svg = render_source(dot.source, "svg").decode()
    assert svg.count('<g id="node') == 15
    assert math.isclose(v["o"].data, math.sqrt(0.5), rel_tol=1e-12)
