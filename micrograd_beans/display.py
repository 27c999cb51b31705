"""How the library's objects show themselves in Jupyter: small HTML tables and plots.

The classes (`History`, gradcheck results, `MLP`, `Lesson`) call these from their
`_repr_html_` methods, so a notebook cell ending in one of them shows a short table or a
one-line summary with a loss plot instead of a long text dump. matplotlib is imported only
when a plot is drawn, on a bare `Figure` (not pyplot), so displaying never opens a window,
never changes the notebook's backend and never leaves a figure for the inline backend to
show a second time.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

#: Tables longer than this show their first and last rows with a "…" row between.
MAX_ROWS = 24


def html_table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    caption: str = "",
    bad: Sequence[bool] | None = None,
    max_rows: int = MAX_ROWS,
) -> str:
    """An HTML table of text cells (escaped); rows where `bad` is true are marked red.
    The first column is left-aligned (names), the others right-aligned (numbers)."""
    esc = html.escape
    flags = list(bad) if bad is not None else [False] * len(rows)
    shown = list(zip(rows, flags, strict=True))
    skipped = 0
    if len(shown) > max_rows:
        keep = max_rows // 2
        skipped = len(shown) - 2 * keep
        shown = shown[:keep] + [None] + shown[-keep:]  # type: ignore[list-item]
    body = []
    for item in shown:
        if item is None:
            body.append(f'<tr><td colspan="{len(head)}">… {skipped} more rows …</td></tr>')
            continue
        row, fail = item
        style = ' style="color:#b00020;font-weight:bold"' if fail else ""
        tds = "".join(
            f'<td style="text-align:{"left" if i == 0 else "right"}">{esc(str(c))}</td>'
            for i, c in enumerate(row)
        )
        body.append(f"<tr{style}>{tds}</tr>")
    cap = f'<caption style="text-align:left">{esc(caption)}</caption>' if caption else ""
    ths = "".join(f"<th>{esc(h)}</th>" for h in head)
    return (
        f'<table style="font-family:monospace">{cap}<thead><tr>{ths}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def png_of(fig: object, dpi: int = 80) -> bytes:
    """A matplotlib Figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")  # type: ignore[attr-defined]
    return buffer.getvalue()


def img_tag(png: bytes, alt: str) -> str:
    """An <img> holding the PNG itself (a data URI), so the notebook file carries it."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"/>'


def loss_plot_png(loss: Sequence[float], accuracy: Sequence[float] | None) -> bytes:
    """A small picture of a training run: loss per epoch (log scale), accuracy beside it."""
    from matplotlib.figure import Figure  # only when a picture is wanted

    panels = 2 if accuracy else 1
    fig = Figure(figsize=(3.2 * panels, 2.2))
    epochs = range(1, len(loss) + 1)
    ax = fig.add_subplot(1, panels, 1)
    ax.plot(epochs, loss, color="tab:blue")
    if min(loss) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_title("loss", fontsize=10)
    if accuracy:
        ax2 = fig.add_subplot(1, 2, 2)
        ax2.plot(epochs, accuracy, color="tab:green")
        ax2.set_ylim(-0.02, 1.02)
        ax2.set_xlabel("epoch")
        ax2.set_title("accuracy", fontsize=10)
    fig.tight_layout()
    return png_of(fig)
