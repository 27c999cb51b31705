"""Every public object pickles, deep-copies and loads in a fresh Python with the same numbers:
Values and whole graphs (of any depth), Neuron, Layer, MLP, the optimizers with their state,
History, drawings, and the micrograd face's objects. Random graphs and models are compared
node by node, bit for bit, and sharing survives (one parameter Value in a model, its
optimizer and a graph stays one object)."""

from __future__ import annotations

import copy
import json
import pickle
import struct
import subprocess
import sys
from pathlib import Path

from engine_state import engine_restored
from hypothesis import given
from hypothesis import strategies as st
from test_properties import programs

from micrograd_beans import Value, define_op, detect_anomaly, engine
from micrograd_beans.micrograd import engine as mg_engine
from micrograd_beans.micrograd import nn as mg_nn
from micrograd_beans.nn import MLP, Layer, Neuron
from micrograd_beans.optim import SGD, Adam
from micrograd_beans.train import fit
from micrograd_beans.viz import draw_dot

TESTS = Path(__file__).resolve().parent


def bits(x: float) -> str:
    return struct.pack("<d", x).hex()  # -0.0 and 0.0 differ; a nan equals itself


def graph_summary(root: Value) -> list:
    """Every node of root's graph in a fixed order (operands before results): its op, label,
    constant mark, number and grad, and where its operands are in that list."""
    order = engine.graph_nodes(root)
    seen, rows = {}, []
    stack = [(root, False)]
    while stack:  # post-order, operands first, iterative (graphs may be deep)
        node, expanded = stack.pop()
        if node in seen:
            continue
        if expanded:
            seen[node] = len(rows)
            rows.append(
                (
                    node.op,
                    node.label,
                    node.is_constant,
                    bits(node.data),
                    bits(node.grad),
                    [seen[p] for p in node.parents],
                )
            )
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p not in seen)
    assert len(rows) == len(order)
    return rows


def model_summary(model) -> dict:
    """A model's parameters (names, numbers), its output and gradients for fixed inputs."""
    params = model.parameters()
    x = [0.25 * (i + 1) for i in range(_nin(model))]
    out = model(x)
    outs = out if isinstance(out, list) else [out]
    total = outs[0]
    for o in outs[1:]:
        total = total + o
    for p in params:
        p.grad = 0.0
    total.backward()
    return {
        "params": [(p.label, bits(p.data), bits(p.grad)) for p in params],
        "out": [bits(o.data) for o in outs],
    }


def _nin(model) -> int:
    if isinstance(model, Neuron):
        return len(model.w)
    if isinstance(model, Layer):
        return model.nin
    if isinstance(model, mg_nn.Neuron):
        return len(model.w)
    if isinstance(model, mg_nn.Layer):
        return len(model.neurons[0].w)
    if isinstance(model, mg_nn.MLP):
        return len(model.layers[0].neurons[0].w)
    return model.nin


def bundle_summary(bundle: dict) -> dict:
    """What every object of the bundle computes (it is changed: use a copy)."""
    summary = {"graph": graph_summary(bundle["graph"])}
    bundle["graph"].backward()
    summary["graph after backward"] = graph_summary(bundle["graph"])
    for name in ("neuron", "layer", "mlp", "micrograd mlp"):
        summary[name] = model_summary(bundle[name])
    model, sgd, adam = bundle["mlp"], bundle["sgd"], bundle["adam"]
    summary["optimizers share the model's parameters"] = all(
        a is b is c for a, b, c in zip(model.parameters(), sgd.params, adam.params, strict=True)
    )
    for name in ("sgd", "adam"):
        opt = bundle[name]
        opt.step()
        summary[name] = json.loads(json.dumps(opt.state_dict()))  # floats as repr: exact
        summary[name + " moved"] = [bits(p.data) for p in opt.params]
    history = bundle["history"]
    summary["history"] = [history.loss, history.accuracy, history.path, history.epochs]
    summary["drawing"] = bundle["drawing"].source
    summary["a value"] = [bits(bundle["value"].data), bundle["value"].label]
    return summary


def make_bundle() -> dict:
    """One of each public object, trained a little so every field holds a real number."""
    model = MLP(1, [2, 1], seed=3)
    sgd = SGD(model.parameters(), lr=0.1, momentum=0.9)
    adam = Adam(model.parameters(), lr=0.01)
    xs, ys = [0.1, 0.5, 0.9], [0.0, 1.0, 0.0]
    history = fit(model, xs, ys, epochs=2, optimizer=sgd, progress=False, compiled=False)
    for _ in range(2):
        loss = (model(0.3) - 1.0) ** 2
        adam.zero_grad()
        loss.backward()
        adam.step()
    x = Value(0.7, label="x")
    graph = (x * model.layers[0].neurons[0].w[0] + 2.0).tanh() * x.exp() - x**3 / 4
    mg_engine.Value(1.0)  # (the face's class must exist in the loading process too)
    return {
        "value": x,
        "graph": graph,
        "neuron": Neuron(3, "tanh", seed=1),
        "layer": Layer(2, 3, "relu", seed=2),
        "mlp": model,
        "sgd": sgd,
        "adam": adam,
        "history": history,
        "drawing": draw_dot(graph),
        "micrograd mlp": mg_nn.MLP(2, [3, 1]),
    }


