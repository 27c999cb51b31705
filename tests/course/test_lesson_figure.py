"""course/lesson_figure.py: each lesson's figure shows its model as it is now, and redraws
about 50 times per run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from micrograd_beans.course.lesson_figure import default_every, lesson_figure  # noqa: E402
from micrograd_beans.course.lessons import get_lesson  # noqa: E402
from micrograd_beans.train import evaluate, fit  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_the_note_redraws_every_100_epochs():
    assert default_every(5000) == 100 and default_every(500) == 10


@given(st.integers(min_value=0, max_value=10**6))
def test_about_fifty_redraws_and_never_every_zero_epochs(epochs):
    every = default_every(epochs)
    if epochs < 50:
        assert every == 1  # a short run redraws every epoch
    else:
        assert 50 <= epochs // every < 100  # (the floor: 99 epochs still redraw every one)


def test_the_figures_curve_is_the_trained_models_prediction():
    lesson = get_lesson("hidden-layer")
    xs, ys = lesson.make_data(1)
    model = lesson.make_model(1)
    history = fit(model, xs, ys, epochs=30, lr=lesson.lr, progress=False)
    fig, draw, _ = lesson_figure(lesson, xs, ys, model, 30)
    draw(30, history)
    fit_ax, loss_ax = fig.axes[0], fig.axes[1]
    (curve,) = [ln for ln in fit_ax.get_lines() if ln.get_label() == "model"]
    grid, heights = curve.get_data()
    np.testing.assert_allclose(heights, [model.predict(float(x)) for x in grid], rtol=1e-12)
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_ydata(), history.loss)
    assert fit_ax.get_xlabel() == "Bean Size" and fit_ax.get_ylabel() == "Toxicity"
    assert fit_ax.get_title() == "Size-Toxicity Function  (epoch 30)"
    assert "Lesson 6" in fig._suptitle.get_text()
    loss, accuracy = evaluate(model, xs, ys, lesson.loss)  # the model now, not the averages
    assert loss_ax.get_title() == f"epoch 30: loss {loss:.3g}, accuracy {accuracy:.0%}"


@pytest.mark.parametrize(
    "name, surface",
    [("two-inputs", True), ("disc", True), ("spiral", False)],  # a spiral's surface is a thicket
)
def test_two_input_lessons_show_their_boundary_and_the_surface_where_it_reads(name, surface):
    lesson = get_lesson(name)
    xs, ys = lesson.make_data(0)
    model = lesson.make_model(0)
    fig, draw, animated = lesson_figure(lesson, xs, ys, model, 10)
    draw(0, None)
    titles = [ax.get_title() for ax in fig.axes]
    assert ("Toxicity surface" in titles) is surface
    assert "Decision boundary  (epoch 0)" in titles
    assert any(t.startswith("epoch 0: loss ") for t in titles)
    assert f"Lesson {lesson.course}" in fig._suptitle.get_text()
    assert animated() and all(a.figure is fig for a in animated())
