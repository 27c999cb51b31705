"""Tests for codegen/loops.py: whole training loops in generated code."""

from __future__ import annotations

import pytest
from codegen_cases import close, lesson_run, note_graph

from micrograd_beans.codegen import compile_graph
from micrograd_beans.course import by_hand


def test_generated_sgd_loop_equals_the_note_by_hand():
    _, model, xs, ys = lesson_run("hidden-layer")
    e, inputs, params, a1_2 = note_graph(model.state_dict(), 0.0, 0.0)
    compiled = compile_graph(e, inputs, params, predictions=[a1_2])
    rows = list(zip(xs.tolist(), ys.tolist(), strict=True))
    final, losses = compiled.train_sgd(rows, compiled.param_values(), 0.03, 30)
    hand = by_hand.train(dict(model.state_dict()), xs, ys, 0.03, 30)
    for name, v in zip(by_hand.PARAM_NAMES, final, strict=True):
        assert close(v, hand[name], 1e-9), name
    assert len(losses) == 30 and losses[-1] < losses[0]
    source = compiled.sgd_loop([("a1_2", "y")]).source
    assert "w11_1 -= lr * dedw11_1" in source and "correct +=" in source
    with pytest.raises(ValueError, match="labels pair"):
        compiled.sgd_loop([("nope", "y")])
