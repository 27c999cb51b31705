"""Loss functions: the note's squared error, mean squared error, binary cross-entropy.

Each takes a model output (a Value, a list of Values for several outputs, or plain floats)
and the target(s), and returns a Value to call `backward()` on (or a float, given floats).
Several terms (the outputs of one sample; for `mse`, every output of every sample) are
combined by `reduction`: "mean" (the default for every loss, as in PyTorch) or "sum".
With one term, as for every network of the course, the two are the same number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

from micrograd_beans.engine import Value

Output = Value | float
Reduction = Literal["mean", "sum"]
#: The log of a probability is clamped here, as torch.nn.functional.binary_cross_entropy
#: does: a term of binary cross-entropy is at most 100 (where p < e^-100 ≈ 3.7e-44, or p = 0).
LOG_FLOOR = -100.0


def _pairs(pred: object, target: object) -> list[tuple]:
    if isinstance(pred, (list, tuple)):
        if not isinstance(target, (list, tuple)) or len(target) != len(pred):
            n = len(target) if isinstance(target, (list, tuple)) else 1
            raise ValueError(f"{len(pred)} outputs but {n} target(s)")
        return list(zip(pred, target, strict=False))
    return [(pred, target)]


def _total(terms: list) -> Output:
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


_REDUCTIONS = ("mean", "sum")


def _check_reduction(reduction: object) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def _reduce(terms: list, reduction: Reduction, count: int | None = None) -> Output:
    """Sum the terms; for "mean" divide by their count (none when there is one term, so a
    one-output loss is exactly the one term: no extra node, no rounding)."""
    total = _total(terms)
    count = len(terms) if count is None else count
    return total / count if reduction == "mean" and count > 1 else total


def squared_error(
    pred: Output | Sequence[Output],
    target: float | Sequence[float],
    reduction: Reduction = "mean",
) -> Output:
    """The note's e = (y - a)² for one sample, labelled "e".

    Several outputs give the mean of their squared errors (`reduction="sum"`: their sum).
    """
    if isinstance(pred, Value) and reduction in _REDUCTIONS:  # one output: the common case
        e = (target - pred) ** 2
        e.label = "e"
        return e
    _check_reduction(reduction)
    e = _reduce([(y - a) ** 2 for a, y in _pairs(pred, target)], reduction)
    if isinstance(e, Value):
        e.label = "e"
    return e


def mse(preds: Sequence, targets: Sequence, reduction: Reduction = "mean") -> Output:
    """Squared errors over a batch of samples: their mean over every output of every sample
    (as `torch.nn.functional.mse_loss`), or with `reduction="sum"` their sum."""
    _check_reduction(reduction)
    if len(preds) != len(targets) or not preds:
        raise ValueError(
            f"mse needs equally many predictions and targets (got {len(preds)} "
            f"and {len(targets)}, at least one)"
        )
    pairs = list(zip(preds, targets, strict=True))
    outputs = sum(len(_pairs(p, t)) for p, t in pairs)
    terms = [squared_error(p, t, reduction="sum") for p, t in pairs]
    # Divided even for one sample, as before: mse of one prediction is still a mean node.
    total = _total(terms)
    return total / outputs if reduction == "mean" else total


def _bce_one(p: Output, y: float | Value) -> Output:
    if isinstance(p, Value) and p.op == "sigmoid":
        # Work from the logit z (p = σ(z)): -log σ(z) = softplus(-z), -log(1 - σ(z)) =
        # softplus(z), so bce = (1 - y) softplus(z) + y softplus(-z): finite for any z, exact
        # for a 0/1 label (one term is 0), no cancellation for labels between, and the same
        # graph for every label and every z (so generated code can run it for any sample).
        # This is torch's binary_cross_entropy_with_logits.
        z = p.parents[0]
        return (1.0 - y) * z.softplus() + y * (-z).softplus()
    if isinstance(y, Value):  # a target given as a Value (compiling): its number decides
        y = y.data
    data = p.data if isinstance(p, Value) else float(p)
    if not 0.0 <= data <= 1.0:
        raise ValueError(f"binary cross-entropy needs a probability in [0, 1], got {data!r}")
    # -[y log p + (1 - y) log(1 - p)] in torch's arrangement, each log clamped as torch
    # clamps it: the same line for a Value (a graph) and for a float
    return (y - 1.0) * _clamped_log(1.0 - p) - y * _clamped_log(p)


def _clamped_log(p: Output) -> Output:
    """log(p), or LOG_FLOOR where log(p) is below it (p = 0 included). For a Value, beyond
    the clamp the result is the constant LOG_FLOOR, still joined to p: its gradient is 0."""
    data = p.data if isinstance(p, Value) else p
    if data > 0.0 and math.log(data) >= LOG_FLOOR:
        return p.log() if isinstance(p, Value) else math.log(data)
    return p * 0.0 + LOG_FLOOR if isinstance(p, Value) else LOG_FLOOR


def binary_cross_entropy(
    pred: Output | Sequence[Output],
    target: float | Sequence[float],
    reduction: Reduction = "mean",
) -> Output:
    """-[y log p + (1 - y) log(1 - p)]; for several outputs (or a list of one-output samples)
    the mean of the terms, with `reduction="sum"` their sum.

    Numerically stable: for a sigmoid output it is computed from the sigmoid's input, so it
    stays finite (with the right gradient σ(z) - y) even where p is exactly 0.0 or 1.0, as
    torch's `binary_cross_entropy_with_logits`. Any other probability has each log clamped
    at `LOG_FLOOR` (-100), as torch's `binary_cross_entropy`: a term is at most 100, and
    beyond the clamp its gradient is 0 (the derivative of the clamped value; torch's own
    backward instead bounds the gradient by dividing by max(p(1 - p), 1e-12)).
    """
    _check_reduction(reduction)
    terms = [_bce_one(p, y if isinstance(y, Value) else float(y)) for p, y in _pairs(pred, target)]
    out = _reduce(terms, reduction)
    if isinstance(out, Value):
        out.label = "bce"
    return out


#: Per-sample losses by name (what lessons, `fit` and the CLI accept).
LOSSES: dict[str, Callable[..., Output]] = {
    "squared_error": squared_error,
    "bce": binary_cross_entropy,
}


def get_loss(name_or_fn: str | Callable[..., Output]) -> Callable[..., Output]:
    """A per-sample loss from its name in LOSSES, or the callable itself."""
    if callable(name_or_fn):
        return name_or_fn
    try:
        return LOSSES[name_or_fn]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown loss {name_or_fn!r}; choose one of: {', '.join(LOSSES)} or pass a function"
        ) from None
