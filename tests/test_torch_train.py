"""micrograd_beans.torch.train: fit_torch makes the engine's updates (skipped without torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from micrograd_beans.course.lessons import LESSONS  # noqa: E402
from micrograd_beans.nn import ACTIVATIONS, MLP  # noqa: E402
from micrograd_beans.optim import SGD, Adam  # noqa: E402
from micrograd_beans.torch import fit_torch, to_torch  # noqa: E402
from micrograd_beans.torch.train import make_torch_optimizer  # noqa: E402
from micrograd_beans.train import TrainingDiverged, fit, make_optimizer  # noqa: E402


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


def engine_error(call) -> BaseException:
    with pytest.raises(Exception) as info:
        call()
    return info.value


def test_divergence_is_fits_error_with_fits_message():
    lesson = LESSONS["line"]
    settings = dict(epochs=50, batch_size=4, lr=100.0)
    model, xs, ys = lesson.setup(0)
    twin = lesson.make_model(0)
    in_engine = engine_error(lambda: fit(model, xs, ys, progress=False, **settings))
    with pytest.raises(TrainingDiverged) as info:
        fit_torch(twin, xs, ys, **settings)
    assert str(info.value) == str(in_engine)
    assert str(info.value) == (
        "training diverged in epoch 5: the loss is inf; try a smaller learning rate than 100"
    )
    # the model is left where training stopped, as fit leaves it
    assert twin.state_dict() == pytest.approx(model.state_dict(), rel=1e-9)
    assert abs(twin.state_dict()["w11_1"]) > 1e100


def engine_optimizer_error(model, settings: dict) -> BaseException:
    """What the engine says to these optimizer settings (fit and the CLI build their
    optimizer with make_optimizer; fit takes momentum only through it)."""
    name, lr, momentum = (settings.get(k) for k in ("optimizer", "lr", "momentum"))
    return engine_error(lambda: make_optimizer(model, name or "sgd", lr, momentum))


def test_momentum_with_adam_is_refused_as_the_engine_refuses_it():
    model, xs, ys = LESSONS["line"].setup(0)
    start = model.state_dict()
    settings = dict(optimizer="adam", momentum=0.5)
    with pytest.raises(ValueError) as info:
        fit_torch(model, xs, ys, epochs=1, **settings)
    assert str(info.value) == str(engine_optimizer_error(model, settings))
    assert "not Adam" in str(info.value)
    assert model.state_dict() == start


@pytest.mark.parametrize(
    "settings",
    [
        {"lr": -0.1},
        {"lr": float("nan")},
        {"lr": "0.1"},
        {"momentum": 1.0},
        {"momentum": -0.5},
        {"optimizer": "momentum", "momentum": 0.95, "lr": 0.0},
    ],
)
def test_optimizer_settings_are_checked_as_the_engine_checks_them(settings):
    model, xs, ys = LESSONS["line"].setup(0)
    in_engine = engine_optimizer_error(model, settings)
    with pytest.raises(type(in_engine)) as info:
        fit_torch(model, xs, ys, epochs=1, **settings)
    assert str(info.value) == str(in_engine)


def test_adams_settings_are_the_engines():
    model, xs, ys = LESSONS["line"].setup(0)
    net = to_torch(model)
    opt, lr = make_torch_optimizer(model, net.parameters(), "adam", None)
    engine = Adam(model.parameters())
    group = opt.param_groups[0]
    assert (lr, group["lr"], group["betas"], group["eps"]) == (
        engine.lr,
        engine.lr,
        engine.betas,
        engine.eps,
    )


def test_an_optimizer_object_is_refused_by_name():
    model, xs, ys = LESSONS["line"].setup(0)
    with pytest.raises(TypeError, match=r"takes the optimizer by name \(sgd, momentum, adam"):
        fit_torch(model, xs, ys, optimizer=SGD(model.parameters(), 0.1))
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; choose one of: sgd"):
        fit_torch(model, xs, ys, optimizer="rmsprop")


def test_a_shuffle_without_seed_tells_its_seed_to_repeat_the_run():
    lesson = LESSONS["disc"]
    model, xs, ys = lesson.setup(2)
    settings = dict(epochs=2, batch_size=8, shuffle=True, lr=0.5)
    history = fit_torch(model, xs, ys, seed=None, **settings)
    assert isinstance(history.seed, int)
    again, in_engine = lesson.make_model(2), lesson.make_model(2)
    fit_torch(again, xs, ys, seed=history.seed, **settings)
    fit(in_engine, xs, ys, seed=history.seed, progress=False, **settings)
    assert again.state_dict() == model.state_dict()
    assert largest_difference(in_engine, model) < 1e-12
    assert fit_torch(lesson.make_model(2), xs, ys, epochs=1).seed is None  # no shuffle


def test_bad_data_and_batch_sizes_are_reported():
    model, xs, ys = LESSONS["line"].setup(0)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        fit_torch(model, xs, ys, batch_size=0)
    with pytest.raises(ValueError, match="equally many beans"):
        fit_torch(model, xs, ys[:5])


@st.composite
def training_runs(draw) -> tuple[dict, np.ndarray, np.ndarray, dict]:
    """A random model, beans (0/1 or soft targets) and fit settings the torch backend takes."""
    output_activation = draw(st.sampled_from(ACTIVATIONS))
    model = {
        "nin": draw(st.integers(1, 3)),
        "nouts": [*draw(st.lists(st.integers(1, 4), max_size=2)), draw(st.integers(1, 3))],
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "output_activation": output_activation,
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
        "init": "symmetric",
    }
    n = draw(st.integers(1, 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    xs = rng.uniform(-1, 1, (n, model["nin"]))
    ys = rng.uniform(0, 1, (n, model["nouts"][-1]))
    if draw(st.booleans()):
        ys = (ys > 0.5).astype(float)  # labels: accuracy is recorded too
    losses = ["squared_error", "bce"] if output_activation == "sigmoid" else ["squared_error"]
    training = {
        "epochs": draw(st.integers(1, 3)),
        "optimizer": draw(st.sampled_from(["sgd", "momentum", "adam"])),
        "loss": draw(st.sampled_from(losses)),
        "batch_size": draw(st.sampled_from([1, 2, 3, None, 100])),
        "shuffle": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
        "lr": draw(st.sampled_from([0.01, 0.1, 0.5])),
    }
    return model, xs, ys, training


@settings(max_examples=40, deadline=None)
@given(run=training_runs())
def test_any_run_makes_fits_updates(run):
    config, xs, ys, training = run
    model, twin = MLP(**config), MLP(**config)
    engine = fit(model, xs, ys, progress=False, **training)
    in_torch = fit_torch(twin, xs, ys, **training)
    assert largest_difference(model, twin) < 1e-12
    assert in_torch.loss == pytest.approx(engine.loss, rel=1e-12, abs=1e-15)
    assert in_torch.accuracy == engine.accuracy
