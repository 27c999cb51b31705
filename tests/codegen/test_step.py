"""Tests for codegen/step.py: fit's training through generated code, against the graph path.

The graph path (`fit(..., compiled=False)`: Values, backward, optim's `step`) is the
reference. Per sample the generated code must give its numbers bit for bit; with more samples
per update (their mean gradient summed in another order) within 1e-12 of the largest
parameter, for the parameters, the losses and the optimizer's state.
"""

from __future__ import annotations

import functools
import math
import random
from unittest import mock

import pytest
from codegen_cases import close, lesson_run
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_beans.codegen import step as step_module
from micrograd_beans.losses import binary_cross_entropy, squared_error
from micrograd_beans.nn import MLP
from micrograd_beans.optim import SGD, Adam
from micrograd_beans.train import TrainingDiverged, fit

OPTIMIZERS = {
    "sgd": lambda params, lr=0.1: SGD(params, lr),
    "momentum": lambda params, lr=0.1: SGD(params, lr, momentum=0.9),
    "adam": lambda params, lr=0.1: Adam(params, lr),
}


def same_numbers(got: list[float], want: list[float], exact: bool) -> bool:
    """Equal, or within 1e-12 of the largest magnitude among them."""
    if exact:
        return got == want
    scale = max([abs(v) for v in [*got, *want] if math.isfinite(v)], default=0.0)
    return len(got) == len(want) and all(
        close(a, b, 1e-12, scale) for a, b in zip(got, want, strict=True)
    )


def optimizer_numbers(optimizer: object) -> list[float]:
    """Every number of an optimizer's running state, flat (velocities; Adam's t, m, v)."""
    state = optimizer.state_dict()
    numbers = []
    for key in ("velocity", "t", "m", "v"):
        value = state.get(key)
        numbers += value if isinstance(value, list) else ([] if value is None else [value])
    return numbers


# --- the lessons: every loss and optimizer -------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("lesson_name", ["hidden-layer", "disc", "spiral"])
def test_fit_compiled_trains_like_the_engine(lesson_name, batch_size):
    lesson, dynamic, xs, ys = lesson_run(lesson_name, epochs=20, batch_size=batch_size)
    model = lesson.make_model(0)
    seen = {"dynamic": [], "compiled": []}

    def watch(which):
        return lambda epoch, m, h: seen[which].append((epoch, m.state_dict()))

    kwargs = dict(lesson.fit_kwargs(), progress=False, every=7, shuffle=batch_size == 7, seed=1)
    h_dyn = fit(dynamic, xs, ys, compiled=False, callback=watch("dynamic"), **kwargs)
    h_comp = fit(model, xs, ys, compiled=True, callback=watch("compiled"), **kwargs)
    exact = batch_size == 1  # per sample: the engine's float operations, bit for bit
    want, got = dynamic.state_dict(), model.state_dict()
    assert same_numbers(list(got.values()), list(want.values()), exact)
    assert [e for e, _ in seen["compiled"]] == [7, 14, 20]  # callbacks see the live model
    for (_, a), (_, b) in zip(seen["compiled"], seen["dynamic"], strict=True):
        assert same_numbers(list(a.values()), list(b.values()), exact)
    assert same_numbers(h_comp.loss, h_dyn.loss, exact)
    assert h_comp.accuracy == h_dyn.accuracy


@pytest.mark.parametrize("batch_size", [1, 2, 7, None])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("loss", ["squared_error", "bce"])
@pytest.mark.parametrize("lesson_name", ["hidden-layer", "spiral"])
def test_every_loss_and_optimizer_trains_in_generated_code_with_the_graphs_numbers(
    lesson_name, loss, optimizer, batch_size
):
    """Plain SGD (`optimizer_loop("sgd")`, fit's default) included."""
    lesson, graph_model, xs, ys = lesson_run(lesson_name)
    if lesson_name == "spiral":
        xs, ys = xs[:40], ys[:40]
    model = lesson.make_model(0)
    kwargs = dict(
        loss=loss, optimizer=optimizer, batch_size=batch_size, epochs=6, lr=0.05, progress=False
    )
    h_graph = fit(graph_model, xs, ys, compiled=False, **kwargs)
    h_gen = fit(model, xs, ys, compiled=True, **kwargs)
    assert h_gen.path == "generated code" and h_graph.path == "engine graph (compiled=False)"
    exact = batch_size == 1
    want, got = graph_model.state_dict(), model.state_dict()
    assert same_numbers(list(got.values()), list(want.values()), exact)
    assert same_numbers(h_gen.loss, h_graph.loss, exact)
    assert h_gen.accuracy == h_graph.accuracy


