"""Neurons, layers and multi-layer perceptrons, with the note's names on every Value.

Names (1-based, as in the note): `w{i}{j}_{l}` is the weight from input/neuron i to
neuron j of layer l, `b{j}_{l}` the bias of neuron j of layer l. In a layer where an index
reaches 10 (10 or more inputs or neurons), every weight of that layer is written
`w{i}.{j}_{l}` instead (`w1.12_2`), so `w112_2` can never mean two things. Biases need no
dot: only j stands before the `_`.

Calling a model labels what it builds: the weighted sum of neuron j in layer l is labelled
`z{j}_{l}`, its activation `a{j}_{l}` (a linear neuron's output is its `z`), and number
inputs become Values `x` (one input) or `x1, x2, ...`. So the graph of `MLP(1, [2, 1])`
reads like the note: z1_1, a1_1, z2_1, a2_1, z1_2, a1_2. A neuron with one or two inputs
builds its sum from `*` and `+` nodes, as the note writes `w11_2*a1_1 + w21_2*a2_1 + b1_2`
(the cheapest graph there); a wider one uses one fused `affine` node (2n fewer nodes).
Both add in the same order, so the numbers are the same.

Parameters are listed neuron by neuron, layer by layer, each neuron's weights (i = 1..nin)
before its bias: for the note, w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2.

micrograd compatibility: `MLP(nin, nouts)`, `Neuron(nin, nonlin=...)`, `Layer(nin, nout)`,
`parameters()` and `zero_grad()` work as in karpathy/micrograd; with
`activation="relu", output_activation="linear"` the model computes micrograd's function, and
`init="micrograd"` also draws micrograd's parameters from Python's `random` module.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from micrograd_beans.engine import OPS, Value, affine
from micrograd_beans.rng import Seed, is_numpy_generator, make_random, uniform

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
#: Neurons with at most this many inputs (and a bias) sum with + and * nodes, wider ones
#: with one `affine` node: benchmarks/bench_nn_step.py measured where each is cheaper.
SMALL_NEURON = 2
INITS = ("uniform", "symmetric", "micrograd")

# The engine's own float forward rules, so predict() matches a graph bit for bit.
_FLOAT_ACT = {name: OPS[name].forward for name in ("sigmoid", "tanh", "relu")}
_AFFINE = OPS["affine"].forward


def weight_name(i: int, j: int, layer: int, dotted: bool = False) -> str:
    """The note's name of the weight from input/neuron i to neuron j of a layer."""
    return f"w{i}.{j}_{layer}" if dotted else f"w{i}{j}_{layer}"


def bias_name(j: int, layer: int) -> str:
    """The note's name of the bias of neuron j of a layer."""
    return f"b{j}_{layer}"


