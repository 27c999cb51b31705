"""An `MLP` as a `torch.nn.Module` and back, with the same weights, and the names' map.

`to_torch(model)` builds a `BeanMLP`: `layers` is an `nn.Sequential` of `Linear` modules,
each followed by its activation module (`Sigmoid`, `Tanh`, `ReLU`, or `Identity` for a
linear layer, so layer l's `Linear` is always `layers.{2(l-1)}`). The note's weight
`w{i}{j}_{l}` (from input i to neuron j of layer l) is `layers.{2(l-1)}.weight[j-1, i-1]`
(PyTorch stores a Linear's weight as out × in), the bias `b{j}_{l}` is
`layers.{2(l-1)}.bias[j-1]`. `name_map(model)` lists every pair.

Numbers are copied as they are: float64 holds every engine parameter exactly, so
`from_torch(to_torch(model))` gives back the same floats bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.modules.lazy import LazyModuleMixin

from micrograd_beans.nn import MLP

#: Our activation names → the PyTorch module that computes the same function.
ACTIVATION_MODULES: dict[str, type[nn.Module]] = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "linear": nn.Identity,
}
_ACTIVATION_NAMES = {module: name for name, module in ACTIVATION_MODULES.items()}


class BeanMLP(nn.Module):
    """The torch twin of `MLP(nin, nouts, activation, output_activation, bias)`.

    `layers` holds Linear, activation, Linear, activation, ... (an `Identity` stands for a
    linear layer's missing activation, so indexes are the same for every model).
    """

    def __init__(
        self,
        nin: int,
        nouts: list[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        bias: bool = True,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        output_activation = activation if output_activation is None else output_activation
        for name in (activation, output_activation):
            if name not in ACTIVATION_MODULES:
                raise ValueError(
                    f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATION_MODULES)}"
                )
        self.nin, self.nouts = nin, list(nouts)
        self.activation, self.output_activation, self.bias = activation, output_activation, bias
        sizes = [nin, *nouts]
        modules: list[nn.Module] = []
        for k in range(len(nouts)):
            modules.append(nn.Linear(sizes[k], sizes[k + 1], bias=bias, dtype=dtype))
            last = k == len(nouts) - 1
            modules.append(ACTIVATION_MODULES[output_activation if last else activation]())
        self.layers = nn.Sequential(*modules)

    def forward(self, x: torch.Tensor, logits: bool = False) -> torch.Tensor:
        """Outputs for a batch x of shape (beans, nin): shape (beans, nouts[-1]).

        `logits=True` stops before the output activation (the weighted sums z, from which
        binary cross-entropy is computed stably); a flag rather than a second method so
        that DistributedDataParallel, which wraps `forward`, sees every call.
        """
        return self.layers[:-1](x) if logits else self.layers(x)

    def config(self) -> dict:
        """The architecture, as `MLP.config()` gives it."""
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "bias": self.bias,
        }

    def extra_repr(self) -> str:
        return f"nin={self.nin}, nouts={self.nouts}"


@dataclass(frozen=True)
class NamePair:
    """One parameter under both namings: the note's name and where it sits in torch."""

    note: str  # e.g. "w11_1"
    tensor: str  # the torch parameter's name, e.g. "layers.0.weight"
    index: tuple[int, ...]  # the entry within it, e.g. (0, 0)

    @property
    def torch(self) -> str:
        """The entry written out, e.g. "layers.0.weight[0, 0]"."""
        return f"{self.tensor}[{', '.join(map(str, self.index))}]"


class NameMap:
    """The note's parameter names ↔ torch parameter entries, in the model's parameter order.

    `print(name_map(model))` shows the table; `torch_name("w11_1")` and
    `note_name("layers.0.weight[0, 0]")` translate one name either way.
    """

    def __init__(self, pairs: list[NamePair]) -> None:
        self.pairs = list(pairs)
        self._by_note = {p.note: p for p in self.pairs}
        self._by_torch = {p.torch: p for p in self.pairs}

    def torch_name(self, note: str) -> str:
        """Where the note's parameter `note` lives in the torch module."""
        try:
            return self._by_note[note].torch
        except KeyError:
            raise KeyError(f"this model has no parameter {note!r}") from None

    def note_name(self, torch_name: str) -> str:
        """The note's name of a torch entry written like "layers.0.weight[0, 0]"."""
        try:
            return self._by_torch[torch_name].note
        except KeyError:
            raise KeyError(f"this model has no torch parameter entry {torch_name!r}") from None

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __str__(self) -> str:
        width = max(len("note"), *(len(p.note) for p in self.pairs))
        lines = [f"{'note':<{width}}  torch", f"{'-' * width}  {'-' * 5}"]
        lines += [f"{p.note:<{width}}  {p.torch}" for p in self.pairs]
        return "\n".join(lines)

    def __repr__(self) -> str:
        shown = ", ".join(f"{p.note} ↔ {p.torch}" for p in self.pairs[:3])
        more = ", ..." if len(self.pairs) > 3 else ""
        return f"NameMap({len(self.pairs)} parameters: {shown}{more})"


def as_arrays(model: MLP, xs: object, ys: object) -> tuple[np.ndarray, np.ndarray]:
    """Beans as float64 arrays of shape (beans, nin) and (beans, nout), checked against the
    model's sizes (a ValueError saying what does not fit)."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if x.ndim == 0 or len(x) == 0 or len(x) != len(y):
        raise ValueError("xs and ys must hold equally many beans (at least one)")
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    if x.shape[1] != model.nin or y.shape[1] != model.nouts[-1]:
        raise ValueError(
            f"the model takes {model.nin} input(s) and gives {model.nouts[-1]} output(s); "
            f"the beans have {x.shape[1]} and {y.shape[1]}"
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("xs or ys contain NaN or infinity")
    return x, y


def _check_mlp(model: object) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch needs a micrograd_beans MLP, got {type(model).__name__}")
    return model


def _pairs(model: MLP, linear_names: list[str]) -> list[NamePair]:
    """Every parameter's two names; linear_names[k] is the torch name of layer k+1's Linear."""
    pairs = []
    for layer, prefix in zip(model.layers, linear_names, strict=True):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                pairs.append(NamePair(w.label, _tensor_name(prefix, "weight"), (j, i)))
            if neuron.b is not None:
                pairs.append(NamePair(neuron.b.label, _tensor_name(prefix, "bias"), (j,)))
    return pairs


def name_map(model: MLP | nn.Module) -> NameMap:
    """The map between the note's names and torch's, for an MLP (as `to_torch` lays it
    out) or for a torch module `from_torch` accepts (as that module lays it out)."""
    if isinstance(model, nn.Module):
        layout = _read_layout(model)
        return NameMap(_pairs(_empty_mlp(layout), [name for name, _ in layout["linears"]]))
    model = _check_mlp(model)
    return NameMap(_pairs(model, [f"layers.{2 * k}" for k in range(len(model.layers))]))


def to_torch(model: MLP, dtype: torch.dtype = torch.float64) -> BeanMLP:
    """A `torch.nn.Module` computing the same function with the same weights.

    float64 (the default) holds them exactly; `dtype=torch.float32` rounds each to the
    nearest float32 (PyTorch's usual precision, for speed).
    """
    model = _check_mlp(model)
    if dtype not in (torch.float64, torch.float32):
        raise ValueError(f"dtype must be torch.float64 or torch.float32, got {dtype}")
    config = model.config()
    module = BeanMLP(dtype=dtype, **config)
    with torch.no_grad():
        for layer, linear in zip(model.layers, module.layers[::2], strict=True):
            weights = [[w.data for w in neuron.w] for neuron in layer.neurons]
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            if linear.bias is not None:
                biases = [neuron.b.data for neuron in layer.neurons]
                linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
    return module


def _describe(name: str, module: nn.Module) -> str:
    kind = type(module).__name__
    return f"{name} ({kind})" if name else f"the {kind}"


def _tensor_name(module_name: str, attribute: str) -> str:
    """How torch names a Linear's weight or bias: "0.weight", "layers.2.bias", "weight"."""
    return f"{module_name}.{attribute}" if module_name else attribute


def _entries(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """The modules that run one after the other, with their names in `module`.

    Only modules whose forward from_torch knows: an nn.Sequential (nested ones opened), a
    BeanMLP, or one Linear. Each entry is listed as often as it runs: named_children()
    lists a module used twice only once, which would drop its second use.
    """
    if isinstance(module, Mapping):
        raise TypeError(
            "from_torch needs the torch module itself, got a state_dict (only its numbers): "
            "load it into the module it came from (module.load_state_dict(state)) and pass "
            "the module"
        )
    if isinstance(module, BeanMLP) and type(module).forward is BeanMLP.forward:
        return _sequence(module.layers, "layers.")
    if isinstance(module, nn.Sequential) and type(module).forward is nn.Sequential.forward:
        return _sequence(module, "")
    if isinstance(module, nn.Linear):
        return [("", module)]
    hint = ""
    if isinstance(getattr(module, "layers", None), nn.Sequential):
        hint = "; if its forward only runs self.layers, pass module.layers"
    raise TypeError(
        "from_torch reads an nn.Sequential of Linear layers and activations, a single "
        "Linear, or a BeanMLP (what to_torch makes); got "
        f"{type(module).__name__}, whose own forward it cannot read{hint}"
    )


def _sequence(seq: nn.Sequential, prefix: str) -> list[tuple[str, nn.Module]]:
    entries: list[tuple[str, nn.Module]] = []
    for key, sub in seq._modules.items():  # every entry, repeats included
        if type(sub) is nn.Sequential:
            entries += _sequence(sub, f"{prefix}{key}.")
        else:
            entries.append((prefix + key, sub))
    return entries


def _check_linear(name: str, linear: nn.Linear, earlier: list[tuple[str, nn.Linear]]) -> None:
    """A Linear from_torch can copy: initialised, torch's own forward, and sharing no
    parameter with an earlier layer (an MLP gives every layer its own)."""
    where = _describe(name, linear)
    if isinstance(linear, LazyModuleMixin) and linear.has_uninitialized_params():
        raise ValueError(
            f"{where} has no weights yet (a lazy module sizes them on its first batch): run "
            "one batch through the module, then convert it"
        )
    if type(linear).forward is not nn.Linear.forward:
        raise ValueError(f"{where} computes its own forward, which from_torch cannot read")
    mine = {id(p) for p in linear.parameters()}
    for other_name, other in earlier:
        if other is linear or mine & {id(p) for p in other.parameters()}:
            what = "is the same module as" if other is linear else "shares a parameter with"
            raise ValueError(
                f"{where} {what} {_describe(other_name, other)}: a micrograd_beans model gives "
                "every layer its own parameters, so it cannot train them as one. Give each "
                "place its own Linear (a copy.deepcopy of the layer computes the same "
                "outputs, but the copies' weights then train apart)"
            )


def _follows_a_linear(name: str, sub: nn.Module, linears: list, activations: list[str]) -> None:
    """An activation must come right after a Linear that has none yet."""
    if not linears:
        raise ValueError(
            f"{_describe(name, sub)} does not follow a Linear layer; micrograd_beans "
            "models have one activation after each Linear"
        )
    if len(activations) == len(linears):
        raise ValueError(
            f"{_describe(name, sub)} follows another activation; micrograd_beans models "
            "have at most one activation after each Linear"
        )


def _passes_rows_through(sub: nn.Module, before_first_linear: bool) -> bool:
    """Whether the module leaves a batch of rows as it is: Identity anywhere, and a
    Flatten (of everything after the batch dimension) before the first Linear, where it
    turns images into the rows an MLP takes."""
    if type(sub) is nn.Identity:
        return True
    return (
        type(sub) is nn.Flatten and before_first_linear and (sub.start_dim, sub.end_dim) == (1, -1)
    )


def _linears_and_activations(
    entries: list[tuple[str, nn.Module]],
) -> tuple[list[tuple[str, nn.Linear]], list[str]]:
    """The named Linear layers in order and one activation name for each ("linear": none)."""
    linears: list[tuple[str, nn.Linear]] = []
    activations: list[str] = []
    for name, sub in entries:
        if isinstance(sub, nn.Linear):
            _check_linear(name, sub, linears)
            if len(activations) < len(linears):
                activations.append("linear")  # two Linears in a row: the first is linear
            linears.append((name, sub))
        elif type(sub) in _ACTIVATION_NAMES and type(sub) is not nn.Identity:
            _follows_a_linear(name, sub, linears, activations)
            activations.append(_ACTIVATION_NAMES[type(sub)])
        elif _passes_rows_through(sub, before_first_linear=not linears):
            continue
        else:
            known = ", ".join(m.__name__ for m in _ACTIVATION_NAMES)
            raise ValueError(
                f"unsupported module {_describe(name, sub)}: micrograd_beans models hold only "
                f"Linear layers and the activations {known} (and a Flatten before the first "
                "Linear)"
            )
    if len(activations) < len(linears):
        activations.append("linear")
    return linears, activations


def _check_consistent(linears: list[tuple[str, nn.Linear]], activations: list[str]) -> bool:
    """Check the layers make one MLP (one hidden activation, biases all or none, sizes chain);
    return whether they have biases."""
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        found = ", ".join(
            f"{name}: {act}" for (name, _), act in zip(linears[:-1], activations[:-1], strict=True)
        )
        raise ValueError(
            "micrograd_beans models use one activation in every hidden layer; this module "
            f"mixes them ({found})"
        )
    biased = {linear.bias is not None for _, linear in linears}
    if len(biased) > 1:
        with_bias = ", ".join(name for name, linear in linears if linear.bias is not None)
        without = ", ".join(name for name, linear in linears if linear.bias is None)
        raise ValueError(
            "micrograd_beans models have biases in every layer or in none; this module mixes "
            f"Linear layers with and without bias (with: {with_bias}; without: {without})"
        )
    for (name_a, a), (name_b, b) in zip(linears, linears[1:], strict=False):
        if a.out_features != b.in_features:
            raise ValueError(
                f"{name_a} gives {a.out_features} outputs but {name_b} takes {b.in_features}"
            )
    return biased.pop()


def _read_layout(module: nn.Module) -> dict:
    """What a torch module holds, in the terms of MLP: Linear layers and their activations.

    Accepts what `_entries` accepts, holding Linear modules each followed by at most one
    activation (Sigmoid, Tanh, ReLU; Identity anywhere). Anything else is a TypeError or
    ValueError naming the module.
    """
    linears, activations = _linears_and_activations(_entries(module))
    if not linears:
        raise ValueError(f"{type(module).__name__} holds no Linear layer")
    bias = _check_consistent(linears, activations)
    # With no hidden layer the hidden activation is unused: keep a BeanMLP's own record of
    # it, so a round trip gives back the same config; otherwise say the output's.
    hidden_activation = activations[0] if len(activations) > 1 else activations[-1]
    if len(activations) == 1 and isinstance(module, BeanMLP):
        hidden_activation = module.activation
    return {
        "linears": linears,
        "config": {
            "nin": linears[0][1].in_features,
            "nouts": [linear.out_features for _, linear in linears],
            "activation": hidden_activation,
            "output_activation": activations[-1],
            "bias": bias,
        },
    }


def _empty_mlp(layout: dict) -> MLP:
    return MLP(**layout["config"], seed=0)


def _numbers(name: str, tensor: torch.Tensor) -> list:
    """A weight or bias as (nested lists of) Python floats, each exactly as torch holds it."""
    if tensor.is_meta:
        raise ValueError(
            f"{name} is on the meta device, which holds no numbers: load the weights "
            "(module.to_empty(device='cpu') and load_state_dict) before converting"
        )
    if not tensor.is_floating_point():
        raise TypeError(
            f"{name} holds {tensor.dtype}; from_torch copies real floating-point weights"
        )
    return tensor.detach().to("cpu", torch.float64).tolist()


def from_torch(module: nn.Module) -> MLP:
    """An `MLP` with the note's names holding the module's weights (as Python floats).

    The module is a `BeanMLP` (what `to_torch` makes), a single `Linear`, or an
    `nn.Sequential` (nested ones too) of Linear layers each followed by Sigmoid, Tanh, ReLU
    or nothing; `Identity` may stand anywhere and a `Flatten` before the first Linear. One
    activation instance may be reused; one Linear may not (an MLP cannot share weights).
    Anything else: a TypeError or ValueError naming the module and what to do.
    """
    layout = _read_layout(module)
    model = _empty_mlp(layout)
    tables = {}
    for name, linear in layout["linears"]:
        for attribute in ("weight", "bias"):
            tensor = getattr(linear, attribute)  # a parametrized weight's value, too
            if tensor is not None:
                full_name = _tensor_name(name, attribute)
                tables[full_name] = _numbers(full_name, tensor)
    values = {}
    for pair in _pairs(model, [name for name, _ in layout["linears"]]):
        entry = tables[pair.tensor]
        for k in pair.index:
            entry = entry[k]
        values[pair.note] = entry
    model.load_state_dict(values)
    return model
