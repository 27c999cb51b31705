"""The course's widgets, driven from Python as a learner drives them in Jupyter: move a
slider, click a button, and check the model and the numbers the widget shows against the
engine (on a separate copy of the model) and the note's formulas (course.by_hand)."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from micrograd_beans import losses  # noqa: E402
from micrograd_beans.course import by_hand  # noqa: E402
from micrograd_beans.course.lessons import get_lesson  # noqa: E402
from micrograd_beans.course.widgets import (  # noqa: E402
    DragWeights,
    StepBackward,
    has_note_formulas,
)
from micrograd_beans.nn import MLP  # noqa: E402
from micrograd_beans.train import fit  # noqa: E402
from micrograd_beans.viz import CURRENT_COLOUR  # noqa: E402

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def shown_table(html_text: str) -> tuple[str, list[str], list[list[str]]]:
    """(caption, header cells, rows of cells) of the HTML table a widget shows."""
    caption = re.search(r"<caption[^>]*>(.*?)</caption>", html_text).group(1)
    head = re.findall(r"<th>(.*?)</th>", html_text)
    rows = [
        re.findall(r"<td[^>]*>(.*?)</td>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", html_text.split("<tbody>")[1])
    ]
    return caption, head, rows


def copy_of(model: MLP) -> MLP:
    twin = MLP(**model.config())
    twin.load_state_dict(model.state_dict())
    return twin


def engine_mean_grads(model: MLP, beans, loss=losses.squared_error) -> tuple[float, dict]:
    """The mean loss over `beans` and its gradient, on a copy (the widget's model untouched)."""
    twin = copy_of(model)
    terms = [loss(twin(x), y) for x, y in beans]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    mean = total / len(terms) if len(terms) > 1 else total
    mean.backward()
    return mean.data, {name: p.grad for name, p in twin.named_parameters()}


def hand_mean_grads(state: dict, beans) -> dict:
    sums = dict.fromkeys(by_hand.PARAM_NAMES, 0.0)
    for x, y in beans:
        for name, g in by_hand.gradients(state, x, y).items():
            sums[name] += g
    return {name: g / len(beans) for name, g in sums.items()}


@pytest.fixture(scope="module")
def note_beans():
    lesson = get_lesson("hidden-layer")
    xs, ys = lesson.make_data(3)
    return xs, ys


def note_widget(note_beans, seed: int = 3) -> DragWeights:
    xs, ys = note_beans
    return DragWeights(get_lesson("hidden-layer").make_model(seed), xs, ys)


def test_a_slider_moves_its_parameter_and_the_numbers_follow(note_beans):
    w = note_widget(note_beans)
    w.sliders["w11_1"].value = 2.5
    w.sliders["b1_2"].value = -1.25
    state = w.model.state_dict()
    assert state["w11_1"] == 2.5 and state["b1_2"] == -1.25
    beans = list(zip(*note_beans, strict=True))
    loss, grads = engine_mean_grads(w.model, beans)
    hand = hand_mean_grads(state, beans)
    caption, head, rows = shown_table(w.numbers.value)
    assert head == ["parameter", "value", "de/dθ engine", "de/dθ note&#x27;s formula"]
    assert f"= {loss:.6g}" in caption
    assert [r[0] for r in rows] == list(by_hand.PARAM_NAMES)
    for name, value, engine, formula in rows:
        assert value == f"{state[name]:.6g}"
        assert engine == f"{grads[name]:.6g}"
        assert formula == f"{hand[name]:.6g}"
        assert float(engine) == pytest.approx(hand[name], rel=1e-5, abs=1e-12)
    # the numbers behind the table are the engine's and the formula's, unrounded
    for name, _, engine, formula in w.rows():
        assert engine == grads[name]
        assert formula == pytest.approx(hand[name], rel=1e-12, abs=1e-15)


def test_the_step_button_takes_one_gradient_step_and_the_sliders_follow(note_beans):
    w = note_widget(note_beans)
    before = w.model.state_dict()
    beans = list(zip(*note_beans, strict=True))
    _, grads = engine_mean_grads(w.model, beans)
    w.step_button.click()
    after = w.model.state_dict()
    for name in by_hand.PARAM_NAMES:
        assert after[name] == before[name] - 0.03 * grads[name]
        assert w.sliders[name].value == after[name]
    # and the table now shows the gradient at the new point
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


def test_the_epoch_button_trains_one_epoch_as_fit_does(note_beans):
    w = note_widget(note_beans)
    twin = copy_of(w.model)
    start = w.model.state_dict()
    w.epoch_button.click()
    fit(twin, *note_beans, epochs=1, lr=0.03, progress=False)
    assert w.model.state_dict() == twin.state_dict()
    assert [s.value for s in w.sliders.values()] == list(twin.state_dict().values())
    # the note's own loop on floats agrees
    by_hand.train(start, *note_beans, alpha=0.03, epochs=1)
    assert w.model.state_dict() == pytest.approx(start, rel=1e-12, abs=1e-14)
    assert "epochs 1" in w.status.value


def test_reset_and_sliders_widen_when_a_step_goes_past_their_end(note_beans):
    w = note_widget(note_beans)
    start = w.model.state_dict()
    w.alpha.value = 100.0
    w.bean.value = 20
    w.step_button.click()
    for name, slider in w.sliders.items():
        value = w.model.state_dict()[name]
        assert slider.value == value and slider.min <= value <= slider.max
    w.reset_button.click()
    assert w.model.state_dict() == start
    assert [s.value for s in w.sliders.values()] == list(start.values())


def test_a_step_that_would_overflow_is_not_taken():
    w = DragWeights.from_lesson("line", seed=1)
    w.model.load_state_dict({"w11_1": 1e307})  # far out: the gradient is about 1e307 too
    w.refresh()
    w.alpha.value = 100.0
    w.step_button.click()
    assert w.model.state_dict() == {"w11_1": 1e307} and w.steps == 0
    assert "not taken" in w.status.value and "smaller α" in w.status.value


def test_the_plot_is_redrawn_when_a_weight_moves(note_beans):
    w = note_widget(note_beans)
    first = bytes(w.plot.value)
    assert first.startswith(b"\x89PNG")
    w.sliders["w21_2"].value = -3.0
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
    w.sliders[params[0]].value = 1.5
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
    w.sliders["w21_1"].value = -2.0
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


def test_the_widget_shows_itself_as_a_widget_view(note_beans):
    bundle = note_widget(note_beans)._repr_mimebundle_()
    assert WIDGET_MIME in bundle
    # where widgets cannot show, one line says what it is
    assert bundle["text/plain"].startswith("<DragWeights on MLP(1, [2, 1]")
    assert "sliders w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2" in bundle["text/plain"]


def test_without_ipywidgets_the_error_names_the_extra(monkeypatch, note_beans):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"\[notebook\]"):
        note_widget(note_beans)


