"""Backward through one graph a node at a time: the walk the StepBackward widget and the
playground both show.

Step 0 sets d(root)/d(root) = 1. Step k takes the k-th node of the engine's own order
(`backward()`'s: each node after every node that uses it, so its gradient is complete) and
sends its gradient to its operands through the engine's local derivatives
(`OPS[op].backward`), writing each chain-rule product out in the note's names
(chain_rule.py): `de/dz1_2 = de/da1_2 · a1_2(1 − a1_2) = -0.38 · 0.1539 = -0.05849`.
Standard library only (the playground runs it in Pyodide).
"""

from __future__ import annotations

from micrograd_beans.course.chain_rule import Names, local_text, number
from micrograd_beans.engine import OPS, Value, graph_nodes, topological_order


class BackwardSteps:
    """The walk through `root`'s graph. `go(k)` leaves every node's `grad` as it is after the
    first k steps and `lines` as the chain-rule lines of step k. `now` is the note added to
    a line when an operand's gradient is a sum (a node used twice), with the placeholders
    `{grad}` and `{value}`; None adds none."""

    def __init__(self, root: Value, now: str | None = None) -> None:
        self.root = root
        self.order = topological_order(root) if root.parents else []
        self.nodes = graph_nodes(root)
        self.names = Names()
        self.now = now
        self.lines: list[str] = []
        self.position = 0

    @property
    def current(self) -> Value:
        """The node whose gradient the last step sent on (the root at step 0)."""
        return self.order[self.position - 1] if self.position else self.root

    @property
    def d(self) -> str:
        """`de/d`: how the lines write a derivative of the root."""
        return f"d{self.root.label or 'L'}/d"

    def go(self, k: int) -> None:
        """The graph after the first k steps (k is clamped to 0 ... the number of steps)."""
        k = max(0, min(int(k), len(self.order)))
        for v in self.nodes:
            v.grad = 0.0
        self.root.grad = 1.0
        self.lines = []
        for i, node in enumerate(self.order[:k]):
            self.lines = self._apply(node, explain=i == k - 1)
        self.position = k

    def _apply(self, node: Value, explain: bool) -> list[str]:
        """One node's chain rule, as `backward()` runs it; its lines when `explain`."""
        parents = node.parents
        datas = [p.data for p in parents]
        rule = OPS[node.op].backward
        contributions = rule(node.grad, node.data, *datas)
        locals_ = rule(1.0, node.data, *datas) if explain else ()
        d, names = self.d, self.names
        lines, seen = [], set()
        for i, (p, c) in enumerate(zip(parents, contributions, strict=True)):
            first = p.grad == 0.0 and p not in seen
            p.grad += c
            seen.add(p)
            if not explain or p.is_constant:
                continue
            name = names.factor(p)
            line = (
                f"{d}{name} {'=' if first else '+='} {d}{names.factor(node)} · "
                f"{local_text(node, i, names)} = {number(node.grad)} · {number(locals_[i])}"
                f" = {number(c)}"
            )
            if not first and self.now is not None:
                line += "   " + self.now.format(grad=f"{d}{name}", value=number(p.grad))
            lines.append(line)
        return lines

    def view(self, parameters: dict[str, Value]) -> dict:
        """What the playground draws at this step: the graph's DOT text with the current node
        outlined, the chain-rule lines, and the gradients of the named `parameters` so far."""
        from micrograd_beans.viz import draw_dot

        current = self.current
        drawing = draw_dot(self.root, current=current, params=list(parameters.values()))
        return {
            "step": self.position,
            "steps": len(self.order),
            "current": self.names(current),
            "current_grad": current.grad,
            "current_grad_shown": number(current.grad),  # as the lines write it
            "lines": self.lines,
            "dot": drawing.source,
            "grads": {name: p.grad for name, p in parameters.items()},
        }