def test_the_generated_sgd_step_is_the_notes_update_by_hand():
    # one bean, one step, the note's network: every number written out from the chain rule
    from micrograd_beans.course import by_hand

    model = MLP(1, [2, 1], seed=3)
    start = dict(model.state_dict())
    fit(model, [0.7], [1.0], epochs=1, lr=0.5, progress=False, compiled=True)
    grads = by_hand.gradients(start, 0.7, 1.0)
    for name, value in model.state_dict().items():
        assert value == pytest.approx(start[name] - 0.5 * grads[name], rel=1e-12), name


# --- what the optimizer is given: some of the parameters, in any order ---------------------


@pytest.mark.parametrize("batch_size", [1, 3])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_an_optimizer_over_one_layer_moves_only_that_layer(optimizer, batch_size):
    """fit(model, optimizer=SGD(model.layers[-1].parameters())): the first layer is frozen,
    on the default path (generated code) as on the graph; Adam's state has one entry per
    parameter it was given."""
    xs, ys = [[0.1, 0.2], [0.5, -0.3], [1.0, 0.4], [-0.7, 0.9]], [1.0, 0.0, 1.0, 0.0]
    models = {compiled: MLP(2, [3, 1], seed=0) for compiled in ("auto", False)}
    opts = {c: OPTIMIZERS[optimizer](m.layers[-1].parameters()) for c, m in models.items()}
    first_layer = {name: p.data for name, p in models["auto"].layers[0].named_parameters()}
    paths = {}
    for compiled, model in models.items():
        h = fit(model, xs, ys, epochs=3, optimizer=opts[compiled], batch_size=batch_size,
                compiled=compiled, progress=False)  # fmt: skip
        paths[compiled] = h.path
    assert paths["auto"] == "generated code"
    assert {n: p.data for n, p in models["auto"].layers[0].named_parameters()} == first_layer
    want, got = models[False].state_dict(), models["auto"].state_dict()
    assert want != MLP(2, [3, 1], seed=0).state_dict()  # the last layer did move
    assert same_numbers(list(got.values()), list(want.values()), batch_size == 1)
    assert same_numbers(
        optimizer_numbers(opts["auto"]), optimizer_numbers(opts[False]), batch_size == 1
    )


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_an_optimizer_keeps_its_state_in_the_order_it_was_given_the_parameters(optimizer):
    """Momentum's velocities and Adam's moments belong to the optimizer's own list (as in
    torch): reversed, they must come back reversed, not in the model's order."""
    xs, ys = [[0.1, 0.2], [0.5, -0.3], [1.0, 0.4]], [1.0, 0.0, 1.0]
    results = {}
    for compiled in (True, False):
        model = MLP(2, [2, 1], seed=1)
        params = model.parameters()[::-1]
        opt = OPTIMIZERS[optimizer](params)
        fit(model, xs, ys, epochs=2, optimizer=opt, compiled=compiled, progress=False)
        results[compiled] = (model.state_dict(), opt.state_dict())
    assert results[True] == results[False]
    if optimizer == "adam":  # the last parameter moved least: its moments are not the first's
        assert results[True][1]["m"] != results[True][1]["m"][::-1]


def test_a_parameter_the_model_does_not_use_stays_and_keeps_a_zero_state():
    from micrograd_beans import Value

    results = {}
    for compiled in (True, False):
        model, stray = MLP(1, [2, 1], seed=0), Value(0.25, label="stray")
        opt = Adam([*model.parameters(), stray], 0.05)
        fit(model, [0.2, 0.9], [0.0, 1.0], epochs=2, optimizer=opt, compiled=compiled,
            progress=False)  # fmt: skip
        results[compiled] = (model.state_dict(), opt.state_dict(), stray.data)
    assert results[True] == results[False] and results[True][2] == 0.25
    assert results[True][1]["m"][-1] == results[True][1]["v"][-1] == 0.0