# --- StepBackward ----------------------------------------------------------------------------


def note_steps(note_beans, bean: int = 30) -> StepBackward:
    xs, ys = note_beans
    return StepBackward(get_lesson("hidden-layer").make_model(3), xs, ys, bean=bean)


def test_stepping_to_the_end_gives_what_backward_gives(note_beans):
    s = note_steps(note_beans)
    assert s.position.value == 0 and s.root.grad == 1.0
    assert all(p.grad == 0.0 for p in s.model.parameters())
    for _ in range(len(s.order)):
        s.next_button.click()
    assert s.position.value == s.position.max == len(s.order)
    twin = copy_of(s.model)
    x, y = float(note_beans[0][30]), float(note_beans[1][30])
    losses.squared_error(twin(x), y).backward()
    expected = {name: p.grad for name, p in twin.named_parameters()}
    assert {name: p.grad for name, p in s.model.named_parameters()} == expected
    hand = by_hand.gradients(s.model.state_dict(), x, y)
    caption, head, rows = shown_table(s.table.value)
    assert "every one equal to backward()" in caption
    assert head[-1] == "de/dθ by backward()"
    for name, _, so_far, by_backward in rows:
        assert so_far == by_backward == f"{expected[name]:.6g}"
        assert float(so_far) == pytest.approx(hand[name], rel=1e-5)
    assert "Backward is done" in s.explain.value
    s.next_button.click()  # past the end: stays at the end
    assert s.position.value == len(s.order)