def _check_activation(name: object, what: str = "activation") -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown {what} {name!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return name  # type: ignore[return-value]


def _check_size(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be an integer, got {type(n).__name__}: {n!r:.40}")
    if n < 1:
        raise ValueError(f"{what} must be at least 1, got {n}")
    return int(n)


class _Init:
    """Draws initial parameter values in the order parameters are listed (seeded, reproducible).

    "uniform": U[0, 1) for every weight and bias, as the note draws them.
    "symmetric": U(-1/√nin, 1/√nin) for weights and biases (PyTorch's default for Linear).
    Both draw from `rng.make_random(seed)`: Python's `random.Random(seed)`, or a numpy
    Generator given as the seed.
    "micrograd": weights U(-1, 1) from Python's `random` (the global one when seed is None),
    biases 0, the way micrograd draws them.
    """

    def __init__(self, scheme: str, seed: Seed) -> None:
        if scheme not in INITS:
            raise ValueError(f"unknown init {scheme!r}; choose one of: {', '.join(INITS)}")
        self.scheme = scheme
        if scheme == "micrograd":
            if is_numpy_generator(seed):
                raise TypeError("init='micrograd' draws from Python's random; give an int seed")
            self.source = random.Random(seed) if seed is not None else random
        else:
            self.source = make_random(seed)

    def weight(self, nin: int) -> float:
        if self.scheme == "uniform":
            return float(self.source.random())
        if self.scheme == "symmetric":
            bound = 1.0 / math.sqrt(nin)
            return uniform(self.source, -bound, bound)
        return self.source.uniform(-1, 1)  # micrograd's own call, for micrograd's numbers

    def bias(self, nin: int) -> float:
        return 0.0 if self.scheme == "micrograd" else self.weight(nin)


class IncompatibleKeys(NamedTuple):
    """What `Module.load_state_dict` found: parameter names absent from the state, and names
    in the state that the model does not have (PyTorch returns the same pair)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Anything with named parameters: listing, zeroing and saving them by name."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) of every parameter, in the documented order."""
        return []

    def parameters(self) -> list[Value]:
        """Every parameter Value, in the order of `named_parameters()`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's grad to 0 (leaf grads accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """name → float value of every parameter, in order (a copy: safe to keep)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float], strict: bool = True) -> IncompatibleKeys:
        """Set parameters from name → number; everything is checked before anything changes.

        With `strict=True` (the default) the names must match exactly. With `strict=False`
        the names present are loaded, others are left as they are, and unknown names are
        ignored. Either way the names that were missing and unexpected are returned, as in
        PyTorch.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict needs a mapping of name → number, got {type(state).__name__}"
            )
        named = self.named_parameters()
        names = [n for n, _ in named]
        missing = [n for n in names if n not in state]
        extra = [n for n in state if n not in set(names)]
        if strict and (missing or extra):
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"unexpected {', '.join(map(str, extra))}")
            raise ValueError(
                f"state does not fit this model: {'; '.join(parts)} "
                "(strict=False loads the names that match)"
            )
        values = {}
        for n in names:
            if n not in state:
                continue
            v = state[n]
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(
                    f"parameter {n} must be a number, got {type(v).__name__}: {v!r:.40}"
                )
            values[n] = float(v)
        for n, p in named:
            if n in values:
                p.data = values[n]
        return IncompatibleKeys(missing, extra)


class Neuron(Module):
    """One neuron, activation(w1*x1 + ... + wn*xn + b), named as neuron j of layer l.

    `nonlin` is micrograd's switch (True: relu, False: linear); if given it sets `activation`.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "sigmoid",
        *,
        j: int = 1,
        layer: int = 1,
        bias: bool = True,
        init: str | _Init = "uniform",
        seed: Seed = None,
        dotted: bool | None = None,
        nonlin: bool | None = None,
    ) -> None:
        nin = _check_size(nin, "nin")
        if isinstance(activation, bool):  # micrograd's positional Neuron(nin, nonlin)
            nonlin = activation
        if nonlin is not None:
            activation = "relu" if nonlin else "linear"
        self.activation = _check_activation(activation)
        self.j, self.layer = j, layer
        if dotted is None:
            dotted = nin >= 10 or j >= 10
        draw = init if isinstance(init, _Init) else _Init(init, seed)
        self.w = []
        for i in range(1, nin + 1):
            name = weight_name(i, j, layer, dotted)
            self.w.append(Value(draw.weight(nin), label=name))
        self.b: Value | None = Value(draw.bias(nin), label=bias_name(j, layer)) if bias else None
        self._zname = f"z{j}_{layer}"
        self._aname = f"a{j}_{layer}"
        # decided once here, not on every call: this runs once per neuron per training step
        # (without a bias the sum gets a literal 0.0: a fresh Constant per call, as any number)
        self._bias_operand = self.b if self.b is not None else 0.0
        self._product_only = self.b is None and nin == 1
        self._linear = self.activation == "linear"
        # one or two inputs: the note's w11_2*a1_1 + w21_2*a2_1 + b1_2 as plain + and * nodes,
        # cheaper than one affine node there (its rule is a function call, not pasted inline)
        self._small = nin if nin <= SMALL_NEURON and self.b is not None else 0
        self._act = None if self._linear else getattr(Value, self.activation)

    @property
    def nonlin(self) -> bool:
        """micrograd's view: whether the neuron has a nonlinearity."""
        return self.activation != "linear"

    def named_parameters(self) -> list[tuple[str, Value]]:
        params = [(w.label, w) for w in self.w]
        if self.b is not None:
            params.append((self.b.label, self.b))
        return params

    def parameters(self) -> list[Value]:
        return self.w + [self.b] if self.b is not None else list(self.w)

    def forward(self, x: Sequence[Value | float]) -> Value:
        """The neuron's output Value for inputs x (Values or numbers), labelled a{j}_{l}."""
        small = self._small
        if small == 1:
            z = self.w[0] * x[0] + self.b
        elif small == 2:
            w = self.w
            z = w[0] * x[0] + w[1] * x[1] + self.b
        elif self._product_only:  # no bias, one input: the course's y = w x, as written
            z = self.w[0] * x[0]
        else:
            z = affine(self.w, x, self._bias_operand)
        z.label = self._zname
        if self._linear:
            return z
        a = self._act(z)
        a.label = self._aname
        return a

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """`neuron(x)` runs `forward(x)`, as calling a PyTorch module does."""
        return self.forward(x)

    def predict(self, x: Sequence[float]) -> float:
        """The same number as `self(x).data`, computed on floats without building a graph."""
        # the op table's own float rules, so the number is the graph's to the last bit
        if self._product_only:
            t = self.w[0].data * x[0]
        else:
            operands = [0.0] * (2 * len(self.w) + 1)
            operands[0:-1:2] = [w.data for w in self.w]
            operands[1:-1:2] = x
            operands[-1] = self.b.data if self.b is not None else 0.0
            t = _AFFINE(*operands)
        return t if self._linear else _FLOAT_ACT[self.activation](t)

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation!r}, j={self.j}, layer={self.layer})"


