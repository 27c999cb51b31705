"""A lesson's training picture: its figure, the `draw(epoch, history)` that redraws the
model in it, and how often to redraw.

1-input lessons show the beans with the model's curve, beside loss and accuracy; 2-input
ones the decision boundary (and, for the plane and the disc, the 3-D surface of lesson 7).
The demos (`course.demo`) and the notebook helpers (`course.notebook`) draw with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def default_every(epochs: int) -> int:
    """Redraw about 50 times per run: every 100 epochs of the note's 5000."""
    return max(1, epochs // 50)


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