# --- the differential test: random setups, generated code against the graph ---------------


@st.composite
def training_setups(draw):
    """A model, data, loss (and reduction), optimizer over a random subset of the parameters
    in a random order (the others frozen), batch size, shuffling, and two fits in a row."""
    nin, nout = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    loss = draw(st.sampled_from(["squared_error", "bce"]))
    activations = st.sampled_from(["sigmoid", "tanh", "relu", "linear"])
    model = dict(
        nin=nin,
        nouts=[*draw(st.lists(st.integers(1, 3), max_size=2)), nout],
        activation=draw(activations),
        output_activation="sigmoid" if loss == "bce" else draw(activations),
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 1000)),
        init="symmetric",
    )
    n = draw(st.integers(1, 10))
    rng = random.Random(draw(st.integers(0, 1000)))
    xs = [[rng.uniform(-2.0, 2.0) for _ in range(nin)] for _ in range(n)]
    soft = draw(st.booleans())
    label = (lambda: rng.random()) if soft else (lambda: float(rng.random() < 0.5))
    ys = [[label() if loss == "bce" or not soft else rng.uniform(-1, 1) for _ in range(nout)]
          for _ in range(n)]  # fmt: skip
    # freezing is giving the optimizer a subset: any parameters, or whole layers' (a
    # network's head, say), in the model's order or any other
    layers = [len(layer.parameters()) for layer in MLP(**model).layers]
    if draw(st.booleans()):
        starts = [sum(layers[:k]) for k in range(len(layers))]
        trained = draw(st.sets(st.integers(0, len(layers) - 1), min_size=1))
        chosen = [i for k in sorted(trained) for i in range(starts[k], starts[k] + layers[k])]
    else:
        chosen = draw(st.permutations(range(sum(layers))))[: draw(st.integers(1, sum(layers)))]
    if draw(st.booleans()):
        chosen = draw(st.permutations(chosen))
    sizes = st.one_of(st.none(), st.integers(1, n + 1))
    return dict(
        model=model,
        xs=xs,
        ys=ys,
        loss=loss,
        reduction=draw(st.sampled_from([None, "mean", "sum"])),
        optimizer=draw(st.sampled_from(list(OPTIMIZERS))),
        lr=draw(st.sampled_from([0.01, 0.05, 0.1])),
        params=chosen,  # which parameters, in which order; the others are frozen
        fits=[(draw(sizes), draw(st.booleans()), draw(st.integers(1, 3))) for _ in range(2)],
        numpy_batch=draw(st.sampled_from([2, step_module.NUMPY_BATCH])),
    )


def train_both_ways(setup: dict, compiled: bool) -> list:
    """Train per `setup`; the numbers after each fit (parameters, losses, optimizer state)."""
    model = MLP(**setup["model"])
    params = model.parameters()
    optimizer = OPTIMIZERS[setup["optimizer"]]([params[k] for k in setup["params"]], setup["lr"])
    loss = {"squared_error": squared_error, "bce": binary_cross_entropy}[setup["loss"]]
    if setup["reduction"] is not None:
        loss = functools.partial(loss, reduction=setup["reduction"])
    seen, exact = [], True
    for batch_size, shuffle, epochs in setup["fits"]:
        history = fit(
            model, setup["xs"], setup["ys"], epochs=epochs, optimizer=optimizer, loss=loss,
            batch_size=batch_size, shuffle=shuffle, seed=7, compiled=compiled, progress=False,
        )  # fmt: skip
        assert history.path == ("generated code" if compiled else "engine graph (compiled=False)")
        # per sample every number is the graph's; after a batch, within rounding from then on
        exact = exact and (batch_size == 1 or len(setup["xs"]) == 1)
        seen.append((exact, [p.data for p in params], history.loss, optimizer_numbers(optimizer)))
    return seen


