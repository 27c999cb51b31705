"""Gradients as return values: `grad(output, inputs, create_graph=False)`.

`grad` returns d(output)/d(input) without touching any `.grad`. With `create_graph=True`
it runs the same `OPS` derivative rules on Values, so the gradients are Values with graphs
of their own that can be differentiated again (second, third ... derivatives). Inside
`detect_anomaly()` its reverse pass is checked as `backward()` is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from micrograd_beans import anomaly
from micrograd_beans.engine import OPS, Constant, Value, topological_order

__all__ = ["Gradient", "grad"]

Gradient = float | Value


def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    create_graph: bool = False,
) -> Gradient | tuple[Gradient, ...]:
    """d(output)/d(input) for each input, leaving every `.grad` field as it is.

    `inputs` may be one Value (one gradient is returned) or a sequence (a tuple is
    returned); an input `output` does not depend on gets 0. With `create_graph=True` the
    gradients are Values built from the same derivative rules, so `grad` can be applied to
    them again (second, third ... derivatives); otherwise they are floats.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value as output, got {type(output).__name__}")
    single = isinstance(inputs, Value)
    targets = (inputs,) if single else tuple(inputs)
    for i, v in enumerate(targets):
        if not isinstance(v, Value):
            raise TypeError(f"grad() inputs must be Values, got {type(v).__name__} at position {i}")
    grads = _reverse(output, targets, create_graph)
    zero: Gradient = Constant(0.0) if create_graph else 0.0
    result = tuple(grads.get(v, zero) for v in targets)
    return result[0] if single else result


def _reverse(root: Value, targets: tuple[Value, ...], create_graph: bool) -> dict:
    """The chain rule from root down to the targets, gradients kept in a dict (not `.grad`)."""
    order = topological_order(root)  # op results, each before its operands
    wanted = set(targets)
    # Nodes with a target below them; the only ones whose derivative rules need to run.
    leads: set[Value] = set()
    # Op results computed from Constants alone: passed to the rules as plain numbers, like
    # the Constants themselves, so gradient graphs do not grow branches that are always 0.
    fixed: set[Value] = set()
    for node in reversed(order):
        if any(p in wanted or p in leads for p in node.parents):
            leads.add(node)
        elif all(p.is_constant or p in fixed for p in node.parents):
            fixed.add(node)
    grads: dict[Value, Gradient] = {root: Constant(1.0) if create_graph else 1.0}
    checking = anomaly.is_on()
    for node in order:
        if node not in leads or node not in grads:
            continue
        g = grads[node]
        parents = node.parents
        rule = OPS[node.op].backward
        if create_graph:
            args = [
                p.data if p not in wanted and (p.is_constant or p in fixed) else p for p in parents
            ]
            if checking:
                # Under detect_anomaly, a nan made for an operand nobody asked about (the
                # exponent 2 of x ** 2 at x < 0) is no anomaly: check only what is kept, below.
                local = anomaly.without_forward_checks(rule, g, node, *args)
            else:
                local = rule(g, node, *args)
        else:
            local = rule(g, node.data, *[p.data for p in parents])
        for k, (p, gp) in enumerate(zip(parents, local, strict=True)):
            if p not in wanted and p not in leads:
                continue
            if create_graph and not isinstance(gp, Value):
                gp = Constant(gp)
            total = grads[p] + gp if p in grads else gp
            grads[p] = total
            if checking and not math.isfinite(total.data if create_graph else total):
                raise FloatingPointError(anomaly.backward_anomaly_message(node, g, k, gp, total))
    return grads
