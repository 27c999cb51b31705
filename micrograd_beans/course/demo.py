"""The course's lessons as demos: train a lesson while its picture redraws, live or into a file.

`run_demo("hidden-layer")` is the note's program done right: the beans and the fitted curve
redraw every 100 epochs in a window that opens before training (no blocking `plt.show()`
first) and stays open on the final frame when training ends. Without a display it runs
headless (Agg) and writes a file; `save=` picks the file: `.gif` (Pillow) or `.mp4`
(ffmpeg) for the animation, `.png`/`.svg`/`.pdf` for the final frame.

One function serves the console script (`micrograd-beans demo LESSON`) and the scripts in
`demos/` (both parse their options in `cli/demo.py`), so both run the same code. Lessons
are the presets of `lessons.py`, drawn by `course.lesson_figure`; the extra demo
`graph-tour` (`course.tour`) walks backward through the note's computation graph.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from micrograd_beans.checks import check_int
from micrograd_beans.course import demo_output
from micrograd_beans.course.lesson_figure import default_every, lesson_figure
from micrograd_beans.course.tour import GRAPH_TOUR, graph_tour

if TYPE_CHECKING:
    from micrograd_beans.course import animation


def demo_names() -> list[str]:
    """Every demo: each lesson preset, then the graph tour."""
    from micrograd_beans.course.lessons import LESSONS

    return [*LESSONS, GRAPH_TOUR]


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
) -> demo_output.DemoResult:
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
    live, path = demo_output.window_and_file(name, save, show)
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
        max_frames=demo_output.MAX_FRAMES,
    )
    with anim:  # on an error or Ctrl-C, no half-written file is left
        settings = {**lesson.fit_kwargs(), **training, "epochs": epochs}
        fit_options = {"seed": seed, "every": every, "progress": progress, "compiled": compiled}
        history, train_seconds = _train_drawing(anim, model, xs, ys, settings, fit_options)
        loss, accuracy = evaluate(model, xs, ys, lesson.loss)
        result = demo_output.DemoResult(
            name, epochs, 0.0, train_seconds, loss, accuracy, path, anim.frames_written
        )
        if log is not None:
            log(_summary(result))
        written = anim.finish(epochs, history, show=False)
        result.seconds = time.perf_counter() - started
        result.frames = anim.frames_written
        if written is not None and log is not None:
            log(f"wrote {written}")
    demo_output.show_or_close(fig, anim)
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


def _summary(r: demo_output.DemoResult) -> str:
    acc = f", accuracy {r.accuracy:.0%}" if r.accuracy is not None else ""
    return (
        f"{r.name}: {r.epochs} epochs in {r.train_seconds:.2f} s of training, "
        f"final loss {r.loss:.4g}{acc}"
    )
