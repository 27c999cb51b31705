"""course/demo.py: every lesson runs headless with few epochs and writes a real, non-blank
picture; run_demo hands the graph tour its own options.

Matplotlib is forced to Agg and no test opens a window; the live path is checked with
`plt.show` replaced by a recorder.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")


import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from micrograd_beans.course import animation, demo, demo_output  # noqa: E402
from micrograd_beans.course.lessons import LESSONS  # noqa: E402

pytestmark = pytest.mark.usefixtures("headless")


def test_every_lesson_and_the_graph_tour_is_a_demo():
    assert demo.demo_names() == [*LESSONS, "graph-tour"]


@pytest.mark.parametrize("name", demo.demo_names())
def test_each_demo_writes_its_final_frame_as_png(name, tmp_path, picture):
    out = tmp_path / f"{name}.png"
    lines = []
    result = demo.run_demo(name, epochs=3, every=1, save=out, log=lines.append)
    assert result.path == out and f"wrote {out}" in lines
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fmt, (width, height), _, variance = picture(out)
    assert fmt == "PNG" and width >= 800 and height >= 400
    assert variance > 200  # axes, beans, curves: far from a blank canvas


def test_the_notes_demo_writes_a_gif_animation(tmp_path, picture):
    out = tmp_path / "fit.gif"
    result = demo.run_demo("hidden-layer", epochs=20, every=4, save=out, log=None)
    assert out.read_bytes()[:6] == b"GIF89a"
    fmt, size, frames, variance = picture(out)
    assert fmt == "GIF" and size == (880, 352)  # 11 x 4.4 inches at 80 dpi
    # epochs 0, 4, ..., 20 plus the final one held: at least the 6 distinct fits
    assert frames >= 6 and result.frames >= frames
    assert variance > 200


def test_gif_frames_are_capped_for_long_runs(tmp_path, monkeypatch, picture):
    monkeypatch.setattr(demo_output, "MAX_FRAMES", 5)
    out = tmp_path / "line.gif"
    result = demo.run_demo("line", epochs=100, every=1, save=out, log=None)
    hold = round(2.0 * 10)  # two seconds of the final frame at 10 fps
    # 101 redraws (epochs 0..100) thinned to every 21st: epochs 0, 21, 42, 63, 84
    assert result.frames == 5 + 1 + hold
    assert picture(out)[2] == 6  # Pillow stores the held copies as one long frame


def test_the_result_says_what_the_run_did(tmp_path):
    lines = []
    out = tmp_path / "s.png"
    result = demo.run_demo("single-neuron", epochs=300, save=out, log=lines.append)
    assert (result.name, result.epochs, result.path) == ("single-neuron", 300, out)
    assert result.accuracy >= 0.9 and result.loss < 0.1  # a short run learns lesson 5
    assert 0 < result.train_seconds < result.seconds
    assert lines == [
        f"single-neuron: 300 epochs in {result.train_seconds:.2f} s of training, "
        f"final loss {result.loss:.4g}, accuracy {result.accuracy:.0%}",
        f"wrote {out}",
    ]


def test_training_options_change_how_the_lesson_trains(tmp_path):
    plain = demo.run_demo("disc", epochs=20, save=tmp_path / "a.png", log=None)
    adam = demo.run_demo(
        "disc", epochs=20, save=tmp_path / "b.png", log=None, training={"optimizer": "adam"}
    )
    assert adam.loss != plain.loss


def test_the_graph_tour_is_run_by_name_and_refuses_training_options(tmp_path):
    result = demo.run_demo("graph-tour", every=7, save=tmp_path / "t.gif", log=None)
    assert result.name == "graph-tour" and result.accuracy is None
    with pytest.raises(ValueError, match="optimizer apply to the lessons' demos"):
        demo.run_demo("graph-tour", save=tmp_path / "u.gif", training={"optimizer": "adam"})
    assert not (tmp_path / "u.gif").exists()


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
