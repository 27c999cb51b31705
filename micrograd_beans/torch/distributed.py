"""Training in several processes with `torch.nn.parallel.DistributedDataParallel` (gloo, CPU).

Two ways in, both PyTorch's own:

- `train_distributed(model, xs, ys, workers=N, ...)` starts N processes on this machine
  with `torch.multiprocessing.spawn`, joined by a gloo process group (meeting through a file);
- under `torchrun` (which sets RANK, WORLD_SIZE, MASTER_ADDR, ...), `train_in_torchrun`
  joins the group torchrun describes, on one machine or many.

Every process makes the same beans (same seed), takes its shard of each batch and runs
`train.run_epochs` on a DDP-wrapped copy of the model; DDP averages the gradients, so all
processes make the same update, the one a single process makes on the whole batch. No
communication is written here: DDP does it, and one `all_reduce` sums the epoch's loss.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from micrograd_beans.checks import check_int
from micrograd_beans.nn import MLP
from micrograd_beans.rng import Seed
from micrograd_beans.torch.convert import as_arrays, from_torch, to_torch
from micrograd_beans.torch.losses import check_loss
from micrograd_beans.torch.train import TorchHistory, make_torch_optimizer, run_epochs

#: The environment variables torchrun sets in every process it starts.
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class _RunSettings:
    """The training settings of one distributed run, the same in every process: what
    `train_distributed` and `train_in_torchrun` take besides the model, data and dtype
    (as `fit_torch` takes them), sent to each process with the job."""

    epochs: int
    lr: float | None
    optimizer: str
    loss: str
    batch_size: int | None  # None: the whole data set (replaced by its size in the job)
    shuffle: bool
    seed: Seed
    momentum: float | None


def launched_by_torchrun() -> bool:
    """Whether this process was started by torchrun (or another launcher setting its env)."""
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


def _check_workers(workers: object, batch_size: int | None, n: int) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    size = n if batch_size is None else min(batch_size, n)
    if size < workers:
        raise ValueError(
            f"{workers} workers need a batch of at least {workers} beans (each takes its "
            f"share of every batch); the batch is {size}"
        )
    return workers


def _train_in_group(job: dict, rank: int, workers: int) -> tuple[TorchHistory, dict]:
    """One process's part, inside an initialised process group: (history, final state)."""
    model = MLP(**job["config"], seed=0)
    model.load_state_dict(job["state"])
    dtype = getattr(torch, job["dtype"])
    net = to_torch(model, dtype=dtype)
    ddp = DistributedDataParallel(net)
    s: _RunSettings = job["settings"]
    opt, _ = make_torch_optimizer(ddp.parameters(), s.optimizer, s.lr, s.momentum)
    x = torch.from_numpy(job["xs"]).to(dtype)
    y = torch.from_numpy(job["ys"]).to(dtype)
    history = run_epochs(
        ddp,
        net,
        x,
        y,
        opt,
        loss=s.loss,
        epochs=s.epochs,
        batch_size=s.batch_size,
        shuffle=s.shuffle,
        seed=s.seed,
        rank=rank,
        workers=workers,
    )
    return history, from_torch(net).state_dict()


def _spawned_worker(rank: int, workers: int, init_method: str, job: dict, result: str) -> None:
    """The body of each process `train_distributed` spawns (rank 0 writes the result)."""
    torch.set_num_threads(1)  # one core per worker: the workers are the parallelism
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=workers)
    try:
        history, state = _train_in_group(job, rank, workers)
        if rank == 0:
            # JSON keeps every float exactly (shortest round-tripping repr)
            Path(result).write_text(json.dumps({"history": history.__dict__, "state": state}))
        dist.barrier()  # no worker closes its connections while another may still use them
    finally:
        dist.destroy_process_group()


