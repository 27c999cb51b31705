"""DragWeights, driven from Python as a learner drives it in Jupyter: drag a slider, type a
number, click a button, and check the model and the numbers the widget shows against the
engine (on a separate copy of the model) and the note's formulas (course.by_hand).
tests/browser/ checks the same in a real browser."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from widget_cases import (  # noqa: E402
    WIDGET_MIME,
    copy_of,
    engine_mean_grads,
    hand_mean_grads,
    shown_table,
)

from micrograd_beans.course import by_hand  # noqa: E402
from micrograd_beans.course.lessons import get_lesson  # noqa: E402
from micrograd_beans.course.widgets import DragWeights, has_note_formulas  # noqa: E402
from micrograd_beans.course.widgets.sliders import SCALE, position  # noqa: E402
from micrograd_beans.nn import MLP  # noqa: E402
from micrograd_beans.train import fit  # noqa: E402


def note_widget(note_beans, seed: int = 3, **kwargs) -> DragWeights:
    xs, ys = note_beans
    return DragWeights(get_lesson("hidden-layer").make_model(seed), xs, ys, **kwargs)


def echo_every_slider(w: DragWeights) -> None:
    """What a browser may send back after showing the widget: each slider's position and
    each box's number as the kernel set them, as messages (`set_state`, what a comm message
    does) and, since an unchanged value fires no event, straight to the handlers too."""
    for s in w.sliders.values():
        s.slider.set_state({"value": s.slider.value})
        s.number.set_state({"value": s.number.value})
        s._on_position({"new": s.slider.value})
        s._on_number({"new": s.number.value})


def assert_sliders_show_the_model(w: DragWeights) -> None:
    for name, value in w.model.state_dict().items():
        s = w.sliders[name]
        assert s.value == value and s.number.value == value  # exactly, not rounded
        assert s.slider.value == position(value, s.bound)
        assert s.slider.min <= s.slider.value <= s.slider.max


def test_a_drag_sets_the_parameter_to_the_number_the_slider_stands_at(note_beans):
    w = note_widget(note_beans)
    w.sliders["w11_1"].slider.value = 2500  # positions are thousandths
    w.sliders["b1_2"].slider.value = -1250
    state = w.model.state_dict()
    assert state["w11_1"] == 2.5 and state["b1_2"] == -1.25
    w.sliders["w12_1"].slider.value = 677
    assert w.model.state_dict()["w12_1"] == 0.677  # the decimal, not 677 * 0.001
    assert_sliders_show_the_model(w)


def test_a_typed_number_sets_the_parameter_exactly(note_beans):
    w = note_widget(note_beans)
    w.sliders["w11_1"].number.value = 0.6771968569751019
    assert w.model.state_dict()["w11_1"] == 0.6771968569751019
    assert w.sliders["w11_1"].slider.value == 677
    w.sliders["b1_1"].number.value = 12.345678  # past the slider's end: the range widens
    assert w.model.state_dict()["b1_1"] == 12.345678
    assert_sliders_show_the_model(w)


def test_showing_the_widget_changes_no_parameter(note_beans):
    """A browser echoes back what the kernel set (snapped to the slider's step, which was
    how the old float sliders rounded every parameter): nothing it echoes is a change."""
    w = note_widget(note_beans)
    start = w.model.state_dict()
    echo_every_slider(w)
    assert w.model.state_dict() == start
    for s in w.sliders.values():  # an echo of the snapped position is no drag either
        s.slider.value = position(s.value, s.bound)
    assert w.model.state_dict() == start
    assert_sliders_show_the_model(w)


@pytest.mark.parametrize("value", [0.6771968569751019, -3.99951, 1e-7, 2.0005, -0.0004999])
def test_the_position_a_value_shows_at_is_never_taken_back_as_a_change(note_beans, value):
    w = note_widget(note_beans)
    s = w.sliders["w21_2"]
    s.number.value = value
    assert w.model.state_dict()["w21_2"] == value
    s._on_position({"new": s.slider.value})  # the browser's echo
    assert w.model.state_dict()["w21_2"] == value
    s.slider.value = s.slider.value + 1  # one position on: the learner's choice, exactly
    assert w.model.state_dict()["w21_2"] == (position(value, s.bound) + 1) / SCALE


def test_the_table_shows_every_value_whole_and_the_numbers_follow(note_beans):
    w = note_widget(note_beans)
    w.sliders["w11_1"].slider.value = 2500
    state = w.model.state_dict()
    beans = list(zip(*note_beans, strict=True))
    loss, grads = engine_mean_grads(w.model, beans)
    hand = hand_mean_grads(state, beans)
    caption, head, rows = shown_table(w.numbers.value)
    assert head == ["parameter", "value", "de/dθ engine", "de/dθ note&#x27;s formula"]
    assert f"= {loss:.6g}" in caption
    assert [r[0] for r in rows] == list(by_hand.PARAM_NAMES)
    for name, value, engine, formula in rows:
        assert float(value) == state[name]  # the value itself, not a rounding of it
        assert engine == f"{grads[name]:.6g}"
        assert formula == f"{hand[name]:.6g}"
        assert float(engine) == pytest.approx(hand[name], rel=1e-5, abs=1e-12)
    for name, _, engine, formula in w.rows():
        assert engine == grads[name]
        assert formula == pytest.approx(hand[name], rel=1e-12, abs=1e-15)


def test_the_step_button_takes_one_gradient_step_and_the_sliders_follow(note_beans):
    w = note_widget(note_beans)
    echo_every_slider(w)  # shown first, as in a browser
    before = w.model.state_dict()
    beans = list(zip(*note_beans, strict=True))
    _, grads = engine_mean_grads(w.model, beans)
    w.step_button.click()
    after = w.model.state_dict()
    for name in by_hand.PARAM_NAMES:
        assert after[name] == before[name] - 0.03 * grads[name]
    assert_sliders_show_the_model(w)
    echo_every_slider(w)
    assert w.model.state_dict() == after
    _, new_grads = engine_mean_grads(w.model, beans)
    rows = shown_table(w.numbers.value)[2]
    assert [r[2] for r in rows] == [f"{new_grads[n]:.6g}" for n in by_hand.PARAM_NAMES]
    assert "steps 1, epochs 0" in w.status.value


def test_one_bean_chosen_gives_the_notes_update_for_that_bean(note_beans):
    w = note_widget(note_beans)
    k = 42
    x, y = float(note_beans[0][k]), float(note_beans[1][k])
    w.bean.value = k
    state = w.model.state_dict()
    caption, _, rows = shown_table(w.numbers.value)
    assert f"= {by_hand.squared_error(state, x, y):.6g}" in caption
    hand = by_hand.gradients(state, x, y)
    assert [r[3] for r in rows] == [f"{hand[n]:.6g}" for n in by_hand.PARAM_NAMES]
    w.alpha.value = 0.5
    w.step_button.click()
    by_hand.sgd_step(state, x, y, alpha=0.5)  # the note's update, on floats
    for name, value in w.model.state_dict().items():
        assert value == pytest.approx(state[name], rel=1e-12, abs=1e-14)


def test_the_epoch_button_trains_one_epoch_as_fit_does_and_says_so(note_beans):
    w = note_widget(note_beans)
    twin = copy_of(w.model)
    start = w.model.state_dict()
    w.epoch_button.click()
    history = fit(twin, *note_beans, epochs=1, lr=0.03, progress=False)
    assert w.model.state_dict() == twin.state_dict()
    assert_sliders_show_the_model(w)
    by_hand.train(start, *note_beans, alpha=0.03, epochs=1)  # the note's own loop agrees
    assert w.model.state_dict() == pytest.approx(start, rel=1e-12, abs=1e-14)
    message = f"epoch loss {history.loss[-1]:.6g}"
    assert "epochs 1" in w.status.value and message in w.status.value
    echo_every_slider(w)  # the browser's echo of the moved sliders keeps the message
    assert message in w.status.value


def test_reset_and_sliders_widen_when_a_step_goes_past_their_end(note_beans):
    w = note_widget(note_beans)
    start = w.model.state_dict()
    w.alpha.value = 100.0
    w.bean.value = 20
    w.step_button.click()
    assert any(abs(v) > 4 for v in w.model.state_dict().values())
    assert_sliders_show_the_model(w)
    w.reset_button.click()
    assert w.model.state_dict() == start
    assert_sliders_show_the_model(w)


def test_a_step_that_would_overflow_is_not_taken():
    w = DragWeights.from_lesson("line", seed=1)
    w.model.load_state_dict({"w11_1": 1e307})  # far out: the gradient is about 1e307 too
    w.refresh()
    assert w.sliders["w11_1"].number.value == 1e307  # the box holds it; the slider at its end
    assert w.sliders["w11_1"].slider.value == w.sliders["w11_1"].slider.max
    w.alpha.value = 100.0
    w.step_button.click()
    assert w.model.state_dict() == {"w11_1": 1e307} and w.steps == 0
    assert "not taken" in w.status.value and "smaller α" in w.status.value


# --- issue 23 §7: lr as given, NaN parameters, a diverging epoch -----------------------------


@pytest.mark.parametrize("lr", [200.0, 1e-9, 7])
def test_lr_is_taken_as_given_not_clamped(note_beans, lr):
    w = note_widget(note_beans, lr=lr)
    assert w.alpha.value == lr
    before = w.model.state_dict()
    _, grads = engine_mean_grads(w.model, list(zip(*note_beans, strict=True)))
    w.step_button.click()
    assert w.model.state_dict() == {n: v - lr * grads[n] for n, v in before.items()}


@pytest.mark.parametrize("lr", [0.0, -0.03, math.inf, math.nan, True, "0.03"])
def test_a_wrong_lr_is_refused_clearly(note_beans, lr):
    with pytest.raises(ValueError, match="lr must be a positive number"):
        note_widget(note_beans, lr=lr)


@pytest.mark.parametrize("alpha", [0.0, -1.0])
def test_a_wrong_alpha_typed_in_takes_no_step_and_says_why(note_beans, alpha):
    w = note_widget(note_beans)
    before = w.model.state_dict()
    w.alpha.value = alpha
    w.step_button.click()
    w.epoch_button.click()
    assert w.model.state_dict() == before and w.steps == w.epochs == 0
    assert f"α must be a positive number, got {alpha}" in w.status.value


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_model_with_a_nan_or_inf_parameter_is_a_clear_error(note_beans, bad):
    model = get_lesson("hidden-layer").make_model(3)
    model.load_state_dict({"w21_2": bad}, strict=False)
    with pytest.raises(ValueError, match=rf"finite parameters.*w21_2 = {bad}.*load_state_dict"):
        DragWeights(model, *note_beans)


def test_a_diverging_epoch_is_not_taken_and_the_sliders_still_match():
    w = DragWeights.from_lesson("line-bias", seed=1)
    w.alpha.value = 100.0
    before = w.model.state_dict()
    w.epoch_button.click()
    assert w.model.state_dict() == before and w.epochs == 0
    assert_sliders_show_the_model(w)
    assert "this epoch diverged (training diverged in epoch 1" in w.status.value
    assert "parameters are back where they were" in w.status.value
    w.alpha.value = 0.1  # and training goes on from there
    w.epoch_button.click()
    assert w.epochs == 1 and all(math.isfinite(v) for v in w.model.state_dict().values())
    assert_sliders_show_the_model(w)


def test_a_non_finite_number_typed_in_is_not_taken(note_beans):
    w = note_widget(note_beans)
    before = w.model.state_dict()
    w.sliders["w11_1"].number.value = math.inf
    assert w.model.state_dict() == before
    assert "w11_1 must be a finite number" in w.status.value
    assert_sliders_show_the_model(w)


# --- pictures, other lessons, errors, display ------------------------------------------------


def test_the_plot_is_redrawn_when_a_weight_moves(note_beans):
    w = note_widget(note_beans)
    first = bytes(w.plot.value)
    assert first.startswith(b"\x89PNG")
    w.sliders["w21_2"].slider.value = -3000
    assert bytes(w.plot.value) != first and bytes(w.plot.value).startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["line", "line-bias", "single-neuron"])
def test_other_one_input_lessons_show_the_engine_column_only(name):
    w = DragWeights.from_lesson(name, seed=1)
    lesson = get_lesson(name)
    xs, ys = lesson.make_data(1)
    assert w.alpha.value == lesson.lr
    _, head, rows = shown_table(w.numbers.value)
    assert head == ["parameter", "value", "de/dθ engine"]
    params = [n for n, _ in w.model.named_parameters()]
    assert [r[0] for r in rows] == params
    w.sliders[params[0]].slider.value = 1500
    beans = list(zip(xs.tolist(), ys.tolist(), strict=True))
    _, grads = engine_mean_grads(w.model, beans)
    if name == "line":  # y = w x: de/dw = mean of -2 (y - w x) x, by hand
        by_formula = np.mean(-2 * (ys - 1.5 * xs) * xs)
        assert grads["w11_1"] == pytest.approx(by_formula, rel=1e-12)
    assert [r[2] for r in shown_table(w.numbers.value)[2]] == [f"{grads[n]:.6g}" for n in params]


def test_formula_column_only_for_the_notes_network():
    lesson = get_lesson("hidden-layer")
    assert has_note_formulas(lesson.make_model(0))
    assert not has_note_formulas(lesson.make_model(0), "bce")
    assert not has_note_formulas(lesson.make_model(0, hidden=[3]))
    assert not has_note_formulas(MLP(1, [2, 1], activation="tanh"))


def test_a_two_input_lesson_is_dragged_over_its_decision_boundary():
    w = DragWeights.from_lesson("two-inputs", seed=1)
    xs, ys = get_lesson("two-inputs").make_data(1)
    beans = list(zip(xs.tolist(), ys.tolist(), strict=True))
    assert [n for n, _ in w.model.named_parameters()] == ["w11_1", "w21_1", "b1_1"]
    first = bytes(w.plot.value)
    w.sliders["w21_1"].slider.value = -2000
    assert w.model.state_dict()["w21_1"] == -2.0
    assert bytes(w.plot.value) != first
    _, grads = engine_mean_grads(w.model, beans)
    _, head, rows = shown_table(w.numbers.value)
    assert head == ["parameter", "value", "de/dθ engine"]
    assert [r[2] for r in rows] == [f"{grads[n]:.6g}" for n in ("w11_1", "w21_1", "b1_1")]
    w.bean.value = 7
    x1, x2 = xs[7]
    assert f"bean 7 (x = ({x1:.4g}, {x2:.4g}), y = {ys[7]:g})" in shown_table(w.numbers.value)[0]


def test_wrong_models_are_clear_errors():
    with pytest.raises(ValueError, match="this model takes 3"):
        DragWeights(MLP(3, [1]), [[0.1, 0.2, 0.3]], [1.0])
    with pytest.raises(TypeError, match="needs an nn.MLP"):
        DragWeights(lambda x: x, [0.1], [1.0])
    with pytest.raises(ValueError, match="one output"):
        DragWeights(MLP(1, [2]), [0.1], [1.0])
    with pytest.raises(ValueError, match="same number of beans"):
        DragWeights(MLP(1, [1]), [0.1, 0.2], [1.0])


def test_the_widget_shows_itself_as_a_widget_view_or_says_to_run_the_cell(note_beans):
    bundle = note_widget(note_beans)._repr_mimebundle_()
    assert WIDGET_MIME in bundle
    # where widgets cannot show (an untrusted notebook, a code host): run the cell
    assert "run the cell to use it" in bundle["text/html"]
    assert bundle["text/plain"].startswith("<DragWeights on MLP(1, [2, 1]")
    assert "sliders w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2" in bundle["text/plain"]


def test_without_ipywidgets_the_error_names_the_extra(monkeypatch, note_beans):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"\[notebook\]"):
        note_widget(note_beans)


def test_in_chinese_every_word_is_the_catalogues(note_beans):
    w = DragWeights.from_lesson("hidden-layer", seed=0, lang="zh")
    assert (w.step_button.description, w.epoch_button.description) == ("走一步", "训练一轮")
    assert w.reset_button.description == "重置"
    assert w.sliders["w11_1"].number.tooltip == "w11_1 的精确值"
    caption, head, _ = shown_table(w.numbers.value)
    assert head == ["参数", "值", "de/dθ（引擎）", "de/dθ（笔记的公式）"]
    assert caption.startswith("损失 = 100 个豆豆的 e = (y − ŷ)² 的平均值 = ")
    assert "准确率" in caption and "已走 0 步，已训练 0 轮" in w.status.value
    title = "隐藏层：中间一段大小的豆豆有毒（笔记这一课）"
    assert w.title == f"{title}（1-2-1, all sigmoid，随机种子 0）"
    assert "运行这个单元格" in w._repr_mimebundle_()["text/html"]
    w.epoch_button.click()
    assert "这一轮的损失" in w.status.value
