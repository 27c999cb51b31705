"""micrograd_beans.torch.train: fit_torch makes the engine's updates (skipped without torch)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from micrograd_beans.course.lessons import LESSONS  # noqa: E402
from micrograd_beans.torch import fit_torch  # noqa: E402
from micrograd_beans.train import fit  # noqa: E402


def largest_difference(a, b) -> float:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    return max(abs(sa[k] - sb[k]) for k in sa)


@pytest.mark.parametrize(
    "name, epochs, changes",
    [
        ("hidden-layer", 6, {}),  # the note: per-sample SGD in order
        ("spiral", 2, {}),  # shuffled every epoch, relu
        ("disc", 3, {"batch_size": 7, "optimizer": "momentum", "loss": "bce"}),
        ("line-bias", 5, {"batch_size": None, "optimizer": "adam", "lr": 0.05}),
    ],
)
def test_torch_makes_the_engines_updates(name, epochs, changes):
    lesson = LESSONS[name]
    settings = {**lesson.fit_kwargs(), "epochs": epochs, **changes}
    model, xs, ys = lesson.setup(3)
    twin = lesson.make_model(3)
    engine = fit(model, xs, ys, seed=3, progress=False, **settings)
    in_torch = fit_torch(twin, xs, ys, seed=3, **settings)
    assert largest_difference(model, twin) < 1e-12
    assert largest_difference(model, lesson.make_model(3)) > 1e-4  # training moved them
    assert in_torch.loss == pytest.approx(engine.loss, rel=1e-12)
    if engine.accuracy is None:
        assert in_torch.accuracy is None
    else:
        assert in_torch.accuracy == engine.accuracy
    assert in_torch.epochs == epochs and in_torch.beans == epochs * len(xs)
    assert 0 < in_torch.beans_per_second < math.inf


def test_float32_training_stays_close_to_float64():
    lesson = LESSONS["hidden-layer"]
    model, xs, ys = lesson.setup(0)
    twin = lesson.make_model(0)
    fit_torch(model, xs, ys, epochs=3)
    fit_torch(twin, xs, ys, epochs=3, dtype=torch.float32)
    assert 0 < largest_difference(model, twin) < 1e-5


def test_divergence_and_bad_settings_are_reported():
    lesson = LESSONS["line"]
    model, xs, ys = lesson.setup(0)
    with pytest.raises(FloatingPointError, match="diverged in epoch"):
        fit_torch(model, xs * 1e3, ys, epochs=50, lr=10.0)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        fit_torch(model, xs, ys, optimizer="rmsprop")
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        fit_torch(model, xs, ys, batch_size=0)
    with pytest.raises(ValueError, match="equally many beans"):
        fit_torch(model, xs, ys[:5])