def _job(
    model: MLP, xs: object, ys: object, dtype: torch.dtype, settings: _RunSettings
) -> tuple[dict, int]:
    """What every process needs (model, beans, dtype, settings), checked: (job, beans)."""
    if not isinstance(model, MLP):
        raise TypeError(f"training needs a micrograd_beans MLP, got {type(model).__name__}")
    # fit_torch's checks (the optimizer's by building one and dropping it), here in this
    # process: one clear message, not a traceback from every worker
    epochs = check_int(settings.epochs, "epochs", 0)
    check_loss(settings.loss)
    x, y = as_arrays(model, xs, ys)
    size = settings.batch_size
    batch_size = len(x) if size is None else check_int(size, "batch_size", 1)
    if dtype not in (torch.float64, torch.float32):
        raise ValueError(f"dtype must be torch.float64 or torch.float32, got {dtype}")
    make_torch_optimizer(
        to_torch(model, dtype=dtype).parameters(),
        settings.optimizer,
        settings.lr,
        settings.momentum,
    )
    settings = replace(settings, epochs=epochs, batch_size=batch_size)
    job = {
        "config": model.config(),
        "state": model.state_dict(),
        "xs": np.ascontiguousarray(x),
        "ys": np.ascontiguousarray(y),
        "dtype": str(dtype).removeprefix("torch."),
        "settings": settings,
    }
    return job, len(x)


def train_distributed(
    model: MLP,
    xs: object,
    ys: object,
    workers: int = 2,
    epochs: int = 100,
    lr: float | None = None,
    optimizer: str = "sgd",
    loss: str = "squared_error",
    batch_size: int | None = 1024,
    shuffle: bool = False,
    seed: Seed = None,
    dtype: torch.dtype = torch.float64,
    momentum: float | None = None,
) -> TorchHistory:
    """Train `model` in `workers` processes on this machine with DistributedDataParallel
    (gloo, meeting through a temporary file), and write the result into it. `batch_size`
    is the global batch (all workers' shards together): the run makes the same updates as
    `fit_torch` with that batch size, up to rounding. `seed` must be an int or None when
    shuffling (every process draws the same permutations from it)."""
    settings = _RunSettings(epochs, lr, optimizer, loss, batch_size, shuffle, seed, momentum)
    job, n = _job(model, xs, ys, dtype, settings)
    _check_workers(workers, job["settings"].batch_size, n)
    if isinstance(seed, np.random.Generator):
        raise TypeError("train_distributed needs an int seed (each process makes its own rng)")
    with tempfile.TemporaryDirectory(prefix="micrograd_beans-ddp-") as tmp:
        # The workers meet through a file in this private directory, not a TCP port picked
        # in advance: another process can take a free port between picking and binding it.
        init_method = (Path(tmp) / "rendezvous").as_uri()
        result = Path(tmp) / "result.json"
        torch.multiprocessing.spawn(
            _spawned_worker,
            args=(workers, init_method, job, str(result)),
            nprocs=workers,
            join=True,
        )
        done = json.loads(result.read_text())
    model.load_state_dict(done["state"])
    return TorchHistory(**done["history"])


def train_in_torchrun(
    model: MLP,
    xs: object,
    ys: object,
    epochs: int = 100,
    lr: float | None = None,
    optimizer: str = "sgd",
    loss: str = "squared_error",
    batch_size: int | None = 1024,
    shuffle: bool = False,
    seed: Seed = None,
    dtype: torch.dtype = torch.float64,
    momentum: float | None = None,
) -> tuple[TorchHistory, int]:
    """This process's part of a run started by torchrun: (history, rank). Every process
    ends with the same parameters, written into `model`."""
    settings = _RunSettings(epochs, lr, optimizer, loss, batch_size, shuffle, seed, momentum)
    job, n = _job(model, xs, ys, dtype, settings)
    dist.init_process_group("gloo")  # rank, world size and rendezvous from torchrun's env
    try:
        rank, workers = dist.get_rank(), dist.get_world_size()
        _check_workers(workers, job["settings"].batch_size, n)
        history, state = _train_in_group(job, rank, workers)
    finally:
        dist.destroy_process_group()
    model.load_state_dict(state)
    return history, rank
