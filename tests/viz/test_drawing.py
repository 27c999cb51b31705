"""Tests for micrograd_beans/viz/drawing.py: a Drawing rendered and saved for real (SVG, PNG,
PDF, Jupyter), micrograd's render('gout'), and every way a renderer can fail without leaving
half a file."""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

import pytest
from renderer_cases import fake_renderer
from svg_cases import parse_svg

from micrograd_beans import Value
from micrograd_beans.render import ENV_VAR, RendererNotFoundError, RenderError
from micrograd_beans.viz import (
    draw_dot,
    note_network,
)


def test_png_and_pdf_are_real_pictures(renderer, tmp_path):
    drawing = draw_dot(note_network())
    png = drawing.render(tmp_path / "note.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert 800 < width < 6000 and 200 < height < 2000, (width, height)
    pdf = drawing.save(tmp_path / "note.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and len(pdf) > 2000


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
