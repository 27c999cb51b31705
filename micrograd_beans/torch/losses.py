"""The package's per-sample losses (`micrograd_beans.losses`) on torch batches.

Each gives one loss per bean (shape (beans,)): the mean over the bean's outputs, as the
engine's losses reduce them by default, so a batch's mean is `losses.mean()` as in
`train.fit`. The formulas are the engine's: squared error (y - a)², and binary
cross-entropy computed from the output layer's weighted sum when the output is a sigmoid
(finite where a rounds to 0 or 1), else -[y log p + (1 - y) log(1 - p)] with each log
clamped at -100 (`losses.LOG_FLOOR`, torch's own clamp) and the engine's gradient.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from micrograd_beans.losses import LOG_FLOOR
from micrograd_beans.torch.convert import BeanMLP

#: The losses the torch backend computes (names as in `micrograd_beans.losses.LOSSES`).
TORCH_LOSSES = ("squared_error", "bce")


def check_loss(loss: object) -> str:
    """The loss name, or a ValueError saying which ones the torch backend knows."""
    if loss not in TORCH_LOSSES:
        raise ValueError(
            f"the torch backend computes the losses {', '.join(TORCH_LOSSES)}; got {loss!r}"
        )
    return loss  # type: ignore[return-value]


def outputs_and_losses(
    net: BeanMLP | nn.Module,
    output_activation: str,
    x: torch.Tensor,
    y: torch.Tensor,
    loss: str,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(outputs of shape (beans, nout), per-bean losses of shape (beans,)) for a batch.

    `net` is a BeanMLP or a wrapper of one (DistributedDataParallel) that passes its
    `logits=` argument on; `output_activation` is the BeanMLP's.
    """
    if loss == "squared_error":
        out = net(x)
        return out, ((y - out) ** 2).mean(dim=1)
    check_loss(loss)
    if output_activation == "sigmoid":
        z = net(x, logits=True)
        per_output = F.binary_cross_entropy_with_logits(z, y, reduction="none")
        return torch.sigmoid(z), per_output.mean(dim=1)
    out = net(x)
    if bool(((out < 0) | (out > 1)).any()):
        raise ValueError("binary cross-entropy needs outputs in [0, 1]; this model's are not")
    # the engine's line (losses._bce_one), in its order: the same floats as the engine
    per_output = (y - 1.0) * _clamped_log(1.0 - out) - y * _clamped_log(out)
    return out, per_output.mean(dim=1)


def _clamped_log(q: torch.Tensor) -> torch.Tensor:
    """log q, or LOG_FLOOR where log q is below it (q = 0 included), with gradient 0 there:
    `losses._clamped_log` on a tensor. p and 1 - p themselves are never clamped, so log p
    keeps its gradient near p = 1 (clamping p to [ε, 1 - ε] would stop it there).

    Not F.binary_cross_entropy: its values are these, but its backward divides by
    max(p(1 - p), 1e-12), which is not the engine's gradient near the clamps.
    """
    positive = q > 0.0
    # log of 1 where q = 0: the log's backward then divides the (zero) gradient by 1, not 0
    logs = torch.log(torch.where(positive, q, torch.ones_like(q)))
    kept = positive & (logs >= LOG_FLOOR)
    return torch.where(kept, logs, torch.full_like(q, LOG_FLOOR))
