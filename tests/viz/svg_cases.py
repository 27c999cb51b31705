"""Reading a rendered picture back for the viz tests: an SVG's nodes and edges, and the
note's parameters the drawn graphs use."""

from __future__ import annotations

import xml.etree.ElementTree as ET

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
