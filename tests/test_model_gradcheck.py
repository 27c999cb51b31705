"""Tests for micrograd_beans/model_gradcheck.py: gradcheck_model on the course's networks,
the engine's gradients against the note's formulas and finite differences."""

from __future__ import annotations

from dataclasses import replace

import pytest

from micrograd_beans.gradcheck import GradcheckError, GradcheckWarning
from micrograd_beans.model_gradcheck import ModelGradcheckResult, gradcheck_model


def _note_model(seed=3):
    from micrograd_beans.course.lessons import get_lesson

    lesson = get_lesson("hidden-layer")
    xs, ys = lesson.make_data(seed)
    return lesson.make_model(seed), xs, ys


def test_gradcheck_model_three_ways_on_one_bean():
    from micrograd_beans.course import by_hand

    model, xs, ys = _note_model()
    before = model.state_dict()
    result = gradcheck_model(model, xs[40], ys[40], by_hand=by_hand.gradients)
    assert isinstance(result, ModelGradcheckResult) and result
    assert [r.name for r in result.rows] == list(by_hand.PARAM_NAMES)
    hand = by_hand.gradients(before, float(xs[40]), float(ys[40]))
    for row in result.rows:
        assert row.by_hand == hand[row.name]
        assert row.engine == pytest.approx(hand[row.name], rel=1e-12, abs=1e-15)
        assert row.finite_difference == pytest.approx(hand[row.name], rel=1e-6, abs=1e-9)
        assert row.value == before[row.name]
    assert model.state_dict() == before  # parameters restored exactly
    assert all(p.grad == 0.0 for p in model.parameters())  # .grad left alone
    assert str(result).splitlines()[-1].startswith("all 7 gradients agree")
    assert result._repr_html_().count("<tr") == 8


def test_gradcheck_model_on_many_beans_is_the_mean():
    from micrograd_beans.course import by_hand

    model, xs, ys = _note_model()
    many = gradcheck_model(model, xs[:5], ys[:5], by_hand=by_hand.gradients)
    assert many.beans == 5 and many
    ones = [gradcheck_model(model, xs[i], ys[i]).rows for i in range(5)]
    for k, row in enumerate(many.rows):
        assert row.engine == pytest.approx(sum(r[k].engine for r in ones) / 5, rel=1e-12)


def test_gradcheck_model_two_inputs_and_no_by_hand():
    from micrograd_beans.course.lessons import get_lesson

    lesson = get_lesson("disc")
    model, X, ys = lesson.setup(seed=2)
    result = gradcheck_model(model, X[7], ys[7])
    assert result and all(r.by_hand is None for r in result.rows)
    assert len(result.rows) == len(model.parameters())


def test_gradcheck_model_catches_a_wrong_rule(monkeypatch):
    from micrograd_beans import engine

    model, xs, ys = _note_model()
    monkeypatch.setitem(
        engine.OPS, "sigmoid", replace(engine.OPS["sigmoid"], backward=lambda g, out, a: (g * out,))
    )
    result = gradcheck_model(model, xs[40], ys[40])
    assert not result and "7 of 7 gradients disagree" in str(result)
    with pytest.raises(GradcheckError):
        gradcheck_model(model, xs[40], ys[40], raise_on_failure=True)


def test_gradcheck_model_warns_when_every_gradient_is_zero():
    from micrograd_beans.nn import MLP

    model = MLP(1, [1], activation="relu", seed=0)  # relu at a negative input: flat
    model.load_state_dict({"w11_1": 0.5, "b1_1": -3.0})
    with pytest.warns(GradcheckWarning, match="all 2 gradients are 0"):
        result = gradcheck_model(model, 1.0, 1.0)
    assert result.empty


def test_gradcheck_model_bad_arguments():
    model, xs, ys = _note_model()
    with pytest.raises(ValueError, match="3 beans but y has 2"):
        gradcheck_model(model, xs[:3], ys[:2])
    with pytest.raises(TypeError, match="named_parameters"):
        gradcheck_model(lambda x: x, 1.0, 1.0)
    with pytest.raises(ValueError, match="eps"):
        gradcheck_model(model, 1.0, 1.0, eps=-1.0)
