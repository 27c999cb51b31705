"""One call that checks a model in both engines: outputs and every parameter's gradient.

`compare(model, xs, ys)` runs the beans through the model on the engine's graph and through
`to_torch(model)` in float64, takes the mean loss over the beans (what `fit` descends with
`batch_size=None`) and its gradient in each, and returns a `Comparison`: printed, it is a
table of the note's names, the engine's number, torch's number and their difference.

The difference is relative to the size of the numbers that were added up: a gradient of
the mean loss is a sum over beans, |a - b| / max(|a|, |b|, s) with s = the sum over beans
of |each bean's contribution|. Where the beans' contributions nearly cancel (a relu unit
that a few beans push each way), the gradient is tiny and both engines round the same
terms in a different order: dividing by the tiny result would call that rounding a
disagreement, dividing by s judges it by what was summed (the usual error bound of a
sum). Outputs and the loss are compared plainly (s is |a| for a sum of positive terms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from micrograd_beans.engine import Value
from micrograd_beans.losses import get_loss
from micrograd_beans.nn import MLP
from micrograd_beans.torch.convert import as_arrays, name_map, to_torch
from micrograd_beans.torch.losses import check_loss, outputs_and_losses


def relative_difference(a: float, b: float) -> float:
    """|a - b| / max(|a|, |b|), and 0.0 when both are 0."""
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0.0 else abs(a - b) / scale


@dataclass(frozen=True)
class Row:
    """One compared number: its name, the engine's value, torch's value, and the size of
    the terms summed to make it (0.0: no sum to account for)."""

    name: str
    engine: float
    torch: float
    summed: float = 0.0

    @property
    def difference(self) -> float:
        """|engine - torch| / max(|engine|, |torch|, summed), 0.0 when all are 0."""
        scale = max(abs(self.engine), abs(self.torch), self.summed)
        return 0.0 if scale == 0.0 else abs(self.engine - self.torch) / scale


@dataclass(frozen=True)
class Comparison:
    """The engine against torch on one model, one batch of beans and one loss.

    `loss` is the mean loss's row, `gradients` one row per parameter (the note's names,
    in the model's order), `outputs` the engine's and torch's outputs per bean.
    """

    loss: Row
    gradients: list[Row]
    engine_outputs: np.ndarray
    torch_outputs: np.ndarray
    loss_name: str

    @property
    def output_difference(self) -> float:
        """The largest relative difference among the outputs of all beans."""
        return max(
            map(relative_difference, self.engine_outputs.ravel(), self.torch_outputs.ravel())
        )

    @property
    def max_difference(self) -> float:
        """The largest relative difference anywhere: outputs, loss, gradients."""
        return max(
            self.output_difference, self.loss.difference, *(r.difference for r in self.gradients)
        )

    def agrees(self, rtol: float = 1e-12) -> bool:
        """Whether every compared number agrees within `rtol` (relative)."""
        return self.max_difference <= rtol

    def __str__(self) -> str:
        rows = [self.loss, *self.gradients]
        names = [f"mean {self.loss_name}", *(f"d/d {r.name}" for r in self.gradients)]
        width = max(len(n) for n in names)
        lines = [
            f"{len(self.engine_outputs)} beans, outputs agree within "
            f"{self.output_difference:.1e} (largest relative difference)",
            f"{'':<{width}}  {'engine':>24}  {'torch':>24}  {'difference':>10}",
        ]
        for name, row in zip(names, rows, strict=True):
            lines.append(
                f"{name:<{width}}  {row.engine:>24.17g}  {row.torch:>24.17g}  "
                f"{row.difference:>10.1e}"
            )
        lines.append(
            "difference: |engine - torch| / max(|engine|, |torch|, the sum over beans of "
            "|each bean's term|)"
        )
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython shows the table
        printer.text(str(self))


def compare(model: MLP, xs: object, ys: object, loss: str = "squared_error") -> Comparison:
    """Outputs, mean loss and per-parameter gradients of `model` in the engine and in torch
    (float64), on the beans (xs, ys). The model itself is not changed (grads included)."""
    loss = check_loss(loss)
    x, y = as_arrays(model, xs, ys)
    twin = MLP(**model.config(), seed=0)  # a copy, so the model's grads stay as they were
    twin.load_state_dict(model.state_dict())
    loss_fn = get_loss(loss)
    total, outs = None, []
    inputs = x[:, 0].tolist() if twin.nin == 1 else x.tolist()
    targets = y[:, 0].tolist() if y.shape[1] == 1 else y.tolist()
    for xi, yi in zip(inputs, targets, strict=True):
        out = twin(xi)
        e = loss_fn(out, yi)
        total = e if total is None else total + e
        outs.append([out.data] if isinstance(out, Value) else [o.data for o in out])
    mean = total / len(inputs)
    mean.backward()
    grads = [p.grad for p in twin.parameters()]
    # each bean's contribution on its own, for the size of what the gradient sums
    summed = [0.0] * len(grads)
    for xi, yi in zip(inputs, targets, strict=True):
        twin.zero_grad()
        loss_fn(twin(xi), yi).backward()
        summed = [
            s + abs(p.grad) / len(inputs) for s, p in zip(summed, twin.parameters(), strict=True)
        ]

    net = to_torch(model)
    t_out, t_losses = outputs_and_losses(
        net, net.output_activation, torch.from_numpy(x), torch.from_numpy(y), loss
    )
    t_mean = t_losses.mean()
    t_mean.backward()
    params = dict(net.named_parameters())
    gradients = []
    names = [name for name, _ in twin.named_parameters()]
    for pair, name, grad, size in zip(name_map(model), names, grads, summed, strict=True):
        t_grad = float(params[pair.tensor].grad[pair.index].item())
        gradients.append(Row(name, grad, t_grad, size))
    return Comparison(
        loss=Row("loss", mean.data, float(t_mean.item())),
        gradients=gradients,
        engine_outputs=np.array(outs),
        torch_outputs=t_out.detach().numpy().copy(),
        loss_name=loss,
    )
