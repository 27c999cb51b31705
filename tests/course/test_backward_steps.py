"""The backward walk the StepBackward widget and the playground share (course/backward_steps.py):
one node's chain rule per step, in the engine's order, ending at backward()'s gradients."""

from __future__ import annotations

import pytest

from micrograd_beans import Value
from micrograd_beans.course.backward_steps import BackwardSteps
from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.losses import squared_error


def note_graph(seed: int = 0, bean: int = 30):
    model, xs, ys = get_lesson("hidden-layer").setup(seed)
    return model, squared_error(model(float(xs[bean])), float(ys[bean]))


def test_every_step_adds_what_backward_adds_and_the_end_is_backward():
    model, root = note_graph()
    root.backward()
    # backward() leaves constants' gradients at 0 (nothing reads them); the walk fills them in
    expected = {v: v.grad for v in BackwardSteps(root).nodes if not v.is_constant}
    walk = BackwardSteps(root)
    walk.go(0)
    assert walk.current is root and root.grad == 1.0 and walk.lines == []
    assert all(v.grad == 0.0 for v in walk.nodes if v is not root)
    walk.go(len(walk.order) + 5)  # clamped to the end
    assert walk.position == len(walk.order) == 13
    got = {v: v.grad for v in walk.nodes if not v.is_constant}
    assert got == expected  # the same floats, node for node


def test_a_step_writes_the_notes_chain_rule_with_its_numbers():
    _, root = note_graph()
    walk = BackwardSteps(root)
    k = 1 + next(i for i, v in enumerate(walk.order) if v.label == "a1_2")
    walk.go(k)
    a = walk.current
    z = a.parents[0]
    assert a.label == "a1_2" and z.label == "z1_2"
    local = a.data * (1 - a.data)
    assert walk.lines == [
        f"de/dz1_2 = de/da1_2 · a1_2(1 − a1_2) = {a.grad:.4g} · {local:.4g} = {z.grad:.4g}"
    ]


@pytest.mark.parametrize("now", [None, "(now {grad} = {value})"])
def test_a_node_used_twice_sums_and_says_so_when_asked(now):
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    walk = BackwardSteps(y, now=now)
    walk.go(1)
    first, second = walk.lines
    assert first.startswith("dy/dx = dy/dy · x = 1 · 3 = 3")
    assert second.startswith("dy/dx += dy/dy · x = 1 · 3 = 3")
    assert x.grad == 6.0
    assert second.endswith("(now dy/dx = 6)") == (now is not None)


def test_a_leaf_has_no_steps():
    x = Value(2.0, label="x")
    walk = BackwardSteps(x)
    walk.go(3)
    assert walk.order == [] and walk.position == 0 and x.grad == 1.0


def test_the_widget_and_the_playground_write_the_same_lines():
    """One walk, two views: for the same model and bean, step for step."""
    pytest.importorskip("ipywidgets")
    from micrograd_beans.course.playground import LessonData, Playground, Settings, site_data
    from micrograd_beans.course.widgets import StepBackward

    lessons = {name: LessonData.from_json(data) for name, data in site_data(seeds=[0]).items()}
    pg = Playground(lessons, Settings(seed=0))
    model = get_lesson("hidden-layer").make_model(0)
    model.load_state_dict(pg.state()["parameters"])
    widget = StepBackward(model, pg.xs, pg.ys, bean=30)
    widget.root.label = "e"  # the playground's loss is labelled e, the widget's default is L
    widget.walk = BackwardSteps(widget.root)
    pg.backward_steps(30)
    for k in range(14):
        widget.walk.go(k)
        assert widget.walk.lines == pg.backward_step(k)["lines"]
