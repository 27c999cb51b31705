"""Animating training: redraw a figure every k epochs, live in a window and/or into a file.

`TrainingAnimation` drives the views of `course.plots` (their `update`) from a training
callback; it writes GIFs (Pillow) and MP4s (ffmpeg) through matplotlib's writers, or the
final frame as a picture. `check_save_path` validates an output path before training, and
the backend checks (`has_display`, `use_headless_backend_if_needed`, ...) decide whether a
window can open or a notebook draws the pictures.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import animation
from matplotlib.figure import Figure

from micrograd_beans import files

# Backends that draw to files or notebooks only: no window can be updated live.
_NON_INTERACTIVE = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


def has_display() -> bool:
    """True when a window can be opened: macOS/Windows, or DISPLAY/WAYLAND_DISPLAY set."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def is_interactive_backend(backend: str | None = None) -> bool:
    """True when the matplotlib backend draws into a window (not Agg, a file or a notebook)."""
    name = (backend or matplotlib.get_backend()).lower()
    return name not in _NON_INTERACTIVE and not name.startswith("module://matplotlib_inline")


def is_inline_backend(backend: str | None = None) -> bool:
    """True under Jupyter's inline backend (pictures as cell outputs)."""
    return (backend or matplotlib.get_backend()).lower().startswith("module://matplotlib_inline")


def is_notebook_backend(backend: str | None = None) -> bool:
    """True for a backend that draws into a notebook: inline, or ipympl's live widget."""
    name = (backend or matplotlib.get_backend()).lower()
    return is_inline_backend(name) or name in _NOTEBOOK_BACKENDS or "ipympl" in name


_NOTEBOOK_BACKENDS = ("nbagg", "widget", "ipympl", "module://ipympl.backend_nbagg")


def use_headless_backend_if_needed() -> bool:
    """Return True if a window can open. With no display, a window backend (TkAgg...) is
    switched to Agg; a notebook's backend (inline, ipympl) or Agg is never changed, so
    plots later in the notebook still show."""
    if is_notebook_backend():
        return False
    if not has_display():
        if is_interactive_backend():
            matplotlib.use("Agg", force=True)
        return False
    return is_interactive_backend()


#: File types `TrainingAnimation` writes: animations, and formats for the final frame only.
ANIMATION_SUFFIXES = (".gif", ".mp4")
IMAGE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")


def check_save_path(path: str | os.PathLike[str]) -> Path:
    """Validate an output path before training: a known suffix, an existing folder, ffmpeg.

    Raises ValueError for an unknown suffix or an empty path, an OSError naming the path
    when its folder is missing or not writable or a non-regular file (a directory, a
    device) is in the way (`files.check_writable`), and RuntimeError for an .mp4 when
    ffmpeg is not installed.
    """
    if os.fspath(path) == "":
        raise ValueError("cannot save to an empty path: give a file name")
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in ANIMATION_SUFFIXES + IMAGE_SUFFIXES:
        raise ValueError(
            f"cannot save {str(out)!r}: use .gif or .mp4 for an animation, or "
            f"{', '.join(IMAGE_SUFFIXES)} for the final frame"
        )
    files.check_writable(out)
    if suffix == ".mp4" and not ffmpeg_available():
        raise RuntimeError(
            f"cannot save {str(out)!r}: writing .mp4 needs ffmpeg, which was not found on "
            "PATH; install it (apt install ffmpeg, brew install ffmpeg, conda install ffmpeg) "
            "or save a .gif (no extra software) or a .png of the final frame"
        )
    return out


def ffmpeg_available() -> bool:
    """True when matplotlib can find an ffmpeg executable for .mp4 files."""
    return animation.FFMpegWriter.isAvailable() or shutil.which("ffmpeg") is not None


