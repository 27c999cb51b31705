"""The package's per-sample losses (`micrograd_beans.losses`) on torch batches.

Each gives one loss per bean (shape (beans,)): the mean over the bean's outputs, as the
engine's losses reduce them by default, so a batch's mean is `losses.mean()` as in
`train.fit`. The formulas are the engine's: squared error (y - a)², and binary
cross-entropy computed from the output layer's weighted sum when the output is a sigmoid
(finite where a rounds to 0 or 1), else with the engine's clamps of p and 1 - p at EPS.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from micrograd_beans.losses import EPS
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
    # the engine's clamps (losses._bce_one), one per log, each on p: p is used where p >= EPS
    # and 1 - p where p <= 1 - EPS, else EPS (with no gradient). Clamping p to [EPS, 1 - EPS]
    # would also stop log p's gradient near p = 1, and 1 - p itself can round below EPS.
    eps = torch.full_like(out, EPS)
    lo = torch.where(out >= EPS, out, eps)
    hi = torch.where(out <= 1.0 - EPS, 1.0 - out, eps)
    per_output = -(y * torch.log(lo) + (1.0 - y) * torch.log(hi))
    return out, per_output.mean(dim=1)
