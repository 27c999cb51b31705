"""A planned graph written as DOT: how each Value, op and box looks, and the key under the
picture. Colours tell the roles apart (inputs, parameters, constants, intermediates, the
output); every op is its own small node between its operands and its result, and edges keep
operand order and multiplicity (`x + x` has two edges)."""

from __future__ import annotations

import html

from micrograd_beans.engine import Value
from micrograd_beans.viz.dot import DotGraph, HtmlLabel, quote, record_text
from micrograd_beans.viz.drawing import Drawing
from micrograd_beans.viz.layout import Group, Plan, unit_of

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


def emit(root, order, roles, plan: Plan, on_path, rankdir, legend) -> Drawing:
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


def mark_current(drawing: Drawing, current: Value, order: list[Value], plan: Plan) -> None:
    """Outline `current` (and its op node, or its box) in orange. DOT lets a later statement
    about a node add attributes to it, so the drawing itself is left as it was made."""
    unit = unit_of(plan, current)
    if current in plan.hidden or (plan.kept is not None and unit not in plan.kept):
        return  # not drawn: nothing to mark
    if isinstance(unit, tuple):
        names = [f"g{unit[1]}"]
    else:
        k = order.index(current)
        names = [f"v{k}", f"op{k}"] if current.parents else [f"v{k}"]
    for name in names:
        drawing.digraph.node(name, color=CURRENT_COLOUR, penwidth="3.5")


def _fmt(x: float) -> str:
    """Short and readable: 4 significant digits, no '-0'."""
    if x == 0:
        return "0"
    return f"{x:.4g}"


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

    def __init__(self, plan: Plan, on_path: set, rankdir: str) -> None:
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
        left_out = sum(
            1 for v in order if v not in plan.hidden and unit_of(plan, v) not in plan.kept
        )
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

    def _box_label(self, grp: Group) -> str:
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

    def _edges_into_box(self, grp: Group, box: str) -> None:
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
        if plan.kept is not None and unit_of(plan, p) not in plan.kept:
            return _MORE
        i = plan.owner.get(p)
        return f"g{i}" if i is not None else self.ids[p]

    def _fields(self, *parts: str) -> str:
        # Fields stacked across the flow (a narrow column when the graph runs left to right).
        body = "|".join(record_text(s) for s in parts if s)
        return body if self.horizontal else "{" + body + "}"

    def _node(self, name: str, label: str, **attrs: str) -> None:
        if attrs:
            self.graph.node(name, label, **attrs)
        else:
            self.graph.body.append(f'\t{name} [label="{quote(label)}"]\n')

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
            self.graph.body.append(f'\t{name} [label="{quote(label)}"{_OP_STYLE}]\n')

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
    return HtmlLabel(
        '<<table border="0" cellspacing="3" cellpadding="3"><tr>'
        + "".join(cells)
        + f'</tr><tr><td colspan="{len(cells)}" align="left">{note}</td></tr></table>>'
    )
