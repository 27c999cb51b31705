"""Tests for micrograd_beans/viz/draw.py and writer.py: draw_dot's picture of a graph, read
back as SVG from a real renderer: every Value with its data and grad, colours by role, edges
in operand order, the highlighted path and the current node, and its argument checks."""

from __future__ import annotations

import pytest
from svg_cases import NOTE_PARAMS, by_label, parse_svg

from micrograd_beans import Value, affine
from micrograd_beans.course.by_hand import gradients
from micrograd_beans.viz import (
    CURRENT_COLOUR,
    HIGHLIGHT_COLOUR,
    ROLE_COLOURS,
    draw_dot,
    note_network,
)


def test_note_graph_svg_shows_every_value_with_data_and_grad(renderer):
    e = note_network(x=0.9, y=1.0, params=NOTE_PARAMS)
    svg = parse_svg(draw_dot(e).pipe("svg"))
    # 23 Values (7 parameters, x, y, the constant 2, 13 op results) + 13 op nodes;
    # each op result has one edge from its op and one per operand (10 binary, 3 sigmoid).
    assert len(svg["nodes"]) == 36
    assert len(svg["edges"]) == 13 + 10 * 2 + 3
    nodes = by_label(svg)
    expected = gradients(NOTE_PARAMS, 0.9, 1.0)  # the note's hand-derived gradients
    for name, value in NOTE_PARAMS.items():
        texts = nodes[name]["texts"]
        assert texts[1] == f"data {value:.4g}"
        assert texts[2] == f"grad {expected[name]:.4g}"
        assert nodes[name]["fill"] == ROLE_COLOURS["parameter"]
    for name in ("z1_1", "a1_1", "z2_1", "a2_1", "z1_2", "a1_2"):
        assert nodes[name]["fill"] == ROLE_COLOURS["intermediate"]
    assert nodes["x"]["texts"] == ["x", "data 0.9", f"grad {_x_grad():.4g}"]
    assert nodes["x"]["fill"] == ROLE_COLOURS["input"]
    assert nodes["e"]["fill"] == ROLE_COLOURS["output"]
    assert nodes["e"]["texts"][2] == "grad 1"
    assert nodes["2"]["fill"] == ROLE_COLOURS["constant"]
    ops = sorted(
        n["texts"][0]
        for n in svg["nodes"].values()
        if n["fill"] != "none" and len(n["texts"]) == 1 and n["texts"][0] != "2"
    )
    assert ops == sorted(["*", "*", "*", "*", "+", "+", "+", "+", "σ", "σ", "σ", "a - b", "a ** b"])


def _x_grad() -> float:
    x = Value(0.9)
    p = {k: Value(v) for k, v in NOTE_PARAMS.items()}
    a1 = (p["w11_1"] * x + p["b1_1"]).sigmoid()
    a2 = (p["w12_1"] * x + p["b2_1"]).sigmoid()
    e = (1.0 - (p["w11_2"] * a1 + p["w21_2"] * a2 + p["b1_2"]).sigmoid()) ** 2
    e.backward()
    return x.grad


def test_edges_keep_operand_multiplicity_and_order(renderer):
    x = Value(3.0, label="x")
    svg = parse_svg(draw_dot(x + x).pipe("svg"))
    assert len(svg["nodes"]) == 3  # x, the + op, the sum
    assert [e["title"] for e in svg["edges"]].count("v0->op1") == 2

    a, b = Value(5.0, label="p"), Value(2.0, label="q")
    src = draw_dot(b - a).source  # operands listed in the order written: q first
    assert "v0 -> op2 [label=a]" in src and "v1 -> op2 [label=b]" in src
    svg = parse_svg(draw_dot(b - a).pipe("svg"))
    assert {e["title"]: e["texts"] for e in svg["edges"]} == {
        "v0->op2": ["a"],
        "v1->op2": ["b"],
        "op2->v2": [],
    }
    assert by_label(svg)["data -3"]["texts"] == ["data -3", "grad 0"]  # before backward


def test_affine_node_names_its_operands(renderer):
    w = [Value(0.5, label="w11_1"), Value(-1.0, label="w21_1")]
    x = [Value(2.0, label="x1"), Value(3.0, label="x2")]
    z = affine(w, x, Value(0.25, label="b1_1"))
    z.label = "z1_1"
    z.backward()
    svg = parse_svg(draw_dot(z).pipe("svg"))
    assert sorted(t for e in svg["edges"] for t in e["texts"]) == ["b", "w1", "w2", "x1", "x2"]
    assert "Σw·x+b" in [t for n in svg["nodes"].values() for t in n["texts"]]
    assert by_label(svg)["z1_1"]["texts"] == ["z1_1", "data -1.75", "grad 1"]


def test_highlight_marks_the_path_to_the_output(renderer):
    e = note_network()
    w12_1 = next(p for p in _values(e) if p.label == "w12_1")
    svg = parse_svg(draw_dot(e, highlight=w12_1).pipe("svg"))
    red = {n["texts"][0] for n in svg["nodes"].values() if n["stroke"] == HIGHLIGHT_COLOUR}
    assert {
        "w12_1",
        "w12_1·x",
        "z2_1",
        "a2_1",
        "w21_2·a2_1",
        "z1_2",
        "a1_2",
        "y - a1_2",
        "e",
    } <= red
    assert not red & {"w11_1", "z1_1", "a1_1", "x", "y", "b1_2"}
    with pytest.raises(ValueError, match="not part of the graph"):
        draw_dot(e, highlight=Value(1.0))


def test_current_outlines_one_node_and_its_op(renderer):
    e = note_network()
    z1_2 = next(v for v in _values(e) if v.label == "z1_2")
    svg = parse_svg(draw_dot(e, current=z1_2).pipe("svg"))
    marked = [n for n in svg["nodes"].values() if n["stroke"] == CURRENT_COLOUR]
    assert sorted(n["texts"][0] for n in marked) == ["+", "z1_2"]  # the Value and its op
    leaf = next(v for v in _values(e) if v.label == "w21_2")
    svg = parse_svg(draw_dot(e, current=leaf).pipe("svg"))
    assert [n["texts"][0] for n in svg["nodes"].values() if n["stroke"] == CURRENT_COLOUR] == [
        "w21_2"
    ]
    with pytest.raises(ValueError, match="current=.*not part of the graph"):
        draw_dot(e, current=Value(1.0))


def test_current_inside_a_collapsed_neuron_outlines_its_box():
    x = [Value(0.5, "x")]
    w = [Value(0.3, "w11_1")]
    z = affine(w, x, Value(0.1, "b1_1"))
    z.label = "z1_1"
    a = z.sigmoid()
    a.label = "a1_1"
    out = a * 2.0
    drawing = draw_dot(out, current=z, collapse="neuron")
    boxes = [line for line in drawing.source.splitlines() if CURRENT_COLOUR in line]
    assert len(boxes) == 1 and boxes[0].strip().startswith("g0 ")


def _values(root: Value) -> list[Value]:
    from micrograd_beans.viz.layout import graph_in_order

    return graph_in_order(root)


def test_bad_arguments_are_named():
    e = note_network()
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.pdf"):
        draw_dot(e).render("graph.jpg")
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(e, rankdir="sideways")
    with pytest.raises(ValueError, match="collapse"):
        draw_dot(e, collapse="everything")
    with pytest.raises(TypeError, match="Value"):
        draw_dot(0.5)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(e, max_nodes=0)
