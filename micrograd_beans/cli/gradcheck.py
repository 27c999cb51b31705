"""`micrograd-beans gradcheck`: the note's gradients three ways, for one bean.

For the note's network (`--lesson hidden-layer`, the default) each of the seven parameters
gets one row: the engine's gradient, the note's hand-derived one (`by_hand.gradients`) and a
central finite difference. Other lessons compare the engine with finite differences only.
The exit status is 1 when any two of them disagree.
"""

from __future__ import annotations

import argparse

from micrograd_beans.argtypes import UsageError, count, non_negative_float, positive_float
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
        default="hidden-layer",
        choices=list(LESSONS),
        help="which lesson's network and beans (default: hidden-layer, the note's 1-2-1)",
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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from micrograd_beans.course import by_hand
    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.gradcheck import grad
    from micrograd_beans.losses import get_loss

    lesson = get_lesson(args.lesson)
    xs, ys = lesson.make_data(args.seed)
    model = lesson.make_model(args.seed)
    loss_fn = get_loss(lesson.loss)
    bean = args.bean
    if bean is None:
        bean = int(np.random.default_rng(args.seed).integers(len(xs)))
    if not 0 <= bean < len(xs):
        raise UsageError(
            f"argument --bean: expected a number between 0 and {len(xs) - 1}, got {bean}"
        )
    x = xs[bean].tolist()  # a float, or a list of floats for two-input beans
    y = float(ys[bean])

    def loss():
        return loss_fn(model(x), y)

    named = model.named_parameters()
    e = loss()
    engine = [g + 0.0 for g in grad(e, [p for _, p in named])]  # + 0.0: print -0.0 as 0
    hand = None
    if args.lesson == "hidden-layer" and [n for n, _ in named] == list(by_hand.PARAM_NAMES):
        hand = by_hand.gradients(model.state_dict(), x, y)
    finite = []
    for _, p in named:
        start = p.data
        p.data = start + args.eps
        up = loss().data
        p.data = start - args.eps
        down = loss().data
        p.data = start
        finite.append((up - down) / (2.0 * args.eps) + 0.0)

    def agree(a: float, b: float) -> bool:
        return abs(a - b) <= args.atol + args.rtol * abs(b)

    x_text = f"{x:.6g}" if isinstance(x, float) else "(" + ", ".join(f"{v:.6g}" for v in x) + ")"
    print(f"lesson {lesson.name} ({lesson.title}), seed {args.seed}")
    print(f"bean {bean} of {len(xs)}: x = {x_text}, y = {y:g}; loss {lesson.loss} = {e.data:.10g}")
    width = max(len(n) for n, _ in named) + 2
    print(
        f"{'parameter':<{max(width, 10)}}{'value':>12}  {'engine':>16}  {'by hand':>16}  "
        f"{'finite diff':>16}  {'max error':>9}"
    )
    bad, worst = [], 0.0
    for (name, p), g, fd in zip(named, engine, finite, strict=True):
        h = hand[name] if hand is not None else None
        found = [g, fd] if h is None else [g, h, fd]
        err = max(abs(a - b) for a in found for b in found)
        ok = agree(g, fd) and (h is None or (agree(h, fd) and agree(g, h)))
        worst = max(worst, err)
        if not ok:
            bad.append(name)
        h_text = f"{h:>16.10g}" if h is not None else f"{'-':>16}"
        print(
            f"{name:<{max(width, 10)}}{p.data:>12.6g}  {g:>16.10g}  {h_text}  {fd:>16.10g}  "
            f"{err:>9.1e}{'' if ok else '  FAIL'}"
        )
    rule = f"|a - b| <= {args.atol:g} + {args.rtol:g}·|b|"
    if bad:
        print(f"{len(bad)} of {len(named)} gradients disagree ({rule}): {', '.join(bad)}")
        return 1
    print(f"all {len(named)} gradients agree (max error {worst:.1e}; {rule})")
    return 0
