"""The micrograd face's Module, Neuron, Layer and MLP: micrograd 0.1.0's defaults and reprs."""

from __future__ import annotations

import random

import pytest

from micrograd_beans.micrograd import MLP, Layer, Module, Neuron, Value


def test_neuron_draws_weights_from_pythons_random_and_starts_its_bias_at_zero():
    random.seed(1337)
    expected = [random.uniform(-1, 1) for _ in range(3)]
    random.seed(1337)
    n = Neuron(3)
    assert [w.data for w in n.w] == expected
    assert n.b.data == 0.0
    assert n.nonlin is True
    assert n.parameters() == n.w + [n.b]


def test_neuron_adds_bias_first_then_each_product_in_turn_and_applies_relu():
    n = Neuron(3)
    x = [0.1, -0.7, 0.3]
    for p, v in zip(n.parameters(), [0.3, 0.6, -0.2, 0.1], strict=True):
        p.data = v
    expected = ((0.1 + 0.3 * 0.1) + 0.6 * -0.7) + -0.2 * 0.3
    out = Neuron.__call__(n, x)
    assert out.data == max(expected, 0.0)
    n.nonlin = False
    assert n(x).data == expected


def test_neuron_refuses_the_wrong_number_of_inputs():
    with pytest.raises(ValueError, match="takes 2 inputs, got 3"):
        Neuron(2)([1.0, 2.0, 3.0])


def test_layer_and_mlp_structure_and_reprs():
    random.seed(0)
    assert repr(Neuron(2)) == "ReLUNeuron(2)"
    assert repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"
    assert repr(Layer(3, 1, nonlin=False)) == "Layer of [LinearNeuron(3)]"
    model = MLP(2, [16, 16, 1])
    assert repr(model).startswith("MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)")
    assert repr(model).endswith("Layer of [LinearNeuron(16)]]")
    assert len(model.parameters()) == 337
    assert isinstance(model, Module) and isinstance(model.layers[0], Module)
    assert all(type(p) is Value for p in model.parameters())


def test_layer_returns_one_value_for_one_neuron_and_a_list_otherwise():
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_zero_grad_and_base_module():
    assert Module().parameters() == []
    model = MLP(3, [4, 4, 1])
    model([2.0, 3.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_the_lectures_training_loop_runs_and_learns():
    # the lecture's "MLP(3, [4, 4, 1])" on four examples, its loss and update written as there
    random.seed(42)
    n = MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(30):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred, strict=True))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]
