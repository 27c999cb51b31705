"""A `Drawing`: a drawn graph's DOT text and how it is shown and saved (a picture file by
its suffix, graphviz's `render("gout")`, SVG in Jupyter). The picture comes from a renderer
found at run time (`render.py`: `$MICROGRAD_BEANS_DOT`, then `dot` on PATH, then
`graphviz-pure`); the DOT text needs none."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from micrograd_beans.files import write_atomically
from micrograd_beans.render import (
    PICTURE_FORMATS,
    RendererNotFoundError,
    RenderError,
    render_source,
)
from micrograd_beans.viz.dot import DotGraph

_SOURCE_SUFFIXES = {"dot", "gv"}


@dataclass
class Drawing:
    """A drawn computation graph: its `DotGraph`, the DOT text and how it was made.

    `render(path)` / `save(path)` write a picture chosen by the suffix (.svg, .png, .pdf, or
    .dot/.gv for the DOT text). A name without a suffix works as in the graphviz package (and
    micrograd): `render("gout")` writes the DOT text to `gout` and the picture, in the
    drawing's `format` (draw_dot's `format=`, "svg" by default), to `gout.svg`. In Jupyter
    the drawing shows itself as SVG.
    """

    digraph: DotGraph
    stats: dict = field(default_factory=dict)
    format: str = "svg"

    @property
    def source(self) -> str:
        """The DOT text; needs no renderer."""
        return self.digraph.source

    def pipe(self, format: str = "svg", timeout: float = 300.0) -> bytes:
        """The picture as bytes (svg, png or pdf)."""
        return render_source(self.source, format, timeout=timeout)

    def render(
        self, path: str | os.PathLike, format: str | None = None, cleanup: bool = False
    ) -> Path:
        """Write the picture and return its path.

        With a suffix (.svg, .png, .pdf; .dot/.gv for the DOT text) the picture goes to `path`,
        in the suffix's format unless `format` is given. Without one, as graphviz's `render`:
        the DOT text goes to `path` (unless `cleanup=True`) and the picture to
        `path.<format>`, `format` defaulting to the drawing's.
        """
        target = Path(path)
        if not target.suffix:  # graphviz's way: render("gout") writes gout and gout.svg
            fmt = picture_format(format or self.format)
            picture = write_atomically(
                target.with_name(f"{target.name}.{fmt}"), self.pipe(fmt), make_parents=True
            )
            if not cleanup:
                write_atomically(target, self.source.encode("utf-8"), make_parents=True)
            return picture
        fmt = (format or target.suffix.lstrip(".")).lower()
        if fmt in _SOURCE_SUFFIXES:
            return write_atomically(target, self.source.encode("utf-8"), make_parents=True)
        if fmt not in PICTURE_FORMATS:
            raise ValueError(
                f"cannot tell the picture format from {str(path)!r}: end the path with "
                ".svg, .png or .pdf (or .dot/.gv for the DOT text), or give a name without "
                "a suffix, as for graphviz (render('gout') writes gout.svg)"
            )
        return write_atomically(target, self.pipe(fmt), make_parents=True)

    save = render

    def _repr_svg_(self) -> str:
        return self.pipe("svg").decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        try:
            return {"image/svg+xml": self._repr_svg_()}
        except (RendererNotFoundError, RenderError) as err:
            return {"text/plain": f"{err}\n\n{self.source}"}

    def __str__(self) -> str:
        return self.source


def picture_format(fmt: object) -> str:
    if not isinstance(fmt, str) or fmt.lower() not in PICTURE_FORMATS:
        raise ValueError(f"format must be one of {sorted(PICTURE_FORMATS)}, got {fmt!r}")
    return fmt.lower()
