"""to_torch / from_torch on random architectures, against torch's own forward and backward
(skipped without torch).

Two directions. A random `MLP` goes to torch and back: the same floats bit for bit, the
same outputs and gradients bit for bit (the engine recomputes the same graph), and torch's
forward and backward of the twin agree with the engine's. A random `nn.Sequential` built
the ways people write them (no hidden layer, any activation mix, one activation instance
reused, Identity for "no activation" or nothing, nested Sequentials, with or without bias,
float32 or float64, entries named or numbered) is read with from_torch: name_map names the
module's own state_dict entries, the engine's outputs and gradients agree with torch's on
the same numbers, and `to_torch` of the result computes bit for bit what the original
module computes, gradients included.
"""

from __future__ import annotations

import copy
from collections import OrderedDict

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402

from micrograd_beans.engine import Value  # noqa: E402
from micrograd_beans.losses import binary_cross_entropy, squared_error  # noqa: E402
from micrograd_beans.nn import ACTIVATIONS, MLP  # noqa: E402
from micrograd_beans.torch import compare, from_torch, name_map, to_torch  # noqa: E402

TORCH_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


@st.composite
def sequentials(draw) -> tuple[nn.Sequential, dict]:
    """A torch Sequential computing an MLP, written one of the ways people write them, and
    the MLP config it stands for."""
    config = {
        "nin": draw(st.integers(1, 6)),
        "nouts": [*draw(st.lists(st.integers(1, 6), max_size=3)), draw(st.integers(1, 3))],
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "output_activation": draw(st.sampled_from(ACTIVATIONS)),
        "bias": draw(st.booleans()),
    }
    share = draw(st.booleans())  # one activation instance at every hidden layer
    linear_as_identity = draw(st.booleans())  # "no activation" written as Identity
    nest = draw(st.booleans())  # each layer in a Sequential of its own
    dtype = draw(st.sampled_from([torch.float64, torch.float32]))
    torch.manual_seed(draw(st.integers(0, 2**31 - 1)))
    shared = {name: module() for name, module in TORCH_ACTIVATIONS.items()}
    sizes = [config["nin"], *config["nouts"]]
    layers = []
    for k in range(len(config["nouts"])):
        last = k == len(config["nouts"]) - 1
        name = config["output_activation" if last else "activation"]
        layer = [nn.Linear(sizes[k], sizes[k + 1], bias=config["bias"], dtype=dtype)]
        if name in TORCH_ACTIVATIONS:
            layer.append(shared[name] if share else TORCH_ACTIVATIONS[name]())
        elif linear_as_identity:
            layer.append(nn.Identity())
        layers.append(nn.Sequential(*layer) if nest else layer)
    modules = layers if nest else [m for layer in layers for m in layer]
    if draw(st.booleans()):  # named entries, as nn.Sequential(OrderedDict(...)) gives them
        seq = nn.Sequential(OrderedDict((f"part{k}", m) for k, m in enumerate(modules)))
    else:
        seq = nn.Sequential(*modules)
    if len(config["nouts"]) == 1:  # no hidden layer: the hidden activation is not there
        config["activation"] = config["output_activation"]
    return seq, config


