"""`micrograd-beans train --backend torch [--workers N]`: the train command's PyTorch half.

Kept apart from `train.py` so the command imports torch only when asked to. Training goes
through `micrograd_beans.torch`: `fit_torch` in this process, `train_distributed` for
`--workers N` (N processes on this machine, DistributedDataParallel on gloo), or, when
torchrun started this process, `train_in_torchrun` joining torchrun's process group (one
machine or many); then only rank 0 prints and saves.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import time
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from micrograd_beans.argtypes import positive_int, whole_number

BACKENDS = ("engine", "torch")
#: What torchrun sets in every process it starts (as micrograd_beans.torch.distributed reads).
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
#: --beans: at least 2 (the spiral has two arms); the lessons' own is 100.
_bean_count = whole_number(2)


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """Add --backend, --workers and --beans to the train command."""
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="engine",
        help="engine (micrograd_beans itself) or torch (the same model and updates in "
        "PyTorch, float64; needs the [torch] extra) (default: engine)",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="with --backend torch: train in N processes on this machine with "
        "DistributedDataParallel (gloo), each on its share of every batch; needs "
        "--batch-size of at least N. Under torchrun leave it out (torchrun starts them)",
    )
    parser.add_argument(
        "--beans",
        type=_bean_count,
        metavar="N",
        help="train on N beans from the lesson's generator (default: the lesson's 100)",
    )


def _torchrun_rank() -> int | None:
    """This process's rank when torchrun started it, else None. Read from the environment
    only, so the engine backend never imports torch."""
    if all(name in os.environ for name in TORCHRUN_VARIABLES):
        return int(os.environ["RANK"])
    return None


def check_backend_options(
    usage_error: Callable[[str], NoReturn], args: argparse.Namespace, batch_size: int | None
) -> None:
    """Usage errors between the backend options (exit 2 with the usage). `batch_size` is
    the one training will use (the lesson's unless --batch-size gave one; None: full)."""
    if args.backend != "torch":
        if args.workers is not None:
            usage_error("argument --workers: needs --backend torch")
        return
    if args.dynamic:
        usage_error("argument --dynamic: applies to --backend engine (the engine's graph)")
    if args.workers is not None and "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        usage_error(
            "argument --workers: under torchrun the processes are torchrun's "
            "(--nproc-per-node, --nnodes); leave --workers out"
        )
    _check_batch_fits_workers(usage_error, args, batch_size)


def _check_batch_fits_workers(
    usage_error: Callable[[str], NoReturn], args: argparse.Namespace, batch_size: int | None
) -> None:
    """Every worker (--workers N, or torchrun's processes) needs a share of every batch."""
    if _torchrun_rank() is not None:
        workers = int(os.environ["WORLD_SIZE"])
        who = f"torchrun's {workers} processes"
    else:
        workers = args.workers or 1
        who = f"argument --workers: {workers} workers"
    beans = args.beans if args.beans is not None else _lesson_beans(args.lesson)
    if batch_size is not None and batch_size < workers:
        usage_error(f"{who} share every batch; give --batch-size of at least {workers} (or full)")
    if beans < workers:
        usage_error(
            f"{who} share every batch, and there are only {beans} beans; "
            f"give --beans of at least {workers}"
        )


def _lesson_beans(lesson_name: str) -> int:
    from micrograd_beans.course.lessons import get_lesson

    return get_lesson(lesson_name).counts


@contextlib.contextmanager
def only_rank_zero_prints() -> Iterator[None]:
    """Under torchrun, every process but rank 0 runs silently (they train the same model)."""
    rank = _torchrun_rank()
    if rank in (None, 0):
        yield
        return
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def is_rank_zero() -> bool:
    """False in a process torchrun started with a rank other than 0 (it must not save)."""
    return _torchrun_rank() in (None, 0)


def train_with_torch(
    model: Any, xs: Any, ys: Any, settings: dict[str, Any], args: argparse.Namespace
) -> tuple[Any, str]:
    """Train in torch as the options say: (history, how it ran, in a few words)."""
    try:
        from micrograd_beans.torch import fit_torch, train_distributed
        from micrograd_beans.torch.distributed import train_in_torchrun
    except ImportError as err:
        raise RuntimeError(str(err)) from None  # one line naming the extra, exit status 1
    kwargs = dict(settings, seed=args.seed)
    kwargs.pop("compiled", None)
    rank = _torchrun_rank()
    if rank is not None:
        history, _ = train_in_torchrun(model, xs, ys, **kwargs)
        how = f"torch float64, {history.workers} processes under torchrun (DDP, gloo)"
    elif args.workers is not None and args.workers > 1:
        began = time.perf_counter()
        history = train_distributed(model, xs, ys, workers=args.workers, **kwargs)
        start_up = time.perf_counter() - began - history.seconds
        how = (
            f"torch float64, {args.workers} worker processes (DDP, gloo; starting them "
            f"took {start_up:.1f} s more)"
        )
    else:
        history = fit_torch(model, xs, ys, **kwargs)
        how = "torch float64, one process"
    return history, how
