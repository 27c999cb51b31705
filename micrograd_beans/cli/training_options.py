"""The command-line options that choose how a lesson trains: optimizer, momentum, loss, batch.

`micrograd-beans train` and `micrograd-beans demo` (and the scripts in demos/) share them:
`--optimizer sgd|momentum|adam`, `--momentum M`, `--loss squared-error|bce` and
`--batch-size N|full`. Each option left out keeps the lesson's own setting. A bad value is
an argparse usage error (exit status 2, the usage, and a message naming the flag).
`training_settings` applies the options given to a lesson's settings; turning those into
`fit`'s arguments is the course's part (`course.settings.fit_arguments`).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any, NoReturn

#: What --optimizer accepts (train.make_optimizer's names).
OPTIMIZER_CHOICES = ("sgd", "momentum", "adam")
#: --loss spellings → the names in losses.LOSSES.
LOSS_CHOICES = {"squared-error": "squared_error", "bce": "bce"}
#: The momentum `--optimizer momentum` uses when --momentum is not given (train.fit's).
DEFAULT_MOMENTUM = 0.9
# --batch-size's default: "not given" (None already means full batch).
_UNSET = object()


def _momentum(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text}")
    return value


def _loss(text: str) -> str:
    name = LOSS_CHOICES.get(text) or (text if text in LOSS_CHOICES.values() else None)
    if name is None:
        raise argparse.ArgumentTypeError(
            f"invalid choice: {text!r} (choose from {', '.join(LOSS_CHOICES)})"
        )
    return name


def _batch_size(text: str) -> int | None:
    """A whole number >= 1, or "full" (None: one update per epoch on the whole data set)."""
    if text.strip().lower() == "full":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number >= 1 or 'full', got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 or 'full', got {value}")
    return value


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """Add --optimizer, --momentum, --loss and --batch-size (all default to the lesson's)."""
    parser.add_argument(
        "--optimizer",
        choices=OPTIMIZER_CHOICES,
        help="sgd (the note's θ -= α·dθ), momentum (SGD with momentum, PyTorch's form) or "
        "adam (default: the lesson's, sgd)",
    )
    parser.add_argument(
        "--momentum",
        type=_momentum,
        metavar="M",
        help=f"momentum in [0, 1) for sgd/momentum (implies --optimizer momentum; default "
        f"{DEFAULT_MOMENTUM} with --optimizer momentum)",
    )
    parser.add_argument(
        "--loss",
        type=_loss,
        metavar="{squared-error,bce}",
        help="per-sample loss: the note's squared error (y - a)² or binary cross-entropy "
        "(default: the lesson's, squared-error)",
    )
    parser.add_argument(
        "--batch-size",
        type=_batch_size,
        default=_UNSET,
        metavar="N|full",
        help="samples per update: 1 is the note's per-sample descent, 'full' one update per "
        "epoch on all the beans (default: the lesson's, 1)",
    )


def check_training_options(
    usage_error: Callable[[str], NoReturn], args: argparse.Namespace
) -> None:
    """Usage errors between options, through the parser's `error` (exit 2 with the usage):
    --momentum only goes with SGD."""
    if getattr(args, "momentum", None) is not None and args.optimizer == "adam":
        usage_error("argument --momentum: applies to --optimizer sgd or momentum, not adam")


def training_settings(settings: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The lesson's fit settings with the options given on the command line applied.

    The result may hold a "momentum" key (from --momentum or --optimizer momentum); turn it
    into fit's arguments with `fit_arguments`.
    """
    out = dict(settings)
    optimizer = getattr(args, "optimizer", None)
    momentum = getattr(args, "momentum", None)
    if momentum is not None and optimizer in (None, "sgd", "momentum"):
        out["optimizer"] = "momentum" if momentum else "sgd"
        out["momentum"] = momentum
    elif optimizer is not None:
        out["optimizer"] = optimizer
        if optimizer == "momentum":
            out["momentum"] = DEFAULT_MOMENTUM
    if getattr(args, "loss", None) is not None:
        out["loss"] = args.loss
    if getattr(args, "batch_size", _UNSET) is not _UNSET:
        out["batch_size"] = args.batch_size
    return out