def beans(nin: int, nout: int, count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    xs = torch.rand(count, nin, generator=generator, dtype=torch.float64) * 4 - 2
    ys = torch.rand(count, nout, generator=generator, dtype=torch.float64)
    return xs, ys


def torch_run(module: nn.Module, xs: torch.Tensor, ys: torch.Tensor) -> tuple:
    """(outputs, mean squared error over the beans, {parameter name: gradient})."""
    module.zero_grad()
    out = module(xs)
    loss = ((ys - out) ** 2).mean(dim=1).mean()
    loss.backward()
    grads = {name: p.grad.clone() for name, p in module.named_parameters()}
    return out.detach(), loss.detach(), grads


def engine_run(model: MLP, xs: torch.Tensor, ys: torch.Tensor) -> tuple:
    """(outputs per bean, mean squared error, gradients in parameter order) on the graph."""
    model.zero_grad()
    total, outputs = None, []
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        out = model(x[0] if model.nin == 1 else x)
        outs = out if isinstance(out, list) else [out]
        e = squared_error(out, y if len(y) > 1 else y[0])
        total = e if total is None else total + e
        outputs.append([o.data for o in outs])
    mean = total / len(xs)
    mean.backward()
    return outputs, mean.data, [p.grad for p in model.parameters()]


def assert_close(a: float, b: float) -> None:
    # the two engines add the same terms in different orders: rounding, relative to the
    # numbers' size, with a floor for gradients that cancel to about zero
    assert abs(a - b) <= 1e-12 * max(abs(a), abs(b)) + 1e-14, (a, b)


@settings(max_examples=60, deadline=None)
@given(case=sequentials(), count=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_a_torch_sequential_converts_with_torchs_forward_and_backward(case, count, seed):
    seq, config = case
    model = from_torch(seq)
    assert model.config() == config
    state = seq.state_dict()  # every name the map gives is the module's own, holding the number
    for pair in name_map(seq):
        assert state[pair.tensor][pair.index].item() == model.state_dict()[pair.note]
    # the engine on the module's own numbers against torch on them in float64 (a float32
    # module's weights are float64 numbers exactly)
    reference = copy.deepcopy(seq).double()
    xs, ys = beans(config["nin"], config["nouts"][-1], count, seed)
    t_out, t_loss, t_grads = torch_run(reference, xs, ys)
    e_out, e_loss, e_grads = engine_run(model, xs, ys)
    for got, expected in zip(sum(e_out, []), t_out.flatten().tolist(), strict=True):
        assert_close(got, expected)
    assert_close(e_loss, t_loss.item())
    for pair, grad in zip(name_map(seq), e_grads, strict=True):
        assert_close(grad, t_grads[pair.tensor][pair.index].item())
    # and back: to_torch of the MLP is the module again, bit for bit, forward and backward
    twin = to_torch(model, dtype=next(seq.parameters()).dtype)
    x_in = xs.to(twin.layers[0].weight.dtype)
    y_in = ys.to(x_in.dtype)
    original, back = torch_run(seq, x_in, y_in), torch_run(twin, x_in, y_in)
    assert torch.equal(original[0], back[0]) and torch.equal(original[1], back[1])
    twin_names = {p.note: p for p in name_map(twin)}
    for pair in name_map(seq):
        mirror = twin_names[pair.note]
        assert torch.equal(
            original[2][pair.tensor][pair.index], back[2][mirror.tensor][mirror.index]
        )


@settings(max_examples=60, deadline=None)
@given(
    nin=st.integers(1, 8),
    nouts=st.lists(st.integers(1, 8), min_size=1, max_size=4),
    activation=st.sampled_from(ACTIVATIONS),
    output_activation=st.sampled_from(ACTIVATIONS),
    bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 5),
)
def test_an_mlp_round_trips_with_the_same_outputs_and_gradients(
    nin, nouts, activation, output_activation, bias, seed, count
):
    model = MLP(nin, nouts, activation, output_activation, seed=seed, init="symmetric", bias=bias)
    net = to_torch(model)
    back = from_torch(net)
    assert back.config() == model.config()
    assert list(back.state_dict().items()) == list(model.state_dict().items())  # bit for bit
    xs, ys = beans(nin, nouts[-1], count, seed % 2**16)
    assert engine_run(back, xs, ys) == engine_run(model, xs, ys)  # the same graph, same floats
    # torch's forward and backward of the twin: the engine's, up to rounding
    losses = {"squared_error": ys}
    if output_activation == "sigmoid":
        losses["bce"] = (ys > 0.5).to(torch.float64)
    for loss, targets in losses.items():
        result = compare(model, xs.numpy(), targets.numpy(), loss=loss)
        assert result.output_difference <= 1e-12
        for row in [result.loss, *result.gradients]:
            assert_close(row.engine, row.torch)


# p and 1 - p at and around the clamp EPS = 1e-12 of binary cross-entropy on an output
# that is not a sigmoid's, where the two backends once took different gradients
EDGES = [0.0, 5e-13, 1e-12, 2e-12, 0.5, 1 - 2e-12, 1 - 1e-12, 1 - 5e-13, 1.0]


@settings(max_examples=60, deadline=None)
@given(
    outputs=st.lists(st.sampled_from(EDGES), min_size=1, max_size=4),
    labels=st.lists(st.sampled_from([0.0, 1.0, 0.25, 0.7]), min_size=4, max_size=4),
)
def test_bce_on_clamped_outputs_agrees_with_the_engine(outputs, labels):
    # a linear neuron with weight 0 puts out its bias: one output value per bean
    model = MLP(1, [1], "linear", seed=0)
    for b in sorted(set(outputs)):
        model.load_state_dict({"w11_1": 0.0, "b1_1": b})
        xs = [[0.5]] * len(labels)
        ys = [[y] for y in labels]
        result = compare(model, xs, ys, loss="bce")
        assert result.agrees(1e-12), str(result)
        # the loss on the graph, which fit descends (its float path clamps 1 - p at EPS
        # where the graph uses it: they differ at p = 1 - 1e-12)
        engine_loss = sum(binary_cross_entropy(Value(b), y).data for y in labels) / len(labels)
        assert result.loss.torch == pytest.approx(engine_loss, rel=1e-12)
