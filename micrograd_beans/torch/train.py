"""Training a lesson's model with PyTorch: the note's loop, batched, or in a process group.

`fit_torch(model, xs, ys, ...)` takes the same settings as `train.fit` and makes the same
updates: every epoch visits the beans in the data's order (or a permutation drawn from
`seed` exactly as `fit` draws it), one optimizer step per `batch_size` beans on their mean
loss. With `batch_size=1`, plain SGD and float64 it reproduces the engine's run of the
note. The trained parameters are written back into `model`, so it can be saved,
drawn and checked as any other.

Inside a `torch.distributed` process group (see `distributed.py`), the same loop runs in
every process on its shard of each batch (positions rank, rank + N, ... of the batch),
and `DistributedDataParallel` averages the gradients: the update is the one a single
process makes on the whole batch.
"""

from __future__ import annotations

import importlib
import math
import numbers
import secrets
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from micrograd_beans.checks import check_int
from micrograd_beans.nn import MLP
from micrograd_beans.optim import Adam
from micrograd_beans.rng import Seed, make_random, permutation
from micrograd_beans.torch.convert import BeanMLP, as_arrays, from_torch, to_torch
from micrograd_beans.torch.losses import check_loss, outputs_and_losses

# fit's own optimizer settings and divergence report, so both backends check and say the same
from micrograd_beans.train import DEFAULT_LR, TrainingDiverged, make_optimizer
from micrograd_beans.train import _divergence as divergence_message


@dataclass
class TorchHistory:
    """What training in torch recorded, one entry per epoch (as `train.History`).

    `loss[k]` is the mean loss of the beans as epoch k+1 visited them, `accuracy[k]` the
    fraction classified right at that moment (None when the targets are not all 0 or 1).
    `seconds` is the time in the training loop (not process start-up), `epoch_seconds`
    each epoch's share of it; `beans` how many bean visits it made, over all workers.
    `seed` is the int the shuffles were drawn from (drawn afresh for `seed=None`), so
    `seed=history.seed` repeats the run; None when not shuffled or given a Generator.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] | None = field(default_factory=list)
    seconds: float = 0.0
    epoch_seconds: list[float] = field(default_factory=list)
    beans: int = 0
    batch_size: int = 1
    workers: int = 1
    seed: int | None = None

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.loss)

    @property
    def beans_per_second(self) -> float:
        """Throughput: bean visits per second of training."""
        return self.beans / self.seconds if self.seconds > 0 else math.inf


def make_torch_optimizer(
    model: MLP,
    params,
    optimizer: str,
    lr: float | None,
    momentum: float | None = None,
) -> tuple[torch.optim.Optimizer, float]:
    """torch's optimizer over `params` (the torch twin's parameters of `model`) with the
    settings `train.make_optimizer` gives the engine's optimizer for the same arguments
    (the same names, defaults and checks: momentum with Adam is refused there), and its lr."""
    if not isinstance(optimizer, str):
        raise TypeError(
            f"the torch backend takes the optimizer by name ({', '.join(DEFAULT_LR)}, with "
            f"lr= and momentum=), not a {type(optimizer).__name__} object"
        )
    if optimizer not in DEFAULT_LR:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of: {', '.join(DEFAULT_LR)}")
    engine_optimizer = make_optimizer(model, optimizer, lr, momentum)
    rate = engine_optimizer.lr
    if isinstance(engine_optimizer, Adam):
        betas, eps = engine_optimizer.betas, engine_optimizer.eps
        return torch.optim.Adam(params, lr=rate, betas=betas, eps=eps), rate
    return torch.optim.SGD(params, lr=rate, momentum=engine_optimizer.momentum), rate


def shuffle_seed(shuffle: bool, seed: Seed) -> Seed:
    """The seed to shuffle with: `seed`, or with shuffle and no seed a fresh int drawn
    here, so that every process of a run can be given the same one (and it can be told)."""
    if shuffle and seed is None:
        return secrets.randbits(64)
    return seed


def _one_epoch(
    module: nn.Module,
    act: str,
    xe: torch.Tensor,
    ye: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    loss: str,
    size: int,
    rank: int,
    workers: int,
    binary: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One pass over the beans in batches of `size` (this process's shard of each); the
    summed loss and, for 0/1 targets, the number right, over this shard."""
    n = len(xe)
    total = torch.zeros((), dtype=torch.float64)
    correct = torch.zeros((), dtype=torch.float64)
    for k in range(0, n, size):
        m = min(size, n - k)
        xb, yb = xe[k + rank : k + m : workers], ye[k + rank : k + m : workers]
        out, losses = outputs_and_losses(module, act, xb, yb, loss)
        # this shard's share of the batch mean: DDP averages over workers, hence × workers
        batch_loss = losses.sum() * (workers / m)
        optimizer.zero_grad()
        batch_loss.backward()
        optimizer.step()
        with torch.no_grad():
            total += losses.sum()
            if binary:
                correct += ((out >= 0.5) == (yb == 1.0)).all(dim=1).sum()
    return total, correct


