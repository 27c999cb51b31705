"""Making a big graph readable: what to draw of it.

A `Plan` says which Values are hidden (constants written into their op), which are inside
boxes (a neuron's weighted sum and activation, or a whole layer per sample) and, when even
that is too much, which are kept: the nodes nearest the output. `readable_plan` picks the
plan draw_dot's options ask for. Everything walks the graph with explicit stacks, so any
depth works."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from micrograd_beans.engine import Constant, Value

# The note's names: w{i}{j}_{l} and b{j}_{l} are parameters, z{j}_{l} a neuron's weighted sum.
_PARAM_LABEL = re.compile(r"[wb](\d[\w.]*)?")
_Z_LABEL = re.compile(r"z\d+_(\d+)")
_LAYER_OF_LABEL = re.compile(r"[za]\d+_(\d+)")
_ACTIVATIONS = {"sigmoid", "tanh", "relu"}


# --- reading the graph -------------------------------------------------------------------


def graph_in_order(root: Value) -> list[Value]:
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


def consumers(order: list[Value]) -> dict[Value, list[Value]]:
    users: dict[Value, list[Value]] = {v: [] for v in order}
    for v in order:
        for p in v.parents:
            users[p].append(v)
    return users


def role_of(v: Value, root: Value, params: set[Value] | None) -> str:
    if v is root:
        return "output"
    if v.parents:
        return "intermediate"
    if isinstance(v, Constant):
        return "constant"
    if params is not None:
        return "parameter" if v in params else "input"
    return "parameter" if _PARAM_LABEL.fullmatch(v.label) else "input"


def path_to_output(start: Value, order, users) -> set:
    """Every Value on a path from `start` to the output (the output depends on all of them)."""
    reached = {start}
    stack = [start]
    while stack:
        for u in users[stack.pop()]:
            if u not in reached:
                reached.add(u)
                stack.append(u)
    return reached


# --- neurons and layers as boxes ---------------------------------------------------------


@dataclass
class Group:
    """A collapsed neuron (or layer): several nodes drawn as one box."""

    members: set
    outs: list  # the Values whose result leaves the box (one per neuron)
    layer: int
    activation: str
    n_params: int = 0
    neurons: int = 1


def _neurons(order, users) -> list[Group]:
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
        groups.append(Group(members, [out], 0, out.op if out is not z else ""))
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


def _layers(groups: list[Group], users, roles) -> list[Group]:
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
    merged: dict[int, Group] = {}
    for i, g in enumerate(groups):
        r = find(i)
        if r not in merged:
            merged[r] = Group(set(), [], g.layer, g.activation, 0, 0)
        m = merged[r]
        m.members |= g.members
        m.outs += g.outs
        m.neurons += 1
        if m.activation != g.activation:
            m.activation = "mixed"
    return list(merged.values())


# --- the plan ----------------------------------------------------------------------------


@dataclass
class Plan:
    """What to draw: which Values are hidden, which are inside boxes, which are cut off."""

    hidden: set = field(default_factory=set)
    owner: dict = field(default_factory=dict)  # Value -> index in groups
    groups: list = field(default_factory=list)
    kept: set | None = None  # None: everything not hidden/boxed is drawn
    collapse: str | None = None
    hide_constants: bool = False


def readable_plan(order, users, roles, root, hide_constants, collapse, max_nodes) -> Plan:
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


def _plan(order, users, roles, root, collapse, hide_constants) -> Plan:
    """Decide what to hide and what to box for one collapse mode."""
    plan = Plan(collapse=collapse, hide_constants=hide_constants)
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


def unit_of(plan: Plan, v: Value):
    i = plan.owner.get(v)
    return ("g", i) if i is not None else v


def _size(plan: Plan, order) -> tuple[int, int]:
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
                unit_of(plan, p)
                for m in g.members
                for p in m.parents
                if p not in plan.hidden and plan.owner.get(p) != i
            }
        )
    return nodes, edges


def _too_big(plan: Plan, order, limit: float) -> bool:
    """Readable means at most `limit` nodes and as many edges (a dense layer-to-layer
    fan of edges is unreadable long before the node count is)."""
    nodes, edges = _size(plan, order)
    return nodes > limit or edges > limit


def _keep_nearest(plan: Plan, order, root, max_nodes) -> None:
    """Keep the units closest to the output (breadth first backwards) up to max_nodes."""
    unit_members: dict = {}
    for v in order:
        if v not in plan.hidden:
            unit_members.setdefault(unit_of(plan, v), []).append(v)
    kept = set()
    budget = max_nodes - 1  # one node says how much was left out
    queue = [unit_of(plan, root)]
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
                u = unit_of(plan, p)
                if u not in seen and u != unit:
                    seen.add(u)
                    queue.append(u)
    plan.kept = kept