class _GifWriter(animation.PillowWriter):
    """matplotlib's PillowWriter that can also take the frame already on an Agg canvas,
    so a blitted frame is not rendered a second time by `savefig`."""

    def grab_canvas(self) -> None:
        """Take the canvas as it is (scaled to the file's frame size if a window's differs)."""
        from PIL import Image

        canvas = self.fig.canvas
        size = canvas.get_width_height(physical=True)
        rgba = bytes(canvas.buffer_rgba())  # a copy: the canvas is drawn over next frame
        image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1)
        frame_size = tuple(round(v * self.dpi) for v in self.fig.get_size_inches())
        if image.size != frame_size:
            image = image.resize(frame_size, Image.Resampling.LANCZOS)
        self._frames.append(image)


class TrainingAnimation:
    """Redraw a figure every k epochs of training, live in a window and/or into a file.

    Call `frame()` from the training callback and `finish()` after training. Drawing is
    skipped entirely when neither a window nor an animation file needs the frame, so a
    headless run that saves a .png draws once, at the end. Animation files keep at most
    `max_frames` frames (every n-th `frame()` call is grabbed), then hold the final frame
    for `hold` seconds.

    `draw` redraws the figure's model parts; it gets the arguments passed to `frame`.
    `pause` keeps each live frame on screen that many seconds (for slow step-by-step tours).

    Blitting: give the artists `draw` changes as `animated` (a list, or a function returning
    the current list when `draw` replaces artists) and have `draw` return True when nothing
    else changed (the views' `update` says so). A headless GIF then renders
    the rest of the figure once and only redraws those artists per frame, several times
    faster; frames where `draw` returns anything else are drawn in full.

    The work is shared by three small parts: `_AnimatedArtists` (what blitting redraws),
    `_FrameFile` (the file, written through a partial file) and `_LiveWindow` (the window).
    """

    def __init__(
        self,
        fig: Figure,
        draw: Callable[..., None],
        *,
        save: str | os.PathLike[str] | None = None,
        live: bool = False,
        expected_frames: int | None = None,
        max_frames: int = 60,
        fps: float = 10.0,
        dpi: float = 80.0,
        hold: float = 2.0,
        pause: float = 0.0,
        animated: Sequence[Any] | Callable[[], Sequence[Any]] = (),
    ) -> None:
        self.fig = fig
        self.draw = draw
        self.path = check_save_path(save) if save is not None else None
        self.live = live
        self.calls = 0
        self.stride = 1
        if expected_frames and expected_frames > max_frames:
            self.stride = math.ceil(expected_frames / max_frames)
        # Blitting, two ways: into a GIF of a figure no window shows (the canvas is ours, at
        # the GIF's dpi), or in a window whose toolkit can blit, re-capturing the background
        # whenever the window redraws in full (a resize, a rotated 3-D view). A window that
        # also feeds an animation file blits on screen; the file's frames are rendered.
        artists = _AnimatedArtists(fig, animated)
        suffix = self.path.suffix.lower() if self.path is not None else ""
        self.blit = bool(artists) and suffix == ".gif" and not live
        self.live_blit = (
            bool(artists) and live and bool(getattr(fig.canvas, "supports_blit", False))
        )
        self._file = (
            _FrameFile(fig, self.path, artists, fps=fps, dpi=dpi, hold=hold, blit=self.blit)
            if self.path is not None
            else None
        )
        self._window = _LiveWindow(fig, artists, pause, self.live_blit) if live else None

    @property
    def frames_written(self) -> int:
        """How many frames the animation file has (0 without one)."""
        return self._file.frames_written if self._file is not None else 0

    def window_open(self) -> bool:
        """True while the live window is open (the learner may close it mid-training)."""
        import matplotlib.pyplot as plt

        return plt.fignum_exists(self.fig.number)

    def frame(self, *args: Any) -> None:
        """One training checkpoint: redraw if a window or the animation needs this frame."""
        file = self._file
        grab = file is not None and file.is_animation and self.calls % self.stride == 0
        self.calls += 1
        if self.live and not self.window_open():
            self.live = False  # the learner closed the window: keep training, stop drawing
        if not (grab or self.live):
            return
        only_animated = self.draw(*args) is True
        if self.live:
            self._window.show(only_animated)
        if grab:
            file.grab(only_animated=only_animated, from_window=self._window_feeds_file())

    def _window_feeds_file(self) -> bool:
        """True when the window's canvas was just blitted: the GIF can take it as it is."""
        return self.live_blit and self.live

    def __enter__(self) -> TrainingAnimation:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not None:
            self.abort()  # an error or Ctrl-C mid-training: no half-written file

    def abort(self) -> None:
        """Give up on the file: remove the partial one; the target path is left as it was."""
        if self._file is not None:
            self._file.abort()

    def finish(self, *args: Any, show: bool = True) -> Path | None:
        """Draw the final frame, close the file, and (live) keep the window open until closed.

        Returns the path written, if any.
        """
        only_animated = self.draw(*args) is True
        if self.live and not self.window_open():
            self.live = False
        if self.live and self.live_blit:
            self._window.show(only_animated)
        if self._file is not None:
            self._file.finish(only_animated, from_window=self._window_feeds_file())
        if self.live_blit:
            self._window.stop_blitting()
        if self.live and self.window_open():
            self.fig.canvas.draw_idle()
            self.fig.canvas.flush_events()
        if self.live and show and self.window_open():
            import matplotlib.pyplot as plt

            plt.show()  # blocks until closed: the last frame stays (the note's lost it)
        return self.path


