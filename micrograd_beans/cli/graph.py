"""`micrograd-beans graph`: draw a computation graph (the note's network by default) to a file."""

from __future__ import annotations

import argparse

from micrograd_beans.argtypes import UsageError, count, output_path, positive_int
from micrograd_beans.cli.model_file import add_load_option
from micrograd_beans.course.lessons import LESSONS

#: Suffixes `--out` understands (Drawing.render picks the format from them).
OUT_SUFFIXES = (".svg", ".png", ".pdf", ".dot", ".gv")


def _max_nodes(text: str) -> int:
    """0 (never simplify) or a node budget of at least 10 (what draw_dot accepts)."""
    value = count(text)
    if 0 < value < 10:
        raise argparse.ArgumentTypeError(f"expected 0 (no limit) or a number >= 10, got {value}")
    return value


DESCRIPTION = """\
Draw the computation graph of a loss, each Value as `label | data | grad`, and write it
to --out (format from the suffix: .svg, .png, .pdf, or .dot for the DOT text). Default:
the note's 1-2-1 network on one bean, written op by op with the note's names, after
backward. Renderer: $MICROGRAD_BEANS_DOT, else `dot`, else `graphviz-pure` (installed with
this package)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `graph` subcommand: --out, then the options grouped by what they choose."""
    p = subparsers.add_parser(
        "graph",
        help="draw a computation graph to SVG/PNG/PDF",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--out",
        type=output_path(OUT_SUFFIXES),
        default="graph.svg",
        metavar="PATH",
        help="where to write the picture (default: graph.svg)",
    )
    _add_what_to_draw(p.add_argument_group("what to draw"))
    _add_how_to_draw(p.add_argument_group("how to draw it"))
    p.set_defaults(run=run)


def _add_what_to_draw(group: argparse._ArgumentGroup) -> None:
    """The graph's source: the note's network, a lesson's (fresh or --load'ed), which beans."""
    group.add_argument(
        "--lesson",
        metavar="NAME",
        choices=list(LESSONS),
        help="draw a lesson's network and loss instead: " + ", ".join(LESSONS),
    )
    add_load_option(group)
    group.add_argument(
        "--samples",
        type=positive_int,
        default=1,
        metavar="N",
        help="with --lesson: beans in the loss (their mean loss; default 1)",
    )
    group.add_argument("--seed", type=count, default=0, help="with --lesson: model and data seed")
    group.add_argument(
        "--before-backward",
        action="store_true",
        help="draw before calling backward (every grad shows 0)",
    )


def _add_how_to_draw(group: argparse._ArgumentGroup) -> None:
    """The picture's look: boxes for neurons or layers, constants, a red path, direction,
    and the size past which a big graph is simplified."""
    group.add_argument(
        "--collapse",
        nargs="?",
        const="neuron",
        default="auto",
        choices=["auto", "none", "neuron", "layer"],
        help="one box per neuron (the default when given alone) or per layer; "
        "'auto' (default) collapses only graphs too big to read",
    )
    group.add_argument(
        "--hide-constants",
        action="store_true",
        help="write constants into their ops (** 2) instead of drawing them",
    )
    group.add_argument(
        "--highlight",
        metavar="LABEL",
        help="draw in red the paths from the Value with this label to the output",
    )
    group.add_argument(
        "--rankdir",
        default="LR",
        choices=["LR", "TB", "RL", "BT"],
        help="direction of the flow (default LR: inputs left, output right)",
    )
    group.add_argument(
        "--max-nodes",
        type=_max_nodes,
        default=None,
        metavar="N",
        help="simplify graphs with more drawn nodes than N (default 300; 0: never)",
    )


def lesson_loss(name: str, samples: int = 1, seed: int = 0, model=None):
    """(loss, parameters) of a lesson's network (fresh from `seed`, or `model`) on `samples`
    beans spread over its data."""
    import numpy as np

    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.losses import get_loss

    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    lesson = get_lesson(name)
    model = lesson.make_model(seed) if model is None else model
    xs, ys = lesson.make_data(seed)
    loss_fn = get_loss(lesson.loss)
    k = min(samples, len(xs))
    picks = [(2 * i + 1) * len(xs) // (2 * k) for i in range(k)]  # evenly spread, centred
    terms = []
    for i in picks:
        x = xs[i]
        x = float(x) if np.ndim(x) == 0 else [float(v) for v in x]
        terms.append(loss_fn(model(x), float(ys[i])))
    if len(terms) == 1:
        return terms[0], model.parameters()
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    loss = total / len(terms)
    loss.label = "loss"
    return loss, model.parameters()


def _find_label(root, label: str):
    from micrograd_beans.viz.layout import graph_in_order

    nodes = graph_in_order(root)  # operands before results: the last match is nearest the output
    for v in reversed(nodes):
        if v.label == label:
            return v
    names = sorted({v.label for v in nodes if v.label})
    shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
    raise UsageError(f"argument --highlight: no Value has the label {label!r}; labels: {shown}")


def run(args: argparse.Namespace) -> int:
    """Build the graph, draw it, write it, print the path."""
    from micrograd_beans.cli.model_file import lesson_and_model
    from micrograd_beans.files import check_writable
    from micrograd_beans.viz import DEFAULT_MAX_NODES, draw_dot, note_network

    if args.lesson is None and args.load is None and args.samples != 1:
        raise UsageError(
            "argument --samples: needs --lesson (the note's network is drawn for one bean)"
        )
    check_writable(args.out, make_parents=True)  # before drawing: fail fast on a bad path
    lesson, loaded = lesson_and_model(args, None)  # a loaded model is drawn with its lesson
    if lesson is None:
        root, params = note_network(backward=False), None
    else:
        root, params = lesson_loss(lesson, args.samples, args.seed, model=loaded)
    if not args.before_backward:
        root.backward()
    max_nodes = DEFAULT_MAX_NODES if args.max_nodes is None else (args.max_nodes or None)
    drawing = draw_dot(
        root,
        rankdir=args.rankdir,
        hide_constants=True if args.hide_constants else None,
        collapse=None if args.collapse == "none" else args.collapse,
        highlight=_find_label(root, args.highlight) if args.highlight else None,
        params=params,
        max_nodes=max_nodes,
    )
    print(drawing.render(args.out))
    return 0