def test_every_public_object_pickles_deep_copies_and_loads_in_a_fresh_process(tmp_path):
    bundle = make_bundle()
    expected = bundle_summary(copy.deepcopy(bundle))
    assert expected["optimizers share the model's parameters"]
    assert bundle_summary(pickle.loads(pickle.dumps(bundle))) == expected
    assert bundle_summary(copy.deepcopy(bundle)) == expected
    path = tmp_path / "bundle.pickle"
    path.write_bytes(pickle.dumps(bundle))
    script = (
        "import json, pickle, sys; sys.path.insert(0, sys.argv[1]); "
        "from test_pickling import bundle_summary; "
        "print(json.dumps(bundle_summary(pickle.loads(open(sys.argv[2], 'rb').read()))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(TESTS), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == json.loads(json.dumps(expected))


def test_a_graph_of_any_depth_copies_without_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(20_000):  # pickle and deepcopy recurse per node unless the graph goes first
        y = y * 0.9999 + 0.0001
    y.backward()
    for twin in (pickle.loads(pickle.dumps([y, x])), copy.deepcopy([y, x])):
        twin[0].backward()
        assert twin[0].data == y.data and twin[1].grad == 2 * x.grad  # its own x, accumulated
        assert x.grad != twin[1].grad


def test_sharing_survives_a_copy():
    """A node reached twice is one node after loading, inner results included, so backward
    on the loaded graph fills the grads of the loaded parts."""
    x = Value(2.0, label="x")
    inner = x * x
    out = inner.tanh() + inner
    twins = (pickle.loads(pickle.dumps((out, inner, x))), copy.deepcopy((out, inner, x)))
    out.backward()
    for a, b, c in twins:
        assert a.parents[1] is b and a.parents[0].parents[0] is b and b.parents == (c, c)
        a.backward()
        assert c.grad == x.grad and b.grad == inner.grad


def test_values_pickled_before_the_graph_went_first_still_load():
    """A Value pickled by the default slot-state form (earlier versions) loads."""
    made = Value(3.0, label="x") * 2.0
    old = object.__reduce_ex__(made, 2)  # what pickle did before Value had __reduce_ex__
    state = (None, {name: getattr(made, name) for name in Value.__slots__})
    twin = old[0](*old[1])
    twin.__setstate__(state)
    assert twin.data == 6.0 and twin.op == "*" and twin.parents[1].is_constant
    twin.backward()
    assert twin.parents[0].grad == 2.0


def test_copy_copy_keeps_the_operands():
    x = Value(1.5, label="x")
    y = x * 3
    twin = copy.copy(y)
    assert twin is not y and twin.parents[0] is x and twin.data == 4.5 and twin.op == "*"


def test_models_made_after_an_op_is_defined_or_in_anomaly_mode_pickle():
    """Value's methods stay the same objects when the engine writes them again (define_op,
    detect_anomaly), so a neuron holding its activation's method still pickles."""
    before = MLP(1, [2, 1], activation="tanh", seed=0)
    with engine_restored():  # the new op must not outlive this test
        define_op("cube_for_pickling", "a * a * a", "3.0 * g * a * a")
        with detect_anomaly():
            inside = MLP(2, [2], activation="relu", seed=1)
        for model in (before, inside):
            twin = pickle.loads(pickle.dumps(model))
            assert model_summary(twin) == model_summary(model)


@given(programs(max_steps=10))
def test_random_graphs_copy_node_for_node(example):
    program, point = example
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    try:
        out, _ = program.run(xs)
    except (ArithmeticError, ValueError):
        return
    out.backward()
    expected = graph_summary(out)
    twins = (pickle.loads(pickle.dumps(out)), copy.deepcopy(out))
    out.backward()  # leaves accumulate: twice the first grads
    for twin in twins:
        assert graph_summary(twin) == expected
        twin.backward()
        assert graph_summary(twin) == graph_summary(out)


@given(
    st.integers(1, 3),
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_random_models_copy_with_the_same_numbers(nin, nouts, act, out_act, bias, seed):
    model = MLP(nin, nouts, activation=act, output_activation=out_act, bias=bias, seed=seed)
    expected = model_summary(copy.deepcopy(model))
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert repr(twin) == repr(model)
        assert twin.predict([0.3] * nin) == model.predict([0.3] * nin)
        assert model_summary(twin) == expected
