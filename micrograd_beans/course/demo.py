"""The course's lessons as demos: train a lesson while its picture redraws, live or into a file.

`run_demo("hidden-layer")` is the note's program done right: the beans and the fitted curve
redraw every 100 epochs in a window that opens before training (no blocking `plt.show()`
first) and stays open on the final frame when training ends. Without a display it runs
headless (Agg) and writes a file; `save=` picks the file: `.gif` (Pillow) or `.mp4`
(ffmpeg) for the animation, `.png`/`.svg`/`.pdf` for the final frame.

One function serves the console script (`micrograd-beans demo LESSON`) and the scripts in
`demos/`, so both run the same code. Lessons are the presets of `lessons.py`; the extra
demo `graph-tour` walks backward through the note's computation graph.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from micrograd_beans.argtypes import UsageError, count, output_path, positive_int
from micrograd_beans.checks import check_int
from micrograd_beans.course.options import (
    add_training_options,
    check_training_options,
    training_settings,
)

if TYPE_CHECKING:
    from micrograd_beans.course import animation

#: The demo that draws the note's graph instead of training a lesson.
GRAPH_TOUR = "graph-tour"

#: At most this many frames go into an animation file (the note's 5000/100 = 50 fit in).
MAX_FRAMES = 60


def demo_names() -> list[str]:
    """Every demo: each lesson preset, then the graph tour."""
    from micrograd_beans.course.lessons import LESSONS

    return [*LESSONS, GRAPH_TOUR]


@dataclass
class DemoResult:
    """What a demo did: how long it trained, how well the model ended, what it wrote."""

    name: str
    epochs: int
    seconds: float  # the whole demo: data, training, drawing, writing
    train_seconds: float  # the part spent inside fit(), callbacks (drawing) excluded
    loss: float | None = None
    accuracy: float | None = None
    path: Path | None = None
    frames: int = 0


def default_every(epochs: int) -> int:
    """Redraw about 50 times per run: every 100 epochs of the note's 5000."""
    return max(1, epochs // 50)


def decide_window(show: bool | None) -> bool:
    """Whether to open a live window: asked for (None: whenever possible) and possible.

    Switches matplotlib to Agg when there is no display, so nothing tries to open one.
    """
    from micrograd_beans.course import animation

    if show is False:
        return False
    return animation.use_headless_backend_if_needed()


# --- lesson figures ----------------------------------------------------------------------


def _suptitle(lesson: Any) -> str:
    model = f"  [{lesson.model_text}]" if lesson.model_text not in lesson.title else ""
    return f"Lesson {lesson.course}: {lesson.title}{model}"


def lesson_figure(
    lesson: Any, xs: np.ndarray, ys: np.ndarray, model: Any, epochs: int
) -> tuple[Any, Callable[[int, Any], bool], Callable[[], list]]:
    """The lesson's figure, a `draw(epoch, history)` that redraws the model in it, and a
    function listing the artists `draw` changes (`draw` returns True when no others
    changed: see TrainingAnimation's blitting).

    1-input lessons: beans with the model's curve, beside loss and accuracy. 2-input ones:
    the decision boundary (and, for the plane and the disc, the 3-D surface of lesson 7).
    """
    from micrograd_beans.course import plots
    from micrograd_beans.train import evaluate

    predict = plots.predictor(model)
    fig, views, history_view = _lesson_layout(lesson, xs, ys, epochs)

    def draw(epoch: int, history: Any) -> bool:
        # (the 3-D surface keeps a fixed title: the other panels say the epoch)
        only_animated = all(
            [
                view.update(
                    predict, "" if isinstance(view, plots.SurfaceView) else f"epoch {epoch}"
                )
                for view in views
            ]
        )
        if history is not None and history.epochs:
            only_animated = history_view.update(history) and only_animated
        # the model as it is now (the history's numbers are averages over the epoch)
        loss, accuracy = evaluate(model, xs, ys, lesson.loss)
        text = f"loss {loss:.3g}" + (f", accuracy {accuracy:.0%}" if accuracy is not None else "")
        history_view.ax.set_title(f"epoch {epoch}: {text}", fontsize=12)
        return only_animated

    def animated() -> list[Any]:
        return [a for view in (*views, history_view) for a in view.animated]

    return fig, draw, animated


def _lesson_layout(lesson: Any, xs: np.ndarray, ys: np.ndarray, epochs: int) -> tuple:
    """The lesson's figure with its views of the model and its history view:
    (figure, model views, history view)."""
    import matplotlib.pyplot as plt

    from micrograd_beans.course import plots

    classify = lesson.task == "classification"
    if lesson.nin == 1:
        fig = plt.figure(figsize=(11, 4.4))
        gs = fig.add_gridspec(1, 2, width_ratios=(1.25, 1))
        ylabel = plots.TOXICITY if classify else "Toxicity (y)"
        views = [plots.FitView(fig.add_subplot(gs[0]), xs, ys, ylabel=ylabel)]
        hist_ax = fig.add_subplot(gs[1])
    else:
        surface = lesson.name != "spiral"  # a spiral's surface is a thicket; its map reads
        fig = plt.figure(figsize=(15.5, 4.8) if surface else (11.5, 5.0))
        gs = fig.add_gridspec(
            1, 3 if surface else 2, width_ratios=(1.15, 1.1, 1) if surface else (1.2, 1)
        )
        views = []
        if surface:
            ax3d = fig.add_subplot(gs[0], projection="3d")
            views.append(plots.SurfaceView(ax3d, xs, ys, title="Toxicity surface"))
        views.append(plots.BoundaryView(fig.add_subplot(gs[-2]), xs, ys))
        hist_ax = fig.add_subplot(gs[-1])
    history_view = plots.HistoryView(
        hist_ax, epochs, accuracy=classify, title="Loss and accuracy" if classify else "Loss"
    )
    fig.suptitle(_suptitle(lesson), fontsize=13, fontweight="bold")
    fig.subplots_adjust(
        left=0.06 if lesson.nin == 1 else 0.03,
        right=0.94,
        bottom=0.13,
        top=0.82,
        wspace=0.32 if lesson.nin == 1 else 0.45,
    )
    return fig, views, history_view


# --- running a demo ----------------------------------------------------------------------


def run_demo(
    name: str,
    *,
    epochs: int | None = None,
    seed: int = 0,
    every: int | None = None,
    save: str | os.PathLike[str] | None = None,
    show: bool | None = None,
    progress: bool = True,
    log: Callable[[str], object] | None = print,
    compiled: bool | str = "auto",
    training: Mapping[str, Any] | None = None,
) -> DemoResult:
    """Train a lesson while its figure redraws every `every` epochs; return what happened.

    `show=None` opens a live window when a display is available; with no display (or
    `show=False`) it runs on Agg and, when `save` is None, writes `<name>.png`. `log`
    receives the one-line summary and the path written (None: silent). `compiled` is fit's:
    "auto" trains through generated code where it applies, False on the engine's graph.
    `training` replaces some of the lesson's fit settings (optimizer, momentum, loss,
    batch_size: see course.options.training_settings).
    """
    # (Long by its documented arguments; the steps are _window_and_file, lesson_figure,
    # _train_drawing and the animation's finish.)
    training = dict(training or {})
    if name == GRAPH_TOUR:
        if training:
            raise ValueError(
                f"{GRAPH_TOUR} shows the note's squared error as the note trains it; "
                f"{', '.join(training)} apply to the lessons' demos"
            )
        return graph_tour(
            epochs=epochs, seed=seed, every=every, save=save, show=show, log=log, compiled=compiled
        )
    from micrograd_beans.course import animation
    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.train import evaluate

    # the lesson as asked for: its figure and summary then show the loss that trains
    lesson = get_lesson(name).with_(
        **{k: training[k] for k in ("optimizer", "loss", "batch_size") if k in training}
    )
    epochs = check_int(lesson.epochs if epochs is None else epochs, "epochs", minimum=0)
    every = check_int(default_every(epochs) if every is None else every, "every", minimum=1)
    live, path = _window_and_file(name, save, show)
    started = time.perf_counter()
    xs, ys = lesson.make_data(seed)
    model = lesson.make_model(seed)
    fig, draw, animated = lesson_figure(lesson, xs, ys, model, epochs)
    anim = animation.TrainingAnimation(
        fig,
        draw,
        save=path,
        live=live,
        animated=animated,
        expected_frames=epochs // every + 1,
        max_frames=MAX_FRAMES,
    )
    with anim:  # on an error or Ctrl-C, no half-written file is left
        settings = {**lesson.fit_kwargs(), **training, "epochs": epochs}
        fit_options = {"seed": seed, "every": every, "progress": progress, "compiled": compiled}
        history, train_seconds = _train_drawing(anim, model, xs, ys, settings, fit_options)
        loss, accuracy = evaluate(model, xs, ys, lesson.loss)
        result = DemoResult(
            name, epochs, 0.0, train_seconds, loss, accuracy, path, anim.frames_written
        )
        if log is not None:
            log(_summary(result))
        written = anim.finish(epochs, history, show=False)
        result.seconds = time.perf_counter() - started
        result.frames = anim.frames_written
        if written is not None and log is not None:
            log(f"wrote {written}")
    _show_or_close(fig, anim)
    return result


def _train_drawing(
    anim: animation.TrainingAnimation,
    model: Any,
    xs: np.ndarray,
    ys: np.ndarray,
    settings: Mapping[str, Any],
    fit_options: Mapping[str, Any],
) -> tuple[Any, float]:
    """fit() with a frame drawn before the first epoch and at each callback: the History
    and the seconds spent training, drawing left out."""
    from micrograd_beans.course.options import fit_arguments
    from micrograd_beans.train import fit

    anim.frame(0, None)
    drawing = 0.0

    def callback(epoch: int, _model: Any, history: Any) -> None:
        nonlocal drawing
        t = time.perf_counter()
        anim.frame(epoch, history)
        drawing += time.perf_counter() - t

    kwargs = fit_arguments(model, settings)
    history = fit(model, xs, ys, callback=callback, **fit_options, **kwargs)
    return history, history.seconds - drawing


def _window_and_file(
    name: str, save: str | os.PathLike[str] | None, show: bool | None
) -> tuple[bool, Path | None]:
    """Whether a live window opens, and the checked file to write (`<name>.png` when no
    window opens and no file was asked for)."""
    from micrograd_beans.course import animation

    live = decide_window(show)
    if save is None and not live:
        save = f"{name}.png"
    return live, (animation.check_save_path(save) if save is not None else None)


def _summary(r: DemoResult) -> str:
    acc = f", accuracy {r.accuracy:.0%}" if r.accuracy is not None else ""
    return (
        f"{r.name}: {r.epochs} epochs in {r.train_seconds:.2f} s of training, "
        f"final loss {r.loss:.4g}{acc}"
    )


def _show_or_close(fig: Any, anim: animation.TrainingAnimation) -> None:
    import matplotlib.pyplot as plt

    if anim.live and anim.window_open():
        plt.show()  # blocks until closed: the final frame stays (the note's vanished)
    plt.close(fig)


# --- the graph tour ----------------------------------------------------------------------


def _backward_order(root: Any) -> list[Any]:
    """Every non-constant node of root's graph, each after all the nodes that use it.

    This is the order in which backward finishes their gradients: root first, the
    parameters and inputs last. Iterative (post-order with an explicit stack), reversed.
    """
    from micrograd_beans.engine import Constant

    order, seen, stack = [], {id(root)}, [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, False))
    return [v for v in reversed(order) if not isinstance(v, Constant)]