def test_the_sigmoid_step_shows_the_notes_product_with_its_numbers(note_beans):
    s = note_steps(note_beans)
    x, y = float(note_beans[0][30]), float(note_beans[1][30])
    f = by_hand.forward(s.model.state_dict(), x)
    a = f["a1_2"]
    k = 1 + next(i for i, v in enumerate(s.order) if v.label == "a1_2")
    s.position.value = k
    de_da = -2.0 * (y - a)
    delta = de_da * a * (1.0 - a)  # the note's δ = de/dz1_2
    expected = (
        f"de/dz1_2 = de/da1_2 · a1_2(1 − a1_2) = {de_da:.4g} · {a * (1 - a):.4g} = {delta:.4g}"
    )
    assert s.lines == [expected]
    assert html_unescape(expected) in html_unescape(s.explain.value)
    assert f"step {k} of {len(s.order)}: node a1_2 = σ(z1_2)" in s.explain.value
    z1_2 = next(v for v in s.order if v.label == "z1_2")
    assert z1_2.grad == pytest.approx(delta, rel=1e-12)
    # the drawing marks a1_2 (and its σ) in the current colour
    nodes = re.findall(r'<g id="[^"]*" class="node">(.*?)</g>', s.graph.value, re.S)
    marked = [re.findall(r">([^<]+)</text>", g)[0] for g in nodes if CURRENT_COLOUR in g]
    assert sorted(marked) == ["a1_2", "σ"]


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_back_and_start_undo_steps_and_a_shared_input_accumulates(note_beans):
    s = note_steps(note_beans)
    s.end_button.click()
    x_node = next(v for v in s.nodes if v.label == "x")
    total = x_node.grad
    s.back_button.click()
    assert s.position.value == len(s.order) - 1
    first = x_node.grad  # x feeds both hidden neurons: one of its two parts is in
    assert first != 0.0 and first != total
    s.end_button.click()
    assert x_node.grad == total
    assert "+=" in s.lines[-1] and f"(now de/dx = {total:.4g})" in s.lines[-1]
    s.start_button.click()
    assert s.position.value == 0 and s.lines == []
    assert s.root.grad == 1.0 and all(v.grad == 0.0 for v in s.nodes if v is not s.root)
    assert "step 0 of" in s.explain.value


def test_choosing_another_bean_rebuilds_the_graph(note_beans):
    s = note_steps(note_beans)
    s.position.value = 5
    s.bean.value = 80
    x, y = float(note_beans[0][80]), float(note_beans[1][80])
    assert s.position.value == 0
    assert f"x = {x:.4g}, y = {y:g}" in s.bean_text.value
    assert s.root.data == by_hand.squared_error(s.model.state_dict(), x, y)


@pytest.mark.parametrize("name", ["two-inputs", "disc", "line"])
def test_other_lessons_step_to_backwards_result(name):
    s = StepBackward.from_lesson(name, seed=2, bean=7)
    s.end_button.click()
    assert "every one equal to backward()" in shown_table(s.table.value)[0]
    got = {n: p.grad for n, p in s.model.named_parameters()}
    assert got == s.backward_grads()
    assert any(g != 0.0 for g in got.values())


def test_step_backward_errors_and_display(note_beans):
    with pytest.raises(ValueError, match="bean must be a number between 0 and 99"):
        note_steps(note_beans, bean=100)
    bundle = note_steps(note_beans)._repr_mimebundle_()
    assert WIDGET_MIME in bundle
    assert bundle["text/plain"].startswith("<StepBackward on MLP(1, [2, 1]")
    assert "bean 30: step 0 of 13" in bundle["text/plain"]
