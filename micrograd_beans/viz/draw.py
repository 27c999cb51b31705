"""`draw_dot(root)`: the graph behind a Value as a `Drawing`, with the options that make a
big graph readable. It reads the graph (layout.py), plans what to draw, and writes it
(writer.py)."""

from __future__ import annotations

from collections.abc import Iterable

from micrograd_beans.engine import Value
from micrograd_beans.render import PICTURE_FORMATS
from micrograd_beans.viz.drawing import Drawing, picture_format
from micrograd_beans.viz.layout import (
    consumers,
    graph_in_order,
    path_to_output,
    readable_plan,
    role_of,
)
from micrograd_beans.viz.writer import emit, mark_current

#: Above this many drawn nodes, `draw_dot` simplifies the picture (see `draw_dot`).
DEFAULT_MAX_NODES = 300
_RANKDIRS = {"LR", "RL", "TB", "BT"}
_COLLAPSE = {None, "auto", "neuron", "layer"}


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    *,
    format: str = "svg",
    hide_constants: bool | None = None,
    collapse: str | None = "auto",
    highlight: Value | None = None,
    params: Iterable[Value] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    legend: bool = True,
    current: Value | None = None,
) -> Drawing:
    """Draw the computation graph behind `root` (its output) as a `Drawing`.

    - `rankdir`: "LR" (inputs left, output right), "TB", "RL" or "BT".
    - `format`: the picture format of `render(name)` for a name without a suffix, as in
      micrograd's `draw_dot(root, format='svg', rankdir='LR')` (micrograd's positional order,
      `draw_dot(root, 'png')`, works too: a format given where rankdir goes is the format).
    - `hide_constants`: leave out constant leaves, writing them into their op (`** 2`).
    - `collapse`: "neuron" draws each neuron (weighted sum + activation) as one box, "layer"
      one box per layer and sample; parameters used only inside boxes are counted, not drawn.
    - `highlight`: a Value of the graph; the paths from it to the output are drawn in red.
    - `current`: a Value of the graph drawn with a thick orange outline, with the op that
      made it (or the box it is collapsed into): the node a step-by-step backward is at.
    - `params`: the Values to colour as parameters; by default leaves named like the note's
      parameters (w11_1, b1_2, w, b) are parameters and other non-constant leaves inputs.
    - Readable big graphs: with the defaults (`hide_constants=None`, `collapse="auto"`), a
      graph of more than `max_nodes` drawn nodes (or edges) first loses its constants, then is
      collapsed by neuron, then by layer. If it still has too many nodes (or you chose a
      collapse mode and it has), only the `max_nodes` nodes nearest the output are drawn, with
      one node saying how many were left out. `max_nodes=None` draws everything (slow to lay
      out past ~2000 nodes).
    """
    rankdir, format = _checked_options(root, rankdir, format, collapse, max_nodes)
    order = graph_in_order(root)
    users = consumers(order)
    param_set = set(params) if params is not None else None
    roles = {v: role_of(v, root, param_set) for v in order}
    _check_in_graph(root, users, highlight=highlight, current=current)

    plan = readable_plan(order, users, roles, root, hide_constants, collapse, max_nodes)
    on_path = path_to_output(highlight, order, users) if highlight is not None else set()
    drawing = emit(root, order, roles, plan, on_path, rankdir, legend)
    drawing.format = format
    if current is not None:
        mark_current(drawing, current, order, plan)
    return drawing


def _checked_options(
    root: object, rankdir: object, format: object, collapse: object, max_nodes: object
) -> tuple[str, str]:
    """draw_dot's options checked, as (rankdir, format): a picture format given where rankdir
    goes (micrograd's `draw_dot(root, 'png')`) is taken as the format, with rankdir "LR"."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot needs a Value, got {type(root).__name__}")
    if isinstance(rankdir, str) and rankdir.lower() in PICTURE_FORMATS:  # micrograd's order
        rankdir, format = "LR", rankdir
    format = picture_format(format)
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {sorted(_RANKDIRS)}, got {rankdir!r}")
    if collapse not in _COLLAPSE:
        raise ValueError(f"collapse must be None, 'auto', 'neuron' or 'layer', got {collapse!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or max_nodes < 10):
        raise ValueError(f"max_nodes must be None (no limit) or at least 10, got {max_nodes!r}")
    return rankdir, format


def _check_in_graph(root: Value, users: dict, **values: Value | None) -> None:
    """Each Value given (highlight=..., current=...) must be a node of root's graph."""
    for name, v in values.items():
        if v is not None and v not in users:
            raise ValueError(f"{name}={v!r} is not part of the graph of {root!r}")
