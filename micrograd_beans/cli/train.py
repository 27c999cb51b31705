"""`micrograd-beans train`: train one of the course's lessons (default: the note's network)."""

from __future__ import annotations

import argparse
import math

from micrograd_beans.argtypes import (
    UsageError,
    count,
    input_path,
    output_path,
    positive_float,
    sizes,
)
from micrograd_beans.cli.torch_backend import add_backend_options
from micrograd_beans.cli.training_options import add_training_options
from micrograd_beans.course.lessons import DEFAULT_LESSON, LESSONS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand."""
    lessons = "; ".join(f"{name}: {lesson.model_text}" for name, lesson in LESSONS.items())
    p = subparsers.add_parser(
        "train",
        help="train a lesson's network on its beans and print the final loss and accuracy",
        description="Train one lesson of the course (default: the note's 1-2-1 network on the "
        "bump beans, per-sample SGD, α = 0.03, 5000 epochs) and print the final loss and "
        f"accuracy. Lessons: {lessons}.",
    )
    p.add_argument(
        "--lesson",
        choices=list(LESSONS),
        default=DEFAULT_LESSON,
        help=f"which lesson to train (default: {DEFAULT_LESSON}, the note)",
    )
    p.add_argument("--epochs", type=count, help="epochs to train (default: the lesson's)")
    p.add_argument("--lr", type=positive_float, help="learning rate α (default: the lesson's)")
    p.add_argument(
        "--seed",
        type=count,
        default=0,
        help="seed for the beans and the initial weights (default: 0)",
    )
    p.add_argument(
        "--hidden",
        type=sizes,
        nargs="+",
        metavar="SIZES",
        help="hidden layer sizes, e.g. --hidden 3 or --hidden 8,8,8 (default: the lesson's)",
    )
    add_training_options(p)
    add_backend_options(p)
    p.add_argument(
        "--save",
        type=output_path(),
        metavar="PATH",
        help="save the trained model to a JSON file (written before anything is printed "
        "about the result)",
    )
    p.add_argument(
        "--load",
        type=input_path,
        metavar="PATH",
        help="start from a model saved with --save instead of fresh weights",
    )
    p.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    p.add_argument(
        "--dynamic",
        action="store_true",
        help="train on the engine's graph of Values instead of the generated "
        "chain-rule code (used by default where it applies; same numbers)",
    )
    # run() checks the options that go together with the parser's error (exit 2, usage)
    p.set_defaults(run=run, usage_error=p.error)


#: The largest network `--hidden` may ask for: every number is a Python object (a Value),
#: so a million parameters already take a few hundred MB while training.
MAX_PARAMETERS = 1_000_000


def _check_size(nin: int, hidden: list[int], nout: int) -> None:
    """A usage error, before anything is built, for a network too big to hold."""
    sizes = [nin, *hidden, nout]
    count = sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False))
    if count > MAX_PARAMETERS:
        raise UsageError(
            f"argument --hidden: {','.join(map(str, hidden))} makes a network of {count:,} "
            f"parameters; this scalar engine trains at most {MAX_PARAMETERS:,}"
        )


def run(args: argparse.Namespace) -> int:
    """Train, print the result, optionally save. Returns the exit status."""
    from micrograd_beans.cli.torch_backend import only_rank_zero_prints

    with only_rank_zero_prints():  # under torchrun, rank 0 speaks for all
        return _train(args)


def _train(args: argparse.Namespace) -> int:
    from micrograd_beans.cli.torch_backend import check_backend_options, is_rank_zero
    from micrograd_beans.cli.training_options import check_training_options, training_settings
    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.files import check_writable
    from micrograd_beans.train import evaluate

    check_training_options(args.usage_error, args)
    lesson = get_lesson(args.lesson)
    settings = training_settings(lesson.fit_kwargs(), args)
    check_backend_options(args.usage_error, args, settings["batch_size"])
    if args.save is not None:
        check_writable(args.save)  # before training: a bad path fails now, not after it
    hidden = None if args.hidden is None else [n for group in args.hidden for n in group]
    if hidden is not None:
        _check_size(lesson.nin, hidden, lesson.nout)
    xs, ys = lesson.make_data(args.seed, counts=args.beans)
    model = _starting_model(args, lesson, hidden)
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    if args.lr is not None:
        settings["lr"] = args.lr
    start = "from " + args.load if args.load else f"seed {args.seed}"
    print(f"lesson {lesson.name} (course lesson {lesson.course}): {lesson.title}")
    print(f"model {model!r}, {len(model.parameters())} parameters, {start}; {len(xs)} beans")
    history, how = _run_training(model, xs, ys, settings, args)
    loss, accuracy = evaluate(model, xs, ys, settings["loss"])
    # saved before the result is printed: a closed pipe loses nothing (under torchrun, rank 0
    # saves: every process holds the same model)
    if args.save is not None and is_rank_zero():
        _save(model, args, lesson.name, history.epochs, settings["lr"], loss, accuracy)
    _print_result(model, xs, settings, history, how, loss, accuracy)
    if args.save is not None:
        print(f"saved to {args.save}")
    return 0


def _starting_model(args: argparse.Namespace, lesson, hidden: list[int] | None):
    """The model --load names (checked against the lesson and --hidden), else a fresh one."""
    from micrograd_beans import serialize

    if not args.load:
        return lesson.make_model(args.seed, hidden=hidden)
    model = serialize.load(args.load)
    if model.nin != lesson.nin or model.nouts[-1] != lesson.nout:
        raise ValueError(
            f"{args.load}: holds {model!r}, which does not fit lesson "
            f"{lesson.name!r} ({lesson.nin} input(s), {lesson.nout} output)"
        )
    if hidden is not None and model.nouts[:-1] != hidden:
        raise ValueError(
            f"{args.load}: hidden sizes {model.nouts[:-1]} differ from --hidden {hidden}"
        )
    return model


def _run_training(model, xs, ys, settings: dict, args: argparse.Namespace):
    """Train with the chosen backend; the history and "; how it ran" (torch, generated code,
    or the engine's graph and why)."""
    from micrograd_beans.cli.torch_backend import train_with_torch
    from micrograd_beans.course.settings import fit_arguments
    from micrograd_beans.train import fit

    if args.backend == "torch":
        history, how = train_with_torch(model, xs, ys, settings, args)
        return history, "; " + how
    compiled = False if args.dynamic else "auto"
    history = fit(
        model,
        xs,
        ys,
        seed=args.seed,
        progress=not args.no_progress,
        compiled=compiled,
        **fit_arguments(model, settings),
    )
    return history, f"; {history.path}"  # generated code, or the engine's graph and why


def _save(model, args: argparse.Namespace, lesson_name: str, epochs: int, lr, loss, accuracy):
    """Write the model to --save with what made it (lesson, seed, epochs, lr) and its result."""
    from micrograd_beans import serialize

    serialize.save(
        model,
        args.save,
        metadata={
            "lesson": lesson_name,
            "seed": args.seed,
            "epochs": epochs,
            "lr": lr,
            "loss": loss,
            "accuracy": accuracy,
        },
    )


def _print_result(model, xs, settings: dict, history, how: str, loss, accuracy) -> None:
    """Speed, final loss (and accuracy), and the parameters when few enough to read."""
    from micrograd_beans.course.settings import describe

    # bean visits per second of training: what batches, torch and workers change
    rate = history.epochs * len(xs) / history.seconds if history.seconds > 0 else math.inf
    print(
        f"trained {history.epochs} epochs in {history.seconds:.2f} s, {rate:,.0f} beans/s "
        f"({describe(settings)}{how})"
    )
    line = f"final loss {loss:.6g}"
    if accuracy is not None:
        line += f"  accuracy {accuracy:.2f} ({round(accuracy * len(xs))}/{len(xs)} beans)"
    print(line)
    state = model.state_dict()
    if len(state) <= 12:  # small enough to read, by the note's names
        print("parameters: " + "  ".join(f"{n}={v:.4g}" for n, v in state.items()))
