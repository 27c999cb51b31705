"""One bean's graph stepped backward node by node, as the playground shows it.

The StepBackward widget's walk for the browser: each step sends one node's finished
gradient to its operands (the engine's own local derivatives, `OPS[op].backward`) and
writes the chain-rule product out in one line per operand.
"""

from __future__ import annotations

from micrograd_beans.engine import OPS, Value, _topological_order
from micrograd_beans.nn import MLP


def _number(x: float) -> str:
    return f"{x:.6g}"


class BackwardSteps:
    """Backward through one bean's graph one op result at a time, in the engine's order
    (`backward()`'s own: each node after every node that uses it), as the StepBackward
    widget does: step 0 sets de/de = 1; step k sends the k-th node's finished gradient to
    its operands, its local derivative times it, and says so in one line per operand."""

    def __init__(self, model: MLP, root: Value) -> None:
        self.model, self.root = model, root
        self.order = _topological_order(root) if root.parents else []
        self.nodes = _all_nodes(root)
        self.names: dict[Value, str] = {}
        self.lines: list[str] = []
        self.position = 0

    def name(self, v: Value) -> str:
        """A node's label, or the expression that made it (w11_2·a1_1), or its number."""
        if v in self.names:
            return self.names[v]
        if v.label:
            text = v.label
        elif not v.parents:
            text = _number(v.data)
        else:
            parts = [self.name(p) for p in v.parents]
            infix = {"+": " + ", "-": " − ", "*": "·", "/": " / ", "**": "^"}
            if v.op in infix and len(parts) == 2:
                text = f"({parts[0]}{infix[v.op]}{parts[1]})"
            else:
                text = f"{v.op}({', '.join(parts)})"
        self.names[v] = text
        return text

    def go(self, k: int) -> dict:
        """The graph after the first k chain-rule steps: DOT text, lines, gradients."""
        from micrograd_beans.viz import draw_dot

        k = max(0, min(int(k), len(self.order)))
        for v in self.nodes:
            v.grad = 0.0
        self.root.grad = 1.0
        self.lines = []
        for i, node in enumerate(self.order[:k]):
            self.lines = self._apply(node, explain=i == k - 1)
        self.position = k
        current = self.order[k - 1] if k else self.root
        dot = draw_dot(self.root, current=current, params=self.model.parameters()).source
        return {
            "step": k,
            "steps": len(self.order),
            "current": self.name(current),
            "current_grad": current.grad,
            "lines": self.lines,
            "dot": dot,
            "grads": {name: p.grad for name, p in self.model.named_parameters()},
        }

    def _apply(self, node: Value, explain: bool) -> list[str]:
        """One node's chain rule, as `backward()` runs it; its lines when `explain`."""
        parents = node.parents
        datas = [p.data for p in parents]
        rule = OPS[node.op].backward
        contributions = rule(node.grad, node.data, *datas)
        local = rule(1.0, node.data, *datas) if explain else ()
        d = f"d{self.root.label or 'L'}/d"
        lines, seen = [], set()
        for i, (p, c) in enumerate(zip(parents, contributions, strict=True)):
            first = p.grad == 0.0 and p not in seen
            p.grad += c
            seen.add(p)
            if explain and not p.is_constant:
                sign = "=" if first else "+="
                lines.append(
                    f"{d}{self.name(p)} {sign} {d}{self.name(node)} · ∂{self.name(node)}"
                    f"/∂{self.name(p)} = {_number(node.grad)} · {_number(local[i])}"
                    f" = {_number(c)}"
                )
        return lines


def _all_nodes(root: Value) -> list[Value]:
    seen, stack, out = {root}, [root], []
    while stack:
        v = stack.pop()
        out.append(v)
        for p in v.parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return out
