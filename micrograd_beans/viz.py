"""Draw a Value's computation graph with Graphviz, so a learner can *see* backprop.

`draw_dot(root)` turns the graph behind `root` into a `Drawing`: every Value is a record
`label | data | grad`, every op is its own small node between its operands and its result,
and edges keep operand order and multiplicity (`x + x` has two edges). Colours tell the
roles apart (inputs, parameters, constants, intermediates, the output); a key under the
picture says which is which. Big graphs are made readable by hiding constants, collapsing
neurons or layers into boxes, and at last by drawing only the part nearest the output.

The DOT text is written here with the standard library alone (`DotGraph`, quoting as the
`graphviz` package does), so a drawing's text needs no other package; the picture comes
from a renderer found at run time (`render.py`: `$MICROGRAD_BEANS_DOT`, then `dot` on PATH,
then `graphviz-pure`). Everything here walks the graph with explicit stacks, so any depth
works.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from micrograd_beans.engine import Constant, Value
from micrograd_beans.files import write_atomically
from micrograd_beans.render import (
    PICTURE_FORMATS,
    RendererNotFoundError,
    RenderError,
    render_source,
)

#: Above this many drawn nodes, `draw_dot` simplifies the picture (see `draw_dot`).
DEFAULT_MAX_NODES = 300

#: Fill colour of each role; the same words appear in the key under every picture.
ROLE_COLOURS = {
    "input": "#cfe2ff",  # light blue: the data (x, y)
    "parameter": "#ffe08a",  # yellow: what training changes (w.., b..)
    "constant": "#e6e6e6",  # grey: plain numbers in the formula (the 2 in ** 2)
    "intermediate": "#ffffff",  # white: results of ops
    "output": "#b6e8c2",  # green: the Value backward() was called on
}
OP_COLOUR = "#f1ecfb"
HIGHLIGHT_COLOUR = "#d62728"
CURRENT_COLOUR = "#ff7f0e"  # the node a step-by-step backward is at
FONT = "Helvetica"

#: How each op is written in its node. Order matters for -, / and **: their operand edges
#: are labelled a and b. An affine node's edges are labelled w1, x1, ..., b.
OP_SYMBOLS = {
    "+": "+",
    "-": "a - b",
    "*": "*",
    "/": "a / b",
    "**": "a ** b",
    "neg": "neg",
    "exp": "exp",
    "log": "log",
    "tanh": "tanh",
    "sigmoid": "σ",
    "relu": "relu",
    "affine": "Σw·x+b",
}
_ORDERED_OPS = {"-", "/", "**"}
_ACTIVATIONS = {"sigmoid", "tanh", "relu"}
_SOURCE_SUFFIXES = {"dot", "gv"}
_RANKDIRS = {"LR", "RL", "TB", "BT"}
_COLLAPSE = {None, "auto", "neuron", "layer"}

# The note's names: w{i}{j}_{l} and b{j}_{l} are parameters, z{j}_{l} a neuron's weighted sum.
_PARAM_LABEL = re.compile(r"[wb](\d[\w.]*)?")
_Z_LABEL = re.compile(r"z\d+_(\d+)")
_LAYER_OF_LABEL = re.compile(r"[za]\d+_(\d+)")

# --- the drawing -------------------------------------------------------------------------


class _Html(str):
    """A label written as a Graphviz HTML-like label (`<...>`), not as a quoted string."""

    __slots__ = ()


_DOT_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}
_DOT_QUOTE = re.compile(r'(?P<pairs>(?:\\{2})*)\\?"')  # a " (or \"), after \\ pairs


def _dot_id(text: str) -> str:
    """`text` as a DOT ID: as it is when it is a plain name or number (or an HTML label),
    else double-quoted with its quotes escaped; the graphviz package's rules."""
    if isinstance(text, _Html):
        return text
    if _DOT_ID.match(text) and text.lower() not in _DOT_KEYWORDS:
        return text
    return '"' + _DOT_QUOTE.sub(r'\g<pairs>\\"', text) + '"'