@settings(max_examples=max(25, settings.default.max_examples // 3), deadline=None)
@given(training_setups())
def test_generated_training_is_the_graphs_for_random_setups(setup):
    with mock.patch.object(step_module, "NUMPY_BATCH", setup["numpy_batch"]):
        try:
            generated = train_both_ways(setup, compiled=True)
        except TrainingDiverged:
            with pytest.raises(TrainingDiverged):
                train_both_ways(setup, compiled=False)
            return
    graph = train_both_ways(setup, compiled=False)
    model = MLP(**setup["model"])
    start = [p.data for p in model.parameters()]
    frozen = [k for k in range(len(start)) if k not in setup["params"]]
    for (exact, params, losses, state), (_, params_g, losses_g, state_g) in zip(
        generated, graph, strict=True
    ):
        assert same_numbers(params, params_g, exact)
        assert same_numbers(losses, losses_g, exact)
        assert same_numbers(state, state_g, exact)
        assert [params[k] for k in frozen] == [start[k] for k in frozen]


# --- big batches in numpy; models with several outputs -------------------------------------


@pytest.mark.parametrize("batch_size", [30, None])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_batches_from_numpy_batch_samples_run_in_numpy_with_the_graphs_numbers(
    optimizer, batch_size
):
    from micrograd_beans.codegen import CompiledStep

    lesson, graph_model, xs, ys = lesson_run("spiral")
    xs, ys = xs[:100], ys[:100]
    model = lesson.make_model(0)
    kwargs = dict(optimizer=optimizer, batch_size=batch_size, epochs=4, lr=0.05, progress=False)
    fit(graph_model, xs, ys, compiled=False, **kwargs)
    steps = []
    original = CompiledStep.__init__

    def record(self, *args):
        original(self, *args)
        steps.append(self)

    with (
        mock.patch.object(CompiledStep, "__init__", record),
        mock.patch.object(step_module, "NUMPY_BATCH", 10),
    ):
        fit(model, xs, ys, compiled=True, **kwargs)
    assert set(steps[0]._loops) == {"numpy"}  # batches of 30: three and a smaller one
    want, got = graph_model.state_dict(), model.state_dict()
    assert same_numbers(list(got.values()), list(want.values()), exact=False)


@pytest.mark.parametrize("batch_size", [1, 2])
@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_a_model_with_as_many_outputs_as_inputs_trains_like_the_graph(optimizer, batch_size):
    rng = random.Random(3)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(9)]
    ys = [[float(a > 0), float(b > a)] for a, b in xs]
    results = []
    for compiled in (True, False):
        model = MLP(2, [3, 2], seed=2)
        opt = OPTIMIZERS[optimizer](model.parameters(), 0.05)
        h = fit(model, xs, ys, epochs=3, optimizer=opt, batch_size=batch_size,
                compiled=compiled, progress=False)  # fmt: skip
        results.append((list(model.state_dict().values()), h.loss, optimizer_numbers(opt)))
    for got, want in zip(results[0], results[1], strict=True):
        assert same_numbers(got, want, batch_size == 1)


# --- when generated code does not apply or cannot be made ----------------------------------


def test_fit_compiled_auto_falls_back_and_true_explains():
    def my_loss(out, y):  # a function of the learner's own: its graph may vary per sample
        return squared_error(out, y) * 0.5

    lesson, model, xs, ys = lesson_run("hidden-layer")
    twin = lesson.make_model(0)
    h = fit(model, xs, ys, epochs=3, loss=my_loss, compiled="auto", progress=False)
    fit(twin, xs, ys, epochs=3, loss=my_loss, progress=False)
    assert model.state_dict() == twin.state_dict()
    assert h.path.startswith("engine graph") and "my_loss is your own function" in h.path
    with pytest.raises(ValueError, match="compiled=True does not apply.*my_loss"):
        fit(model, xs, ys, epochs=1, loss=my_loss, compiled=True, progress=False)


def test_code_that_cannot_be_made_falls_back_with_the_reason_in_the_history(monkeypatch):
    import dataclasses

    from micrograd_beans.codegen import CodegenError
    from micrograd_beans.engine import OPS

    # an op with no codegen rule (as a define_op of one's own without code= can be)
    monkeypatch.setitem(OPS, "tanh", dataclasses.replace(OPS["tanh"], code=None))
    xs, ys = [0.1, 0.5, 0.9], [0.0, 1.0, 0.0]
    model, twin = (MLP(1, [2, 1], "tanh", "sigmoid", seed=0) for _ in range(2))
    h = fit(model, xs, ys, epochs=2, progress=False)
    fit(twin, xs, ys, epochs=2, compiled=False, progress=False)
    assert model.state_dict() == twin.state_dict()
    assert h.path.startswith("engine graph (the code could not be written: op 'tanh' has no")
    with pytest.raises(CodegenError, match="compiled=True does not apply.*'tanh'"):
        fit(model, xs, ys, epochs=1, compiled=True, progress=False)


def test_a_very_wide_layer_compiles_with_the_engines_numbers():
    """train --hidden 1000: the output neuron's sum of 1000 products is written in parts."""
    models = {compiled: MLP(1, [1000, 1], seed=0) for compiled in (True, False)}
    paths = {}
    for compiled, model in models.items():
        paths[compiled] = fit(model, [0.3, 0.8], [0.0, 1.0], epochs=1, compiled=compiled,
                              progress=False).path  # fmt: skip
    assert paths[True] == "generated code"
    assert models[True].state_dict() == models[False].state_dict()


def test_compiled_only_where_it_applies():
    from micrograd_beans.codegen import compiled_step

    _, model, _, _ = lesson_run("hidden-layer")
    sgd = SGD(model.parameters(), 0.03)
    linear = MLP(1, [2, 1], output_activation="linear")
    linear_sgd = SGD(linear.parameters(), 0.03)
    assert compiled_step(linear, binary_cross_entropy, linear_sgd, "auto") is None
    assert compiled_step(model, squared_error, sgd, False) is None
    assert compiled_step(model, squared_error, sgd, "auto") is not None
    assert compiled_step(model, binary_cross_entropy, sgd, "auto") is not None
    summed = functools.partial(squared_error, reduction="sum")
    assert compiled_step(model, summed, sgd, "auto") is not None
    with pytest.raises(ValueError, match="compiled=True does not apply.*sigmoid output"):
        compiled_step(linear, binary_cross_entropy, linear_sgd, True)
    with pytest.raises(ValueError, match="compiled must be"):
        compiled_step(model, squared_error, sgd, "yes")


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_the_optimizers_state_comes_back_for_the_graph_to_continue(optimizer):
    # train two epochs in generated code then one on the graph, against three on the graph
    lesson, model, xs, ys = lesson_run("hidden-layer")
    twin = lesson.make_model(0)
    opt = OPTIMIZERS[optimizer](model.parameters(), 0.03)
    twin_opt = OPTIMIZERS[optimizer](twin.parameters(), 0.03)
    fit(model, xs, ys, epochs=2, optimizer=opt, compiled=True, progress=False)
    fit(model, xs, ys, epochs=1, optimizer=opt, compiled=False, progress=False)
    fit(twin, xs, ys, epochs=3, optimizer=twin_opt, compiled=False, progress=False)
    assert model.state_dict() == twin.state_dict()
    assert opt.state_dict() == twin_opt.state_dict()


def test_why_not_compiled_names_what_is_not_compiled():
    from micrograd_beans.codegen import why_not_compiled
    from micrograd_beans.optim import Optimizer

    sigmoid_out = MLP(1, [2, 1])
    linear_out = MLP(1, [2, 1], output_activation="linear")
    params = sigmoid_out.parameters()
    for loss in (squared_error, binary_cross_entropy):
        for opt in (SGD(params), SGD(params, momentum=0.5), Adam(params)):
            assert why_not_compiled(loss, opt, sigmoid_out) is None
            assert why_not_compiled(functools.partial(loss, reduction="sum"), opt) is None
    reason = why_not_compiled(binary_cross_entropy, SGD(params), linear_out)
    assert "sigmoid output" in reason and "linear" in reason
    weighted = functools.partial(squared_error, [0.5])  # more than a reduction: a new loss
    assert "your own function" in why_not_compiled(weighted, SGD(params))

    class Halving(Optimizer):
        def step(self):
            for p in self.params:
                p.data -= 0.5 * p.grad

    class Slower(SGD):  # a subclass may step differently: not the generated update
        pass

    for opt in (Halving(params, 0.1), Slower(params)):
        name = type(opt).__name__
        assert f"{name} has no generated update" in why_not_compiled(squared_error, opt)
