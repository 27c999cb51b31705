"""Anomaly mode: `detect_anomaly()` makes the first nan or infinity an op makes raise.

Inside the block, the first op whose result or gradient is nan or infinite raises
`FloatingPointError` naming the op and its inputs. It swaps checking versions of the
engine's forward rules and backward pass in on entry and the originals back on exit,
so outside it the engine runs exactly as before. `grad()` (in `gradients`) checks its own
reverse pass inside the block too, with the helpers at the end of this module.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from micrograd_beans.engine import OPS, Value, speed, topological_order
from micrograd_beans.engine.ops import Op

__all__ = ["detect_anomaly"]

# The mode is process-wide (as PyTorch's), so its state lives here, changed only by this module.
_anomaly_depth = 0  # how many detect_anomaly() blocks are open, in all threads
_anomaly_lock = threading.Lock()  # blocks may open and close in several threads at once
_quiet = 0  # > 0 while grad() runs rules whose discarded results may be nan
_saved_rows: dict[str, Op] = {}  # the table's rows as they were before the first block


def _describe(v: Value | float) -> str:
    if not isinstance(v, Value):
        return repr(v)
    if v.label:
        return f"{v.label}={v.data!r}"
    return f"{v.data!r}" if not v.op else f"({v.op} result)={v.data!r}"


def backward_anomaly_message(
    node: Value, g: float | Value, k: int, local: float | Value, total: float | Value
) -> str:
    inputs = ", ".join(_describe(p) for p in node.parents)
    g = g.data if isinstance(g, Value) else g
    local = local.data if isinstance(local, Value) else local
    total = total.data if isinstance(total, Value) else total
    what = "a nan" if math.isnan(total) else "an infinite"
    return (
        f"backward of {node.op!r} on ({inputs}) made {what} gradient for its input "
        f"{k + 1} ({_describe(node.parents[k])}): {local!r} (incoming gradient {g!r}, "
        f"accumulated {total!r}) [detect_anomaly]"
    )


def _checked_forward(name: str, rule: Callable[..., float]) -> Callable[..., float]:
    def checked(*args: float) -> float:
        result = rule(*args)
        if not math.isfinite(result) and not _quiet:
            # the engine's operator methods turn this into "'op' failed on (inputs): ..."
            raise FloatingPointError(f"the result is {result!r} [detect_anomaly]")
        return result

    return checked


def _variable_nodes(order: list[Value]) -> set[Value]:
    """Op results that depend on some non-Constant leaf (those whose gradient matters)."""
    variable: set[Value] = set()
    for node in reversed(order):
        if any(p in variable or (p.is_leaf and not p.is_constant) for p in node.parents):
            variable.add(node)
    return variable


def _checked_backward(root: Value) -> None:
    """Value.backward, with every gradient a non-Constant receives checked as it arrives."""
    if not root.parents:
        root.grad += 1.0
        return
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    variable = _variable_nodes(order)
    for node in order:
        parents = node.parents
        local = OPS[node.op].backward(node.grad, node.data, *[p.data for p in parents])
        for k, (p, gp) in enumerate(zip(parents, local, strict=True)):
            p.grad += gp
            if not math.isfinite(p.grad) and (p in variable or not p.is_constant):
                raise FloatingPointError(backward_anomaly_message(node, node.grad, k, gp, p.grad))


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this block, the first nan or infinity an op makes raises FloatingPointError.

    Forward: the op's result, e.g. `'*' failed on (w=1e+200, x=1e+200): the result is inf`.
    Backward (`backward()` and `grad()`): the first gradient that becomes nan or infinite,
    naming the op, its inputs' labels and values. Gradients flowing into numbers (Constant
    leaves) are not checked. Blocks may nest; on exit the engine is exactly as before.

    The mode is process-wide, as PyTorch's anomaly mode is: while any thread is inside a
    block, arithmetic in every thread is checked (and may raise). Blocks opened and closed
    from several threads at once are safe: the checks end when the last block closes.
    """
    global _anomaly_depth
    with _anomaly_lock:
        if _anomaly_depth == 0:
            _saved_rows.update(OPS)
            for name, op in _saved_rows.items():
                OPS[name] = op.with_forward(_checked_forward(name, op.forward))
            speed.install()  # Value's methods now hold the checking rules
            speed.use_backward(_checked_backward)
        _anomaly_depth += 1
    try:
        yield
    finally:
        with _anomaly_lock:
            _anomaly_depth -= 1
            if _anomaly_depth == 0:
                OPS.update(_saved_rows)  # (an op define_op added inside the block stays)
                _saved_rows.clear()
                speed.install()
                speed.use_backward(None)


def is_on() -> bool:
    """Whether any detect_anomaly() block is open (in any thread)."""
    return _anomaly_depth > 0


def without_forward_checks(rule: Callable[..., object], *args: object) -> object:
    """`rule(*args)` with the forward checks off: for grad(), whose derivative rules may make
    a nan for an operand nobody asked about (the exponent 2 of x ** 2 at x < 0)."""
    global _quiet
    _quiet += 1
    try:
        return rule(*args)
    finally:
        _quiet -= 1
