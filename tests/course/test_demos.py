"""Demos: every lesson runs headless with few epochs and writes a real, non-blank picture.

Matplotlib is forced to Agg and no test opens a window; the live path is checked with
`plt.show` replaced by a recorder.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from micrograd_beans import cli  # noqa: E402
from micrograd_beans.course import animation, demo  # noqa: E402
from micrograd_beans.course.lessons import LESSONS, get_lesson  # noqa: E402
from micrograd_beans.train import fit  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = {
    "single-neuron": "single_neuron.py",
    "hidden-layer": "hidden_layer.py",
    "two-inputs": "two_inputs.py",
    "disc": "disc.py",
    "spiral": "spiral.py",
    "graph-tour": "graph_tour.py",
}


@pytest.fixture(autouse=True)
def _headless(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(animation.sys, "platform", "linux")
    yield
    plt.close("all")


def picture(path: Path) -> tuple[str, tuple[int, int], int, float]:
    """(format, size, frames, grey-level variance of the last frame) of an image file."""
    with Image.open(path) as im:
        fmt, size, frames = im.format, im.size, getattr(im, "n_frames", 1)
        im.seek(frames - 1)
        grey = np.asarray(im.convert("L"), dtype=float)
    return fmt, size, frames, float(grey.var())


def test_every_lesson_and_the_graph_tour_is_a_demo():
    assert demo.demo_names() == [*LESSONS, "graph-tour"]
    assert set(SCRIPTS) <= set(demo.demo_names())


@pytest.mark.parametrize("name", demo.demo_names())
def test_each_demo_writes_its_final_frame_as_png(name, tmp_path):
    out = tmp_path / f"{name}.png"
    lines = []
    result = demo.run_demo(name, epochs=3, every=1, save=out, log=lines.append)
    assert result.path == out and f"wrote {out}" in lines
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fmt, (width, height), _, variance = picture(out)
    assert fmt == "PNG" and width >= 800 and height >= 400
    assert variance > 200  # axes, beans, curves: far from a blank canvas


def test_the_notes_demo_writes_a_gif_animation(tmp_path):
    out = tmp_path / "fit.gif"
    result = demo.run_demo("hidden-layer", epochs=20, every=4, save=out, log=None)
    assert out.read_bytes()[:6] == b"GIF89a"
    fmt, size, frames, variance = picture(out)
    assert fmt == "GIF" and size == (880, 352)  # 11 x 4.4 inches at 80 dpi
    # epochs 0, 4, ..., 20 plus the final one held: at least the 6 distinct fits
    assert frames >= 6 and result.frames >= frames
    assert variance > 200


def test_gif_frames_are_capped_for_long_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "MAX_FRAMES", 5)
    out = tmp_path / "line.gif"
    result = demo.run_demo("line", epochs=100, every=1, save=out, log=None)
    hold = round(2.0 * 10)  # two seconds of the final frame at 10 fps
    # 101 redraws (epochs 0..100) thinned to every 21st: epochs 0, 21, 42, 63, 84
    assert result.frames == 5 + 1 + hold
    assert picture(out)[2] == 6  # Pillow stores the held copies as one long frame


def test_the_graph_tour_shows_one_more_gradient_per_frame(tmp_path):
    out = tmp_path / "tour.gif"
    result = demo.run_demo("graph-tour", every=4, save=out, log=None)
    # 21 Values in the note's graph (7 parameters, x, z/a of 3 neurons, the 4 products and
    # the sum of two inside them, y - a1_2, e), 4 more gradients per frame: 0, 4, ..., 20
    # done, then all 21 (the final frame, held)
    fmt, size, frames, variance = picture(out)
    assert fmt == "GIF" and frames == 7 and variance > 200
    assert result.frames >= frames


def test_backward_order_puts_every_node_after_its_users():
    from micrograd_beans.losses import squared_error

    model = get_lesson("hidden-layer").make_model(0)
    e = squared_error(model(0.9), 1.0)
    order = demo._backward_order(e)
    assert order[0] is e
    position = {id(v): k for k, v in enumerate(order)}
    for v in order:
        for p in v.parents:
            if id(p) in position:
                assert position[id(p)] > position[id(v)]
    assert {v.label for v in order} >= {
        "w11_1",
        "b1_1",
        "w12_1",
        "b2_1",
        "w11_2",
        "w21_2",
        "b1_2",
        "a1_1",
        "z1_2",
        "a1_2",
        "e",
    }


def test_the_figures_curve_is_the_trained_models_prediction():
    lesson = get_lesson("hidden-layer")
    xs, ys = lesson.make_data(1)
    model = lesson.make_model(1)
    history = fit(model, xs, ys, epochs=30, lr=lesson.lr, progress=False)
    fig, draw, _ = demo.lesson_figure(lesson, xs, ys, model, 30)
    draw(30, history)
    fit_ax, loss_ax = fig.axes[0], fig.axes[1]
    (curve,) = [ln for ln in fit_ax.get_lines() if ln.get_label() == "model"]
    grid, heights = curve.get_data()
    np.testing.assert_allclose(heights, [model.predict(float(x)) for x in grid], rtol=1e-12)
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_ydata(), history.loss)
    assert fit_ax.get_xlabel() == "Bean Size" and fit_ax.get_ylabel() == "Toxicity"
    assert fit_ax.get_title() == "Size-Toxicity Function  (epoch 30)"
    assert "Lesson 6" in fig._suptitle.get_text()


def test_a_short_run_learns_the_single_neuron_lesson(tmp_path):
    result = demo.run_demo("single-neuron", epochs=300, save=tmp_path / "s.png", log=None)
    assert result.accuracy >= 0.9 and result.loss < 0.1


def test_headless_without_save_writes_lesson_png_in_the_current_folder(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "line-bias", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "wrote line-bias.png" in out and "final loss" in out
    assert picture(tmp_path / "line-bias.png")[0] == "PNG"


def test_the_live_path_opens_without_blocking_and_keeps_the_last_frame(tmp_path, monkeypatch):
    # Pretend a window can open; record what plt.show is asked to do instead of showing.
    shows = []
    monkeypatch.setattr(animation, "use_headless_backend_if_needed", lambda: True)
    monkeypatch.setattr(plt, "show", lambda *a, **k: shows.append(k))
    monkeypatch.setattr(animation.TrainingAnimation, "window_open", lambda self: True)
    draws = []
    real = demo.lesson_figure

    def counting_figure(*args):
        fig, draw, animated = real(*args)
        return fig, lambda *a: (draws.append(a[0]), draw(*a))[1], animated

    monkeypatch.setattr(demo, "lesson_figure", counting_figure)
    result = demo.run_demo("line", epochs=6, every=2, log=None)
    assert result.path is None  # a live run with no --save writes nothing
    assert shows == [{"block": False}, {}]  # opened before training, blocking only at the end
    assert draws == [0, 2, 4, 6, 6]  # every --every epochs, then the final frame


def test_cli_file_errors_are_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(animation, "ffmpeg_available", lambda: False)
    assert cli.main(["demo", "hidden-layer", "--save", "out.mp4"]) == 1
    err = capsys.readouterr().err
    assert "needs ffmpeg" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_unwritable_folder_fails_at_once_naming_the_path(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    started = time.perf_counter()
    assert cli.main(["demo", "hidden-layer", "--save", str(locked / "n.gif")]) == 1
    assert time.perf_counter() - started < 5  # not after training
    err = capsys.readouterr().err
    assert f"cannot save {locked / 'n.gif'}" in err and "not writable" in err
    assert ".partial" not in err


def test_unwritable_folder_is_detected_without_training(tmp_path, monkeypatch, capsys):
    """The same check as above, also when running as root: os.access is what decides."""
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    trained = []
    monkeypatch.setattr("micrograd_beans.train.fit", lambda *a, **k: trained.append(1))
    assert cli.main(["demo", "hidden-layer", "--save", str(tmp_path / "n.gif")]) == 1
    err = capsys.readouterr().err
    assert f"cannot save {tmp_path / 'n.gif'}" in err and "not writable" in err
    assert trained == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "hidden-layer", "--save", "out.bmp"], "argument --save: cannot save 'out.bmp'"),
        (["demo", "hidden-layer", "--save", ""], "argument --save: expected a file name"),
        (["demo", "no-such-lesson"], "argument LESSON: invalid choice: 'no-such-lesson'"),
        (["demo", "hidden-layer", "--every", "0"], "argument --every: expected a number >= 1"),
        (["demo", "hidden-layer", "--epochs", "-1"], "argument --epochs: expected a number >= 0"),
        (["demo", "hidden-layer", "--seed", "-2"], "argument --seed: expected a number >= 0"),
    ],
)
def test_cli_argument_errors_are_usage_errors(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: micrograd-beans demo") and message in err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_demo_scripts_run_headless(name, tmp_path):
    out = tmp_path / "frame.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "demos" / SCRIPTS[name]),
            "--epochs",
            "2",
            "--every",
            "1",
            "--save",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    fmt, _, _, variance = picture(out)
    assert fmt == "PNG" and variance > 200
