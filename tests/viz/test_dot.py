"""Tests for micrograd_beans/viz/dot.py: the DOT text is what the graphviz package writes
for the same calls, and labels are written so every renderer shows them exactly."""

from __future__ import annotations

import shutil
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from svg_cases import SVG, parse_svg

from micrograd_beans import Value
from micrograd_beans.render import ENV_VAR
from micrograd_beans.viz import (
    DotGraph,
    draw_dot,
    note_network,
)


def test_labels_with_record_syntax_are_escaped(renderer):
    label = '{a|b} <c> \\d "q"'
    v = Value(1.0, label=label) * 2
    v.label = label  # an intermediate (a faster path) as well as a leaf
    svg = parse_svg(draw_dot(v).pipe("svg"))
    texts = [t for n in svg["nodes"].values() for t in n["texts"]]
    assert texts.count(label) == 2


# --- labels shown exactly, in every renderer --------------------------------------------------


def _renderers() -> list[str]:
    found = [shutil.which("dot"), shutil.which("graphviz-pure")]
    found.append(shutil.which("graphviz-pure", path=str(Path(sys.executable).parent)))
    return sorted({path for path in found if path})


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
