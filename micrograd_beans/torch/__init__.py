"""micrograd_beans.torch: carry a model to PyTorch, check it there, train it there at scale.

The step from the scalar engine to the engine that scales. `to_torch(model)` turns an
`MLP` into a `torch.nn.Module` with exactly the same weights, `from_torch(module)` brings
one back with the note's names, `name_map(model)` prints how the two namings correspond,
`compare(model, xs, ys)` checks outputs and gradients of both engines side by side, and
`fit_torch` trains a lesson with PyTorch: per sample as the note does, in batches, or in
several processes with `torch.nn.parallel.DistributedDataParallel` (`train_distributed`).

PyTorch is an optional dependency: `pip install "micrograd_beans[torch]"`.
"""

from __future__ import annotations

try:
    import torch as _torch  # noqa: F401  (the absolute import: PyTorch itself)
except ImportError as err:  # pragma: no cover - exercised in a subprocess without torch
    raise ImportError(
        "micrograd_beans.torch needs PyTorch, an optional dependency; install it with: "
        'pip install "micrograd_beans[torch]"'
    ) from err

from micrograd_beans.torch.check import Comparison, compare
from micrograd_beans.torch.convert import BeanMLP, NameMap, from_torch, name_map, to_torch
from micrograd_beans.torch.distributed import train_distributed
from micrograd_beans.torch.train import TorchHistory, fit_torch

__all__ = [
    "BeanMLP",
    "Comparison",
    "NameMap",
    "TorchHistory",
    "compare",
    "fit_torch",
    "from_torch",
    "name_map",
    "to_torch",
    "train_distributed",
]
