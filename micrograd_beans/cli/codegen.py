"""`micrograd-beans codegen`: print the chain-rule code the engine writes for a lesson's network."""

from __future__ import annotations

import argparse

from micrograd_beans.argtypes import UsageError
from micrograd_beans.course.lessons import DEFAULT_LESSON, LESSONS

#: The note's hand-derived lines (shared/notes.md), by the name the generated code gives them.
NOTE_LINES: dict[str, str] = {
    "z1_1": "z1_1 = w11_1 * x + b1_1",
    "a1_1": "a1_1 = σ(z1_1)",
    "z2_1": "z2_1 = w12_1 * x + b2_1",
    "a2_1": "a2_1 = σ(z2_1)",
    "z1_2": "z1_2 = w11_2 * a1_1 + w21_2 * a2_1 + b1_2",
    "a1_2": "a1_2 = σ(z1_2)",
    "e": "e = (y - a1_2)^2",
    "deda1_2": "de/da1_2 = -2 (y - a1_2)",
    "dedz1_2": "δ = de/dz1_2 = -2 (y - a1_2) · a1_2 (1 - a1_2)",
    "dedw11_2": "de/dw11_2 = δ · a1_1",
    "dedw21_2": "de/dw21_2 = δ · a2_1",
    "dedb1_2": "de/db1_2 = δ",
    "deda1_1": "de/da1_1 = δ · w11_2",
    "dedz1_1": "de/dz1_1 = δ · w11_2 · a1_1 (1 - a1_1)",
    "dedw11_1": "de/dw11_1 = δ · w11_2 · a1_1 (1 - a1_1) · x",
    "dedb1_1": "de/db1_1 = δ · w11_2 · a1_1 (1 - a1_1)",
    "deda2_1": "de/da2_1 = δ · w21_2",
    "dedz2_1": "de/dz2_1 = δ · w21_2 · a2_1 (1 - a2_1)",
    "dedw12_1": "de/dw12_1 = δ · w21_2 · a2_1 (1 - a2_1) · x",
    "dedb2_1": "de/db2_1 = δ · w21_2 · a2_1 (1 - a2_1)",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `codegen` subcommand."""
    p = subparsers.add_parser(
        "codegen",
        help="print the generated chain-rule code for a lesson's network",
        description="Compile one sample's loss graph of a lesson's network (default: the "
        "note's 1-2-1 network) and print the generated Python: one line per node, named as "
        "the note names them (z1_1, a1_1, dedw11_1, ...).",
    )
    p.add_argument(
        "--lesson",
        choices=list(LESSONS),
        default=DEFAULT_LESSON,
        help=f"which lesson's network (default: {DEFAULT_LESSON}, the note)",
    )
    p.add_argument(
        "--by-hand",
        action="store_true",
        help="print the note's hand-derived formulas beside the generated lines "
        "(the note's lesson only)",
    )
    form = p.add_mutually_exclusive_group()
    form.add_argument(
        "--batched", action="store_true", help="print the numpy-batched variant instead"
    )
    form.add_argument(
        "--loop",
        action="store_true",
        help="print the whole generated per-sample training loop (the lesson's optimizer) instead",
    )
    p.set_defaults(run=run)


def side_by_side(source: str, note: dict[str, str]) -> str:
    """The generated lines on the left, the note's line for the same quantity on the right."""
    lines = source.splitlines()

    def assigned(line: str) -> str:
        return line.strip().split(" = ", 1)[0] if " = " in line else ""

    width = max(len(line) for line in lines if assigned(line) in note or line.startswith("def "))
    out = []
    for line in lines:
        name = assigned(line)
        if line.startswith("def "):
            out.append(f"{line:<{width}}    # the note, by hand")
        elif name in note:
            out.append(f"{line:<{width}}    # {note[name]}")
        else:
            out.append(line)
    return "\n".join(out)


def build(lesson_name: str):
    """The compiled step of one sample's loss for a lesson's network (seed 0 weights) and
    optimizer; its `compiled` is the compiled graph."""
    from micrograd_beans.codegen import CodegenError, CompiledStep, why_not_compiled
    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.losses import get_loss
    from micrograd_beans.train import make_optimizer

    lesson = get_lesson(lesson_name)
    model = lesson.make_model(0)
    loss = get_loss(lesson.loss)
    optimizer = make_optimizer(model, lesson.optimizer, lesson.lr)
    reason = why_not_compiled(loss, optimizer)
    if reason is not None:
        raise CodegenError(f"lesson {lesson.name!r} cannot be compiled: {reason}")
    return CompiledStep(model, loss, optimizer)


def run(args: argparse.Namespace) -> int:
    """Print the generated code. Returns the exit status."""
    if args.by_hand and args.lesson != DEFAULT_LESSON:
        raise UsageError(
            f"argument --by-hand: the note derives by hand only the {DEFAULT_LESSON!r} "
            f"network, not {args.lesson!r}"
        )
    step = build(args.lesson)
    compiled = step.compiled
    if args.batched:
        source = compiled.batched_source
    elif args.loop:
        labels = list(zip(compiled.prediction_names, compiled.input_names[-1:], strict=True))
        source = compiled.optimizer_loop(step.update.name, True, labels).source
    else:
        source = compiled.source
    print(side_by_side(source, NOTE_LINES) if args.by_hand else source, end="")
    return 0
