"""micrograd 0.1.0's `Module`, `Neuron`, `Layer` and `MLP`, built from micrograd-face Values.

Same signatures, defaults and reprs as micrograd: `Neuron(nin, nonlin=True)` draws its
weights with `random.uniform(-1, 1)` from Python's global `random` (so `random.seed(1337)`
gives micrograd's parameters) and starts its bias at 0; `MLP(nin, nouts)` has ReLU hidden
layers and a linear output layer. A neuron adds `b + w1*x1 + w2*x2 + ...` in micrograd's
order, one node per op, so its floats are micrograd's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from micrograd_beans.micrograd.engine import Value

Input = Value | float


class Module:
    """Something with parameters: `parameters()` lists them, `zero_grad()` resets their grads."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """relu(w·x + b), or w·x + b when `nonlin=False`."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Input]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"this neuron takes {len(self.w)} inputs, got {len(x)}")
        act = self.b  # micrograd's order: the bias first, then each w*x added in turn
        for wi, xi in zip(self.w, x, strict=True):
            act = act + wi * xi
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons on the same inputs; keyword arguments go to each `Neuron`."""

    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes `nouts` on `nin` inputs: ReLU in every layer but the last (linear)."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last) for i in range(len(nouts))]

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
