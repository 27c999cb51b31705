"""animation.py: saved animations hold the frames drawn, live windows blit, backends are told apart.

Everything renders with Agg: no test opens a window.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")


import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from course_cases import disc_predict, image_stats, sigmoid  # noqa: E402
from PIL import Image  # noqa: E402

from micrograd_beans.course import animation, plots  # noqa: E402

pytestmark = pytest.mark.usefixtures("close_figures")


# --- displays and backends ---------------------------------------------------------------


def test_has_display_follows_the_environment_on_linux(monkeypatch):
    monkeypatch.setattr(animation.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not animation.has_display()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert animation.has_display()
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.setenv("DISPLAY", ":0")
    assert animation.has_display()


def test_interactive_backends_are_told_from_file_backends():
    assert not animation.is_interactive_backend("agg")
    assert not animation.is_interactive_backend("module://matplotlib_inline.backend_inline")
    assert animation.is_interactive_backend("TkAgg")
    assert animation.is_interactive_backend("QtAgg")


def test_no_display_means_agg(monkeypatch):
    monkeypatch.setattr(animation, "has_display", lambda: False)
    assert animation.use_headless_backend_if_needed() is False
    assert matplotlib.get_backend().lower() == "agg"


# --- saving and animating ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, error, match",
    [
        ("fit.jpgx", ValueError, "use .gif or .mp4"),
        ("no/such/folder/fit.gif", FileNotFoundError, "does not exist"),
    ],
)
def test_check_save_path_rejects_before_training(tmp_path, name, error, match):
    with pytest.raises(error, match=match):
        animation.check_save_path(tmp_path / name)


def test_mp4_without_ffmpeg_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(animation, "ffmpeg_available", lambda: False)
    with pytest.raises(RuntimeError, match="needs ffmpeg.*install it.*save a .gif"):
        animation.check_save_path(tmp_path / "fit.mp4")


def _animation(tmp_path, name, **kwargs):
    fig, ax = plt.subplots(figsize=(4, 3))
    rng = np.random.default_rng(2)
    xs = np.sort(rng.random(30))
    view = plots.FitView(ax, xs, (xs > 0.5).astype(float))
    calls = []

    def draw(epoch):
        calls.append(epoch)
        view.update(lambda x: sigmoid(epoch * (x - 0.5)), f"epoch {epoch}")

    anim = animation.TrainingAnimation(fig, draw, save=tmp_path / name, **kwargs)
    return anim, calls


def test_animation_writes_a_gif_with_a_bounded_number_of_frames(tmp_path):
    anim, calls = _animation(
        tmp_path, "fit.gif", expected_frames=40, max_frames=10, fps=5, hold=1.0, dpi=50
    )
    for epoch in range(1, 41):
        anim.frame(epoch)
    path = anim.finish(40)
    assert path == tmp_path / "fit.gif"
    assert path.read_bytes()[:6] == b"GIF89a"
    # frames 1, 5, 9, ... (every 4th of 40 calls), then the final one and 1 s of hold
    assert calls == list(range(1, 41, 4)) + [40]
    assert anim.frames_written == 10 + 1 + 5
    with Image.open(path) as im:
        assert im.size == (200, 150)
        assert 2 <= im.n_frames <= anim.frames_written
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("L"), dtype=float)
    assert last.var() > 100  # a drawn plot, not a blank frame


@pytest.mark.parametrize("name", ["fit.gif", "fit.png"])
def test_a_finished_animation_leaves_only_its_file(tmp_path, name):
    anim, _ = _animation(tmp_path, name, expected_frames=3, dpi=50)
    with anim:
        for epoch in range(1, 4):
            anim.frame(epoch)
        anim.finish(3)
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.parametrize("name", ["fit.gif", "fit.png"])
def test_an_interrupted_animation_keeps_the_earlier_file_and_leaves_no_partial(tmp_path, name):
    (tmp_path / name).write_bytes(b"an earlier run's picture")
    anim, _ = _animation(tmp_path, name, expected_frames=10, dpi=50)
    with pytest.raises(KeyboardInterrupt), anim:
        anim.frame(1)
        raise KeyboardInterrupt  # Ctrl-C during training
    assert (tmp_path / name).read_bytes() == b"an earlier run's picture"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_png_run_draws_only_the_final_frame(tmp_path):
    anim, calls = _animation(tmp_path, "fit.png", expected_frames=50)
    for epoch in range(1, 51):
        anim.frame(epoch)
    path = anim.finish(50)
    assert calls == [50]
    fmt, size, variance = image_stats(path)
    assert fmt == "PNG" and size[0] > 300 and size[1] > 200 and variance > 100


def test_animation_without_a_file_or_window_draws_once(tmp_path):
    fig, _ = plt.subplots()
    calls = []
    anim = animation.TrainingAnimation(fig, calls.append)
    for epoch in range(5):
        anim.frame(epoch)
    assert anim.finish(5) is None and calls == [5]


def _two_panel(tmp_path, name, blit):
    fig, (ax, hax) = plt.subplots(1, 2, figsize=(6, 3))
    rng = np.random.default_rng(3)
    xs = np.sort(rng.random(40) * 2)
    fit_view = plots.FitView(ax, xs, ((xs > 0.4) & (xs < 1.3)).astype(float))
    hist_view = plots.HistoryView(hax, 40)
    loss = list(0.3 * np.exp(-np.arange(1, 41) / 10))
    acc = list(np.linspace(0.5, 1.0, 40))
    full_draws = []

    def draw(epoch):
        fit_view.update(
            lambda x: sigmoid(epoch / 4 * (x - 0.4)) * sigmoid(epoch / 4 * (1.3 - x)),
            f"epoch {epoch}",
        )
        same_axes = hist_view.update({"loss": loss[:epoch], "accuracy": acc[:epoch]})
        if not same_axes:
            full_draws.append(epoch)
        return same_axes

    animated = [*fit_view.animated, *hist_view.animated] if blit else ()
    anim = animation.TrainingAnimation(
        fig, draw, save=tmp_path / name, animated=animated, dpi=60, hold=0.0
    )
    for epoch in range(1, 41, 3):
        anim.frame(epoch)
    anim.finish(40)
    frames = []
    with Image.open(tmp_path / name) as im:
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB"), dtype=float))
    return frames, full_draws, anim


def test_blitted_gif_frames_match_fully_drawn_ones(tmp_path):
    full, _, plain = _two_panel(tmp_path, "full.gif", blit=False)
    blitted, full_draws, anim = _two_panel(tmp_path, "blit.gif", blit=True)
    assert anim.blit and not plain.blit
    # epochs 1, 4, ..., 40, then the final frame: the same picture as epoch 40, which
    # Pillow merges into it
    assert len(blitted) == len(full) == 14
    # the loss axis moved a decade only a few times: those frames were drawn in full
    assert 0 < len(full_draws) < 5
    for a, b in zip(full, blitted, strict=True):
        assert a.shape == b.shape == (180, 360, 3)
        # the same picture: GIF palettes differ by a level or two, so count real changes
        assert (np.abs(a - b).max(axis=2) > 48).mean() < 0.01  # (curves drawn over a legend)
    # and they really change from frame to frame
    assert (np.abs(blitted[0] - blitted[-1]).max(axis=2) > 48).mean() > 0.01


def _boundary_frames(tmp_path, name, blit, disc):
    fig, ax = plt.subplots(figsize=(4, 3))
    view = plots.BoundaryView(ax, *disc, resolution=40)

    def draw(step):
        return view.update(lambda X: disc_predict(X * (0.6 + step / 10)), f"step {step}")

    anim = animation.TrainingAnimation(
        fig,
        draw,
        save=tmp_path / name,
        dpi=60,
        hold=0.0,
        animated=(lambda: view.animated) if blit else (),
    )
    for step in range(5):
        anim.frame(step)
    anim.finish(5)
    with Image.open(tmp_path / name) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB"), dtype=float))
    return frames, anim


def test_blitted_boundary_frames_match_full_ones(tmp_path, disc):
    full, _ = _boundary_frames(tmp_path, "full.gif", False, disc)
    blitted, anim = _boundary_frames(tmp_path, "blit.gif", True, disc)
    assert anim.blit and len(full) == len(blitted) == 6
    for a, b in zip(full, blitted, strict=True):
        # the shading is replaced each frame; the beans and legend stay drawn over it
        assert (np.abs(a - b).max(axis=2) > 48).mean() < 0.01
    assert (np.abs(blitted[0] - blitted[-1]).max(axis=2) > 48).mean() > 0.02


def test_a_live_window_blits_and_ends_with_ordinary_artists(monkeypatch):
    shows = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shows.append(k))
    monkeypatch.setattr(animation.TrainingAnimation, "window_open", lambda self: True)
    fig, ax = plt.subplots(figsize=(4, 3))
    xs = np.linspace(0, 2, 30)
    view = plots.FitView(ax, xs, ((xs > 0.4) & (xs < 1.3)).astype(float))
    full_draws = []
    monkeypatch.setattr(
        fig.canvas, "draw", lambda: (full_draws.append(1), type(fig.canvas).draw(fig.canvas))
    )
    anim = animation.TrainingAnimation(
        fig, lambda k: view.update(lambda x: x * k / 10), live=True, animated=view.animated
    )
    assert anim.live_blit and shows == [{"block": False}]
    assert all(a.get_animated() for a in view.animated)
    for k in range(10):
        anim.frame(k)
    assert len(full_draws) == 1  # the first frame; the other nine only redrew the curve
    anim.finish(10)
    assert shows == [{"block": False}, {}]
    assert not any(a.get_animated() for a in view.animated)
    np.testing.assert_allclose(view.line.get_ydata(), view.grid)


def test_a_live_window_feeds_the_gif_from_its_own_canvas(tmp_path, monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    monkeypatch.setattr(animation.TrainingAnimation, "window_open", lambda self: True)
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)  # the "window" at 100 dpi
    xs = np.linspace(0, 2, 30)
    view = plots.FitView(ax, xs, ((xs > 0.4) & (xs < 1.3)).astype(float))
    saves = []
    monkeypatch.setattr(fig, "savefig", lambda *a, **k: saves.append(a))
    anim = animation.TrainingAnimation(
        fig,
        lambda k: view.update(lambda x: sigmoid(k * (x - 1))),
        live=True,
        save=tmp_path / "w.gif",
        animated=view.animated,
        dpi=50,
        hold=0.0,
    )
    for k in range(6):
        anim.frame(k)
    anim.finish(6)
    assert saves == []  # no frame was rendered a second time for the file
    with Image.open(tmp_path / "w.gif") as im:
        assert im.size == (200, 150)  # scaled from the window's 400 x 300 to 50 dpi
        assert im.n_frames == 7


def test_mp4_frames_go_to_ffmpeg(tmp_path, monkeypatch):
    # A stand-in ffmpeg: it reads the raw frames matplotlib pipes in and writes their size
    # into the output file (its last argument), so the test needs no real ffmpeg.
    fake = tmp_path / "ffmpeg"
    fake.write_text('#!/bin/sh\nfor a; do out="$a"; done\nwc -c > "$out"\n')
    fake.chmod(0o755)
    monkeypatch.setitem(matplotlib.rcParams, "animation.ffmpeg_path", str(fake))
    assert animation.ffmpeg_available()
    anim, calls = _animation(tmp_path, "fit.mp4", fps=4, hold=0.5, dpi=50)
    for epoch in range(1, 4):
        anim.frame(epoch)
    anim.finish(3)
    assert calls == [1, 2, 3, 3]
    assert anim.frames_written == 3 + 1 + 2  # three redraws, the final frame, 0.5 s held
    piped = int((tmp_path / "fit.mp4").read_text().split()[0])
    assert piped == anim.frames_written * 200 * 150 * 4  # RGBA frames of 4 x 3 in at 50 dpi


# --- in a notebook ----------------------------------------------------------------------


def test_a_notebooks_backend_is_never_switched(monkeypatch):
    monkeypatch.setattr(animation, "has_display", lambda: False)
    used = []
    monkeypatch.setattr(matplotlib, "use", lambda *a, **k: used.append(a))
    for name in ("module://matplotlib_inline.backend_inline", "module://ipympl.backend_nbagg"):
        monkeypatch.setattr(matplotlib, "get_backend", lambda name=name: name)
        assert animation.use_headless_backend_if_needed() is False
    assert used == []
