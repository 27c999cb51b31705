"""A lesson's training in a notebook: an animation that plays inline, and live redraw.

`training_animation("hidden-layer")` trains the lesson once, keeps the model every `every`
epochs, and returns a `LessonAnimation`: the last line of a cell shows it as an inline
player (matplotlib's `to_jshtml`, a `text/html` output that needs no kernel to replay), and
`.save("fit.gif")` writes it. `live_training(...)` redraws the lesson's figure while it
trains, under `%matplotlib widget` (ipympl). Neither changes the notebook's backend.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Frames of an inline animation: a 5000-epoch lesson redraws every 200 epochs. Each frame
#: is a PNG inside the notebook, so this bounds its size (about 25 kB a frame at FRAME_DPI).
DEFAULT_FRAMES = 26
FRAME_DPI = 60
FRAME_MS = 125  # 8 frames a second
HOLD_MS = 2000  # the final frame stays two seconds


def _lesson(lesson: Any) -> Any:
    from micrograd_beans.course.lessons import Lesson, get_lesson

    return lesson if isinstance(lesson, Lesson) else get_lesson(lesson)


@dataclass
class _Snapshot:
    epoch: int
    state: dict[str, float]
    loss: list[float]
    accuracy: list[float] | None


class LessonAnimation:
    """A trained lesson and the frames of its training, to play inline or save.

    `model` and `history` are the finished run; `animation` the matplotlib FuncAnimation.
    In Jupyter the object shows itself as an animated GIF; `player()` is the HTML player.
    """

    def __init__(self, lesson: Any, model: Any, xs: Any, ys: Any, history: Any, snaps: list):
        import matplotlib.pyplot as plt

        from micrograd_beans.course.lesson_figure import lesson_figure
        from micrograd_beans.train import History

        self.lesson, self.model, self.history = lesson, model, history
        self.frames = len(snaps)
        final = model.state_dict()
        fig, draw, _ = lesson_figure(lesson, xs, ys, model, history.epochs)
        fig.set_dpi(FRAME_DPI)
        # Not a pyplot figure any more: the inline backend would show its last frame as a
        # second, still picture under the player.
        plt.close(fig)

        def frame(k: int) -> list:
            snap = snaps[k]
            model.load_state_dict(snap.state)
            draw(snap.epoch, History(loss=snap.loss, accuracy=snap.accuracy))
            model.load_state_dict(final)
            return []

        self.figure = fig
        self._gif: bytes | None = None
        self._frame = frame
        self._animation: Any = None

    @property
    def animation(self) -> Any:
        """The frames as a matplotlib FuncAnimation (made when first asked for)."""
        if self._animation is None:
            from matplotlib import animation

            self._animation = animation.FuncAnimation(
                self.figure, self._frame, frames=self.frames, interval=FRAME_MS, repeat=False
            )
        return self._animation

    def player(self) -> Any:
        """matplotlib's HTML player (play, pause, step), frames embedded as PNG."""
        from IPython.display import HTML

        return HTML(self.animation.to_jshtml(default_mode="once"))

    def gif(self) -> bytes:
        """The animation as GIF bytes, the last frame held two seconds (made once, kept)."""
        if self._gif is None:
            import io

            from PIL import Image

            images = []
            for k in range(self.frames):
                self._frame(k)
                buffer = io.BytesIO()
                self.figure.savefig(buffer, format="png", dpi=FRAME_DPI)
                images.append(Image.open(buffer).convert("RGB").quantize(colors=64))
            out = io.BytesIO()
            durations = [FRAME_MS] * (len(images) - 1) + [HOLD_MS]
            images[0].save(
                out,
                format="GIF",
                save_all=True,
                append_images=images[1:],
                duration=durations,
                loop=0,
            )
            self._gif = out.getvalue()
        return self._gif

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.gif()).decode("ascii")
        alt = html.escape(repr(self))
        return f'<img src="data:image/gif;base64,{data}" alt="{alt}"/>'

    def save(self, path: str) -> Path:
        """Write the animation to `path`: .gif (the inline GIF), or .mp4 through ffmpeg."""
        from micrograd_beans import files

        target = Path(path)
        if target.suffix.lower() == ".gif":
            return files.write_atomically(target, self.gif())
        self.animation.save(str(target), dpi=FRAME_DPI, fps=1000 // FRAME_MS)
        return target

    def __repr__(self) -> str:
        return (
            f"<LessonAnimation {self.lesson.name!r}: {self.frames} frames; "
            f"{self.history.summary()}>"
        )


def training_animation(
    lesson: Any = "hidden-layer",
    *,
    epochs: int | None = None,
    seed: int = 0,
    frames: int = DEFAULT_FRAMES,
    compiled: bool | str = "auto",
) -> LessonAnimation:
    """Train `lesson` (a name or a Lesson) from `seed` and return its training as an
    animation of about `frames` frames (the first at epoch 0, the last at the end)."""

    lesson = _lesson(lesson)
    epochs = lesson.epochs if epochs is None else epochs
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"frames must be an integer of at least 2, got {frames!r}")
    every = max(1, epochs // (frames - 1))
    model, xs, ys = lesson.setup(seed)
    snaps = [_Snapshot(0, model.state_dict(), [], None)]

    def keep(epoch: int, model: Any, history: Any) -> None:
        acc = list(history.accuracy) if history.accuracy is not None else None
        snaps.append(_Snapshot(epoch, model.state_dict(), list(history.loss), acc))

    history = _fit_lesson(lesson, model, xs, ys, epochs, seed, every, keep, compiled)
    return LessonAnimation(lesson, model, xs, ys, history, snaps)


def live_training(
    lesson: Any = "hidden-layer",
    *,
    epochs: int | None = None,
    seed: int = 0,
    every: int | None = None,
    compiled: bool | str = "auto",
    display: Callable[[Any], object] | None = None,
) -> tuple[Any, Any]:
    """Train `lesson` while its figure redraws every `every` epochs, in the notebook.

    Needs matplotlib's widget backend (`%matplotlib widget`, from the ipympl package):
    there the figure is a live canvas that each redraw updates. Under the inline backend,
    which can only show finished pictures, it raises a RuntimeError pointing to
    `training_animation`. Returns (model, history).
    """
    import matplotlib.pyplot as plt

    from micrograd_beans.course import animation
    from micrograd_beans.course.lesson_figure import default_every, lesson_figure

    if not animation.is_notebook_backend() or animation.is_inline_backend():
        raise RuntimeError(
            "live_training redraws a live figure: run `%matplotlib widget` first (pip install "
            "ipympl), or use training_animation(...) to get an animation that plays inline"
        )
    lesson = _lesson(lesson)
    epochs = lesson.epochs if epochs is None else epochs
    every = default_every(epochs) if every is None else every
    model, xs, ys = lesson.setup(seed)
    with plt.ioff():  # shown once, below, not also when the cell ends
        fig, draw, _ = lesson_figure(lesson, xs, ys, model, epochs)
    if display is None:
        from IPython.display import display
    display(fig.canvas)
    draw(0, None)
    fig.canvas.draw()

    def redraw(epoch: int, _model: Any, history: Any) -> None:
        draw(epoch, history)
        fig.canvas.draw()
        fig.canvas.flush_events()

    history = _fit_lesson(lesson, model, xs, ys, epochs, seed, every, redraw, compiled)
    return model, history


def _fit_lesson(
    lesson: Any,
    model: Any,
    xs: Any,
    ys: Any,
    epochs: int,
    seed: int,
    every: int,
    callback: Callable[[int, Any, Any], object],
    compiled: bool | str,
) -> Any:
    """fit() with the lesson's own settings for `epochs` epochs, calling `callback` every
    `every` epochs, without a progress bar (the figure shows the progress)."""
    from micrograd_beans.train import fit

    kwargs = {**lesson.fit_kwargs(), "epochs": epochs}
    return fit(
        model,
        xs,
        ys,
        seed=seed,
        every=every,
        callback=callback,
        progress=False,
        compiled=compiled,
        **kwargs,
    )
