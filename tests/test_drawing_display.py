"""A drawing's notebook display: HTML with the SVG fitted to the width (a click zooms), the
SVG, a PNG beside it, and a line of text; and what shows when the renderer writes no PNG."""

from __future__ import annotations

import base64
import re

from renderer_cases import fake_renderer

from micrograd_beans import Value
from micrograd_beans.drawing_display import display_bundle, fitted_html
from micrograd_beans.render import ENV_VAR
from micrograd_beans.viz import draw_dot

SVG = '<svg width="2000pt" height="100pt" viewBox="0 0 2000 100"><text>a &amp; b</text></svg>'


def test_the_bundle_holds_every_picture_and_a_line_of_text():
    bundle = display_bundle(SVG, b"\x89PNG fake", "the graph")
    assert bundle["image/svg+xml"] == SVG and bundle["text/plain"] == "the graph"
    assert base64.b64decode(bundle["image/png"]) == b"\x89PNG fake"
    without_png = display_bundle(SVG, None, "the graph")
    assert set(without_png) == {"text/html", "image/svg+xml", "text/plain"}


def test_the_html_fits_the_picture_to_the_width_and_a_click_toggles_full_size():
    out = fitted_html(SVG, 'graph "x" <y>')
    img = re.search(r"<img ([^>]*)>", out).group(1)
    assert base64.b64decode(re.search(r"base64,([^\"]+)", img).group(1)).decode() == SVG
    assert "max-width:100%;height:auto" in img and 'alt="graph &quot;x&quot; &lt;y&gt;"' in img
    onclick = re.search(r'onclick="([^"]*)"', img).group(1)
    assert "maxWidth=fit?'none':'100%'" in onclick  # full size, and back to fitted
    assert out.startswith('<div style="max-width:100%;overflow-x:auto">')  # scrolls when zoomed


def test_a_renderer_without_png_still_gives_the_svg(tmp_path, monkeypatch):
    svg_only = fake_renderer(
        tmp_path / "bin",
        "svg-only-dot",
        "case \"$1\" in -Tsvg) cat > /dev/null; printf '%s' '" + SVG + "';; "
        '*) echo "Format: png not recognized" >&2; exit 1;; esac',
    )
    monkeypatch.setenv(ENV_VAR, str(svg_only))
    a = Value(1.0, label="a")
    bundle = draw_dot(a * 2)._repr_mimebundle_()
    assert "image/png" not in bundle and bundle["image/svg+xml"] == SVG
    assert "max-width:100%" in bundle["text/html"]