def _record_epoch(
    history: TorchHistory,
    net: BeanMLP,
    total: torch.Tensor,
    correct: torch.Tensor,
    n: int,
    epoch: int,
    lr: float,
) -> None:
    """Add the epoch's mean loss (and accuracy) over all shards; stop as `fit` stops, with
    its TrainingDiverged and message, on a loss or parameter that is NaN or infinite."""
    if history.workers > 1:  # the epoch's statistics over all shards
        stats = torch.stack([total, correct])
        torch.distributed.all_reduce(stats)
        total, correct = stats[0], stats[1]
    mean = float(total) / n
    finite = all(bool(torch.isfinite(p).all()) for p in net.parameters())
    if not (math.isfinite(mean) and finite):
        raise TrainingDiverged(divergence_message(epoch, mean, from_torch(net), lr))
    history.loss.append(mean)
    if history.accuracy is not None:
        history.accuracy.append(float(correct) / n)


def run_epochs(
    module: nn.Module,
    net: BeanMLP,
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    loss: str,
    epochs: int,
    batch_size: int,
    shuffle: bool,
    seed: Seed,
    lr: float,
    rank: int = 0,
    workers: int = 1,
) -> TorchHistory:
    """The training loop proper. `module` is `net` itself or its DistributedDataParallel
    wrapper; with `workers` > 1 this process (number `rank`) takes its shard of each batch
    and scales its loss so that DDP's average of the gradients is the batch mean's. With
    shuffle, `seed` must be the same in every process (see `shuffle_seed`)."""
    n = len(x)
    size = min(batch_size, n)
    binary = bool(torch.all((y == 0.0) | (y == 1.0)))
    rng = make_random(seed) if shuffle else None
    history = TorchHistory(accuracy=[] if binary else None, batch_size=size, workers=workers)
    if shuffle and isinstance(seed, numbers.Integral):
        history.seed = int(seed)
    act = net.output_activation
    # torch.optim imports torch._dynamo on its first step (seconds, once per process):
    # importing it before the clock starts keeps that out of the measured throughput
    importlib.import_module("torch._dynamo")

    order = np.arange(n)
    xe, ye = x, y
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        epoch_start = time.perf_counter()
        if rng is not None:  # fit's shuffle: each epoch permutes the previous epoch's order
            order = order[permutation(rng, n)]
            index = torch.from_numpy(order)
            xe, ye = x[index], y[index]
        total, correct = _one_epoch(
            module, act, xe, ye, optimizer, loss, size, rank, workers, binary
        )
        _record_epoch(history, net, total, correct, n, epoch, lr)
        history.epoch_seconds.append(time.perf_counter() - epoch_start)
    history.seconds = time.perf_counter() - start
    history.beans = n * history.epochs
    return history


def fit_torch(
    model: MLP,
    xs: object,
    ys: object,
    epochs: int = 100,
    lr: float | None = None,
    optimizer: str = "sgd",
    loss: str = "squared_error",
    batch_size: int | None = 1,
    shuffle: bool = False,
    seed: Seed = None,
    dtype: torch.dtype = torch.float64,
    momentum: float | None = None,
    threads: int | None = 1,
) -> TorchHistory:
    """Train `model` with PyTorch (settings as `train.fit`) and write the result into it.

    `batch_size=None` is full-batch descent; `momentum` sets SGD's momentum (the
    "momentum" optimizer's default is 0.9). `threads` is how many threads torch uses
    for each operation while training (restored after): 1 by default, because the lessons'
    tensors are small and more threads only wait on each other (on a busy 2-core machine
    2 threads made batches of 1024 about 25x slower); None keeps torch's own setting.
    `dtype=torch.float32` trains in single precision (faster on big batches; no longer
    the engine's numbers to the last bits).
    """
    epochs = check_int(epochs, "epochs", 0)
    check_loss(loss)
    x, y = as_arrays(model, xs, ys)
    batch_size = len(x) if batch_size is None else check_int(batch_size, "batch_size", 1)
    net = to_torch(model, dtype=dtype)
    opt, rate = make_torch_optimizer(model, net.parameters(), optimizer, lr, momentum)
    xt, yt = torch.from_numpy(x).to(dtype), torch.from_numpy(y).to(dtype)
    threads_before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(check_int(threads, "threads", 1))
    try:
        history = run_epochs(
            net,
            net,
            xt,
            yt,
            opt,
            loss=loss,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=shuffle_seed(shuffle, seed),
            lr=rate,
        )
    finally:
        torch.set_num_threads(threads_before)
        model.load_state_dict(from_torch(net).state_dict())
    return history
