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
from pathlib import Path
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
    batch_size: see cli.training_options.training_settings).
    """
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
    from micrograd_beans.train import evaluate

    lesson = _lesson_as_asked(name, training)
    epochs = check_int(lesson.epochs if epochs is None else epochs, "epochs", minimum=0)
    every = check_int(default_every(epochs) if every is None else every, "every", minimum=1)
    live, path = demo_output.window_and_file(name, save, show)
    started = time.perf_counter()
    xs, ys = lesson.make_data(seed)
    model = lesson.make_model(seed)
    fig, draw, animated = lesson_figure(lesson, xs, ys, model, epochs)
    anim = _lesson_animation(fig, draw, animated, path, live, epochs // every + 1)
    with anim:  # on an error or Ctrl-C, no half-written file is left
        settings = {**lesson.fit_kwargs(), **training, "epochs": epochs}
        fit_options = {"seed": seed, "every": every, "progress": progress, "compiled": compiled}
        history, train_seconds = _train_drawing(anim, model, xs, ys, settings, fit_options)
        loss, accuracy = evaluate(model, xs, ys, lesson.loss)
        result = demo_output.DemoResult(name, epochs, 0.0, train_seconds, loss, accuracy, path)
        _finish(anim, result, history, log, started)
    demo_output.show_or_close(fig, anim)
    return result


def _lesson_as_asked(name: str, training: Mapping[str, Any]) -> Any:
    """The lesson with the optimizer, loss and batch size asked for: its figure and summary
    then show the loss that trains."""
    from micrograd_beans.course.lessons import get_lesson

    asked = {k: training[k] for k in ("optimizer", "loss", "batch_size") if k in training}
    return get_lesson(name).with_(**asked)


def _lesson_animation(
    fig: Any,
    draw: Callable[..., bool],
    animated: Callable[[], list],
    path: Path | None,
    live: bool,
    expected_frames: int,
) -> animation.TrainingAnimation:
    """The animation of a lesson's figure: to the window and/or the file, blitting the
    artists `draw` changes, at most MAX_FRAMES frames into the file."""
    from micrograd_beans.course import animation

    return animation.TrainingAnimation(
        fig,
        draw,
        save=path,
        live=live,
        animated=animated,
        expected_frames=expected_frames,
        max_frames=demo_output.MAX_FRAMES,
    )


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
    from micrograd_beans.course.settings import fit_arguments
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


def _finish(
    anim: animation.TrainingAnimation,
    result: demo_output.DemoResult,
    history: Any,
    log: Callable[[str], object] | None,
    started: float,
) -> None:
    """Log the summary, write the file (the final frame, held), then fill in the result's
    time and frames and log the path written."""
    if log is not None:
        log(_summary(result))
    written = anim.finish(result.epochs, history, show=False)
    result.seconds = time.perf_counter() - started
    result.frames = anim.frames_written
    if written is not None and log is not None:
        log(f"wrote {written}")


def _summary(r: demo_output.DemoResult) -> str:
    acc = f", accuracy {r.accuracy:.0%}" if r.accuracy is not None else ""
    return (
        f"{r.name}: {r.epochs} epochs in {r.train_seconds:.2f} s of training, "
        f"final loss {r.loss:.4g}{acc}"
    )
