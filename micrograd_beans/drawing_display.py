"""How a drawing of a graph shows itself in a notebook: fitted to the width, with its SVG
and a PNG beside it, so every front end finds a picture it can show.

A lesson's graph is wider than a notebook (the note's ~2,300 px against JupyterLab's ~950 px
output area), and JupyterLab shows a plain SVG output at its full width. So the first
choice of a front end, HTML, shows the picture shrunk to the width of the output area, whole;
a click on it (in a trusted notebook, in Voilà) shows it at full size, scrolling inside its
own box, and a second click fits it again. A notebook not yet trusted (every freshly cloned
one) shows that HTML cleaned of the click (the fitted picture stays); a front end without HTML
takes the SVG, or the PNG where SVG is not trusted. The PNG comes from the same renderer as
the SVG (Graphviz's `dot`, or graphviz-pure on a pip-only machine).
"""

from __future__ import annotations

import base64
import html

#: A click toggles between fitted (max-width 100%) and full size in a scrolling box.
_TOGGLE = (
    "var s=this.style,fit=s.maxWidth!=='none';"
    "s.maxWidth=fit?'none':'100%';s.cursor=fit?'zoom-out':'zoom-in'"
)


def fitted_html(svg: str, alt: str) -> str:
    """HTML showing the SVG picture whole, at most as wide as the page; a click zooms."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        '<div style="max-width:100%;overflow-x:auto">'
        f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}" '
        'title="click: full size / fit the width" '
        'style="max-width:100%;height:auto;cursor:zoom-in" '
        f'onclick="{_TOGGLE}"></div>'
    )


def display_bundle(svg: str, png: bytes | None, text: str) -> dict[str, str]:
    """A notebook display bundle: HTML (fitted, click to zoom), SVG, PNG (when given) and
    a line of text for where no picture can show."""
    bundle = {"text/html": fitted_html(svg, text), "image/svg+xml": svg, "text/plain": text}
    if png is not None:
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
    return bundle
