"""`--load PATH` for the commands that look at a lesson's model (gradcheck, graph).

A model file (`serialize.save`, e.g. from `train --save`, whichever backend trained it)
records the lesson it was trained on; these commands use that lesson's beans unless
--lesson names another one of the same shape.
"""

from __future__ import annotations

import argparse

from micrograd_beans.argtypes import input_path


def add_load_option(parser: argparse._ActionsContainer) -> None:
    """Add --load PATH to a parser or an argument group (both are _ActionsContainers)."""
    parser.add_argument(
        "--load",
        type=input_path,
        metavar="PATH",
        help="use the model saved in PATH (by train --save) instead of a fresh one; its "
        "lesson's beans unless --lesson says otherwise",
    )


def lesson_and_model(args: argparse.Namespace, default_lesson: str | None):
    """(lesson name, model or None): the model from --load (checked against the lesson),
    or None for a fresh one. The lesson is --lesson, else the file's, else the default."""
    from micrograd_beans import serialize
    from micrograd_beans.course.lessons import LESSONS, get_lesson

    name = args.lesson
    if args.load is None:
        return name or default_lesson, None
    model = serialize.load(args.load)
    if name is None:
        recorded = serialize.load_metadata(args.load).get("lesson")
        name = recorded if recorded in LESSONS else (default_lesson or "hidden-layer")
    lesson = get_lesson(name)
    if model.nin != lesson.nin or model.nouts[-1] != lesson.nout:
        raise ValueError(
            f"{args.load}: holds {model!r}, which does not fit lesson {lesson.name!r} "
            f"({lesson.nin} input(s), {lesson.nout} output)"
        )
    return name, model
