"""The graph in StepBackward: a window of the drawing around the current node, or the whole
drawing shrunk to the width it is shown in.

A lesson's graph is wider than a notebook (the note's is ~2,200 px; JupyterLab's output area
is ~950 px with its file browser open). A scroll box inside a widget cannot be scrolled from
the kernel, and the notebook's own scrolling moves the step buttons away. So the widget shows
a window of the drawing at full size, at most `WINDOW_PX` wide and `HEIGHT_PX` high, centred
on the node the step is at: the SVG's viewBox is moved, computed here from where Graphviz put
the node (the shapes outlined in `viz.CURRENT_COLOUR`). The window never grows or shrinks
while stepping through one graph, so nothing below or beside it moves. Where the notebook is
narrower than the window, the window shrinks to fit (max-width: 100%), the node still in it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from micrograd_beans.viz import CURRENT_COLOUR, ROLE_COLOURS

#: The largest window of the drawing shown at full size, in CSS pixels.
WINDOW_PX = 860
HEIGHT_PX = 520
#: SVG sizes from Graphviz are in points; a CSS pixel is 3/4 of a point.
_PT_PER_PX = 0.75

_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.S)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_NS = "{http://www.w3.org/2000/svg}"

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in the drawing's viewBox units


def svg_element(svg: str) -> str:
    """The `<svg>` element alone: no XML declaration, doctype or comment before it (they
    do not belong inside HTML), nor anything after it."""
    start, end = svg.find("<svg"), svg.rfind("</svg>")
    if start < 0 or end < start:
        raise ValueError("not an SVG picture: no <svg> element")
    return svg[start : end + len("</svg>")]


def view_box(svg: str) -> Box:
    """The drawing's extent (x0, y0, x1, y1), from its viewBox."""
    tag = _SVG_TAG.search(svg)
    found = re.search(r'viewBox="([^"]+)"', tag.group(0)) if tag else None
    if found is None:
        raise ValueError("the SVG has no viewBox")
    x, y, w, h = (float(v) for v in found.group(1).replace(",", " ").split())
    return x, y, x + w, y + h


def marked_box(svg: str, stroke: str = CURRENT_COLOUR, fill: str | None = None) -> Box | None:
    """Where the shapes outlined in `stroke` (or, with `fill`, filled with it) are, in the
    viewBox's units; None when there are none."""
    root = ET.fromstring(svg_element(svg))
    graph = next((g for g in root.iter(f"{_NS}g") if g.get("class") == "graph"), root)
    scale, shift = _transform(graph.get("transform", ""))
    xs: list[float] = []
    ys: list[float] = []
    for shape in graph.iter():
        wanted = shape.get("fill") == fill if fill else shape.get("stroke") == stroke
        if wanted:
            for x, y in _points(shape):
                xs.append(scale[0] * (x + shift[0]))
                ys.append(scale[1] * (y + shift[1]))
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _transform(text: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Graphviz's `scale(sx sy) rotate(0) translate(tx ty)`: a point p is drawn at s·(p + t)."""

    def numbers(name: str) -> list[float]:
        found = re.search(rf"{name}\(([^)]*)\)", text)
        return [float(v) for v in _NUMBER.findall(found.group(1))] if found else []

    scale, shift = numbers("scale") or [1.0], numbers("translate") or [0.0]
    sx, tx = scale[0], shift[0]
    sy = scale[1] if len(scale) > 1 else sx
    ty = shift[1] if len(shift) > 1 else 0.0
    return (sx, sy), (tx, ty)


def _points(shape: ET.Element) -> list[tuple[float, float]]:
    tag = shape.tag.removeprefix(_NS)
    if tag == "ellipse":
        cx, cy = float(shape.get("cx", 0)), float(shape.get("cy", 0))
        rx, ry = float(shape.get("rx", 0)), float(shape.get("ry", 0))
        return [(cx - rx, cy - ry), (cx + rx, cy + ry)]
    numbers = [float(v) for v in _NUMBER.findall(shape.get("points") or shape.get("d") or "")]
    return list(zip(numbers[0::2], numbers[1::2], strict=False))  # pairs; no odd one


def window_size(svg: str) -> tuple[float, float]:
    """The size of the window for a graph, in the drawing's units (points): the drawing with
    room for its labels to grow as gradients fill in, at most WINDOW_PX × HEIGHT_PX."""
    x0, y0, x1, y1 = view_box(svg)
    return (
        min(WINDOW_PX * _PT_PER_PX, (x1 - x0) * 1.15 + 30.0),
        min(HEIGHT_PX * _PT_PER_PX, (y1 - y0) * 1.15 + 30.0),
    )


def window(full: Box, around: Box | None, size: tuple[float, float]) -> Box:
    """The part of the drawing to show, of the given size: centred on `around` (the output
    corner when None) as far as the drawing's edges allow; where the drawing is smaller
    than the window, from its top left corner."""
    x0, y0, x1, y1 = full
    w, h = size
    cx, cy = ((around[0] + around[2]) / 2, (around[1] + around[3]) / 2) if around else (x1, y1)
    left = x0 if w >= x1 - x0 else min(max(cx - w / 2, x0), x1 - w)
    top = y0 if h >= y1 - y0 else min(max(cy - h / 2, y0), y1 - h)
    return left, top, left + w, top + h


def _with_view(svg: str, box: Box, width: str, height: str, style: str) -> str:
    """The <svg> element showing `box` of the drawing, at the size given."""
    x0, y0, x1, y1 = box
    element = svg_element(svg)
    tag = _SVG_TAG.search(element)
    assert tag is not None  # svg_element found it
    attrs = re.sub(r'\s(width|height|viewBox|style|preserveAspectRatio)="[^"]*"', "", tag.group(0))
    new_tag = attrs.replace(
        "<svg",
        f'<svg width="{width}" height="{height}" viewBox="{x0:.2f} {y0:.2f} {x1 - x0:.2f} '
        f'{y1 - y0:.2f}" preserveAspectRatio="xMidYMid meet" style="{style}"',
        1,
    )
    return element[: tag.start()] + new_tag + element[tag.end() :]


def graph_html(svg: str, whole: bool = False, size: tuple[float, float] | None = None) -> str:
    """The drawing as StepBackward shows it: a window of `size` (points; `window_size` by
    default) around the node outlined in `CURRENT_COLOUR` (the output when none is), or with
    `whole` all of it fitted to the width."""
    full = view_box(svg)
    style = "max-width:100%;height:auto;display:block"
    if whole:
        return f"<div style='max-width:100%'>{_with_view(svg, full, '100%', 'auto', style)}</div>"
    around = marked_box(svg) or marked_box(svg, fill=ROLE_COLOURS["output"])
    w_pt, h_pt = size or window_size(svg)
    box = window(full, around, (w_pt, h_pt))
    inner = _with_view(svg, box, f"{w_pt:.2f}pt", f"{h_pt:.2f}pt", style)
    return f"<div style='max-width:100%;overflow:hidden'>{inner}</div>"
