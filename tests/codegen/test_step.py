"""Tests for codegen/step.py: fit's training through generated code."""

from __future__ import annotations

import pytest
from codegen_cases import close, lesson_run


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("lesson_name", ["hidden-layer", "disc", "spiral"])
def test_fit_compiled_trains_like_the_engine(lesson_name, batch_size):
    from micrograd_beans.train import fit

    lesson, dynamic, xs, ys = lesson_run(lesson_name, epochs=20, batch_size=batch_size)
    model = lesson.make_model(0)
    seen = {"dynamic": [], "compiled": []}

    def watch(which):
        return lambda epoch, m, h: seen[which].append((epoch, m.state_dict()))

    kwargs = dict(lesson.fit_kwargs(), progress=False, every=7, shuffle=batch_size == 7, seed=1)
    h_dyn = fit(dynamic, xs, ys, callback=watch("dynamic"), **kwargs)
    h_comp = fit(model, xs, ys, compiled=True, callback=watch("compiled"), **kwargs)
    want, got = dynamic.state_dict(), model.state_dict()
    for name in want:
        if batch_size == 1:  # per sample: the engine's float operations, bit for bit
            assert got[name] == want[name], name
        else:  # batched: numpy's sums and exp differ in the last digits
            assert close(got[name], want[name], 1e-9, 1e-9), name
    assert [e for e, _ in seen["compiled"]] == [7, 14, 20]  # callbacks see the live model
    for (_, a), (_, b) in zip(seen["compiled"], seen["dynamic"], strict=True):
        assert all(close(a[k], b[k], 1e-9, 1e-9) for k in a)
    for lc, ld in zip(h_comp.loss, h_dyn.loss, strict=True):
        assert close(lc, ld, 1e-9)
    assert h_comp.accuracy == h_dyn.accuracy


def test_fit_compiled_auto_falls_back_and_true_explains():
    from micrograd_beans.losses import squared_error
    from micrograd_beans.train import fit

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


def test_compiled_step_batch_matches_the_graph_step():
    from micrograd_beans.codegen import CompiledStep
    from micrograd_beans.losses import squared_error
    from micrograd_beans.optim import SGD
    from micrograd_beans.train import GraphStep

    _, model, xs, ys = lesson_run("disc")
    twin = lesson_run("disc")[1]
    pairs = [(list(x), float(y)) for x, y in zip(xs[:10].tolist(), ys[:10], strict=True)]
    e1, outs1 = CompiledStep(model, squared_error, SGD(model.parameters(), 0.05)).batch(pairs)
    e2, outs2 = GraphStep(twin, squared_error, SGD(twin.parameters(), 0.05)).batch(pairs)
    assert close(e1, e2, 1e-12) and outs1 == outs2
    got, want = model.state_dict(), twin.state_dict()
    assert all(close(got[k], want[k], 1e-12) for k in got)


def test_compiled_epoch_counts_like_fit():
    from micrograd_beans.codegen import CompiledStep
    from micrograd_beans.losses import squared_error
    from micrograd_beans.optim import SGD

    _, model, xs, ys = lesson_run("hidden-layer")
    twin = lesson_run("hidden-layer")[1]
    pairs = list(zip(xs.tolist(), ys.tolist(), strict=True))
    step = CompiledStep(model, squared_error, SGD(model.parameters(), 0.03))
    total, correct = step.epoch(pairs, 1)
    other = CompiledStep(twin, squared_error, SGD(twin.parameters(), 0.03))
    t2, c2 = 0.0, 0
    for x, y in pairs:
        e, out = other.sample(x, y)
        t2 += e
        c2 += (out >= 0.5) == (y == 1.0)
    assert (total, correct) == (t2, c2)
    assert model.state_dict() == twin.state_dict()


def test_compiled_only_where_it_applies():
    from micrograd_beans.codegen import compiled_step
    from micrograd_beans.losses import binary_cross_entropy, squared_error
    from micrograd_beans.nn import MLP
    from micrograd_beans.optim import SGD

    _, model, _, _ = lesson_run("hidden-layer")
    sgd = SGD(model.parameters(), 0.03)
    linear = MLP(1, [2, 1], output_activation="linear")
    linear_sgd = SGD(linear.parameters(), 0.03)
    assert compiled_step(linear, binary_cross_entropy, linear_sgd, "auto") is None
    assert compiled_step(model, squared_error, sgd, False) is None
    assert compiled_step(model, squared_error, sgd, "auto") is not None
    assert compiled_step(model, binary_cross_entropy, sgd, "auto") is not None
    with pytest.raises(ValueError, match="compiled=True does not apply.*sigmoid output"):
        compiled_step(linear, binary_cross_entropy, linear_sgd, True)
    with pytest.raises(ValueError, match="compiled must be"):
        compiled_step(model, squared_error, sgd, "yes")


