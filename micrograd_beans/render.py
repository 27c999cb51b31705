"""Turn DOT text into a picture with a Graphviz executable found at run time.

The renderer is, in this order: `$MICROGRAD_BEANS_DOT` (a path or a command name), `dot` on
PATH, `graphviz-pure` (a pip-installable Rust port of Graphviz, a dependency of this
package) on PATH or next to the interpreter. `viz.draw_dot` writes the DOT text; this
module only finds the executable, runs it and checks that what came out is the picture.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

#: Environment variable naming a dot-compatible executable (a path or a command name).
ENV_VAR = "MICROGRAD_BEANS_DOT"

#: The picture formats a renderer is asked for.
PICTURE_FORMATS = {"svg", "png", "pdf"}


_INSTALL_HINT = (
    "Install one: `pip install graphviz-pure` (no system packages needed), "
    "`apt install graphviz`, `brew install graphviz` or `conda install graphviz`; "
    f"or set {ENV_VAR} to a dot-compatible executable."
)


class RendererNotFoundError(RuntimeError):
    """No Graphviz executable was found to turn DOT text into a picture."""


class RenderError(RuntimeError):
    """The Graphviz executable ran but could not produce the picture."""


# --- finding a renderer ------------------------------------------------------------------


def _scripts_dirs() -> list[str]:
    """Where pip puts console scripts for the running interpreter (works in an inactive venv)."""
    here = Path(sys.executable).parent
    return [str(here), str(here / "Scripts")]


def find_renderer() -> str:
    """The path of the Graphviz executable to use, searched in the documented order.

    1. `$MICROGRAD_BEANS_DOT` (a path or a command name), 2. `dot` on PATH, 3. `graphviz-pure`
    on PATH, 4. `graphviz-pure` next to the running Python. Raises `RendererNotFoundError`.
    """
    chosen = os.environ.get(ENV_VAR, "").strip()
    if chosen:
        found = shutil.which(chosen)
        if found:
            return found
        raise RendererNotFoundError(
            f"{ENV_VAR} is set to {chosen!r}, which is not an executable file or a command on "
            f"PATH; point it at Graphviz's `dot` or at `graphviz-pure`, or unset it. "
            f"The DOT text needs no renderer: use `.source` or write a .dot file."
        )
    for name in ("dot", "graphviz-pure"):
        found = shutil.which(name)
        if found:
            return found
    scripts = _scripts_dirs()
    for folder in scripts:
        found = shutil.which("graphviz-pure", path=folder)
        if found:
            return found
    raise RendererNotFoundError(
        f"no Graphviz renderer found (searched: ${ENV_VAR} (unset), `dot` and `graphviz-pure` "
        f"on PATH, `graphviz-pure` in {scripts[0]}). {_INSTALL_HINT} "
        f"The DOT text needs no renderer: use `.source` or write a .dot file."
    )


def _run_renderer(source: str, fmt: str, extra: Iterable[str] = (), timeout: float = 300.0):
    exe = find_renderer()
    try:
        done = subprocess.run(
            [exe, f"-T{fmt}", *extra],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{exe} took over {timeout:.0f} s to lay out the graph; draw fewer nodes "
            "(collapse='neuron' or 'layer', hide_constants=True, max_nodes=300)"
        ) from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(
            f"{exe} could not render {fmt} (exit {done.returncode}): "
            + (" ".join(message[-3:]) or "no message")
        )
    if not _is_format(done.stdout, fmt):  # e.g. $MICROGRAD_BEANS_DOT=echo: exit 0, no picture
        preview = done.stdout[:60].decode("utf-8", "replace")
        raise RenderError(
            f"{exe} exited 0 but its output is not {fmt} ({len(done.stdout)} bytes "
            f"starting {preview!r}); is it Graphviz's dot or graphviz-pure? "
            f"Check ${ENV_VAR} and PATH."
        )
    return done.stdout


#: How each picture format's bytes begin (SVG may start with an XML declaration, a comment
#: or a doctype, so it is recognised by its root element near the start instead).
_MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}


def _is_format(data: bytes, fmt: str) -> bool:
    """Whether `data` is plausibly a picture of format `fmt`."""
    if fmt in _MAGIC:
        return data.startswith(_MAGIC[fmt])
    if fmt == "svg":
        head = data[:4096].lstrip()
        return head.startswith(b"<") and b"<svg" in head and data.rstrip().endswith(b">")
    return True


def render_source(source: str, fmt: str, timeout: float = 300.0) -> bytes:
    """DOT text -> the bytes of an svg, png or pdf picture, using `find_renderer()`.

    graphviz-pure has no PDF writer; then the PDF holds a 150 dpi PNG (via Pillow).
    """
    if fmt not in PICTURE_FORMATS:
        raise ValueError(
            f"unsupported picture format {fmt!r}; use one of {sorted(PICTURE_FORMATS)}"
        )
    try:
        return _run_renderer(source, fmt, timeout=timeout)
    except RenderError as err:
        if fmt != "pdf" or "not recognized" not in str(err):
            raise
    from PIL import Image  # only for the raster PDF fallback

    png = _run_renderer(source, "png", ["-Gdpi=150"], timeout=timeout)
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "PDF", resolution=150.0)
    return out.getvalue()