def _attr_list(label: str | None, attrs: dict) -> str:
    """` [label=... a=1 b=2]`: the label first, then the attributes sorted by name."""
    items = [f"label={_dot_id(label)}"] if label is not None else []
    items += [f"{_dot_id(k)}={_dot_id(v)}" for k, v in sorted(attrs.items()) if v is not None]
    return f" [{' '.join(items)}]" if items else ""


class DotGraph:
    """A directed graph's DOT text, built statement by statement.

    Its `source` is the text the `graphviz` package's `Digraph` writes for the same calls
    (`node`, `edge`, `attr`; `body` holds the statements), written with the standard library
    alone. `graphviz.Source(drawing.source)` gives the graphviz package's object.
    """

    def __init__(self, name: str, graph_attr: dict, node_attr: dict, edge_attr: dict) -> None:
        self.name = name
        self.defaults = {"graph": graph_attr, "node": node_attr, "edge": edge_attr}
        self.body: list[str] = []

    def node(self, name: str, label: str | None = None, **attrs: str) -> None:
        """A node statement (or more attributes for a node already there)."""
        self.body.append(f"\t{_dot_id(name)}{_attr_list(label, attrs)}\n")

    def edge(self, tail: str, head: str, label: str | None = None, **attrs: str) -> None:
        """An edge statement `tail -> head`."""
        self.body.append(f"\t{_dot_id(tail)} -> {_dot_id(head)}{_attr_list(label, attrs)}\n")

    def attr(self, **attrs: str) -> None:
        """Attributes of the graph itself (e.g. its label), as a statement of the body."""
        self.body.append(f"\t{_attr_list(None, attrs)[2:-1]}\n")

    @property
    def source(self) -> str:
        """The DOT text."""
        lines = [f"digraph {_dot_id(self.name)} {{\n"]
        for kind, attrs in self.defaults.items():
            if attrs:
                lines.append(f"\t{kind}{_attr_list(None, attrs)}\n")
        return "".join(lines + self.body) + "}\n"

    def __repr__(self) -> str:
        return f"DotGraph({self.name!r}, {len(self.body)} statements)"


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
            fmt = _picture_format(format or self.format)
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


# --- reading the graph -------------------------------------------------------------------


def _topological(root: Value) -> list[Value]:
    """Every node of root's graph once, operands before results, in operand order."""
    order: list[Value] = []
    seen = {root}
    stack = [(root, 0)]
    while stack:
        node, i = stack[-1]
        if i < len(node.parents):
            stack[-1] = (node, i + 1)
            p = node.parents[i]
            if p not in seen:
                seen.add(p)
                stack.append((p, 0))
        else:
            stack.pop()
            order.append(node)
    return order


def _consumers(order: list[Value]) -> dict[Value, list[Value]]:
    users: dict[Value, list[Value]] = {v: [] for v in order}
    for v in order:
        for p in v.parents:
            users[p].append(v)
    return users


def _role(v: Value, root: Value, params: set[Value] | None) -> str:
    if v is root:
        return "output"
    if v.parents:
        return "intermediate"
    if isinstance(v, Constant):
        return "constant"
    if params is not None:
        return "parameter" if v in params else "input"
    return "parameter" if _PARAM_LABEL.fullmatch(v.label) else "input"


def _fmt(x: float) -> str:
    """Short and readable: 4 significant digits, no '-0'."""
    if x == 0:
        return "0"
    return f"{x:.4g}"


def _quote(text: str) -> str:
    """The inside of a double-quoted DOT string (what `_dot_id` does, for the fast path)."""
    return text.replace('"', '\\"')


