"""Where a demo's frames go and what it reports: a live window or a file, and a DemoResult.

Both kinds of demo, a lesson training (`course.demo`) and the graph tour (`course.tour`),
decide the same way whether a window opens and which file to write, keep at most
`MAX_FRAMES` frames in an animation file, and return a `DemoResult`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from micrograd_beans.course import animation

#: At most this many frames go into an animation file (the note's 5000/100 = 50 fit in).
MAX_FRAMES = 60


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


def decide_window(show: bool | None) -> bool:
    """Whether to open a live window: asked for (None: whenever possible) and possible.

    Switches matplotlib to Agg when there is no display, so nothing tries to open one.
    """
    from micrograd_beans.course import animation

    if show is False:
        return False
    return animation.use_headless_backend_if_needed()


def window_and_file(
    name: str, save: str | os.PathLike[str] | None, show: bool | None
) -> tuple[bool, Path | None]:
    """Whether a live window opens, and the checked file to write (`<name>.png` when no
    window opens and no file was asked for)."""
    from micrograd_beans.course import animation

    live = decide_window(show)
    if save is None and not live:
        save = f"{name}.png"
    return live, (animation.check_save_path(save) if save is not None else None)


def show_or_close(fig: Any, anim: animation.TrainingAnimation) -> None:
    """Keep a live window open on the final frame until the learner closes it; then (or
    at once, headless) close the figure."""
    import matplotlib.pyplot as plt

    if anim.live and anim.window_open():
        plt.show()  # blocks until closed: the final frame stays (the note's vanished)
    plt.close(fig)
