"""micrograd_beans.torch.convert: to_torch / from_torch / name_map (skipped without torch).

The torch tests are tests/test_torch_*.py rather than tests/torch/: a folder named `torch`
on the test path would pass for PyTorch itself (a namespace package) where it is missing.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from micrograd_beans.course.lessons import LESSONS  # noqa: E402
from micrograd_beans.nn import MLP  # noqa: E402
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
            [nn.Linear(1, 2), nn.ReLU(), nn.ReLU(), nn.Linear(2, 1)],
            r"2 \(ReLU\) follows another activation",
        ),
        (
            [nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1)],
            r"mixes them \(0: relu, 2: tanh\)",
        ),
        ([nn.Linear(1, 2), nn.Linear(3, 1)], "0 gives 2 outputs but 1 takes 3"),
        (
            [nn.Linear(1, 2, bias=False), nn.Linear(2, 1)],
            r"with and without bias \(with: 1; without: 0\)",
        ),
        # after a Linear, Flatten could merge more than the rows' last dimension
        ([nn.Linear(2, 2), nn.Flatten(), nn.Linear(2, 1)], r"unsupported module 1 \(Flatten\)"),
        ([nn.Flatten(0), nn.Linear(2, 1)], r"unsupported module 0 \(Flatten\)"),
        ([nn.LazyLinear(2)], r"0 \(LazyLinear\) has no weights yet .* run one batch"),
        ([nn.Linear(2, 1, device="meta")], "0.weight is on the meta device"),
        ([], "holds no Linear layer"),
    ],
)
def test_unsupported_modules_are_named(modules, message):
    with pytest.raises(ValueError, match=message):
        from_torch(nn.Sequential(*modules))


class Doubled(nn.Module):
    """A module with a `layers` Sequential whose forward is not just `layers`."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, 1))

    def forward(self, x):
        return 2 * self.layers(x)


class Negated(nn.Sequential):
    def forward(self, x):
        return -super().forward(x)


class ScaledLinear(nn.Linear):
    def forward(self, x):
        return 3 * super().forward(x)


def test_modules_whose_forward_it_cannot_read_are_refused():
    # converting Doubled's layers alone would give half its outputs: refused, with the way out
    with pytest.raises(TypeError, match="got Doubled, whose own forward .* pass module.layers"):
        from_torch(Doubled())
    with pytest.raises(TypeError, match="got Negated, whose own forward it cannot read$"):
        from_torch(Negated(nn.Linear(2, 1)))
    with pytest.raises(TypeError, match="got Tanh"):
        from_torch(nn.Tanh())
    with pytest.raises(ValueError, match=r"0 \(ScaledLinear\) computes its own forward"):
        from_torch(nn.Sequential(ScaledLinear(2, 1)))
    with pytest.raises(TypeError, match=r"got a state_dict .*\(module.load_state_dict\(state\)\)"):
        from_torch(nn.Sequential(nn.Linear(2, 1)).state_dict())
    with pytest.raises(TypeError, match="0.weight holds torch.complex64; .* real floating-point"):
        from_torch(nn.Sequential(nn.Linear(2, 1, dtype=torch.complex64)))


def test_unsupported_inputs_say_what_is_expected():
    with pytest.raises(TypeError, match="needs a micrograd_beans MLP, got str"):
        to_torch("model")
    with pytest.raises(ValueError, match="float64 or torch.float32"):
        to_torch(MLP(1, [1]), dtype=torch.int32)


def test_a_reused_activation_instance_is_read_at_each_place():
    # named_children() lists `act` once: read that way the last sigmoid went missing
    torch.manual_seed(1)
    act = nn.Sigmoid()
    seq = nn.Sequential(nn.Linear(2, 3, dtype=torch.float64), act)
    seq.append(nn.Linear(3, 1, dtype=torch.float64)).append(act)
    model = from_torch(seq)
    assert (model.config()["activation"], model.config()["output_activation"]) == (
        "sigmoid",
        "sigmoid",
    )
    x = [0.3, -0.2]
    assert model.predict(x) == pytest.approx(seq(torch.tensor([x], dtype=torch.float64)).item())


def test_a_linear_used_twice_is_refused_naming_both_places():
    square = nn.Linear(2, 2)
    act = nn.Tanh()
    # read without repeats, this was a silent one-layer model with other outputs
    with pytest.raises(ValueError, match=r"^2 \(Linear\) is the same module as 0 \(Linear\): "):
        from_torch(nn.Sequential(square, act, square, act))
    with pytest.raises(ValueError, match="every layer its own parameters.* copy.deepcopy"):
        from_torch(nn.Sequential(square, nn.Tanh(), square, nn.Tanh()))
    tied = nn.Linear(2, 2)
    tied.weight = square.weight  # tied weights: two modules, one parameter
    with pytest.raises(ValueError, match=r"2 \(Linear\) shares a parameter with 0 \(Linear\)"):
        from_torch(nn.Sequential(square, nn.ReLU(), tied))
    # copies, as the message says, are converted
    from_torch(nn.Sequential(square, act, copy.deepcopy(square), act))


def test_other_layouts_that_compute_an_mlp_are_read():
    torch.manual_seed(2)
    single = nn.Linear(3, 2, dtype=torch.float64)
    assert from_torch(single).config()["nouts"] == [2]
    assert name_map(single).torch_name("w31_1") == "weight[0, 2]"
    nested = nn.Sequential(
        nn.Flatten(),  # images to rows: nothing to do on rows
        nn.Sequential(nn.Identity(), nn.Linear(4, 3, dtype=torch.float64), nn.ReLU()),
        nn.Identity(),
        nn.Sequential(nn.Linear(3, 1, bias=True, dtype=torch.float64)),
    )
    model = from_torch(nested)
    assert model.config() == {
        "nin": 4,
        "nouts": [3, 1],
        "activation": "relu",
        "output_activation": "linear",
        "bias": True,
    }
    assert name_map(nested).torch_name("w11_2") == "3.0.weight[0, 0]"
    images = torch.linspace(-1, 1, 12, dtype=torch.float64).reshape(3, 2, 2)
    rows = images.reshape(3, 4).tolist()
    assert [model.predict(r) for r in rows] == pytest.approx(nested(images)[:, 0].tolist())


def test_a_parametrized_weight_is_read_as_the_layer_uses_it():
    from torch.nn.utils import parametrize

    class Negate(nn.Module):
        def forward(self, weight):
            return -weight

    linear = nn.Linear(2, 1, dtype=torch.float64)
    parametrize.register_parametrization(linear, "weight", Negate())
    model = from_torch(nn.Sequential(linear))
    assert model.state_dict()["w11_1"] == linear.weight[0, 0].item()
    x = [0.5, 0.25]
    assert model.predict(x) == pytest.approx(linear(torch.tensor(x, dtype=torch.float64)).item())


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