def graph_tour(
    *,
    epochs: int | None = None,
    seed: int = 0,
    every: int | None = None,
    save: str | os.PathLike[str] | None = None,
    show: bool | None = None,
    log: Callable[[str], object] | None = print,
    compiled: bool | str = "auto",
) -> DemoResult:
    """Walk backward through the note's graph for one bean, one node's gradient at a time.

    The first frame is the graph before backward (every grad 0); each next frame fills in
    the gradient of one more node (`every` nodes per frame), in the order backward
    finishes them, with the path from that node to the loss in red: the chain rule the
    note writes out by hand. The final frame is the whole graph after backward. `epochs`
    trains the note's network that long first (default 0: the random start, as the note).
    """
    from micrograd_beans.course import animation

    epochs = 0 if epochs is None else check_int(epochs, "epochs", minimum=0)
    every = 1 if every is None else check_int(every, "every", minimum=1)
    live, path = _window_and_file(GRAPH_TOUR, save, show)
    started = time.perf_counter()
    x, y = 0.9, 1.0  # one toxic bean of size 0.9, as in the README
    e, train_seconds = _tour_loss(epochs, seed, compiled, x, y)
    e.backward()
    nodes = _backward_order(e)
    steps = list(range(0, len(nodes) + 1, every))  # how many nodes have their grad, per frame
    if steps[-1] != len(nodes):
        steps.append(len(nodes))

    fig = _tour_figure(epochs, x, y)
    anim = animation.TrainingAnimation(
        fig,
        _TourFrame(fig.axes[0], e, nodes),
        save=path,
        live=live,
        fps=1.5,
        hold=2.0,
        dpi=100,
        max_frames=MAX_FRAMES,
        pause=0.8,
    )
    with anim:  # on an error or Ctrl-C, no half-written file is left
        for done in steps[:-1]:
            anim.frame(done)
        written = anim.finish(steps[-1], show=False)
    result = DemoResult(GRAPH_TOUR, epochs, 0.0, train_seconds, e.data, None, path)
    result.seconds = time.perf_counter() - started
    result.frames = anim.frames_written
    if log is not None:
        log(f"{GRAPH_TOUR}: {len(nodes)} nodes, e = {e.data:.5f}, {len(steps)} frames")
        if written is not None:
            log(f"wrote {written}")
    _show_or_close(fig, anim)
    return result