def _record_text(text: str) -> str:
    """A label as record-field text that Graphviz shows exactly as written.

    Backslash-escapes record syntax (`{}|<>`), the backslash and inner spaces (Graphviz
    would merge them); outer spaces become no-break spaces (Graphviz trims them); `&` is
    written `&amp;`, so `a &lt; b` and `&#65;BC` are not decoded; a newline is a line
    break, a tab a tab character; other control characters, which SVG cannot hold, show
    as the text `\\xNN`.
    """
    core = text.strip(" ")
    if not core:
        return "&#160;" * len(text)
    lead = len(text) - len(text.lstrip(" "))
    trail = len(text) - len(text.rstrip(" "))
    # Graphviz trims a field's outer spaces even when escaped: no-break spaces look the same.
    return "&#160;" * lead + _RECORD_SPECIAL.sub(_record_escape, core) + "&#160;" * trail


_RECORD_SPECIAL = re.compile(r"[\\{}|<> &\n\x00-\x1f\x7f]")


def _record_escape(match: re.Match) -> str:
    c = match.group()
    if c == "&":
        return "&amp;"
    if c == "\n":
        return "\\n"  # Graphviz's centred line break
    if c == "\t":
        return "&#9;"
    if c < " " or c == "\x7f":
        return f"\\\\x{ord(c):02x}"  # shown as the text \xNN
    return "\\" + c


@dataclass
class _Group:
    """A collapsed neuron (or layer): several nodes drawn as one box."""

    members: set
    outs: list  # the Values whose result leaves the box (one per neuron)
    layer: int
    activation: str
    n_params: int = 0
    neurons: int = 1


def _neurons(order, users) -> list[_Group]:
    """Find neurons: a weighted sum (an `affine` node, or a Value labelled z{j}_{l}) plus the
    activation applied to it, with the + and * nodes that build the sum."""
    seeds = [v for v in order if v.op == "affine" or (v.parents and _Z_LABEL.fullmatch(v.label))]
    out_of = {}
    for z in seeds:
        used = users[z]
        if len(used) == 1 and used[0].op in _ACTIVATIONS:
            out_of[z] = used[0]
        else:
            out_of[z] = z
    stops = set(out_of.values()) | set(seeds)
    groups = []
    for z, out in out_of.items():
        members = {z, out}
        stack = [z]
        while stack:
            for p in stack.pop().parents:
                if p.parents and p not in stops and p not in members and p.op in {"+", "*"}:
                    members.add(p)
                    stack.append(p)
        # Only collapse if nothing inside the box is used outside it (except its output).
        if any(u not in members for m in members if m is not out for u in users[m]):
            continue
        groups.append(_Group(members, [out], 0, out.op if out is not z else ""))
    # Layer: from the note's names (z1_2 -> 2) or, failing that, by counting neurons upstream.
    depth: dict[Value, int] = {}
    outs = {g.outs[0]: g for g in groups}
    for v in order:
        d = max((depth[p] for p in v.parents), default=0)
        depth[v] = d + 1 if v in outs else d
    for g in groups:
        out = g.outs[0]
        named = _LAYER_OF_LABEL.fullmatch(out.label)
        g.layer = int(named.group(1)) if named else depth[out]
    return groups


