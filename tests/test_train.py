"""Tests for micrograd_beans/train.py: fit() is the note's loop by default, batches,
shuffling, callbacks, history, progress bar, the step hook, and checked inputs."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from micrograd_beans.course import by_hand
from micrograd_beans.course.datasets import bump_beans
from micrograd_beans.nn import MLP
from micrograd_beans.optim import SGD
from micrograd_beans.train import GraphStep, History, evaluate, fit

START = {
    "w11_1": 0.42,
    "b1_1": 0.71,
    "w12_1": 0.13,
    "b2_1": 0.91,
    "w11_2": 0.28,
    "w21_2": 0.66,
    "b1_2": 0.05,
}


def note_model() -> MLP:
    model = MLP(1, [2, 1])
    model.load_state_dict(START)
    return model


def beans(n: int = 30, seed: int = 0):
    return bump_beans(n, seed=seed)


def test_default_fit_is_the_notes_loop():
    xs, ys = beans()
    model = note_model()
    history = fit(model, xs, ys, epochs=5, lr=0.03, progress=False)
    expected = by_hand.train(dict(START), xs, ys, alpha=0.03, epochs=5)
    for name, v in model.state_dict().items():
        assert v == pytest.approx(expected[name], abs=1e-12), name
    assert history.epochs == 5 and len(history.accuracy) == 5


def test_history_records_the_mean_loss_of_each_epoch():
    xs, ys = beans(10)
    model = note_model()
    params = dict(START)
    losses = []
    for x, y in zip(xs, ys, strict=True):
        losses.append(by_hand.squared_error(params, x, y))
        by_hand.sgd_step(params, x, y, 0.03)
    history = fit(model, xs, ys, epochs=1, progress=False)
    assert history.loss[0] == pytest.approx(sum(losses) / 10, abs=1e-12)


def test_a_short_run_learns():
    xs, ys = bump_beans(100, seed=1)
    model = MLP(1, [2, 1], seed=1)
    history = fit(model, xs, ys, epochs=150, lr=0.03, progress=False)
    assert history.loss[-1] < 0.85 * history.loss[0]
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)
    loss, accuracy = evaluate(model, xs, ys)
    assert loss < history.loss[0] and 0.0 <= accuracy <= 1.0


def test_full_batch_is_one_update_on_the_mean_gradient():
    xs, ys = beans(12)
    model = note_model()
    fit(model, xs, ys, epochs=2, lr=0.5, batch_size=None, progress=False)
    params = dict(START)
    for _ in range(2):
        grads = [by_hand.gradients(params, x, y) for x, y in zip(xs, ys, strict=True)]
        for name in params:
            params[name] -= 0.5 * sum(g[name] for g in grads) / len(grads)
    for name, v in model.state_dict().items():
        assert v == pytest.approx(params[name], abs=1e-12), name


class CountingSGD(SGD):
    steps = 0

    def step(self) -> None:
        CountingSGD.steps += 1
        super().step()


@pytest.mark.parametrize(("batch_size", "updates"), [(1, 30), (7, 5), (30, 1), (100, 1), (None, 1)])
def test_updates_per_epoch(batch_size, updates):
    xs, ys = beans(30)
    model = note_model()
    CountingSGD.steps = 0
    fit(
        model,
        xs,
        ys,
        epochs=2,
        optimizer=CountingSGD(model.parameters(), 0.1),
        batch_size=batch_size,
        progress=False,
    )
    assert CountingSGD.steps == 2 * updates


def test_shuffle_is_seeded():
    xs, ys = beans()
    runs = []
    for seed in (3, 3, 4):
        model = note_model()
        fit(model, xs, ys, epochs=2, shuffle=True, seed=seed, progress=False)
        runs.append(model.state_dict())
    in_order = note_model()
    fit(in_order, xs, ys, epochs=2, progress=False)
    assert runs[0] == runs[1] != runs[2]
    assert runs[0] != in_order.state_dict()


def test_callback_every_k_epochs_and_after_the_last():
    xs, ys = beans(5)
    seen = []
    fit(
        note_model(),
        xs,
        ys,
        epochs=10,
        every=3,
        progress=False,
        callback=lambda epoch, model, history: seen.append((epoch, history.epochs)),
    )
    assert seen == [(3, 3), (6, 6), (9, 9), (10, 10)]


def test_callback_returning_true_stops_training():
    xs, ys = beans(5)
    history = fit(
        note_model(),
        xs,
        ys,
        epochs=50,
        every=4,
        progress=False,
        callback=lambda epoch, model, history: epoch >= 8,
    )
    assert history.epochs == 8 and history.stopped_early


def test_regression_targets_have_no_accuracy():
    xs = np.linspace(0, 1, 20)
    model = MLP(1, [1], activation="linear", seed=0)
    history = fit(model, xs, 0.7 * xs + 0.5, epochs=3, lr=0.1, progress=False)
    assert history.accuracy is None and len(history.loss) == 3
    assert evaluate(model, xs, 0.7 * xs + 0.5)[1] is None


def test_two_outputs_and_adam_and_bce():
    rng = np.random.default_rng(0)
    xs = rng.random((40, 2))
    ys = np.column_stack([xs[:, 0] > 0.5, xs[:, 1] > 0.5]).astype(float)
    model = MLP(2, [4, 2], seed=0, init="symmetric")
    history = fit(
        model,
        xs,
        ys,
        epochs=60,
        lr=0.05,
        optimizer="adam",
        loss="bce",
        batch_size=8,
        progress=False,
    )
    assert history.loss[-1] < history.loss[0]
    assert len(history.accuracy) == 60


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    xs, ys = beans(5)
    fit(note_model(), xs, ys, epochs=3, progress=True)
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr("sys.stderr", term)
    fit(note_model(), xs, ys, epochs=3, progress=True)
    assert "0/3" in term.getvalue() and "epoch" in term.getvalue()
    quiet = Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    fit(note_model(), xs, ys, epochs=3, progress=False)
    assert quiet.getvalue() == ""


def test_a_step_object_can_replace_the_graph_step():
    xs, ys = beans(6)
    model = note_model()
    calls = {"sample": 0, "sync": 0}

    class Recording(GraphStep):
        def sample(self, x, y):
            calls["sample"] += 1
            return super().sample(x, y)

        def sync(self) -> None:
            calls["sync"] += 1

    step = Recording(model, lambda out, y: (y - out) ** 2, SGD(model.parameters(), 0.03))
    fit(model, xs, ys, epochs=2, step=step, progress=False, every=1, callback=lambda *a: None)
    assert calls["sample"] == 12 and calls["sync"] >= 3  # before each callback and at the end


def test_divergence_is_an_arithmetic_error():
    xs = np.linspace(0.5, 1.0, 10)
    model = MLP(1, [1], activation="linear", seed=0)
    with pytest.raises(ArithmeticError):
        fit(model, xs, 3 * xs, epochs=200, lr=50.0, progress=False)


@pytest.mark.parametrize(
    ("xs", "ys", "kwargs", "error", "match"),
    [
        ([0.1, math.nan], [0.0, 1.0], {}, ValueError, "xs contains NaN.*sample 1"),
        ([0.1, 0.2], [0.0, math.inf], {}, ValueError, "ys contains NaN"),
        ([0.1, 0.2], [0.0], {}, ValueError, "2 samples but ys has 1"),
        ([], [], {}, ValueError, "empty"),
        ([[0.1, 0.2]], [1.0], {}, ValueError, "takes 1 input"),
        ([0.1], [[1.0, 0.0]], {}, ValueError, "gives 1 output"),
        (["a", "b"], [0.0, 1.0], {}, TypeError, "xs must be numbers"),
        (0.5, 1.0, {}, ValueError, "sequences"),
        ([0.1], [1.0], {"epochs": -1}, ValueError, "epochs"),
        ([0.1], [1.0], {"epochs": 2.5}, TypeError, "epochs"),
        ([0.1], [1.0], {"batch_size": 0}, ValueError, "batch_size"),
        ([0.1], [1.0], {"every": 0}, ValueError, "every"),
        ([0.1], [1.0], {"optimizer": "rmsprop"}, ValueError, "unknown optimizer"),
        ([0.1], [1.0], {"loss": "hinge"}, ValueError, "unknown loss"),
        ([0.1], [1.0], {"lr": -1.0}, ValueError, "lr"),
    ],
)
def test_bad_inputs(xs, ys, kwargs, error, match):
    model = note_model()
    with pytest.raises(error, match=match):
        fit(model, xs, ys, progress=False, **kwargs)
    assert model.state_dict() == START


@pytest.mark.parametrize(
    ("xs", "ys"),
    [
        (np.array([0.2, 0.9, 1.6]), np.array([0.0, 1.0, 0.0])),  # 1-D arrays
        (np.array([[0.2], [0.9], [1.6]]), np.array([[0.0], [1.0], [0.0]])),  # (n, 1) arrays
        ([0.2, 0.9, 1.6], [0, 1, 0]),  # lists, int labels
        ([(0.2,), [0.9], 1.6], (False, True, 0.0)),  # mixed forms, bool labels
    ],
)
def test_every_form_of_the_same_data_trains_the_same(xs, ys):
    model = note_model()
    history = fit(model, xs, ys, epochs=3, progress=False)
    reference = note_model()
    expected = fit(reference, [0.2, 0.9, 1.6], [0.0, 1.0, 0.0], epochs=3, progress=False)
    assert history.loss == expected.loss and history.accuracy == expected.accuracy
    assert model.state_dict() == reference.state_dict()


@pytest.mark.parametrize(
    ("xs", "ys", "error", "match"),
    [
        ([[0.1, 0.2], [0.3], [0.4, 0.5]], [1.0, 0.0, 1.0], ValueError, "xs has 1 in sample 1"),
        ([[0.1, 0.2], [0.3, math.nan]], [1.0, 0.0], ValueError, "xs contains NaN.*sample 1"),
        ([[0.1, "0.2"]], [1.0], TypeError, "xs must be numbers"),
        ([0.1, None], [1.0, 0.0], TypeError, "xs must be numbers"),
        ([0.1, 0.2], [0.0, 1j], TypeError, "ys must be numbers"),
    ],
)
def test_bad_samples_in_two_input_data_are_named(xs, ys, error, match):
    model = MLP(2, [1], seed=0)
    start = model.state_dict()
    with pytest.raises(error, match=match):
        fit(model, xs, ys, progress=False)
    assert model.state_dict() == start


def test_lr_with_an_optimizer_instance_is_refused():
    model = note_model()
    with pytest.raises(ValueError, match="give lr to the optimizer"):
        fit(model, [0.1], [1.0], lr=0.1, optimizer=SGD(model.parameters(), 0.1), progress=False)


def test_zero_epochs_changes_nothing():
    model = note_model()
    history = fit(model, [0.1, 0.2], [0.0, 1.0], epochs=0, progress=False)
    assert isinstance(history, History) and history.epochs == 0
    assert model.state_dict() == START


# --- how a History shows itself -------------------------------------------------------------


def test_a_history_is_one_line_and_a_plot_not_every_epoch():
    xs, ys = bump_beans(20, seed=0)
    model = MLP(1, [2, 1], seed=0)
    history = fit(model, xs, ys, epochs=300, lr=0.03, progress=False)
    text = repr(history)
    assert len(text) < 120 and text.startswith("<History: 300 epochs in ")
    assert f"loss {history.loss[0]:.4g} → {history.loss[-1]:.4g}" in text
    assert f"accuracy {history.accuracy[0]:.0%} → {history.accuracy[-1]:.0%}" in text
    page = history._repr_html_()
    assert page.count("<img") == 1 and "data:image/png;base64," in page
    assert repr(History()) == "<History: no epochs yet>"
    assert "<img" not in History()._repr_html_()


# --- divergence: the first non-finite loss or parameter stops training -----------------------


@pytest.mark.parametrize("compiled", [False, True])
def test_divergence_names_the_epoch_and_the_learning_rate(compiled):
    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.train import TrainingDiverged

    lesson = get_lesson("line")
    model, xs, ys = lesson.setup(0)
    with pytest.raises(TrainingDiverged) as info:
        fit(model, xs, ys, epochs=50, lr=100.0, progress=False, compiled=compiled)
    message = str(info.value)
    assert message.startswith("training diverged in epoch 2: ")
    assert message.endswith("try a smaller learning rate than 100")
    assert "(34," not in message and "Numerical result" not in message


def test_a_non_finite_parameter_stops_training_even_with_a_finite_loss():
    from micrograd_beans.train import TrainingDiverged

    model = MLP(1, [1], seed=0)  # sigmoid: an infinite weight still gives a finite loss
    model.parameters()[0].data = math.inf
    with pytest.raises(
        TrainingDiverged, match="epoch 1: the loss is finite but parameter w11_1 is inf"
    ):
        fit(model, [0.5, 1.0], [1.0, 1.0], epochs=3, lr=0.1, progress=False)


def test_the_cli_reports_divergence_on_both_paths(capsys):
    from micrograd_beans.cli import main

    for extra in ([], ["--dynamic"]):
        assert main(["train", "--lesson", "line", "--lr", "100", "--no-progress", *extra]) == 1
        err = capsys.readouterr().err
        assert err.startswith("micrograd-beans train: error: training diverged in epoch 2")
        assert "smaller learning rate" in err


# --- defaults for notebooks: generated code where it applies, a bar where someone watches ----


def test_fit_defaults_to_generated_code_with_the_graphs_numbers_bit_for_bit():
    import warnings

    from micrograd_beans.course.lessons import get_lesson

    note = get_lesson("hidden-layer")
    runs = {}
    for compiled in ("default", "auto", False):
        model, xs, ys = note.setup(seed=4)
        kwargs = {} if compiled == "default" else {"compiled": compiled}
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            history = fit(model, xs, ys, epochs=30, lr=note.lr, progress=False, **kwargs)
        runs[compiled] = (model.state_dict(), history.loss)
    assert runs["default"] == runs["auto"] == runs[False]


def test_fit_falls_back_to_the_graph_silently_where_code_does_not_apply():
    import warnings

    xs, ys = bump_beans(10, seed=1)
    results = []
    for compiled in (None, False):
        model = MLP(1, [2, 1], seed=1)
        kwargs = {} if compiled is None else {"compiled": compiled}
        loss = lambda out, y: (out - y) ** 4  # noqa: E731  (a loss codegen knows nothing of)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fit(model, xs, ys, epochs=5, loss=loss, progress=False, **kwargs)
        results.append(model.state_dict())
    assert results[0] == results[1]


def test_the_progress_bar_shows_on_a_terminal_or_in_jupyter_only(monkeypatch):
    import sys

    from micrograd_beans import train

    class NoTerminal(io.StringIO):
        def isatty(self):
            return False

    monkeypatch.setattr(sys, "stderr", NoTerminal())
    assert not train._in_jupyter()  # pytest is no Jupyter kernel
    assert not train._show_progress()
    monkeypatch.setattr(train, "_in_jupyter", lambda: True)
    assert train._show_progress()
    made = []
    monkeypatch.setattr(train, "_progress_bar", lambda epochs, path: made.append(epochs) or None)
    fit(MLP(1, [1], seed=0), [0.1, 0.2], [0.0, 1.0], epochs=3, progress=True)
    assert made == [3]
    made.clear()
    fit(MLP(1, [1], seed=0), [0.1, 0.2], [0.0, 1.0], epochs=3, progress=False)
    assert made == []


# --- evaluate: the loss fit trains on, one definition ------------------------------------


def saturated(output_activation: str = "sigmoid") -> MLP:
    """One neuron so sure of itself that its sigmoid rounds to exactly 1.0 at x = 1."""
    model = MLP(1, [1], output_activation=output_activation)
    model.load_state_dict({"w11_1": 40.0, "b1_1": 0.0})
    return model


def test_evaluate_gives_fits_loss_and_torchs_on_a_saturated_model():
    """BCE of a sigmoid output comes from its logit everywhere: evaluate (what `train` prints
    as the final loss), fit's own loss and torch's binary_cross_entropy_with_logits agree
    where the probability itself is exactly 1.0 (a clamped probability would give 13.8)."""
    torch = pytest.importorskip("torch")
    xs, ys = [1.0, -1.0], [0.0, 0.0]
    model = saturated()
    assert model.predict(1.0) == 1.0
    loss, accuracy = evaluate(model, xs, ys, "bce")
    z = torch.tensor([40.0, -40.0], dtype=torch.float64)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.zeros(2).double())
    assert loss == pytest.approx(expected.item(), rel=1e-15) and loss == pytest.approx(20.0)
    assert accuracy == 0.5
    for compiled in (True, False):  # lr 1e-300 leaves the model as it is: its loss as it is
        h = fit(saturated(), xs, ys, epochs=1, lr=1e-300, loss="bce", compiled=compiled,
                progress=False)  # fmt: skip
        assert h.loss == [loss]


def test_evaluate_clamps_a_probability_as_torch_and_the_graph_do():
    """A non-sigmoid output is a probability: its log is clamped at -100, as torch does."""
    torch = pytest.importorskip("torch")
    model = MLP(1, [1], output_activation="relu")
    model.load_state_dict({"w11_1": 0.0, "b1_1": 1.0})  # p = 1.0 for every x
    loss, _ = evaluate(model, [0.5, 2.0], [0.0, 1.0], "bce")
    p = torch.tensor([1.0, 1.0], dtype=torch.float64)
    expected = torch.nn.functional.binary_cross_entropy(p, torch.tensor([0.0, 1.0]).double())
    assert loss == expected.item() == 50.0
    h = fit(model, [0.5, 2.0], [0.0, 1.0], epochs=1, lr=1e-300, loss="bce", progress=False)
    assert h.loss == [loss] and h.path.startswith("engine graph")


def test_evaluate_takes_a_loss_of_ones_own_on_the_models_values():
    xs, ys = beans(6)
    model = note_model()
    quartic = lambda out, y: (out - y) ** 4  # noqa: E731  (works on Values only as written)
    loss, _ = evaluate(model, xs, ys, quartic)
    expected = sum((model.predict(x) - y) ** 4 for x, y in zip(xs, ys, strict=True)) / len(xs)
    assert loss == pytest.approx(expected, rel=1e-12)


# --- generated code is not kept after it is gone -----------------------------------------


def test_fitting_in_a_loop_does_not_grow_linecache():
    """Each compiled fit loads its generated source into linecache (for tracebacks); the
    entries go when the code does, so a notebook that fits in a loop stays bounded."""
    import gc
    import linecache

    def generated() -> int:
        gc.collect()
        return sum(1 for name in linecache.cache if name.startswith("<micrograd_beans.codegen"))

    xs, ys = beans(10)
    before = generated()
    for optimizer in ("sgd", "momentum", "adam") * 4:
        h = fit(note_model(), xs, ys, epochs=1, optimizer=optimizer, batch_size=3,
                progress=False)  # fmt: skip
        assert h.path == "generated code"
    assert generated() <= before


def test_a_random_Random_as_seed_is_used_as_is():
    """An existing random.Random is drawn from, not re-seeded: shuffled fits in a row go on
    with one stream (the browser playground trains in chunks this way)."""
    import random

    from micrograd_beans.rng import make_random, permutation

    source = random.Random(5)
    assert make_random(source) is source
    xs = [k / 10 for k in range(10)]
    ys = [float(k % 2) for k in range(10)]
    model = MLP(1, [2, 1], seed=0)
    fit(model, xs, ys, epochs=2, shuffle=True, seed=source, progress=False)
    fit(model, xs, ys, epochs=2, shuffle=True, seed=source, progress=False)
    replay = random.Random(5)
    for _ in range(4):  # four epochs' shuffles in all, from the one stream
        permutation(replay, 10)
    assert source.getstate() == replay.getstate()
