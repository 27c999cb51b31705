"""Tests for micrograd_beans/viz/ (draw_dot and the modules behind it): pictures rendered
for real by every renderer installed (graphviz-pure always, Debian's `dot` when present),
read back as SVG XML."""

from __future__ import annotations

import os
import shutil
import stat
import struct
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from renderer_cases import fake_renderer

from micrograd_beans import Value, affine
from micrograd_beans.course.by_hand import gradients
from micrograd_beans.render import ENV_VAR, RendererNotFoundError, RenderError
from micrograd_beans.viz import (
    CURRENT_COLOUR,
    HIGHLIGHT_COLOUR,
    ROLE_COLOURS,
    DotGraph,
    draw_dot,
    note_network,
)

SVG = "{http://www.w3.org/2000/svg}"
NOTE_PARAMS = {
    "w11_1": 0.5,
    "b1_1": 0.1,
    "w12_1": 0.9,
    "b2_1": 0.3,
    "w11_2": 0.4,
    "w21_2": 0.7,
    "b1_2": 0.2,
}


def _graphviz_pure() -> str | None:
    return shutil.which("graphviz-pure") or shutil.which(
        "graphviz-pure", path=str(Path(sys.executable).parent)
    )


RENDERERS = {"graphviz-pure": _graphviz_pure(), "dot": shutil.which("dot")}


@pytest.fixture(params=["graphviz-pure", "dot"])
def renderer(request, monkeypatch):
    """Run the test once per renderer, chosen through the documented environment variable."""
    path = RENDERERS[request.param]
    if path is None:
        if request.param == "graphviz-pure":
            pytest.fail("graphviz-pure is a dependency of the package and must be installed")
        pytest.skip("Debian's graphviz (`dot`) is not installed")
    monkeypatch.setenv(ENV_VAR, path)
    return request.param


def parse_svg(data: bytes | str) -> dict:
    """Nodes (title -> list of text lines, fill, stroke) and edges (titles, labels) of an SVG."""
    root = ET.fromstring(data.encode() if isinstance(data, str) else data)
    nodes, edges = {}, []
    for g in root.iter(f"{SVG}g"):
        kind = g.get("class")
        title = g.findtext(f"{SVG}title")
        texts = [t.text or "" for t in g.iter(f"{SVG}text")]
        if kind == "node":
            shape = next(e for e in g if e.tag in (f"{SVG}polygon", f"{SVG}ellipse", f"{SVG}path"))
            nodes[title] = {
                "texts": texts,
                "fill": shape.get("fill"),
                "stroke": shape.get("stroke"),
            }
        elif kind == "edge":
            edges.append({"title": title, "texts": texts})
    return {"nodes": nodes, "edges": edges}


def by_label(svg: dict) -> dict:
    """Record nodes keyed by their first text line (the Value's label)."""
    return {n["texts"][0]: n for n in svg["nodes"].values() if n["texts"]}


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


