"""`micrograd-beans gradcheck`: the note's gradients three ways, for one bean.

For the note's network (`--lesson hidden-layer`, the default) each of the seven parameters
gets one row: the engine's gradient, the note's hand-derived one (`by_hand.gradients`) and a
central finite difference. Other lessons compare the engine with finite differences only.
The exit status is 1 when any two of them disagree.
"""

from __future__ import annotations

import argparse

from micrograd_beans.argtypes import UsageError, count, non_negative_float, positive_float
from micrograd_beans.cli.model_file import add_load_option
from micrograd_beans.course.lessons import LESSONS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `gradcheck` subcommand."""
    parser = subparsers.add_parser(
        "gradcheck",
        help="compare the engine's gradients with the note's and with finite differences",
        description="Build a lesson's network from --seed, pick one bean and compare de/dθ "
        "for every parameter: the engine's, the note's hand-derived formula (hidden-layer "
        "only) and a central finite difference. Exits 1 if any disagree.",
    )
    parser.add_argument(
        "--lesson",
        default=None,
        choices=list(LESSONS),
        help="which lesson's network and beans (default: hidden-layer, the note's 1-2-1; "
        "with --load, the lesson the model was trained on)",
    )
    parser.add_argument("--seed", type=count, default=0, help="seed of beans and weights (0)")
    parser.add_argument(
        "--bean", type=count, default=None, help="index of the bean (default: picked by the seed)"
    )
    parser.add_argument(
        "--eps", type=positive_float, default=1e-6, help="finite-difference step (1e-6)"
    )
    parser.add_argument(
        "--atol", type=non_negative_float, default=1e-5, help="absolute tolerance (1e-5)"
    )
    parser.add_argument(
        "--rtol", type=non_negative_float, default=1e-3, help="relative tolerance (1e-3)"
    )
    add_load_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the lesson's gradient table (model_gradcheck.gradcheck_model); 1 if any disagree."""
    import numpy as np

    from micrograd_beans.cli.model_file import lesson_and_model
    from micrograd_beans.course import by_hand
    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.model_gradcheck import gradcheck_model

    name, loaded = lesson_and_model(args, "hidden-layer")
    lesson = get_lesson(name)
    xs, ys = lesson.make_data(args.seed)
    model = lesson.make_model(args.seed) if loaded is None else loaded
    bean = args.bean
    if bean is None:
        bean = int(np.random.default_rng(args.seed).integers(len(xs)))
    if not 0 <= bean < len(xs):
        raise UsageError(
            f"argument --bean: expected a number between 0 and {len(xs) - 1}, got {bean}"
        )
    x = xs[bean].tolist()  # a float, or a list of floats for two-input beans
    y = float(ys[bean])
    names = [n for n, _ in model.named_parameters()]
    note = lesson.name == "hidden-layer" and names == list(by_hand.PARAM_NAMES)
    result = gradcheck_model(
        model,
        x,
        y,
        lesson.loss,
        by_hand=by_hand.gradients if note else None,
        eps=args.eps,
        atol=args.atol,
        rtol=args.rtol,
    )
    x_text = f"{x:.6g}" if isinstance(x, float) else "(" + ", ".join(f"{v:.6g}" for v in x) + ")"
    source = f", model from {args.load}" if args.load else ""
    print(f"lesson {lesson.name} ({lesson.title}), seed {args.seed}{source}")
    print(
        f"bean {bean} of {len(xs)}: x = {x_text}, y = {y:g}; loss {lesson.loss} = "
        f"{result.loss:.10g}"
    )
    print(result)
    return 0 if result else 1