def _tour_loss(epochs: int, seed: int, compiled: bool | str, x: float, y: float) -> tuple:
    """The note's network (trained `epochs` first, if any) and its loss on one bean (x, y):
    (the loss Value, seconds spent training)."""
    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.losses import squared_error
    from micrograd_beans.train import fit

    lesson = get_lesson("hidden-layer")
    model = lesson.make_model(seed)
    train_seconds = 0.0
    if epochs:
        xs, ys = lesson.make_data(seed)
        kwargs = {**lesson.fit_kwargs(), "epochs": epochs}
        train_seconds = fit(model, xs, ys, seed=seed, compiled=compiled, **kwargs).seconds
    return squared_error(model(x), y), train_seconds


def _tour_figure(epochs: int, x: float, y: float) -> Any:
    """A wide figure with one bare axes for the graph's picture, titled with the bean."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(13, 5.4))
    ax.set_axis_off()
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.86)
    start = f"after {epochs} epochs" if epochs else "at its random start"
    fig.suptitle(
        f"Backward through the note's network ({start}), one bean: x = {x}, y = {y:g}",
        fontsize=13,
        fontweight="bold",
    )
    return fig


class _TourFrame:
    """Draws the tour's frame in which the first `done` nodes have their gradients: the
    graph rendered by Graphviz, shown as an image, titled with the node just finished."""

    def __init__(self, ax: Any, root: Any, nodes: list[Any]) -> None:
        self.ax, self.root, self.nodes = ax, root, nodes
        self.grads = {id(v): v.grad for v in nodes}  # after backward; frames show a prefix
        self.image: Any = None

    def __call__(self, done: int) -> None:
        nodes = self.nodes
        for k, v in enumerate(nodes):
            v.grad = self.grads[id(v)] if k < done else 0.0
        current = nodes[done - 1] if 0 < done < len(nodes) else None
        self._show(self._picture(current))
        self.ax.set_title(self._title(done, current), fontsize=12)

    def _picture(self, current: Any) -> np.ndarray:
        from PIL import Image

        from micrograd_beans.viz import draw_dot

        png = draw_dot(self.root, highlight=current).pipe("png")
        with Image.open(io.BytesIO(png)) as im:
            return np.asarray(im.convert("RGB"))

    def _show(self, pixels: np.ndarray) -> None:
        ax = self.ax
        if self.image is None:
            self.image = ax.imshow(pixels, interpolation="antialiased")
            return
        self.image.set_data(pixels)  # pictures differ in size: the extent and limits follow
        self.image.set_extent((-0.5, pixels.shape[1] - 0.5, pixels.shape[0] - 0.5, -0.5))
        ax.set_xlim(-0.5, pixels.shape[1] - 0.5)
        ax.set_ylim(pixels.shape[0] - 0.5, -0.5)

    def _title(self, done: int, current: Any) -> str:
        if done == 0:
            return "Before backward: every grad is 0"
        if current is None:
            return (
                "After backward: de/d(node) at every node; the parameters' grads are the "
                "note's hand-derived ones"
            )
        name = current.label or current.op
        return (
            f"Backward step {done} of {len(self.nodes)}: de/d{name} = {current.grad:.4g}"
            "  (red: the chain-rule path to e)"
        )


# --- command line ------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser, lesson: bool = True) -> None:
    """The options every demo takes (the CLI's `demo` and each script in demos/)."""
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
    # run_args checks the options that go together with the parser's error (exit 2, usage)
    parser.set_defaults(usage_error=parser.error)


def run_args(args: argparse.Namespace, name: str | None = None) -> int:
    """Run the demo the parsed options ask for; 0 on success.

    A --save path of an unknown type is a UsageError (exit 2 with the usage); a folder
    that is missing or not writable is an OSError naming the path, raised before training.
    """
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
    """Entry point of a demos/ script: `main("hidden-layer")` parses the same options."""
    parser = argparse.ArgumentParser(
        prog=f"{name} demo", description=f"Run the {name} demo of micrograd_beans."
    )
    add_arguments(parser, lesson=False)
    args = parser.parse_args(argv)
    try:
        return run_args(args, name)
    except UsageError as err:
        parser.error(str(err))  # usage, message, exit 2
    except (ValueError, TypeError, OSError, RuntimeError, ArithmeticError) as err:
        print(f"{name} demo: error: {err}", file=sys.stderr)
        return 1
