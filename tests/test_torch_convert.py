"""micrograd_beans.torch.convert: to_torch / from_torch / name_map (skipped without torch).

The torch tests are tests/test_torch_*.py rather than tests/torch/: a folder named `torch`
on the test path would pass for PyTorch itself (a namespace package) where it is missing.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402

from micrograd_beans.course.lessons import LESSONS  # noqa: E402
from micrograd_beans.nn import ACTIVATIONS, MLP  # noqa: E402
from micrograd_beans.torch import BeanMLP, from_torch, name_map, to_torch  # noqa: E402


def test_the_notes_names_map_to_the_issues_torch_entries():
    names = name_map(LESSONS["hidden-layer"].make_model(0))
    assert [(p.note, p.torch) for p in names] == [
        ("w11_1", "layers.0.weight[0, 0]"),
        ("b1_1", "layers.0.bias[0]"),
        ("w12_1", "layers.0.weight[1, 0]"),
        ("b2_1", "layers.0.bias[1]"),
        ("w11_2", "layers.2.weight[0, 0]"),
        ("w21_2", "layers.2.weight[0, 1]"),
        ("b1_2", "layers.2.bias[0]"),
    ]
    assert names.torch_name("w21_2") == "layers.2.weight[0, 1]"
    assert names.note_name("layers.2.bias[0]") == "b1_2"
    table = str(names).splitlines()
    assert table[0].split() == ["note", "torch"] and table[2].split() == [
        "w11_1",
        "layers.0.weight[0,",
        "0]",
    ]
    with pytest.raises(KeyError, match="no parameter 'w99_9'"):
        names.torch_name("w99_9")


def test_dotted_names_for_indexes_of_ten_and_more():
    model = MLP(12, [11, 1], seed=0)
    names = name_map(model)
    assert names.torch_name("w1.1_1") == "layers.0.weight[0, 0]"
    assert names.torch_name("w12.11_1") == "layers.0.weight[10, 11]"
    assert names.torch_name("w11.1_2") == "layers.2.weight[0, 10]"
    assert names.torch_name("b11_1") == "layers.0.bias[10]"
    net = to_torch(model)
    state = model.state_dict()
    assert net.layers[0].weight[10, 11].item() == state["w12.11_1"]
    assert net.layers[2].weight[0, 10].item() == state["w11.1_2"]


@pytest.mark.parametrize("name", list(LESSONS))
def test_every_lesson_round_trips_bit_exactly_in_float64(name):
    model = LESSONS[name].make_model(7)
    net = to_torch(model)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    back = from_torch(net)
    assert back.config() == model.config()
    assert list(back.state_dict().items()) == list(model.state_dict().items())  # == on floats
    for pair in name_map(model):  # and every number sits where the map says
        tensor = dict(net.named_parameters())[pair.tensor]
        assert tensor[pair.index].item() == model.state_dict()[pair.note]


@given(
    nin=st.integers(1, 12),
    nouts=st.lists(st.integers(1, 11), min_size=1, max_size=3),
    activation=st.sampled_from(ACTIVATIONS),
    output_activation=st.sampled_from(ACTIVATIONS),
    bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_mlp_round_trips_and_computes_the_same_function(
    nin, nouts, activation, output_activation, bias, seed
):
    model = MLP(nin, nouts, activation, output_activation, seed=seed, init="symmetric", bias=bias)
    net = to_torch(model)
    back = from_torch(net)
    assert back.config() == model.config() and back.state_dict() == model.state_dict()
    x = [(k + 1) / (nin + 1) - 0.3 for k in range(nin)]
    expected = model.predict(x)
    expected = expected if isinstance(expected, list) else [expected]
    got = net(torch.tensor([x], dtype=torch.float64))[0].tolist()
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_float32_on_request_rounds_each_weight_once():
    model = LESSONS["spiral"].make_model(1)
    net = to_torch(model, dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in net.parameters())
    back = from_torch(net).state_dict()
    for name, value in model.state_dict().items():
        assert back[name] == float(torch.tensor(value, dtype=torch.float32))
        assert back[name] == pytest.approx(value, rel=1e-7)


def test_from_torch_reads_a_plain_sequential_built_by_hand():
    torch.manual_seed(0)
    seq = nn.Sequential(
        nn.Linear(2, 3, dtype=torch.float64),
        nn.Tanh(),
        nn.Linear(3, 1, dtype=torch.float64),
    )
    model = from_torch(seq)
    assert model.config() == {
        "nin": 2,
        "nouts": [3, 1],
        "activation": "tanh",
        "output_activation": "linear",
        "bias": True,
    }
    assert name_map(seq).torch_name("w21_1") == "0.weight[0, 1]"
    assert model.state_dict()["w21_1"] == seq[0].weight[0, 1].item()
    x = [0.25, -0.5]
    assert model.predict(x) == pytest.approx(seq(torch.tensor([x], dtype=torch.float64)).item())


@pytest.mark.parametrize(
    "modules, message",
    [
        ([nn.Linear(1, 2), nn.Dropout(0.1), nn.Linear(2, 1)], r"unsupported module 1 \(Dropout\)"),
        ([nn.Linear(1, 2), nn.GELU(), nn.Linear(2, 1)], r"unsupported module 1 \(GELU\)"),
        ([nn.Sigmoid(), nn.Linear(1, 1)], r"0 \(Sigmoid\) does not follow a Linear"),
        (
            [nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1)],
            r"mixes them \(0: relu, 2: tanh\)",
        ),
        ([nn.Linear(1, 2), nn.Linear(3, 1)], "0 gives 2 outputs but 1 takes 3"),
        ([nn.Linear(1, 2, bias=False), nn.Linear(2, 1)], "with and without bias"),
        ([], "holds no Linear layer"),
    ],
)
def test_unsupported_modules_are_named(modules, message):
    with pytest.raises(ValueError, match=message):
        from_torch(nn.Sequential(*modules))


def test_unsupported_inputs_say_what_is_expected():
    with pytest.raises(TypeError, match="needs an nn.Sequential"):
        from_torch(nn.Linear(1, 1))
    with pytest.raises(TypeError, match="needs a micrograd_beans MLP, got str"):
        to_torch("model")
    with pytest.raises(ValueError, match="float64 or torch.float32"):
        to_torch(MLP(1, [1]), dtype=torch.int32)


def test_the_torch_twin_lays_out_identity_for_linear_layers():
    net = BeanMLP(1, [2, 1], activation="linear")
    assert [type(m).__name__ for m in net.layers] == ["Linear", "Identity", "Linear", "Identity"]
    assert name_map(MLP(1, [2, 1], "linear")).torch_name("b1_2") == "layers.2.bias[0]"


def test_importing_without_torch_names_the_extra():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "try:\n    import micrograd_beans.torch\n"
        "except ImportError as err:\n    print(err)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert 'pip install "micrograd_beans[torch]"' in out
