"""`micrograd-beans demo LESSON`: train a lesson while its picture redraws (see course/demo.py)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `demo` subcommand: the same options as the scripts in demos/."""
    from micrograd_beans.course.demo import add_arguments

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


def run(args: argparse.Namespace) -> int:
    from micrograd_beans.course.demo import run_args

    return run_args(args)
