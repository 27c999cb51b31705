"""Tests for codegen/loops.py: whole training loops in generated code, called directly.

The reference is the graph path written out: the note's network built from Values, its
loss's `backward()`, and optim's SGD / momentum / Adam `step()` (PyTorch's formulas).
"""

from __future__ import annotations

import numpy as np
import pytest
from codegen_cases import PARAMS, close, lesson_run, note_graph

from micrograd_beans import Value
from micrograd_beans.codegen import compile_graph
from micrograd_beans.codegen.updates import UPDATES
from micrograd_beans.course import by_hand
from micrograd_beans.optim import SGD, Adam

ROWS = [(0.2, 0.0), (0.9, 1.0), (1.4, 1.0), (0.05, 0.0), (1.9, 0.0)]
SETTINGS = {"sgd": (0.5,), "momentum": (0.5, 0.9), "adam": (0.05, 0.9, 0.999, 1e-8)}


def make_optimizer(kind: str, params: list[Value]):
    if kind == "adam":
        return Adam(params, 0.05, betas=(0.9, 0.999), eps=1e-8)
    return SGD(params, 0.5, momentum=0.9 if kind == "momentum" else 0.0)


def graph_training(kind: str, size: int, epochs: int) -> tuple[list[float], object, list[float]]:
    """The graph path: (final parameters, the optimizer, per-epoch sum of the losses)."""
    params = {n: Value(v, label=n) for n, v in PARAMS.items()}
    ordered = [params[n] for n in by_hand.PARAM_NAMES]
    opt = make_optimizer(kind, ordered)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for k in range(0, len(ROWS), size):
            chunk = ROWS[k : k + size]
            es = [note_graph_on(params, x, y) for x, y in chunk]
            mean = es[0] if len(es) == 1 else sum(es[1:], es[0]) / len(es)
            mean.backward()
            opt.step()
            opt.zero_grad()
            total += sum(e.data for e in es)
        losses.append(total)
    return [p.data for p in ordered], opt, losses


def note_graph_on(params: dict[str, Value], x: float, y: float) -> Value:
    """The note's e = (y - a1_2)² for one bean, on the given parameter Values."""
    a1_1 = (params["w11_1"] * x + params["b1_1"]).sigmoid()
    a2_1 = (params["w12_1"] * x + params["b2_1"]).sigmoid()
    a1_2 = (params["w11_2"] * a1_1 + params["w21_2"] * a2_1 + params["b1_2"]).sigmoid()
    return (y - a1_2) ** 2


def note_compiled():
    e, inputs, params, a1_2 = note_graph(PARAMS, 0.0, 0.0)
    return compile_graph(e, inputs, params, predictions=[a1_2])


@pytest.mark.parametrize("kind", list(UPDATES))
def test_the_per_sample_loop_is_the_graph_path_bit_for_bit(kind):
    compiled = note_compiled()
    ordered = [Value(PARAMS[n]) for n in by_hand.PARAM_NAMES]
    state = UPDATES[kind].read(make_optimizer(kind, ordered))[1]  # the fresh state
    train = compiled.optimizer_loop(kind, True, [("a1_2", "y")]).function
    final, state, losses, corrects = train(ROWS, compiled.param_values(), state,
                                           SETTINGS[kind], 3, 1, ())  # fmt: skip
    want, opt, want_losses = graph_training(kind, 1, 3)
    assert final == want and losses == want_losses
    assert len(corrects) == 3 and all(0 <= c <= len(ROWS) for c in corrects)
    reference = make_optimizer(kind, [Value(0.0) for _ in want])
    UPDATES[kind].write(reference, state)
    assert reference.state_dict() == opt.state_dict()  # velocities; Adam's t, m and v


