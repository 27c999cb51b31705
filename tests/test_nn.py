"""Tests for micrograd_beans/nn.py: the note's names, labelled intermediates, exact agreement
with the hand-derived gradients, initialisation, micrograd compatibility and bad inputs."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from micrograd_beans import Value
from micrograd_beans.course import by_hand
from micrograd_beans.engine import graph_nodes
from micrograd_beans.losses import squared_error
from micrograd_beans.nn import MLP, Layer, Neuron

# Parameter values to load (away from 0 and 1 so a mix-up of names would show).
NOTE_PARAMS = {
    "w11_1": 0.37,
    "b1_1": -0.21,
    "w12_1": 1.9,
    "b2_1": 0.45,
    "w11_2": -0.8,
    "w21_2": 1.3,
    "b1_2": 0.05,
}


def note_model() -> MLP:
    model = MLP(1, [2, 1], seed=0)
    model.load_state_dict(NOTE_PARAMS)
    return model


def test_note_names_in_documented_order():
    model = MLP(1, [2, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names == ["w11_1", "b1_1", "w12_1", "b2_1", "w11_2", "w21_2", "b1_2"]
    assert names == list(by_hand.PARAM_NAMES)
    assert [p.label for p in model.parameters()] == names
    assert list(model.state_dict()) == names


def test_intermediates_are_labelled_like_the_note():
    out = note_model()(0.9)
    assert out.label == "a1_2" and out.op == "sigmoid"
    z1_2 = out.parents[0]
    # one- and two-input neurons are built as the note writes them, from * and + nodes:
    # z1_2 = w11_2*a1_1 + w21_2*a2_1 + b1_2, z1_1 = w11_1*x + b1_1
    assert z1_2.label == "z1_2" and z1_2.op == "+"
    products, b1_2 = z1_2.parents
    assert products.op == "+" and b1_2.label == "b1_2"
    assert [(t.op, [p.label for p in t.parents]) for t in products.parents] == [
        ("*", ["w11_2", "a1_1"]),
        ("*", ["w21_2", "a2_1"]),
    ]
    a1_1 = products.parents[0].parents[1]
    z1_1 = a1_1.parents[0]
    assert z1_1.label == "z1_1" and z1_1.op == "+"
    assert [p.label for p in z1_1.parents[0].parents] == ["w11_1", "x"]
    assert z1_1.parents[1].label == "b1_1"


def test_wide_neurons_sum_in_one_affine_node():
    model = MLP(3, [4, 1], seed=0)
    z1_2 = model([1.0, 2.0, 3.0]).parents[0]
    assert z1_2.label == "z1_2" and z1_2.op == "affine"
    assert [p.label for p in z1_2.parents] == [
        *[name for j in range(1, 5) for name in (f"w{j}1_2", f"a{j}_1")],
        "b1_2",
    ]
    z1_1 = z1_2.parents[1].parents[0]
    assert [p.label for p in z1_1.parents] == ["w11_1", "x1", "w21_1", "x2", "w31_1", "x3", "b1_1"]


@pytest.mark.parametrize("nin", [1, 2, 3, 5])
def test_small_and_wide_neurons_give_the_same_floats_as_predict(nin):
    model = MLP(nin, [3, 2, 1], seed=4, init="symmetric")
    x = [0.3 * k - 0.7 for k in range(nin)]
    assert model(x).data == model.predict(x)  # bit for bit, whichever form the sum takes


def test_forward_is_the_notes_value_exactly():
    hand = by_hand.forward(NOTE_PARAMS, 0.9)
    out = note_model()(0.9)
    assert out.data == pytest.approx(hand["a1_2"], abs=1e-15)
    z1_2 = out.parents[0]
    assert z1_2.data == pytest.approx(hand["z1_2"], abs=1e-15)
    a1_1 = z1_2.parents[0].parents[0].parents[1]
    assert a1_1.label == "a1_1" and a1_1.data == pytest.approx(hand["a1_1"], abs=1e-15)


@pytest.mark.parametrize(("x", "y"), [(0.9, 1.0), (0.1, 0.0), (1.7, 0.0), (0.55, 1.0)])
def test_gradients_match_the_hand_derived_ones(x, y):
    model = note_model()
    e = squared_error(model(x), y)
    e.backward()
    assert e.data == pytest.approx(by_hand.squared_error(NOTE_PARAMS, x, y), abs=1e-12)
    hand = by_hand.gradients(NOTE_PARAMS, x, y)
    for name, p in model.named_parameters():
        assert p.grad == pytest.approx(hand[name], abs=1e-12), name


def test_zero_grad_resets_every_parameter():
    model = note_model()
    squared_error(model(0.9), 1.0).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_predict_equals_the_graph_bit_for_bit():
    model = MLP(
        2, [3, 3, 2], activation="tanh", output_activation="linear", seed=4, init="symmetric"
    )
    for x in ([0.3, -1.2], [2.0, 0.5]):
        assert model.predict(x) == [v.data for v in model(x)]
    relu = MLP(3, [4, 1], activation="relu", seed=1, init="symmetric")
    assert relu.predict([1.0, -2.0, 0.5]) == relu([1.0, -2.0, 0.5]).data


def test_call_shapes_and_inputs():
    one = MLP(1, [2, 1], seed=0)
    assert isinstance(one(0.5), Value)
    assert isinstance(one([0.5]), Value)
    assert isinstance(one(np.float64(0.5)), Value)
    assert one(Value(0.5)).data == one(0.5).data
    many = MLP(2, [3, 2], seed=0)
    out = many([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    assert many(np.array([1.0, 2.0]))[1].data == out[1].data


def test_calling_a_module_runs_its_forward_as_in_pytorch():
    class Doubled(Neuron):  # a learner's own neuron: overriding forward is enough
        def forward(self, x):
            out = super().forward(x) * 2
            out.label = "doubled"
            return out

    neuron = Doubled(1, j=1, layer=1, seed=0)
    x = [Value(0.5, "x")]
    assert neuron(x).label == "doubled"
    assert neuron(x).data == 2 * Neuron(1, j=1, layer=1, seed=0)(x).data
    layer = Layer(1, 2, seed=0)
    layer.neurons[1] = neuron  # Layer and MLP call each neuron's forward too
    assert [o.label for o in layer([0.5])] == ["a1_1", "doubled"]
    model = MLP(1, [2, 1], seed=0)
    model.layers[0] = layer
    labels = {v.label for v in graph_nodes(model(0.5))}
    assert {"doubled", "a1_1", "a1_2"} <= labels


def test_number_inputs_wrapped_once_per_call():
    model = MLP(2, [3, 1], seed=0)
    out = model([1.0, 2.0])
    xs_seen = {id(v) for v in graph_nodes(out) if v.label.startswith("x")}
    assert len(xs_seen) == 2  # x1 and x2 shared by the three hidden neurons
    z1_1 = out.parents[0].parents[1].parents[0]  # affine (w11_2, a1_1, ...) -> a1_1 -> z1_1
    products = z1_1.parents[0].parents
    assert [[p.label for p in t.parents] for t in products] == [["w11_1", "x1"], ["w21_1", "x2"]]


def test_indexes_of_ten_and_more_stay_unambiguous():
    model = MLP(12, [11, 1], seed=0)
    names = [n for n, _ in model.named_parameters()]
    assert len(names) == len(set(names)) == 12 * 11 + 11 + 11 + 1
    assert "w1.11_1" in names and "w12.1_1" in names and "w12.11_1" in names
    # the output layer has 11 inputs, so it is dotted too; a small layer elsewhere is not
    assert "w11.1_2" in names and "b1_2" in names
    small = MLP(2, [12, 3], seed=0)
    small_names = [n for n, _ in small.named_parameters()]
    assert "w2.12_1" in small_names and "w12.3_2" in small_names
    assert "w23_2" not in small_names
    assert len(set(MLP(1, [10, 1]).state_dict())) == 10 * 2 + 11


def test_uniform_init_is_the_notes_and_reproducible():
    a = MLP(1, [2, 1], seed=3).state_dict()
    b = MLP(1, [2, 1], seed=3).state_dict()
    c = MLP(1, [2, 1], seed=4).state_dict()
    assert a == b and a != c
    # an int seed: Python's random.Random(seed), one random() draw per parameter, in order
    draws = random.Random(3)
    assert list(a.values()) == [draws.random() for _ in range(7)]
    # a numpy Generator is used as it is: its own random() draws, in the same order
    from_generator = MLP(1, [2, 1], seed=np.random.default_rng(3)).state_dict()
    assert list(from_generator.values()) == np.random.default_rng(3).random(7).tolist()


def test_symmetric_init_draws_uniform_in_plus_minus_one_over_root_nin():
    model = MLP(4, [3, 1], init="symmetric", seed=5)
    draws = random.Random(5)
    # layer 1 has 4 inputs per neuron (bound 1/2), layer 2 has 3 (bound 1/sqrt 3)
    bounds = [0.5] * (3 * 5) + [1 / math.sqrt(3)] * 4
    expected = [-b + (b - -b) * draws.random() for b in bounds]
    assert [p.data for p in model.parameters()] == expected


@pytest.mark.parametrize("seed", [-1, 2.5, "0", True])
def test_bad_seeds_are_refused_with_a_clear_message(seed):
    error = ValueError if seed == -1 else TypeError
    with pytest.raises(error, match="seed must be"):
        MLP(1, [2, 1], seed=seed)


def test_symmetric_init_is_centred_and_scaled():
    model = MLP(16, [50, 1], init="symmetric", seed=0)
    values = np.array([p.data for p in model.layers[0].parameters()])
    assert np.all(np.abs(values) <= 0.25)  # 1/sqrt(16)
    assert values.min() < -0.2 and values.max() > 0.2
    assert abs(values.mean()) < 0.02


def test_micrograd_call_style_and_function():
    mg_engine = pytest.importorskip("micrograd.engine")
    mg_nn = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    theirs = mg_nn.MLP(3, [4, 4, 1])
    random.seed(1337)
    ours = MLP(3, [4, 4, 1], activation="relu", output_activation="linear", init="micrograd")
    assert [p.data for p in ours.parameters()] == [float(p.data) for p in theirs.parameters()]
    x = [2.0, 3.0, -1.0]
    out_theirs = theirs([mg_engine.Value(v) for v in x])
    out_ours = ours(x)
    assert out_ours.data == pytest.approx(out_theirs.data, abs=1e-12)
    out_theirs.backward()
    out_ours.backward()
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert p.grad == pytest.approx(q.grad, abs=1e-12)
    # micrograd's building blocks and switches
    assert Neuron(3, nonlin=False).activation == "linear"
    assert Neuron(3, nonlin=True).activation == "relu"
    assert Neuron(3, False).activation == "linear"
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    outs = Layer(2, 3)([1.0, 2.0])
    assert len(outs) == 3
    x1_of = [a.parents[0].parents[0].parents[0].parents[1] for a in outs]  # a <- z <- + <- w*x1
    assert x1_of[0] is x1_of[2] and x1_of[0].data == 1.0  # x1 wrapped once
    ours.zero_grad()
    assert all(p.grad == 0.0 for p in ours.parameters())


def test_no_bias_model_is_the_courses_y_equals_w_x():
    model = MLP(1, [1], activation="linear", bias=False, seed=0)
    assert [n for n, _ in model.named_parameters()] == ["w11_1"]
    out = model(2.0)
    assert out.op == "*" and out.label == "z1_1"
    assert out.data == 2.0 * model.parameters()[0].data == model.predict(2.0)


def test_load_state_dict_checks_everything_before_changing_anything():
    model = note_model()
    before = model.state_dict()
    with pytest.raises(ValueError, match="missing b1_2"):
        model.load_state_dict({k: v for k, v in NOTE_PARAMS.items() if k != "b1_2"})
    with pytest.raises(ValueError, match="unexpected b2_2"):
        model.load_state_dict({**NOTE_PARAMS, "b2_2": 0.5})
    with pytest.raises(TypeError, match="w11_1"):
        model.load_state_dict({**NOTE_PARAMS, "w11_1": "big"})
    with pytest.raises(TypeError):
        model.load_state_dict([1, 2])
    assert model.state_dict() == before


def test_load_state_dict_strict_false_loads_what_matches_and_reports_the_rest():
    model = note_model()
    before = model.state_dict()
    result = model.load_state_dict({"w11_1": 0.25, "b1_2": -1.5, "b2_2": 9.0}, strict=False)
    assert result.unexpected_keys == ["b2_2"]
    assert result.missing_keys == [n for n in before if n not in ("w11_1", "b1_2")]
    after = model.state_dict()
    assert (after["w11_1"], after["b1_2"]) == (0.25, -1.5)
    assert {n: v for n, v in after.items() if n not in ("w11_1", "b1_2")} == {
        n: v for n, v in before.items() if n not in ("w11_1", "b1_2")
    }
    # a bad number still changes nothing, strict or not
    with pytest.raises(TypeError, match="w11_2"):
        model.load_state_dict({"w11_1": 0.5, "w11_2": "big"}, strict=False)
    assert model.state_dict() == after


def test_load_state_dict_strict_returns_empty_key_lists_like_torch():
    missing, unexpected = note_model().load_state_dict(NOTE_PARAMS)
    assert (missing, unexpected) == ([], [])


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: MLP(0, [1]), ValueError, "nin"),
        (lambda: MLP(1.5, [1]), TypeError, "nin"),
        (lambda: MLP(1, []), ValueError, "at least one"),
        (lambda: MLP(1, [2, 0]), ValueError, "layer size"),
        (lambda: MLP(1, "21"), TypeError, "nouts"),
        (lambda: MLP(1, [2], activation="softmax"), ValueError, "sigmoid"),
        (lambda: MLP(1, [2], output_activation="step"), ValueError, "output_activation"),
        (lambda: MLP(1, [2], init="zeros"), ValueError, "uniform"),
        (lambda: MLP(1, [2], seed="x"), TypeError, "seed"),
        (
            lambda: MLP(1, [2], seed=np.random.default_rng(0), init="micrograd"),
            TypeError,
            "int seed",
        ),
    ],
)
def test_bad_construction(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_bad_calls():
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="expects 2 input"):
        model([1.0])
    with pytest.raises(ValueError, match="expects 2 input"):
        model.predict([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="model input"):
        model("ab")
    with pytest.raises(TypeError):
        model([1.0, "x"])


def test_single_number_input_with_an_int():
    assert MLP(1, [1], seed=0)(1).data == MLP(1, [1], seed=0)(1.0).data


def test_repr_and_config():
    model = MLP(2, [8, 1], activation="relu", output_activation="sigmoid")
    assert repr(model) == "MLP(2, [8, 1], activation='relu', output_activation='sigmoid')"
    assert model.config() == {
        "nin": 2,
        "nouts": [8, 1],
        "activation": "relu",
        "output_activation": "sigmoid",
        "bias": True,
    }
    assert model.nouts == [8, 1]


def test_no_bias_neuron_with_several_inputs():
    model = MLP(2, [1], activation="linear", bias=False, seed=0)
    w1, w2 = model.parameters()
    out = model([3.0, -1.0])
    assert out.op == "affine" and out.parents[-1].data == 0.0
    assert out.data == w1.data * 3.0 + w2.data * -1.0 == model.predict([3.0, -1.0])
    out.backward()
    assert (w1.grad, w2.grad) == (3.0, -1.0)


def test_a_model_shows_its_parameters_as_a_table_in_jupyter():
    model = MLP(1, [2, 1], seed=0)
    page = model._repr_html_()
    assert "1-2-1 network, 7 parameters" in page
    assert page.count("<tr") == 8
    assert f"{model.parameters()[0].data:.6g}" in page