def test_a_very_wide_layer_falls_back_to_the_engine():
    """train --hidden 1000: the output neuron's sum of 1000 products nests too deep to write
    out; "auto" trains on the graph instead, True says why it cannot."""

    from micrograd_beans.codegen import CodegenError, compiled_step
    from micrograd_beans.losses import get_loss
    from micrograd_beans.nn import MLP
    from micrograd_beans.optim import SGD

    model = MLP(1, [1000, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.03)
    loss = get_loss("squared_error")
    assert compiled_step(model, loss, optimizer, "auto") is None
    with pytest.raises(CodegenError, match="too wide"):
        compiled_step(model, loss, optimizer, True)


LOSSES = ["squared_error", "bce"]
OPTIMIZERS = ["sgd", "momentum", "adam"]


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("lesson_name", ["hidden-layer", "spiral"])
def test_every_loss_and_optimizer_trains_in_generated_code_with_the_graphs_numbers(
    lesson_name, loss, optimizer, batch_size
):
    """Per sample: bit for bit. In batches: within 1e-12 relative (plain SGD's batches run
    in numpy, whose sums and exp round differently: 1e-9 as before)."""
    from micrograd_beans.train import fit

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
    want, got = graph_model.state_dict(), model.state_dict()
    numpy_batches = optimizer == "sgd" and batch_size != 1
    tol = 1e-9 if numpy_batches else 1e-12
    for name in want:
        if batch_size == 1:
            assert got[name] == want[name], name
        else:
            assert close(got[name], want[name], tol, tol), name
    for a, b in zip(h_gen.loss, h_graph.loss, strict=True):
        assert a == b if batch_size == 1 else close(a, b, tol)
    assert h_gen.accuracy == h_graph.accuracy


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_the_optimizers_state_comes_back_for_the_graph_to_continue(optimizer):
    # train two epochs in generated code then one on the graph, against three on the graph
    from micrograd_beans.optim import SGD, Adam
    from micrograd_beans.train import fit

    lesson, model, xs, ys = lesson_run("hidden-layer")
    twin = lesson.make_model(0)

    def make(m):
        if optimizer == "adam":
            return Adam(m.parameters(), 0.01)
        return SGD(m.parameters(), 0.03, momentum=0.9)

    opt, twin_opt = make(model), make(twin)
    fit(model, xs, ys, epochs=2, optimizer=opt, compiled=True, progress=False)
    fit(model, xs, ys, epochs=1, optimizer=opt, compiled=False, progress=False)
    fit(twin, xs, ys, epochs=3, optimizer=twin_opt, compiled=False, progress=False)
    assert model.state_dict() == twin.state_dict()
    assert opt.state_dict() == twin_opt.state_dict()


def test_why_not_compiled_names_what_is_not_compiled():
    from micrograd_beans.codegen import why_not_compiled
    from micrograd_beans.losses import binary_cross_entropy, squared_error
    from micrograd_beans.nn import MLP
    from micrograd_beans.optim import SGD, Adam, Optimizer

    sigmoid_out = MLP(1, [2, 1])
    linear_out = MLP(1, [2, 1], output_activation="linear")
    params = sigmoid_out.parameters()
    for loss in (squared_error, binary_cross_entropy):
        for opt in (SGD(params), SGD(params, momentum=0.5), Adam(params)):
            assert why_not_compiled(loss, opt, sigmoid_out) is None
    reason = why_not_compiled(binary_cross_entropy, SGD(params), linear_out)
    assert "sigmoid output" in reason and "linear" in reason

    class Halving(Optimizer):
        def step(self):
            for p in self.params:
                p.data -= 0.5 * p.grad

    assert "Halving has no generated update" in why_not_compiled(
        squared_error, Halving(params, 0.1), sigmoid_out
    )
