"""Tests for micrograd_beans/course/lessons.py: the presets of the course, the note's exactly, and
seeded helpers that build each lesson's data and model."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_beans.course.datasets import DATASETS
from micrograd_beans.course.lessons import DEFAULT_LESSON, LESSONS, get_lesson
from micrograd_beans.train import fit


def test_lesson_names():
    assert list(LESSONS) == [
        "line",
        "line-bias",
        "single-neuron",
        "hidden-layer",
        "two-inputs",
        "disc",
        "spiral",
    ]
    assert DEFAULT_LESSON == "hidden-layer"
    assert all(lesson.dataset in DATASETS for lesson in LESSONS.values())


def test_hidden_layer_is_the_note():
    note = get_lesson("hidden-layer")
    assert (note.dataset, note.counts, note.nin, note.nouts) == ("bump", 100, 1, [2, 1])
    assert (note.activation, note.output_activation, note.init) == ("sigmoid", None, "uniform")
    assert (note.loss, note.optimizer, note.lr, note.epochs) == ("squared_error", "sgd", 0.03, 5000)
    assert (note.batch_size, note.shuffle) == (1, False)
    model = note.make_model(0)
    assert [n for n, _ in model.named_parameters()] == [
        "w11_1",
        "b1_1",
        "w12_1",
        "b2_1",
        "w11_2",
        "w21_2",
        "b1_2",
    ]
    assert all(0.0 <= v < 1.0 for v in model.state_dict().values())
    xs, ys = note.make_data(0)
    assert xs.shape == ys.shape == (100,) and np.all(np.diff(xs) >= 0)


def test_course_models():
    assert get_lesson("line").make_model(0).config()["bias"] is False
    assert [n for n, _ in get_lesson("line").make_model(0).named_parameters()] == ["w11_1"]
    assert get_lesson("line-bias").make_model(0).state_dict().keys() == {"w11_1", "b1_1"}
    assert get_lesson("two-inputs").make_model(0).nouts == [1]
    spiral = get_lesson("spiral").make_model(0)
    assert spiral.nouts == [8, 8, 8, 1]
    assert (spiral.activation, spiral.output_activation) == ("relu", "sigmoid")


def test_seeds_are_reproducible_and_streams_independent():
    note = get_lesson("hidden-layer")
    a, b = note.make_data(7), note.make_data(7)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], note.make_data(8)[0])
    assert note.make_model(7).state_dict() == note.make_model(7).state_dict()
    # the model is not drawn from the beans' stream: its first weight is not the first size/2
    assert note.make_model(7).parameters()[0].data * 2 not in set(a[0])
    wide = note.make_model(7, hidden=[3])
    assert wide.nouts == [3, 1]
    model, xs, ys = note.setup(7)
    assert model.state_dict() == note.make_model(7).state_dict()
    assert np.array_equal(xs, a[0])


@pytest.mark.parametrize("name", list(LESSONS))
def test_every_lesson_trains_a_little(name):
    lesson = LESSONS[name]
    model, xs, ys = lesson.setup(0)
    history = fit(model, xs, ys, **{**lesson.fit_kwargs(), "epochs": 2}, progress=False)
    assert history.epochs == 2 and all(np.isfinite(history.loss))
    assert (history.accuracy is None) == (lesson.task == "regression")


def test_with_and_errors():
    short = get_lesson("disc").with_(epochs=10)
    assert short.epochs == 10 and get_lesson("disc").epochs == 5000
    with pytest.raises(ValueError, match="unknown lesson 'deep'.*hidden-layer"):
        get_lesson("deep")
    with pytest.raises(TypeError, match="seed"):
        get_lesson("disc").make_data("1")


def test_a_lesson_shows_one_line_and_a_small_table():
    from micrograd_beans.course.lessons import get_lesson

    note = get_lesson("hidden-layer")
    assert repr(note) == (
        "<Lesson 'hidden-layer': A hidden layer: toxic in a middle band (the note); "
        "1-2-1, all sigmoid, 100 bump beans, α = 0.03, 5000 epochs>"
    )
    page = note._repr_html_()
    assert "sgd, α = 0.03, per sample" in page and "5000, in order" in page
