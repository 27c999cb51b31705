"""Tests for micrograd_beans/viz/layout.py: a big graph made readable (constants hidden,
neurons and layers boxed, the part nearest the output kept), with the same text every time."""

from __future__ import annotations

from svg_cases import by_label, parse_svg

from micrograd_beans import Value
from micrograd_beans.viz import (
    draw_dot,
    note_network,
)


def test_hide_constants_writes_them_into_their_ops(renderer):
    x = Value(2.0, label="x")
    y = (x**2 - 1.0) * 0.5
    svg = parse_svg(draw_dot(y, hide_constants=True).pipe("svg"))
    texts = [n["texts"][0] for n in svg["nodes"].values()]
    assert {"a ** 2", "a - 1", "* 0.5"} <= set(texts)
    assert len(svg["nodes"]) == 7 and len(svg["edges"]) == 6  # x + 3 ops + 3 results


def test_collapse_neuron_draws_the_note_as_three_neurons(renderer):
    drawing = draw_dot(note_network(), collapse="neuron")
    svg = parse_svg(drawing.pipe("svg"))
    first = {n["texts"][0]: n["texts"] for n in svg["nodes"].values()}
    assert first["a1_1 = σ(Σw·x+b)"][1] == "2 params"
    assert first["a1_2 = σ(Σw·x+b)"][1] == "3 params"
    assert "w11_1" not in first and "z1_1" not in first
    # x, y, 2, three boxes, the a - b and a ** b ops with their results
    assert len(svg["nodes"]) == drawing.stats["nodes"] == 10
    assert drawing.stats["boxes"] == 3


def _mlp_loss(samples: int):
    from micrograd_beans.losses import mse
    from micrograd_beans.nn import MLP

    model = MLP(2, [16, 16, 1], seed=0)
    xs = [[0.1 + 0.3 * i, 1.9 - 0.2 * i] for i in range(samples)]
    loss = mse([model(x) for x in xs], [float(i % 2) for i in range(samples)])
    loss.label = "loss"
    loss.backward()
    return loss, model


def test_big_mlp_graph_is_collapsed_by_default_and_renders(renderer):
    loss, model = _mlp_loss(4)
    drawing = draw_dot(loss, params=model.parameters())
    assert drawing.stats["values"] > 600  # too many to draw one by one
    svg = parse_svg(drawing.pipe("svg"))
    assert len(svg["nodes"]) == drawing.stats["nodes"] <= 300
    assert len(svg["edges"]) == drawing.stats["edges"] <= 300
    texts = [t for n in svg["nodes"].values() for t in n["texts"]]
    assert texts.count("layer 1") == texts.count("layer 2") == 4
    assert texts.count("16 × σ(Σw·x+b)") == 8 and texts.count("a1_3 = σ(Σw·x+b)") == 4
    # the same graph by neuron: 33 boxes per sample
    by_neuron = draw_dot(loss, collapse="neuron", max_nodes=None)
    assert by_neuron.stats["boxes"] == 4 * 33


def test_huge_graph_keeps_the_part_nearest_the_output(renderer):
    x = Value(0.1, label="x")
    v = x
    for _ in range(2000):
        v = (v * 0.5 + 0.25).tanh()
    v.label = "out"
    drawing = draw_dot(v, max_nodes=120)
    svg = parse_svg(drawing.pipe("svg"))
    assert len(svg["nodes"]) == drawing.stats["nodes"] <= 120
    assert "out" in by_label(svg)
    assert any(
        t.startswith("… ") and "more Values" in t for n in svg["nodes"].values() for t in n["texts"]
    )


def test_100k_node_graph_builds_its_dot_source_without_recursion():
    x = Value(0.5, label="x")
    v = x
    for i in range(50_000):
        v = v.tanh() if i % 2 else v + x
    drawing = draw_dot(v, max_nodes=None)
    assert drawing.stats["nodes"] == 100_001  # 50,001 Values + 50,000 op nodes
    assert drawing.source.count("->") == drawing.stats["edges"] == 125_000
    small = draw_dot(v)  # the default for a graph this big: the part nearest the output
    assert small.stats["nodes"] <= 300 and small.stats["left_out"] > 49_000


def test_the_same_graph_gives_the_same_dot_text_every_time():
    # Collapsed boxes gather their Values in sets; built again, the Values sit elsewhere in
    # memory, and the edges into a box must still come out in the same order.
    from micrograd_beans.nn import MLP

    built = []  # kept alive, so every graph has Values at new addresses

    def mlp_loss():
        model = MLP(2, [8, 8, 1], seed=0)
        terms = [(model([0.1 * k, -0.2 * k]) - 1.0) ** 2 for k in range(3)]
        built.append(terms)
        return terms[0] + terms[1] + terms[2]

    sources = {
        draw_dot(note_network(), collapse="neuron").source
        + draw_dot(mlp_loss(), collapse="layer").source
        for _ in range(8)
    }
    assert len(sources) == 1