class _AnimatedArtists:
    """The artists a TrainingAnimation's `draw` changes, for blitting: the figure is drawn
    once without them (the background), then only they are drawn over it."""

    def __init__(self, fig: Figure, animated: Sequence[Any] | Callable[[], Sequence[Any]]):
        self.fig = fig
        self._current = animated if callable(animated) else (lambda: list(animated))

    def __bool__(self) -> bool:
        return bool(self._current())

    def mark(self, flag: bool) -> list[Any]:
        """Mark the current artists animated (left out of full draws) or not; return them."""
        artists = list(self._current())  # the current ones: a view may have replaced some
        for artist in artists:
            artist.set_animated(flag)
        return artists

    def draw(self, artists: Sequence[Any]) -> None:
        for artist in artists:
            if hasattr(artist, "do_3d_projection"):
                artist.do_3d_projection()  # what Axes3D.draw does before drawing a 3-D artist
            self.fig.draw_artist(artist)


class _FrameFile:
    """A TrainingAnimation's file: frames into a GIF or MP4 writer, or one picture (.png,
    ...) saved by `finish`.

    Frames go to a hidden file beside the target, renamed into place by `finish` (a picture
    is written atomically): an interrupted run never leaves half a GIF/MP4 or clobbers an
    earlier good one.
    """

    def __init__(
        self,
        fig: Figure,
        path: Path,
        artists: _AnimatedArtists,
        *,
        fps: float,
        dpi: float,
        hold: float,
        blit: bool,
    ) -> None:
        self.fig, self.path, self.artists = fig, path, artists
        self.fps, self.dpi, self.hold, self.blit = fps, dpi, hold, blit
        self.partial = path.with_name(f".{path.stem}.partial{path.suffix}")
        self.frames_written = 0
        self._background: Any = None
        self.writer: animation.AbstractMovieWriter | None = None
        suffix = path.suffix.lower()
        if suffix == ".gif":
            self.writer = _GifWriter(fps=fps)
        elif suffix == ".mp4":
            self.writer = animation.FFMpegWriter(fps=fps)
        if self.writer is not None:
            if blit:
                fig.set_dpi(dpi)
                artists.mark(True)  # left out of the background
            self.writer.setup(fig, str(self.partial), dpi=dpi)

    @property
    def is_animation(self) -> bool:
        """True for a GIF or MP4 (frames), False for a picture of the final frame."""
        return self.writer is not None

    def grab(self, times: int = 1, only_animated: bool = False, from_window: bool = False):
        """Add the figure as it is now, `times` times (the last frame is held)."""
        assert self.writer is not None
        if self.blit:
            self._blit(only_animated)
            self.writer.grab_canvas()  # type: ignore[attr-defined]
        elif from_window and isinstance(self.writer, _GifWriter):
            self.writer.grab_canvas()  # the window's canvas was just blitted: take it
        else:
            self.writer.grab_frame()
        self.frames_written += 1
        repeat = times - 1
        frames = getattr(self.writer, "_frames", None)  # PillowWriter keeps images in memory
        if repeat > 0 and isinstance(frames, list) and frames:
            frames.extend([frames[-1]] * repeat)  # the same image again: no re-rendering
            self.frames_written += repeat
            repeat = 0
        for _ in range(repeat):
            self.writer.grab_frame()
            self.frames_written += 1

    def _blit(self, only_animated: bool) -> None:
        canvas = self.fig.canvas
        artists = self.artists.mark(True)
        if only_animated and self._background is not None:
            canvas.restore_region(self._background)
        else:
            canvas.draw()  # everything but the animated artists
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        self.artists.draw(artists)

    def finish(self, only_animated: bool, from_window: bool) -> None:
        """The final frame (held), then the file renamed into place."""
        if self.writer is not None:
            times = 1 + max(0, round(self.hold * self.fps))
            self.grab(times, only_animated=only_animated, from_window=from_window)
            try:
                self.writer.finish()
                os.replace(self.partial, files.resolve_target(self.path))
            except OSError as err:  # name the user's file, not the hidden partial one
                raise OSError(f"cannot save {self.path}: {err.strerror or err}") from None
            if self.blit:
                self.artists.mark(False)  # a later savefig or window shows them all
        else:
            picture = io.BytesIO()
            self.fig.savefig(
                picture,
                format=self.path.suffix.lstrip(".").lower(),
                dpi=max(self.dpi, 100.0),
                bbox_inches="tight",
            )
            files.write_atomically(self.path, picture.getvalue())

    def abort(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.finish()
        self.partial.unlink(missing_ok=True)


class _LiveWindow:
    """A TrainingAnimation's window, opened at once (training does not wait for it) and
    redrawn at every frame; blitting when its toolkit can."""

    def __init__(self, fig: Figure, artists: _AnimatedArtists, pause: float, blit: bool) -> None:
        self.fig, self.artists, self.pause, self.blit = fig, artists, pause, blit
        self._background: Any = None
        self._draw_hook: int | None = None
        if blit:
            artists.mark(True)
            self._draw_hook = fig.canvas.mpl_connect("draw_event", self._on_full_draw)
        import matplotlib.pyplot as plt

        plt.show(block=False)  # open the window now; training does not wait for it

    def _on_full_draw(self, event: Any) -> None:
        """After any full redraw of the window: keep it as the background, add the artists."""
        if self.fig.canvas.is_saving():
            return  # a frame rendered for a file, at the file's dpi: not the window's
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self.artists.draw(self.artists.mark(True))

    def show(self, only_animated: bool) -> None:
        canvas = self.fig.canvas
        if self.blit and only_animated and self._background is not None:
            canvas.restore_region(self._background)
            self.artists.draw(self.artists.mark(True))
            canvas.blit(self.fig.bbox)
        elif self.blit:
            self.artists.mark(True)
            canvas.draw()  # the draw_event hook captures the background and adds the artists
        else:
            canvas.draw_idle()
        if self.pause > 0:
            canvas.start_event_loop(self.pause)  # time to read the frame
        else:
            canvas.flush_events()

    def stop_blitting(self) -> None:
        """Back to ordinary artists, so the window's own redraws (resize, save button) show
        everything."""
        if self._draw_hook is not None:
            self.fig.canvas.mpl_disconnect(self._draw_hook)
            self._draw_hook = None
        self.artists.mark(False)
