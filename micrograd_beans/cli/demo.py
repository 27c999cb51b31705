"""`micrograd-beans demo LESSON`, and the scripts in demos/: the same options, the same run.

`register` adds the `demo` subcommand; `main("hidden-layer")` is a demos/ script's whole
program, parsing the same options without the LESSON argument. Both end in
`course.demo.run_demo`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from micrograd_beans.argtypes import UsageError, count, output_path, positive_int
from micrograd_beans.cli.training_options import (
    add_training_options,
    check_training_options,
    training_settings,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `demo` subcommand: the same options as the scripts in demos/."""
    parser = subparsers.add_parser(
        "demo",
        help="watch a lesson train: live window, or --save a .gif/.mp4/.png",
        description="Train one of the course's lessons while its figure redraws every "
        "--every epochs: live in a window when a display is available, else headless "
        "(writing LESSON.png unless --save names a file). graph-tour walks backward "
        "through the note's computation graph.",
    )
    add_arguments(parser)
    parser.set_defaults(run=run)


def add_arguments(parser: argparse.ArgumentParser, lesson: bool = True) -> None:
    """The options every demo takes (the CLI's `demo` and each script in demos/)."""
    from micrograd_beans.course.demo import demo_names

    if lesson:
        parser.add_argument(
            "lesson",
            metavar="LESSON",
            choices=demo_names(),
            help="which demo: " + ", ".join(demo_names()),
        )
    parser.add_argument(
        "--epochs",
        type=count,
        default=None,
        help="training epochs (default: the lesson's, 5000 for the note)",
    )
    parser.add_argument("--seed", type=count, default=0, help="seed for beans and weights")
    parser.add_argument(
        "--every",
        type=positive_int,
        default=None,
        help="redraw every N epochs (default: epochs/50, 100 for the note)",
    )
    parser.add_argument(
        "--save",
        type=output_path(),
        metavar="PATH",
        default=None,
        help="write .gif (animation), .mp4 (needs ffmpeg) or .png (final frame)",
    )
    parser.add_argument(
        "--no-window",
        dest="show",
        action="store_false",
        default=None,
        help="never open a window, even when a display is available",
    )
    parser.add_argument(
        "--dynamic",
        action="store_true",
        help="train on the engine's graph of Values instead of the generated "
        "chain-rule code (same numbers, slower)",
    )
    add_training_options(parser)
    # run checks the options that go together with the parser's error (exit 2, usage)
    parser.set_defaults(usage_error=parser.error)


def run(args: argparse.Namespace, name: str | None = None) -> int:
    """Run the demo the parsed options ask for; 0 on success.

    A --save path of an unknown type is a UsageError (exit 2 with the usage); a folder
    that is missing or not writable is an OSError naming the path, raised before training.
    """
    from micrograd_beans.course.demo import run_demo

    if args.save is not None:
        from micrograd_beans.course import animation

        try:
            animation.check_save_path(args.save)
        except ValueError as err:
            raise UsageError(f"argument --save: {err}") from None
    if hasattr(args, "usage_error"):
        check_training_options(args.usage_error, args)
    run_demo(
        name or args.lesson,
        epochs=args.epochs,
        seed=args.seed,
        every=args.every,
        save=args.save,
        show=args.show,
        compiled=False if getattr(args, "dynamic", False) else "auto",
        training=training_settings({}, args),
    )
    return 0


def main(name: str, argv: Sequence[str] | None = None) -> int:
    """A demos/ script's program: `main("hidden-layer")` parses the demo options (no LESSON)
    and runs that demo; 0 on success, 1 on an error (one line), 2 on a usage error."""
    parser = argparse.ArgumentParser(
        prog=f"{name} demo", description=f"Run the {name} demo of micrograd_beans."
    )
    from micrograd_beans.cli import USER_ERRORS

    add_arguments(parser, lesson=False)
    args = parser.parse_args(argv)
    try:
        return run(args, name)
    except UsageError as err:
        parser.error(str(err))  # usage, message, exit 2
    except USER_ERRORS as err:
        print(f"{name} demo: error: {err}", file=sys.stderr)
        return 1