def test_png_and_pdf_are_real_pictures(renderer, tmp_path):
    drawing = draw_dot(note_network())
    png = drawing.render(tmp_path / "note.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert 800 < width < 6000 and 200 < height < 2000, (width, height)
    pdf = drawing.save(tmp_path / "note.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and len(pdf) > 2000


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


def test_labels_with_record_syntax_are_escaped(renderer):
    label = '{a|b} <c> \\d "q"'
    v = Value(1.0, label=label) * 2
    v.label = label  # an intermediate (a faster path) as well as a leaf
    svg = parse_svg(draw_dot(v).pipe("svg"))
    texts = [t for n in svg["nodes"].values() for t in n["texts"]]
    assert texts.count(label) == 2


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


def test_missing_renderer_raises_with_install_hint_and_writes_nothing(no_renderer, tmp_path):
    drawing = draw_dot(note_network())
    target = tmp_path / "out" / "note.svg"
    with pytest.raises(RendererNotFoundError) as info:
        drawing.render(target)
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    for hint in (
        "pip install graphviz-pure",
        "apt install graphviz",
        "brew install graphviz",
        "conda install graphviz",
        ENV_VAR,
        "`dot`",
        ".source",
    ):
        assert hint in message
    assert not target.exists()
    assert not target.parent.exists() or not list(target.parent.iterdir())
    assert "w11_1" in drawing.source  # the DOT text needs no renderer
    drawing.render(tmp_path / "note.dot")
    assert (tmp_path / "note.dot").read_text() == drawing.source
    bundle = drawing._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and "pip install graphviz-pure" in bundle["text/plain"]


def test_failed_render_leaves_no_file(tmp_path, monkeypatch):
    broken = fake_renderer(tmp_path / "bin", "dot", 'echo "Error: layout exploded" >&2; exit 3')
    monkeypatch.setenv(ENV_VAR, str(broken))
    target = tmp_path / "pics" / "g.png"
    target.parent.mkdir()
    with pytest.raises(RenderError, match="layout exploded"):
        draw_dot(note_network()).render(target)
    assert not target.exists() and os.listdir(tmp_path / "pics") == []


def test_render_replaces_an_old_picture_whole(renderer, tmp_path):
    target = tmp_path / "g.svg"
    target.write_text("old")
    draw_dot(note_network()).render(target)
    assert parse_svg(target.read_bytes())["nodes"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600


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


def test_jupyter_display_is_svg(renderer):
    drawing = draw_dot(note_network(), rankdir="TB")
    svg = drawing._repr_mimebundle_()["image/svg+xml"]
    assert svg == drawing._repr_svg_()
    assert "w11_1" in [t for n in parse_svg(svg)["nodes"].values() for t in n["texts"]]


# --- micrograd's and the lecture's drawing arguments ------------------------------------------


def test_micrograds_draw_dot_arguments(renderer, tmp_path):
    # micrograd's trace_graph: dot = draw_dot(y, format='svg', rankdir='LR'); dot.render('gout')
    e = note_network()
    drawing = draw_dot(e, format="svg", rankdir="LR")
    picture = drawing.render(tmp_path / "gout")
    assert picture == tmp_path / "gout.svg"
    assert parse_svg(picture.read_bytes())["nodes"]
    assert (tmp_path / "gout").read_text() == drawing.source  # the DOT text, as graphviz
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gout", "gout.svg"]


def test_render_without_a_suffix_follows_the_drawings_format(renderer, tmp_path):
    drawing = draw_dot(note_network(), format="png", rankdir="TB")
    assert drawing.format == "png" and "rankdir=TB" in drawing.source
    picture = drawing.render(tmp_path / "g", cleanup=True)
    assert picture == tmp_path / "g.png"
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert not (tmp_path / "g").exists()  # cleanup=True: no DOT file left, as graphviz
    assert drawing.render(tmp_path / "h", format="svg") == tmp_path / "h.svg"
    # the suffix form is unchanged
    assert drawing.render(tmp_path / "k.svg").read_bytes().lstrip().startswith(b"<")


def test_format_in_micrograds_positional_place_and_bad_formats():
    e = note_network()
    drawing = draw_dot(e, "png")  # micrograd's draw_dot(root, format='svg', rankdir='LR')
    assert drawing.format == "png" and "rankdir=LR" in drawing.source
    with pytest.raises(ValueError, match="format"):
        draw_dot(e, format="jpg")
    with pytest.raises(ValueError, match="render\\('gout'\\)"):
        draw_dot(e).render("graph.jpg")


# --- what a renderer returns, and labels shown exactly ---------------------------------------


def _renderers() -> list[str]:
    found = [shutil.which("dot"), shutil.which("graphviz-pure")]
    found.append(shutil.which("graphviz-pure", path=str(Path(sys.executable).parent)))
    return sorted({path for path in found if path})


def _printing_renderer(tmp_path: Path, output: str) -> str:
    script = tmp_path / "fake-dot"
    script.write_text(f"#!/bin/sh\ncat > /dev/null\nprintf '%s' '{output}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_a_renderer_that_returns_no_picture_is_an_error(tmp_path, monkeypatch, fmt):
    monkeypatch.setenv(ENV_VAR, _printing_renderer(tmp_path, "-Tsvg\n"))
    target = tmp_path / f"g.{fmt}"
    with pytest.raises(RenderError, match=f"its output is not {fmt}"):
        draw_dot(Value(1.0, "x") * 2.0).render(target)
    assert not target.exists()


def test_the_graph_command_reports_a_renderer_without_a_picture(tmp_path, monkeypatch, capsys):
    from micrograd_beans.cli import main

    monkeypatch.setenv(ENV_VAR, "echo")
    assert main(["graph", "--out", str(tmp_path / "g.svg")]) == 1
    assert "is not svg" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


VERBATIM_LABELS = [
    "a &lt; b",
    "&#65;BC",
    "&amp;",
    "x\ty",
    "back\\",
    "end\\n",
    "\\N",
    'q"u',
    "{r|s} <p>",
    "ｗ²①",
    "%s",
    " lead",
    "trail ",
    "two  spaces",
]


@pytest.mark.parametrize("renderer", _renderers())
def test_labels_are_shown_exactly_in_every_renderer(renderer, monkeypatch):
    monkeypatch.setenv(ENV_VAR, renderer)
    for label in VERBATIM_LABELS:
        v = Value(1.0, label)
        out = v * 2.0
        out.label = label + "!"
        svg = draw_dot(out).pipe("svg")
        texts = [
            "".join(t.itertext()).replace("\xa0", " ")  # runs of spaces come as no-break ones
            for t in ET.fromstring(svg).iter(f"{SVG}text")
        ]
        assert label in texts and label + "!" in texts, (label, texts)
        if "  " not in label and "\t" not in label:  # the key under the picture names it too
            assert any(f"grad = d{label}!/d(node)" in t for t in texts), (label, texts)


def test_newlines_break_lines_and_control_characters_show_as_escapes(monkeypatch):
    source = draw_dot(Value(1.0, "a\nb\x01") * 2.0).source
    assert "a\\nb\\\\x01" in source  # a line break, then the text \x01


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


# --- the DOT text is the graphviz package's, written with the standard library ---------------

_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab_09 .-"\\<>{}|\nσ')), max_size=12),
    st.sampled_from(["node", "Graph", "<b>x</b>", "-.5", "2"]),  # keywords, HTML look, numbers
)
_ATTRS = st.dictionaries(
    st.sampled_from(["color", "shape", "fontsize", "style"]), _TEXT, max_size=3
)
_STATEMENT = st.one_of(
    st.tuples(st.just("node"), _TEXT, st.one_of(st.none(), _TEXT), _ATTRS),
    st.tuples(
        st.just("edge"),
        st.sampled_from(["v0", "op1", "g2"]),
        st.sampled_from(["v3", "more"]),
        _ATTRS,
    ),
    st.tuples(st.just("attr"), st.none(), st.none(), _ATTRS),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_STATEMENT, max_size=8), _ATTRS)
def test_dot_text_is_what_the_graphviz_package_writes(statements, graph_attr):
    # The same calls give graphviz.Digraph's text; the one rule we differ in on purpose: a
    # plain string is never an HTML label (graphviz takes any "<...>" as one unless nohtml).
    graphviz = pytest.importorskip("graphviz")

    def plain(attrs: dict) -> dict:
        return {k: graphviz.nohtml(v) for k, v in attrs.items()}

    ours = DotGraph("computation_graph", graph_attr, {"shape": "record"}, {"color": "#666666"})
    theirs = graphviz.Digraph(
        name="computation_graph",
        graph_attr=plain(graph_attr),
        node_attr={"shape": "record"},
        edge_attr={"color": "#666666"},
    )
    with warnings.catch_warnings():  # graphviz warns of a quoted string ending in one "\"
        warnings.simplefilter("ignore")
        for kind, a, b, attrs in statements:
            if kind == "node":
                ours.node(a, b, **attrs)
                label = None if b is None else graphviz.nohtml(b)
                theirs.node(graphviz.nohtml(a), label, **plain(attrs))
            elif kind == "edge":
                ours.edge(a, b, **attrs)
                theirs.edge(a, b, **plain(attrs))
            elif attrs:
                ours.attr(**attrs)
                theirs.attr(**plain(attrs))
        expected = theirs.source
    assert ours.source == expected


def test_an_html_label_stays_html_and_a_drawing_shows_its_dot_graph_briefly():
    e = note_network()
    drawing = draw_dot(e)
    assert "\tfontsize=10 label=<<table" in drawing.source  # the key: an HTML-like label
    assert repr(drawing.digraph).startswith("DotGraph('computation_graph', ")