class Layer(Module):
    """Layer l: nout neurons reading the same nin inputs. Returns a list of output Values
    (micrograd's Layer returns the single Value when nout == 1; so does this one)."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "sigmoid",
        *,
        layer: int = 1,
        bias: bool = True,
        init: str | _Init = "uniform",
        seed: Seed = None,
        nonlin: bool | None = None,
    ) -> None:
        nin = _check_size(nin, "nin")
        nout = _check_size(nout, "nout")
        draw = init if isinstance(init, _Init) else _Init(init, seed)
        dotted = nin >= 10 or nout >= 10
        self.layer = layer
        self.neurons = [
            Neuron(
                nin,
                activation,
                j=j,
                layer=layer,
                bias=bias,
                init=draw,
                dotted=dotted,
                nonlin=nonlin,
            )
            for j in range(1, nout + 1)
        ]

    @property
    def nin(self) -> int:
        return len(self.neurons[0].w)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [np_ for n in self.neurons for np_ in n.named_parameters()]

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        """Every neuron's output, as a list (even for one neuron)."""
        x = [xi if isinstance(xi, Value) else Value(xi) for xi in x]  # once, not per neuron
        return [n.forward(x) for n in self.neurons]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {len(self.neurons)}, layer={self.layer})"


class MLP(Module):
    """A multi-layer perceptron: nin inputs, then layers of sizes `nouts`.

    `activation` is used in every hidden layer, `output_activation` in the last one (None:
    the same as `activation`). The note's network is `MLP(1, [2, 1])`; micrograd's MLP is
    `MLP(nin, nouts, activation="relu", output_activation="linear")`. `init` is "uniform"
    (U[0, 1), the note), "symmetric" or "micrograd" (see `_Init`); `seed` makes it
    reproducible. `bias=False` drops every bias (the course's y = w x).
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int] | int,
        activation: str = "sigmoid",
        output_activation: str | None = None,
        seed: Seed = None,
        init: str = "uniform",
        bias: bool = True,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        if isinstance(nouts, numbers.Integral) and not isinstance(nouts, bool):
            nouts = [int(nouts)]
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Iterable):
            raise TypeError(f"nouts must be a list of layer sizes, got {type(nouts).__name__}")
        nouts = [_check_size(n, "each layer size in nouts") for n in nouts]
        if not nouts:
            raise ValueError("nouts must name at least one layer size")
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(
            activation if output_activation is None else output_activation, "output_activation"
        )
        self.init, self.bias = init, bias
        draw = _Init(init, seed)
        sizes = [self.nin, *nouts]
        self.layers = [
            Layer(
                sizes[k],
                sizes[k + 1],
                self.output_activation if k == len(nouts) - 1 else self.activation,
                layer=k + 1,
                bias=bias,
                init=draw,
            )
            for k in range(len(nouts))
        ]
        self._input_names = ["x"] if self.nin == 1 else [f"x{i}" for i in range(1, self.nin + 1)]

    @property
    def nouts(self) -> list[int]:
        """The layer sizes, output layer last."""
        return [len(layer.neurons) for layer in self.layers]

    def config(self) -> dict:
        """The architecture as plain data (what `serialize` saves beside the parameters)."""
        return {
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": self.activation,
            "output_activation": self.output_activation,
            "bias": self.bias,
        }

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [p for layer in self.layers for p in layer.named_parameters()]

    def _inputs(self, x: object) -> list:
        """The input as a list of nin items, numbers wrapped once per call into labelled Values."""
        if type(x) is list:  # the usual case first: ABC isinstance checks are slow
            pass
        elif isinstance(x, (Value, numbers.Real)):
            x = [x]
        elif not (isinstance(x, Sequence) or hasattr(x, "__array__")) or isinstance(
            x, (str, bytes)
        ):
            raise TypeError(
                f"model input must be a number or a list of {self.nin} numbers/Values, "
                f"got {type(x).__name__}"
            )
        if len(x) != self.nin:
            raise ValueError(f"model expects {self.nin} input(s), got {len(x)}")
        names = self._input_names
        return [xi if isinstance(xi, Value) else Value(xi, names[i]) for i, xi in enumerate(x)]

    def __call__(self, x: object) -> Value | list[Value]:
        """The output Value (one output neuron) or list of Values, for inputs x."""
        # fast path for one bean's size as a float (what fit passes); _inputs checks the rest
        xs = [Value(x, "x")] if type(x) is float and self.nin == 1 else self._inputs(x)
        for layer in self.layers:
            # a plain loop calling .forward: ~0.4 µs a note step cheaper than
            # [n(xs) for n in layer.neurons] on CPython 3.11 (benchmarks/bench_nn_step.py)
            out = []
            for neuron in layer.neurons:
                out.append(neuron.forward(xs))
            xs = out
        return xs[0] if len(xs) == 1 else xs

    def predict(self, x: object) -> float | list[float]:
        """The same numbers as calling the model, on plain floats (no graph): fast evaluation."""
        xs = [float(x)] if isinstance(x, numbers.Real) else [float(v) for v in x]  # type: ignore
        if len(xs) != self.nin:
            raise ValueError(f"model expects {self.nin} input(s), got {len(xs)}")
        for layer in self.layers:
            xs = [n.predict(xs) for n in layer.neurons]
        return xs[0] if len(xs) == 1 else xs

    def __repr__(self) -> str:
        out = (
            ""
            if self.output_activation == self.activation
            else (f", output_activation={self.output_activation!r}")
        )
        bias = "" if self.bias else ", bias=False"
        return f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}{out}{bias})"

    def _repr_html_(self) -> str:
        """In Jupyter: the architecture, then each parameter's name, data and grad."""
        from micrograd_beans import display

        named = self.named_parameters()
        sizes = "-".join(str(n) for n in [self.nin, *self.nouts])
        count = f"{len(named)} parameter{'s' if len(named) != 1 else ''}"
        caption = f"{sizes} network, {count}: {self!r}"
        rows = [(name, f"{p.data:.6g}", f"{p.grad:.6g}") for name, p in named]
        return display.html_table(("parameter", "data", "grad"), rows, caption)
