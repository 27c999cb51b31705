"""StepBackward, driven from Python as a learner drives it in Jupyter: step through backward
one node at a time and check every gradient against backward() and the note's formulas,
and the drawing: the current node outlined, and inside the part of the graph shown."""

from __future__ import annotations

import html
import math
import re

import pytest

pytest.importorskip("ipywidgets")

from widget_cases import WIDGET_MIME, copy_of, shown_table  # noqa: E402

from micrograd_beans import losses  # noqa: E402
from micrograd_beans.course import by_hand  # noqa: E402
from micrograd_beans.course.lessons import get_lesson  # noqa: E402
from micrograd_beans.course.widgets import StepBackward  # noqa: E402
from micrograd_beans.course.widgets.graph_view import marked_box  # noqa: E402
from micrograd_beans.viz import CURRENT_COLOUR  # noqa: E402


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
    assert html.unescape(expected) in html.unescape(s.explain.value)
    assert f"step {k} of {len(s.order)}: node a1_2 = σ(z1_2)" in s.explain.value
    z1_2 = next(v for v in s.order if v.label == "z1_2")
    assert z1_2.grad == pytest.approx(delta, rel=1e-12)
    # the drawing marks a1_2 (and its σ) in the current colour
    nodes = re.findall(r'<g id="[^"]*" class="node">(.*?)</g>', s.graph.value, re.S)
    marked = [re.findall(r">([^<]+)</text>", g)[0] for g in nodes if CURRENT_COLOUR in g]
    assert sorted(marked) == ["a1_2", "σ"]


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


# --- the drawing: a window that follows the current node -------------------------------------


def window_of(graph_html: str) -> tuple[float, float, float, float]:
    """The part of the drawing the widget's <svg> shows (its viewBox), as x0, y0, x1, y1."""
    x, y, w, h = (float(v) for v in re.search(r'viewBox="([^"]+)"', graph_html).group(1).split())
    return x, y, x + w, y + h


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_the_current_node_is_inside_the_part_shown_at_every_step(note_beans, rankdir):
    xs, ys = note_beans
    s = StepBackward(get_lesson("hidden-layer").make_model(3), xs, ys, bean=30, rankdir=rankdir)
    sizes = set()
    for k in range(len(s.order) + 1):
        s.go(k)
        shown = window_of(s.graph.value)
        node = marked_box(s.graph.value)
        assert node is not None, f"step {k}: no node outlined"
        assert shown[0] <= node[0] and node[2] <= shown[2], f"step {k}: {node} not in {shown}"
        assert shown[1] <= node[1] and node[3] <= shown[3], f"step {k}: {node} not in {shown}"
        sizes.add((round(shown[2] - shown[0], 6), round(shown[3] - shown[1], 6)))
    assert len(sizes) == 1  # one window size for the whole walk: nothing beside it moves
    width_pt, height_pt = sizes.pop()
    assert width_pt <= 860 * 0.75 + 1e-6 and height_pt <= 520 * 0.75 + 1e-6
    assert "max-width:100%" in s.graph.value  # narrower notebooks shrink it, node and all


def test_the_whole_graph_toggle_shows_all_of_it_fitted_to_the_width(note_beans):
    s = note_steps(note_beans)
    s.go(5)
    part = window_of(s.graph.value)
    s.whole.value = True
    full = window_of(s.graph.value)
    assert 'width="100%"' in s.graph.value
    assert full[2] - full[0] > part[2] - part[0]  # the note's graph is wider than the window
    assert marked_box(s.graph.value) is not None  # still outlined
    s.whole.value = False
    assert window_of(s.graph.value) == part


def test_without_a_renderer_the_steps_still_work_and_the_error_is_shown(note_beans, no_renderer):
    s = note_steps(note_beans)
    s.end_button.click()
    assert "no Graphviz renderer found" in s.graph.value
    assert "every one equal to backward()" in shown_table(s.table.value)[0]


def test_a_model_with_a_nan_parameter_is_a_clear_error(note_beans):
    model = get_lesson("hidden-layer").make_model(3)
    model.load_state_dict({"b1_1": math.nan}, strict=False)
    with pytest.raises(ValueError, match=r"StepBackward needs finite parameters.*b1_1 = nan"):
        StepBackward(model, *note_beans)


def test_the_buttons_use_icons_every_front_end_has(note_beans):
    s = note_steps(note_beans)
    buttons = (s.start_button, s.back_button, s.next_button, s.end_button)
    icons = ["fast-backward", "step-backward", "step-forward", "fast-forward"]
    assert [b.icon for b in buttons] == icons
    assert not any(c in b.description for b in buttons for c in "⏮⏭◀▶")


def test_in_chinese(note_beans):
    xs, ys = note_beans
    s = StepBackward(get_lesson("hidden-layer").make_model(3), xs, ys, bean=30, lang="zh")
    assert s.position.description == "第几步" and s.next_button.description == "走一步"
    assert s.explain.value.startswith("<div>第 0 步（共 13 步）：反向传播从损失开始")
    s.end_button.click()
    assert "反向传播完成。" in s.explain.value
    assert "（现在 de/dx = " in s.lines[-1]
    caption, head, _ = shown_table(s.table.value)
    assert caption == "参数的梯度（每一个都和 backward() 算出的相同）"
    assert head == ["参数", "值", "de/dθ（目前）", "de/dθ（backward() 算出的）"]


def test_a_lessons_widget_in_chinese_has_the_lessons_title_in_chinese():
    s = StepBackward.from_lesson("spiral", seed=1, bean=0, lang="zh")
    model = get_lesson("spiral").model_text
    assert s.title == f"深度网络：两条交错的螺旋（{model}，随机种子 1）：反向传播，一次走一个节点"
    assert StepBackward.from_lesson("spiral", seed=1).title.startswith("Deep: two interleaved")