@pytest.mark.parametrize("size", [2, 3, 5])
@pytest.mark.parametrize("kind", list(UPDATES))
def test_the_mini_batch_loop_steps_on_each_batchs_mean_gradient(kind, size):
    """Batches of `size` samples, the last one smaller (5 beans in batches of 2 and 3)."""
    compiled = note_compiled()
    fresh = UPDATES[kind].read(make_optimizer(kind, [Value(0.0) for _ in PARAMS]))[1]
    train = compiled.optimizer_loop(kind, False).function
    final, state, losses, _ = train(ROWS, compiled.param_values(), fresh, SETTINGS[kind],
                                    2, size, ())  # fmt: skip
    want, opt, want_losses = graph_training(kind, size, 2)
    assert all(close(a, b, 1e-12, 1.0) for a, b in zip(final, want, strict=True))
    assert all(close(a, b, 1e-12) for a, b in zip(losses, want_losses, strict=True))
    reference = make_optimizer(kind, [Value(0.0) for _ in want])
    UPDATES[kind].write(reference, state)
    for key, value in opt.state_dict().items():
        got = reference.state_dict()[key]
        if isinstance(value, list):
            assert all(close(a, b, 1e-12, 1e-3) for a, b in zip(got, value, strict=True)), key
        else:
            assert got == value, key


@pytest.mark.parametrize("kind", list(UPDATES))
def test_the_numpy_loop_steps_on_the_whole_batchs_mean_gradient(kind):
    compiled = note_compiled()
    fresh = UPDATES[kind].read(make_optimizer(kind, [Value(0.0) for _ in PARAMS]))[1]
    columns = [np.array([x for x, _ in ROWS]), np.array([y for _, y in ROWS])]
    train = compiled.full_batch_loop(optimizer=kind).function
    final, _, losses, _ = train(len(ROWS), columns, compiled.param_values(), fresh,
                                SETTINGS[kind], 4, 1.0 / len(ROWS), ())  # fmt: skip
    want, _, want_losses = graph_training(kind, len(ROWS), 4)
    assert all(close(float(a), b, 1e-12, 1.0) for a, b in zip(final, want, strict=True))
    assert all(close(float(a), b, 1e-12) for a, b in zip(losses, want_losses, strict=True))


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
    source = compiled.optimizer_loop("sgd", True, [("a1_2", "y")]).source
    assert "w11_1 -= lr * dedw11_1" in source and "correct +=" in source
    with pytest.raises(ValueError, match="labels pair"):
        compiled.optimizer_loop("sgd", True, [("nope", "y")])
    with pytest.raises(ValueError, match="optimizer must be one of sgd, momentum, adam"):
        compiled.optimizer_loop("rmsprop")


@pytest.mark.parametrize("kind", list(UPDATES))
def test_each_loop_writes_its_optimizers_lines_once_per_parameter(kind):
    """The optimizer is described once (updates.UPDATES); every loop shape is written from
    that description: each per-parameter line appears once per parameter."""
    compiled = note_compiled()
    update = UPDATES[kind]
    sources = {
        "per sample": compiled.optimizer_loop(kind, True).source,
        "mini-batch": compiled.optimizer_loop(kind, False).source,
        "numpy": compiled.full_batch_loop(optimizer=kind).source,
    }
    for shape, source in sources.items():
        lines = [line.strip() for line in source.splitlines()]
        flushes = 2 if shape == "mini-batch" else 1  # a full batch, and the last smaller one
        for line in update.per_update:
            assert lines.count(line) == flushes, (shape, line)
        head = update.per_param[-1].split(" ")[0].format(p="w11_1")
        assert sum(line.startswith(f"{head} -=") for line in lines) == flushes, shape
        assert f'"""{update.title}' in source


def test_a_fixed_leaf_is_read_from_the_fixed_argument_and_never_moved():
    x, y = Value(0.5, "x"), Value(1.0, "y")
    w, f = Value(0.3, "w"), Value(2.0, "f")
    e = (y - (w * f * x).sigmoid()) ** 2
    compiled = compile_graph(e, [x, y], [w], fixed=[f])
    assert compiled.fixed_names == ("f",) and "f" not in compiled.grad_names
    train = compiled.optimizer_loop("sgd").function
    final, _, _, _ = train([(0.5, 1.0)], [0.3], (), (0.1,), 1, 1, (2.0,))
    e.backward()
    assert final == [0.3 - 0.1 * w.grad]
    assert compiled([0.5, 1.0]) == (e.data, [w.grad])
    f.data = 3.0  # the fixed leaf's value is read as it is at each call
    e3 = (y - (w * f * x).sigmoid()) ** 2
    w.grad = 0.0
    e3.backward()
    assert compiled([0.5, 1.0]) == (e3.data, [w.grad])
