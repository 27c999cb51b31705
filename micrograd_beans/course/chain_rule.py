"""The chain rule as StepBackward and the playground write it: each node named as the note
names it, and each local derivative as the note writes it (`a1_2(1 − a1_2)` for a sigmoid),
in those names."""

from __future__ import annotations

from micrograd_beans.engine import Value

#: How each op is written when a node is named by its formula (an unlabelled result).
_INFIX = {"+": "+", "-": "−", "*": "·", "/": "/"}
_FUNCS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "exp": "exp", "log": "log"}


def number(x: float) -> str:
    """A number in a chain-rule line: 4 significant digits."""
    return f"{x:.4g}"


class Names:
    """What each node is called in the chain-rule lines: its label (the note's names), a
    constant's number, or for an unlabelled result its formula (`1 − a1_2`, `w11_2·a1_1`)."""

    def __init__(self) -> None:
        self._known: dict[Value, str] = {}

    def __call__(self, v: Value) -> str:
        """The bare name: a label, a number or a formula."""
        if v not in self._known:
            self._known[v] = v.label or self.formula(v)
        return self._known[v]

    def factor(self, v: Value) -> str:
        """The name as a factor (or after `de/d`): a formula gets parentheses."""
        name = self(v)
        return name if v.label or not v.parents else f"({name})"

    def formula(self, v: Value, depth: int = 0) -> str:
        """How v was computed from its operands' names (a leaf: its label or number)."""
        if not v.parents:
            return v.label or number(v.data)
        if depth >= 3:  # deep unlabelled formulas would swamp the line
            return f"{v.op}(…)"

        def part(p: Value) -> str:
            text = p.label or self.formula(p, depth + 1)
            return f"({text})" if " " in text and v.op not in ("+", "affine") else text

        ps = [part(p) for p in v.parents]
        if v.op in ("+", "-") and len(ps) == 2:
            if v.op == "-" and " " in ps[1]:
                ps[1] = f"({ps[1]})"
            return f"{ps[0]} {_INFIX[v.op]} {ps[1]}"
        if v.op in ("*", "/"):
            return f"{ps[0]}{_INFIX[v.op]}{ps[1]}"
        if v.op == "**":
            return f"{ps[0]}^{ps[1]}"
        if v.op == "neg":
            return f"−{ps[0]}"
        if v.op == "affine":
            terms = [f"{ps[i]}·{ps[i + 1]}" for i in range(0, len(ps) - 1, 2)]
            return " + ".join([*terms, ps[-1]])
        return f"{_FUNCS.get(v.op, v.op)}({', '.join(ps)})"


def local_text(v: Value, i: int, name: Names) -> str:
    """The local derivative d(v)/d(operand i) as the note writes it, in the nodes' names."""
    ps = v.parents
    a = name.factor(ps[0])
    out = name.factor(v)
    op = v.op
    if op == "+":
        return "1"
    if op == "-":
        return "1" if i == 0 else "(−1)"
    if op == "*":
        return name.factor(ps[1 - i])
    if op == "/":
        return f"1/{name.factor(ps[1])}" if i == 0 else f"(−{a}/{name.factor(ps[1])}²)"
    if op == "**":
        b = ps[1]
        if i == 1:
            return f"{out}·ln {a}"
        if b.is_constant and b.data == 2.0:
            return f"2·{a}"
        return f"{name.factor(b)}·{a}^({name.factor(b)} − 1)"
    if op == "sigmoid":
        return f"{out}(1 − {out})"
    if op == "tanh":
        return f"(1 − {out}²)"
    if op == "relu":
        return f"[{a} > 0]"
    if op == "exp":
        return out
    if op == "log":
        return f"1/{a}"
    if op == "neg":
        return "(−1)"
    if op == "affine":  # operands w1, x1, w2, x2, ..., b
        if i == len(ps) - 1:
            return "1"
        return name.factor(ps[i + 1]) if i % 2 == 0 else name.factor(ps[i - 1])
    return f"∂{out}/∂{name.factor(ps[i])}"