def _layers(groups: list[_Group], users, roles) -> list[_Group]:
    """Merge neurons of one layer that work on the same sample: they share an input or a user."""
    parent = list(range(len(groups)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner = {m: i for i, g in enumerate(groups) for m in g.members}
    by_key: dict[tuple, int] = {}
    for i, g in enumerate(groups):
        links = set()
        for m in g.members:
            for p in m.parents:
                if p not in g.members and roles[p] not in ("parameter", "constant"):
                    links.add(("in", p))
        for u in users[g.outs[0]]:
            links.add(("user", owner.get(u, u)))
        for link in links:
            key = (g.layer, link)
            if key in by_key:
                parent[find(i)] = find(by_key[key])
            else:
                by_key[key] = i
    merged: dict[int, _Group] = {}
    for i, g in enumerate(groups):
        r = find(i)
        if r not in merged:
            merged[r] = _Group(set(), [], g.layer, g.activation, 0, 0)
        m = merged[r]
        m.members |= g.members
        m.outs += g.outs
        m.neurons += 1
        if m.activation != g.activation:
            m.activation = "mixed"
    return list(merged.values())


# --- drawing -----------------------------------------------------------------------------


@dataclass
class _Plan:
    """What to draw: which Values are hidden, which are inside boxes, which are cut off."""

    hidden: set = field(default_factory=set)
    owner: dict = field(default_factory=dict)  # Value -> index in groups
    groups: list = field(default_factory=list)
    kept: set | None = None  # None: everything not hidden/boxed is drawn
    collapse: str | None = None
    hide_constants: bool = False


def _plan(order, users, roles, root, collapse, hide_constants) -> _Plan:
    """Decide what to hide and what to box for one collapse mode."""
    plan = _Plan(collapse=collapse, hide_constants=hide_constants)
    if hide_constants:
        plan.hidden = {v for v in order if roles[v] == "constant" and v is not root}
    if collapse in ("neuron", "layer"):
        groups = _neurons(order, users)
        if collapse == "layer":
            groups = _layers(groups, users, roles)
        for i, g in enumerate(groups):
            for m in g.members:
                plan.owner[m] = i
        # Parameters and constants used only inside boxes disappear into them.
        for v in order:
            inside = bool(users[v]) and all(u in plan.owner for u in users[v])
            if inside and roles[v] in ("parameter", "constant") and v is not root:
                plan.hidden.add(v)
        for g in groups:
            g.n_params = len({p for m in g.members for p in m.parents if roles[p] == "parameter"})
        plan.groups = groups
    return plan


def _unit(plan: _Plan, v: Value):
    i = plan.owner.get(v)
    return ("g", i) if i is not None else v


def _size(plan: _Plan, order) -> tuple[int, int]:
    """How many nodes and edges the plan draws (before cutting off distant nodes)."""
    nodes, edges = len(plan.groups), 0
    for v in order:
        if v not in plan.hidden and v not in plan.owner:
            nodes += 2 if v.parents else 1
            if v.parents:
                edges += 1 + sum(1 for p in v.parents if p not in plan.hidden)
    for i, g in enumerate(plan.groups):
        edges += len(
            {
                _unit(plan, p)
                for m in g.members
                for p in m.parents
                if p not in plan.hidden and plan.owner.get(p) != i
            }
        )
    return nodes, edges


def _too_big(plan: _Plan, order, limit: float) -> bool:
    """Readable means at most `limit` nodes and as many edges (a dense layer-to-layer
    fan of edges is unreadable long before the node count is)."""
    nodes, edges = _size(plan, order)
    return nodes > limit or edges > limit


def _keep_nearest(plan: _Plan, order, root, max_nodes) -> None:
    """Keep the units closest to the output (breadth first backwards) up to max_nodes."""
    unit_members: dict = {}
    for v in order:
        if v not in plan.hidden:
            unit_members.setdefault(_unit(plan, v), []).append(v)
    kept = set()
    budget = max_nodes - 1  # one node says how much was left out
    queue = [_unit(plan, root)]
    seen = set(queue)
    head = 0
    while head < len(queue):
        unit = queue[head]
        head += 1
        cost = 1 if isinstance(unit, tuple) else (2 if unit.parents else 1)
        if cost > budget:
            break
        budget -= cost
        kept.add(unit)
        for m in unit_members[unit]:
            for p in m.parents:
                if p in plan.hidden:
                    continue
                u = _unit(plan, p)
                if u not in seen and u != unit:
                    seen.add(u)
                    queue.append(u)
    plan.kept = kept


def _picture_format(fmt: object) -> str:
    if not isinstance(fmt, str) or fmt.lower() not in PICTURE_FORMATS:
        raise ValueError(f"format must be one of {sorted(PICTURE_FORMATS)}, got {fmt!r}")
    return fmt.lower()


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
    order = _topological(root)
    users = _consumers(order)
    param_set = set(params) if params is not None else None
    roles = {v: _role(v, root, param_set) for v in order}
    _check_in_graph(root, users, highlight=highlight, current=current)

    plan = _readable_plan(order, users, roles, root, hide_constants, collapse, max_nodes)
    on_path = _path_to_output(highlight, order, users) if highlight is not None else set()
    drawing = _emit(root, order, roles, plan, on_path, rankdir, legend)
    drawing.format = format
    if current is not None:
        _mark_current(drawing, current, order, plan)
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
    format = _picture_format(format)
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


def _readable_plan(order, users, roles, root, hide_constants, collapse, max_nodes) -> _Plan:
    """The plan draw_dot's options ask for; under collapse="auto", simplified step by step
    (constants hidden, then neurons, then layers collapsed) until it fits `max_nodes`, and
    cut to the nodes nearest the output if it still does not."""
    limit = max_nodes if max_nodes is not None else float("inf")
    hide = bool(hide_constants)
    mode = None if collapse == "auto" else collapse
    plan = _plan(order, users, roles, root, mode, hide)
    if collapse == "auto" and _too_big(plan, order, limit):
        steps = [("none", True), ("neuron", True), ("layer", True)]
        if hide_constants is False:
            steps = [(m, False) for m, _ in steps]
        for step, hide_step in steps:
            plan = _plan(order, users, roles, root, None if step == "none" else step, hide_step)
            if not _too_big(plan, order, limit):
                break
    if _size(plan, order)[0] > limit:
        _keep_nearest(plan, order, root, int(limit))
    return plan


def _mark_current(drawing: Drawing, current: Value, order: list[Value], plan: _Plan) -> None:
    """Outline `current` (and its op node, or its box) in orange. DOT lets a later statement
    about a node add attributes to it, so the drawing itself is left as it was made."""
    unit = _unit(plan, current)
    if current in plan.hidden or (plan.kept is not None and unit not in plan.kept):
        return  # not drawn: nothing to mark
    if isinstance(unit, tuple):
        names = [f"g{unit[1]}"]
    else:
        k = order.index(current)
        names = [f"v{k}", f"op{k}"] if current.parents else [f"v{k}"]
    for name in names:
        drawing.digraph.node(name, color=CURRENT_COLOUR, penwidth="3.5")


def _path_to_output(start: Value, order, users) -> set:
    """Every Value on a path from `start` to the output (the output depends on all of them)."""
    reached = {start}
    stack = [start]
    while stack:
        for u in users[stack.pop()]:
            if u not in reached:
                reached.add(u)
                stack.append(u)
    return reached


def _op_label(v: Value, hidden: set) -> str:
    """The op's symbol; a hidden constant operand is written into it (`a ** 2`, `* 0.9`)."""
    text = OP_SYMBOLS.get(v.op, v.op)
    if len(v.parents) != 2 or not any(p in hidden for p in v.parents):
        return text
    a, b = (_fmt(p.data) if p in hidden else "" for p in v.parents)
    if v.op in _ORDERED_OPS:
        return f"{a or 'a'} {v.op} {b or 'b'}"
    return f"{text} {' '.join(s for s in (a, b) if s)}"


def _edge_labels(v: Value) -> list[str]:
    if v.op in _ORDERED_OPS:
        return ["a", "b"]
    if v.op == "affine":
        n = (len(v.parents) - 1) // 2
        return [f"{s}{i}" for i in range(1, n + 1) for s in ("w", "x")] + ["b"]
    return [""] * len(v.parents)


def _emit(root, order, roles, plan: _Plan, on_path, rankdir, legend) -> Drawing:
    """The planned picture as a Drawing: the Values and their ops, the boxes, the note on
    what was left out, and the key."""
    dot = _DotWriter(plan, on_path, rankdir)
    dot.values(order, roles)
    dot.boxes(root)
    left_out = dot.left_out_note(order)
    stats = {
        "values": len(order),
        "ops": sum(1 for v in order if v.parents),
        "nodes": dot.n_nodes,
        "edges": dot.n_edges,
        "hidden_constants": plan.hide_constants,
        "collapse": plan.collapse if plan.groups else None,
        "boxes": len(plan.groups)
        if plan.kept is None
        else sum(1 for i in range(len(plan.groups)) if ("g", i) in plan.kept),
        "left_out": left_out,
    }
    if legend:
        dot.graph.attr(
            label=_legend(root, roles, order, plan, stats, bool(on_path)),
            labelloc="b",
            labeljust="l",
            fontsize="10",
        )
    return Drawing(dot.graph, stats)


def _digraph(rankdir: str) -> DotGraph:
    return DotGraph(
        name="computation_graph",
        graph_attr={
            "rankdir": rankdir,
            "fontname": FONT,
            "bgcolor": "white",
            "nodesep": "0.2",
            "ranksep": "0.3",
        },
        # Defaults fit the most common node, an intermediate Value, so most nodes need only a
        # label: a 100,000-node graph's DOT text is then built in a few seconds.
        node_attr={
            "fontname": FONT,
            "fontsize": "11",
            "color": "#444444",
            "shape": "record",
            "style": "filled",
            "fillcolor": ROLE_COLOURS["intermediate"],
        },
        edge_attr={"fontname": FONT, "fontsize": "9", "arrowsize": "0.6", "color": "#666666"},
    )


_MORE = "more"  # the id of the node saying how many Values were left out
_RED = {"color": HIGHLIGHT_COLOUR, "penwidth": "2.2"}
_OP_STYLE = f' shape=ellipse fillcolor="{OP_COLOUR}" margin="0.05,0.02"'


class _DotWriter:
    """Writes one planned graph into a `DotGraph`, counting nodes and edges.

    The common cases (a plain Value, a plain op, an edge without attributes) are appended
    to the graph's body directly: per-attribute quoting would triple the time.
    """

    def __init__(self, plan: _Plan, on_path: set, rankdir: str) -> None:
        self.graph = _digraph(rankdir)
        self.plan = plan
        self.on_path = on_path
        self.horizontal = rankdir in ("LR", "RL")
        self.ids: dict[Value, str] = {}
        self.position: dict[Value, int] = {}  # each Value's place in the graph's order
        self.more_edges: set = set()  # (tail, head) edges from the left-out note
        self.n_nodes = self.n_edges = 0

    # --- the three parts of the picture ----------------------------------------------------

    def values(self, order: list[Value], roles: dict) -> None:
        """Each drawn Value as a record, and the op that made it as a small node before it."""
        plan = self.plan
        self.position = {v: i for i, v in enumerate(order)}
        self.ids = {v: f"v{i}" for v, i in self.position.items()}
        for v in order:
            if (
                v in plan.hidden
                or v in plan.owner
                or (plan.kept is not None and v not in plan.kept)
            ):
                continue
            self._value(v, roles[v])
            if v.parents:
                self._op(v)

    def boxes(self, root: Value) -> None:
        """Each collapsed neuron or layer as one rounded box, with the edges into it."""
        plan = self.plan
        for i, grp in enumerate(plan.groups):
            if plan.kept is not None and ("g", i) not in plan.kept:
                continue
            box = f"g{i}"
            attrs = {"style": "filled,rounded", "fillcolor": ROLE_COLOURS["intermediate"]}
            if any(m in self.on_path for m in grp.members):
                attrs.update(_RED)
            elif root in grp.members:
                attrs.update(fillcolor=ROLE_COLOURS["output"], penwidth="2")
            self.graph.node(box, self._box_label(grp), shape="Mrecord", **attrs)
            self.n_nodes += 1
            self._edges_into_box(grp, box)

    def left_out_note(self, order: list[Value]) -> int:
        """The note saying how many Values were left out (if any were), with dashed edges
        from it; returns that number."""
        plan = self.plan
        if plan.kept is None:
            return 0
        left_out = sum(1 for v in order if v not in plan.hidden and _unit(plan, v) not in plan.kept)
        self.graph.node(
            _MORE,
            f"… {left_out} more Values\n(draw_dot(..., max_nodes=None) draws all)",
            shape="note",
            style="filled",
            fillcolor="#fff7e0",
            fontsize="10",
        )
        self.n_nodes += 1
        for src, dst in sorted(self.more_edges):
            self.graph.edge(src, dst, style="dashed")
            self.n_edges += 1
        return left_out

    # --- one Value, one op, one box ---------------------------------------------------------

    def _value(self, v: Value, role: str) -> None:
        attrs = {} if role == "intermediate" else {"fillcolor": ROLE_COLOURS[role]}
        if v in self.on_path:
            attrs.update(_RED)
        elif role == "output":
            attrs["penwidth"] = "2"
        if role == "constant":
            self.graph.node(
                self.ids[v],
                _fmt(v.data),
                shape="box",
                fontsize="10",
                height="0.25",
                width="0.3",
                margin="0.04,0.02",
                **attrs,
            )
        else:
            label = self._fields(v.label, f"data {_fmt(v.data)}", f"grad {_fmt(v.grad)}")
            self._node(self.ids[v], label, **attrs)
        self.n_nodes += 1

    def _op(self, v: Value) -> None:
        """v's op as a node, its edge to v, and the edges from its operands."""
        op_id = f"op{self.ids[v][1:]}"
        op_attrs = dict(_RED) if v in self.on_path else {}
        self._op_node(op_id, _op_label(v, self.plan.hidden), **op_attrs)
        self._edge(op_id, self.ids[v], **op_attrs)
        self.n_nodes += 1
        self.n_edges += 1
        for p, text in zip(v.parents, _edge_labels(v), strict=True):
            src = self._source_of(p)
            if src is None:
                continue
            if src == _MORE:
                self.more_edges.add((_MORE, op_id))
                continue
            attrs = dict(_RED) if p in self.on_path else {}
            if text:
                attrs["label"] = text
            self._edge(src, op_id, **attrs)
            self.n_edges += 1

    def _box_label(self, grp: _Group) -> str:
        act = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "": "", "mixed": "act"}.get(
            grp.activation, grp.activation
        )
        formula = f"{act}(Σw·x+b)" if act else "Σw·x+b"
        params = f"{grp.n_params} params" if grp.n_params else ""
        if len(grp.outs) == 1:
            out = grp.outs[0]
            name = out.label or "neuron"
            return self._fields(
                f"{name} = {formula}", params, f"data {_fmt(out.data)}", f"grad {_fmt(out.grad)}"
            )
        return self._fields(f"layer {grp.layer}", f"{grp.neurons} × {formula}", params)

    def _edges_into_box(self, grp: _Group, box: str) -> None:
        """One edge into the box from each drawn node outside it that its members read."""
        seen_src = set()
        # in the graph's order (members is a set): the same DOT text from run to run
        for m in sorted(grp.members, key=self.position.__getitem__):
            for p in m.parents:
                if p in grp.members:
                    continue
                src = self._source_of(p)
                if src is None or src in seen_src:
                    continue
                seen_src.add(src)
                if src == _MORE:
                    self.more_edges.add((_MORE, box))
                    continue
                self._edge(src, box, **(_RED if p in self.on_path else {}))
                self.n_edges += 1

    # --- DOT helpers -------------------------------------------------------------------------

    def _source_of(self, p: Value) -> str | None:
        """The id of the node an edge from `p` starts at: p's own, its box's, the left-out
        note's, or None when p is hidden."""
        plan = self.plan
        if p in plan.hidden:
            return None
        if plan.kept is not None and _unit(plan, p) not in plan.kept:
            return _MORE
        i = plan.owner.get(p)
        return f"g{i}" if i is not None else self.ids[p]

    def _fields(self, *parts: str) -> str:
        # Fields stacked across the flow (a narrow column when the graph runs left to right).
        body = "|".join(_record_text(s) for s in parts if s)
        return body if self.horizontal else "{" + body + "}"

    def _node(self, name: str, label: str, **attrs: str) -> None:
        if attrs:
            self.graph.node(name, label, **attrs)
        else:
            self.graph.body.append(f'\t{name} [label="{_quote(label)}"]\n')

    def _op_node(self, name: str, label: str, **attrs: str) -> None:
        if attrs:
            self.graph.node(
                name,
                label,
                shape="ellipse",
                fillcolor=OP_COLOUR,
                margin="0.05,0.02",
                **attrs,
            )
        else:
            self.graph.body.append(f'\t{name} [label="{_quote(label)}"{_OP_STYLE}]\n')

    def _edge(self, tail: str, head: str, **attrs: str) -> None:
        if attrs:
            self.graph.edge(tail, head, **attrs)
        else:
            self.graph.body.append(f"\t{tail} -> {head}\n")


def _legend(root, roles, order, plan, stats, highlighted) -> str:
    """The key under the picture: one coloured cell per role present, and what grad means."""
    present = {roles[v] for v in order if v not in plan.hidden}
    cells = []
    for role, colour in ROLE_COLOURS.items():
        if role in present:
            cells.append(f'<td bgcolor="{colour}" border="1">{role}</td>')
    cells.append(f'<td bgcolor="{OP_COLOUR}" border="1" style="rounded">op</td>')
    if highlighted:
        cells.append(f'<td border="1" color="{HIGHLIGHT_COLOUR}">path to output</td>')
    name = root.label or "output"  # escaped once, with the rest of the note, below
    notes = [f"data = value, grad = d{name}/d(node) (0 before backward)"]
    if plan.hide_constants:
        notes.append("constants written into their ops")
    if stats["collapse"]:
        notes.append(f"collapsed by {plan.collapse}: {stats['boxes']} boxes")
    if stats["left_out"]:
        notes.append(f"only the {stats['nodes']} nodes nearest the output drawn")
    note = html.escape("; ".join(notes))
    return _Html(
        '<<table border="0" cellspacing="3" cellpadding="3"><tr>'
        + "".join(cells)
        + f'</tr><tr><td colspan="{len(cells)}" align="left">{note}</td></tr></table>>'
    )


def note_network(
    x: float = 0.9,
    y: float = 1.0,
    params: dict[str, float] | None = None,
    backward: bool = True,
) -> Value:
    """The note's 1-2-1 network on one bean, written op by op with the note's names.

    Returns the squared error `e` (backward already run unless `backward=False`); its
    graph has the parameters w11_1 ... b1_2, the inputs x and y, and z1_1, a1_1, ... a1_2.
    """
    p = {
        "w11_1": 0.5,
        "b1_1": 0.1,
        "w12_1": 0.9,
        "b2_1": 0.3,
        "w11_2": 0.4,
        "w21_2": 0.7,
        "b1_2": 0.2,
    }
    if params is not None:
        p.update(params)
    w = {name: Value(value, label=name) for name, value in p.items()}
    xv, yv = Value(x, label="x"), Value(y, label="y")

    def named(v: Value, label: str) -> Value:
        v.label = label
        return v

    z1_1 = named(named(w["w11_1"] * xv, "w11_1·x") + w["b1_1"], "z1_1")
    a1_1 = named(z1_1.sigmoid(), "a1_1")
    z2_1 = named(named(w["w12_1"] * xv, "w12_1·x") + w["b2_1"], "z2_1")
    a2_1 = named(z2_1.sigmoid(), "a2_1")
    s = named(w["w11_2"] * a1_1, "w11_2·a1_1") + named(w["w21_2"] * a2_1, "w21_2·a2_1")
    z1_2 = named(s + w["b1_2"], "z1_2")
    a1_2 = named(z1_2.sigmoid(), "a1_2")
    e = named(named(yv - a1_2, "y - a1_2") ** 2, "e")
    if backward:
        e.backward()
    return e
