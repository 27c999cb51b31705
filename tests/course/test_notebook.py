"""A lesson's training as an inline animation, and live redraw's guard (course/notebook.py)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from micrograd_beans.course.lessons import get_lesson  # noqa: E402
from micrograd_beans.course.notebook import live_training, training_animation  # noqa: E402
from micrograd_beans.train import fit  # noqa: E402


def test_the_animation_is_the_lessons_run_and_a_gif_held_on_its_last_frame(tmp_path):
    anim = training_animation("single-neuron", epochs=40, frames=5, seed=2)
    lesson = get_lesson("single-neuron")
    model, xs, ys = lesson.setup(2)
    history = fit(model, xs, ys, progress=False, **{**lesson.fit_kwargs(), "epochs": 40})
    assert anim.model.state_dict() == model.state_dict()  # the same run, bit for bit
    assert anim.history.loss == history.loss
    assert anim.frames == 5  # epochs 0, 10, 20, 30, 40
    gif = Image.open(io.BytesIO(anim.gif()))
    assert gif.n_frames == 5
    gif.seek(4)
    assert gif.info["duration"] == 2000
    first, last = (Image.open(io.BytesIO(anim.gif())) for _ in range(2))
    last.seek(4)
    assert first.convert("RGB").tobytes() != last.convert("RGB").tobytes()  # the model moved
    assert anim._repr_html_().startswith('<img src="data:image/gif;base64,')
    assert anim.save(tmp_path / "fit.gif").read_bytes() == anim.gif()
    assert anim.figure not in [plt.figure(n) for n in plt.get_fignums()]
    assert "5 frames; 40 epochs" in repr(anim)
    assert anim.model.state_dict() == model.state_dict()  # drawing frames left it trained


def test_two_input_lessons_animate_too():
    anim = training_animation("two-inputs", epochs=4, frames=3)
    assert Image.open(io.BytesIO(anim.gif())).n_frames == 3


def test_bad_frames_are_refused():
    with pytest.raises(ValueError, match="frames"):
        training_animation("line", frames=1)


def test_live_training_needs_the_widget_backend():
    with pytest.raises(RuntimeError, match="%matplotlib widget"):
        live_training("line", epochs=2)


def test_live_training_redraws_the_shown_figure_as_it_trains(monkeypatch):
    from micrograd_beans.course import animation

    monkeypatch.setattr(animation, "is_notebook_backend", lambda backend=None: True)
    monkeypatch.setattr(animation, "is_inline_backend", lambda backend=None: False)
    shown = []
    model, history = live_training("line", epochs=20, every=5, display=shown.append)
    assert len(shown) == 1
    canvas = shown[0]
    assert history.epochs == 20
    assert "epoch 20" in canvas.figure.axes[-1].get_title()  # the last redraw is the end
    plt.close(canvas.figure)
