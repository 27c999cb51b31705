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

A run that stops on an error a user can cause (training diverged, a loss that does not fit
the outputs) raises that error itself in the calling process, with `fit_torch`'s one-line
message, and leaves the model where training stopped, as `fit_torch` does.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.multiprocessing import ProcessExitedException, ProcessRaisedException
from torch.nn.parallel import DistributedDataParallel

from micrograd_beans.checks import check_int
from micrograd_beans.nn import MLP
from micrograd_beans.rng import Seed
from micrograd_beans.torch.convert import as_arrays, from_torch, to_torch
from micrograd_beans.torch.losses import check_loss
from micrograd_beans.torch.train import (
    TorchHistory,
    make_torch_optimizer,
    run_epochs,
    shuffle_seed,
)

#: The environment variables torchrun sets in every process it starts.
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
#: Errors training raises for a user's settings or data (TrainingDiverged, a loss that does
#: not fit the outputs): a worker hands them to the caller, to be raised there as they are.
REPORTED_ERRORS = (ArithmeticError, ValueError, TypeError)
#: Seconds the other workers get to stop by themselves after one stops with an error.
GRACE_SECONDS = 5.0


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


def _train_in_group(
    job: dict, rank: int, workers: int
) -> tuple[TorchHistory | None, dict, Exception | None]:
    """One process's part, inside an initialised process group: (history, final state,
    None), or (None, the state training stopped at, the error) for a REPORTED_ERRORS one."""
    model = MLP(**job["config"], seed=0)
    model.load_state_dict(job["state"])
    dtype = getattr(torch, job["dtype"])
    net = to_torch(model, dtype=dtype)
    ddp = DistributedDataParallel(net)
    s: _RunSettings = job["settings"]
    opt, lr = make_torch_optimizer(model, ddp.parameters(), s.optimizer, s.lr, s.momentum)
    x = torch.from_numpy(job["xs"]).to(dtype)
    y = torch.from_numpy(job["ys"]).to(dtype)
    try:
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
            lr=lr,
            rank=rank,
            workers=workers,
        )
    except REPORTED_ERRORS as err:
        return None, from_torch(net).state_dict(), err
    return history, from_torch(net).state_dict(), None


def _outcome_file(folder: str, rank: int) -> Path:
    return Path(folder) / f"rank{rank}.pickle"


def _spawned_worker(rank: int, workers: int, init_method: str, job: dict, folder: str) -> None:
    """The body of each process `train_distributed` spawns. Rank 0 writes the result; a
    worker stopped by a REPORTED_ERRORS error writes it (and its state) and exits with
    status 1, so that spawn stops the others, which may be waiting for it."""
    torch.set_num_threads(1)  # one core per worker: the workers are the parallelism
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=workers)
    try:
        history, state, error = _train_in_group(job, rank, workers)
        if error is not None or rank == 0:
            history_fields = None if history is None else history.__dict__
            outcome = {"history": history_fields, "state": state, "error": error}
            # pickle keeps every float exactly, and the error with its own type
            _outcome_file(folder, rank).write_bytes(pickle.dumps(outcome))
        if error is not None:
            raise SystemExit(1)  # no traceback: the caller raises the error itself
        dist.barrier()  # no worker closes its connections while another may still use them
    finally:
        dist.destroy_process_group()


def _run_workers(workers: int, init_method: str, job: dict, folder: str) -> dict:
    """Start the workers, wait for them, and return the outcome: rank 0's, or that of a
    worker stopped by an error a user can cause. Other failures raise as torch reports them."""
    context = torch.multiprocessing.start_processes(
        _spawned_worker,
        args=(workers, init_method, job, folder),
        nprocs=workers,
        join=False,
        start_method="spawn",
    )
    try:
        while not context.join(grace_period=GRACE_SECONDS):
            pass
    except (ProcessRaisedException, ProcessExitedException) as err:
        ranks = [err.error_index, *range(workers)]  # the one that stopped first, if it can
        for rank in ranks:
            if _outcome_file(folder, rank).exists():
                outcome = pickle.loads(_outcome_file(folder, rank).read_bytes())
                if outcome["error"] is not None:
                    return outcome
        raise
    return pickle.loads(_outcome_file(folder, 0).read_bytes())


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
        model,
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
    `fit_torch` with that batch size, up to rounding. With shuffle, `seed` is an int or None
    (then one is drawn here, given to every process and kept in `history.seed`): every
    process draws the same permutations from it, those `fit_torch` draws from it.

    From a script, call it under `if __name__ == "__main__":` (each worker process imports
    the script again, as Python's multiprocessing does)."""
    settings = _RunSettings(epochs, lr, optimizer, loss, batch_size, shuffle, seed, momentum)
    if isinstance(seed, np.random.Generator):
        raise TypeError(
            "train_distributed needs an int seed or None (each process makes its own rng "
            "from it), not a numpy Generator"
        )
    job, n = _job(model, xs, ys, dtype, settings)
    _check_workers(workers, job["settings"].batch_size, n)
    # one seed for every worker: each drawing its own would shuffle each shard differently
    job["settings"] = replace(job["settings"], seed=shuffle_seed(shuffle, seed))
    with tempfile.TemporaryDirectory(prefix="micrograd_beans-ddp-") as tmp:
        # The workers meet through a file in this private directory, not a TCP port picked
        # in advance: another process can take a free port between picking and binding it.
        init_method = (Path(tmp) / "rendezvous").as_uri()
        outcome = _run_workers(workers, init_method, job, tmp)
    model.load_state_dict(outcome["state"])
    if outcome["error"] is not None:
        raise outcome["error"]
    return TorchHistory(**outcome["history"])


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
    ends with the same parameters, written into `model` (also when training stops on an
    error, which every process then raises). With shuffle and `seed=None`, rank 0 draws
    the seed and gives it to the others."""
    settings = _RunSettings(epochs, lr, optimizer, loss, batch_size, shuffle, seed, momentum)
    if isinstance(seed, np.random.Generator):
        raise TypeError(
            "train_in_torchrun needs an int seed or None (each process makes its own rng "
            "from it), not a numpy Generator"
        )
    job, n = _job(model, xs, ys, dtype, settings)
    dist.init_process_group("gloo")  # rank, world size and rendezvous from torchrun's env
    try:
        rank, workers = dist.get_rank(), dist.get_world_size()
        _check_workers(workers, job["settings"].batch_size, n)
        drawn = [shuffle_seed(shuffle, seed) if rank == 0 else None]
        dist.broadcast_object_list(drawn, src=0)  # one seed for all: rank 0's
        job["settings"] = replace(job["settings"], seed=drawn[0])
        history, state, error = _train_in_group(job, rank, workers)
    finally:
        dist.destroy_process_group()
    model.load_state_dict(state)
    if error is not None:
        raise error
    return history, rank
