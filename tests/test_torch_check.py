"""micrograd_beans.torch.check: the engine against torch on every lesson (skipped without torch)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from micrograd_beans.course.lessons import LESSONS  # noqa: E402
from micrograd_beans.torch import compare  # noqa: E402
from micrograd_beans.torch.check import Row, relative_difference  # noqa: E402


@pytest.mark.parametrize("name", list(LESSONS))
@pytest.mark.parametrize("seed", [0, 1, 5])
def test_every_lesson_agrees_with_torch_within_1e_12(name, seed):
    lesson = LESSONS[name]
    model, xs, ys = lesson.setup(seed)
    before = [(p.data, p.grad) for p in model.parameters()]
    losses = ["squared_error"] + (["bce"] if lesson.task == "classification" else [])
    for loss in losses:
        result = compare(model, xs, ys, loss)
        assert result.agrees(1e-12), str(result)
        assert len(result.gradients) == len(model.parameters())
        assert [r.name for r in result.gradients] == [n for n, _ in model.named_parameters()]
        assert any(r.engine != 0.0 for r in result.gradients)  # a real gradient was compared
        assert result.engine_outputs.shape == (len(xs), 1)
    assert [(p.data, p.grad) for p in model.parameters()] == before  # the model is untouched


def test_the_table_shows_names_engine_torch_and_difference():
    model, xs, ys = LESSONS["hidden-layer"].setup(0)
    result = compare(model, xs, ys)
    lines = str(result).splitlines()
    assert lines[0].startswith("100 beans, outputs agree within")
    assert lines[1].split() == ["engine", "torch", "difference"]
    assert lines[2].split()[0:2] == ["mean", "squared_error"]
    row = lines[3].split()
    assert row[:2] == ["d/d", "w11_1"]
    assert float(row[2]) == pytest.approx(result.gradients[0].engine, rel=1e-15)
    assert float(row[3]) == pytest.approx(result.gradients[0].torch, rel=1e-15)
    assert [line.split()[1] for line in lines[3:-1]] == [n for n, _ in model.named_parameters()]
    assert lines[-1].startswith("difference: |engine - torch| / max(")


def test_a_changed_weight_in_torch_would_show_as_a_difference():
    # the check can fail: the same beans on a different model give visible differences
    model, xs, ys = LESSONS["hidden-layer"].setup(0)
    result = compare(model, xs, ys)
    other = LESSONS["hidden-layer"].make_model(1)
    shifted = compare(other, xs, ys)
    assert relative_difference(result.loss.engine, shifted.loss.engine) > 1e-3
    assert relative_difference(0.0, 0.0) == 0.0
    assert relative_difference(1.0, 1.0 + 2**-52) == pytest.approx(2**-52)


def test_compare_names_what_does_not_fit():
    model, xs, ys = LESSONS["disc"].setup(0)
    with pytest.raises(ValueError, match="takes 2 input"):
        compare(model, xs[:, 0], ys)
    with pytest.raises(ValueError, match="torch backend computes the losses"):
        compare(model, xs, ys, loss="hinge")


@pytest.mark.parametrize("loss", ["squared_error", "bce"])
def test_several_outputs_take_the_engines_mean_over_outputs(loss):
    import numpy as np

    from micrograd_beans.nn import MLP

    model = MLP(2, [3, 2], "tanh", "sigmoid", seed=4, init="symmetric")
    rng = np.random.default_rng(4)
    xs, ys = rng.random((20, 2)), (rng.random((20, 2)) > 0.5).astype(float)
    result = compare(model, xs, ys, loss)
    assert result.engine_outputs.shape == (20, 2)
    assert result.agrees(1e-12), str(result)


def test_a_gradient_whose_beans_cancel_is_judged_by_what_was_summed():
    # spiral, seed 11: w82_3's gradient is ~2e-7, made of bean contributions ~1e3 times larger
    model, xs, ys = LESSONS["spiral"].setup(11)
    row = next(r for r in compare(model, xs, ys).gradients if r.name == "w82_3")
    assert abs(row.engine) < 1e-6 and row.summed > 100 * abs(row.engine)
    assert row.difference == abs(row.engine - row.torch) / row.summed < 1e-12
    plain = Row("w", 1.0, 1.0 + 2**-40)
    assert plain.difference == pytest.approx(2**-40)  # nothing summed: the plain relative one
    assert Row("w", 1e-9, 2e-9, summed=1.0).difference == pytest.approx(1e-9)
    assert Row("w", 0.0, 0.0).difference == 0.0
