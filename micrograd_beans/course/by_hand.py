"""The note's 1-2-1 network and its seven hand-derived gradients, in plain Python floats.

This is the reference a learner compares the engine against: the same formulas as the
study note (see ../shared/notes.md in the project's steering repo), written once, with the
note's names. `w{i}{j}_{l}` is the weight from input/neuron i to neuron j of layer l,
`b{j}_{l}` the bias of neuron j of layer l, and sigma(z) = 1 / (1 + e^-z).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

#: The note's seven parameters, in the order the library lists them.
PARAM_NAMES: tuple[str, ...] = ("w11_1", "b1_1", "w12_1", "b2_1", "w11_2", "w21_2", "b1_2")


def sigmoid(z: float) -> float:
    """The note's activation, computed without overflow for any float z."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def forward(p: Mapping[str, float], x: float) -> dict[str, float]:
    """Every intermediate of the note's forward pass for one bean of size x."""
    z1_1 = p["w11_1"] * x + p["b1_1"]
    a1_1 = sigmoid(z1_1)
    z2_1 = p["w12_1"] * x + p["b2_1"]
    a2_1 = sigmoid(z2_1)
    z1_2 = p["w11_2"] * a1_1 + p["w21_2"] * a2_1 + p["b1_2"]
    a1_2 = sigmoid(z1_2)
    return {"z1_1": z1_1, "a1_1": a1_1, "z2_1": z2_1, "a2_1": a2_1, "z1_2": z1_2, "a1_2": a1_2}


def squared_error(p: Mapping[str, float], x: float, y: float) -> float:
    """The note's e = (y - a1_2)^2 for one bean."""
    return (y - forward(p, x)["a1_2"]) ** 2


def gradients(p: Mapping[str, float], x: float, y: float) -> dict[str, float]:
    """de/dθ for each of the seven parameters, by the note's chain rule."""
    f = forward(p, x)
    a1_1, a2_1, a1_2 = f["a1_1"], f["a2_1"], f["a1_2"]
    # δ = de/dz1_2 = de/da1_2 · da1_2/dz1_2
    delta = -2.0 * (y - a1_2) * a1_2 * (1.0 - a1_2)
    # back through w11_2 and w21_2 into the two hidden neurons
    delta1 = delta * p["w11_2"] * a1_1 * (1.0 - a1_1)
    delta2 = delta * p["w21_2"] * a2_1 * (1.0 - a2_1)
    return {
        "w11_1": delta1 * x,
        "b1_1": delta1,
        "w12_1": delta2 * x,
        "b2_1": delta2,
        "w11_2": delta * a1_1,
        "w21_2": delta * a2_1,
        "b1_2": delta,
    }


def sgd_step(p: dict[str, float], x: float, y: float, alpha: float = 0.03) -> None:
    """One of the note's updates θ ← θ − α·de/dθ, all seven gradients taken first."""
    for name, g in gradients(p, x, y).items():
        p[name] -= alpha * g


def train(
    p: dict[str, float],
    xs: Iterable[float],
    ys: Iterable[float],
    alpha: float = 0.03,
    epochs: int = 5000,
) -> dict[str, float]:
    """The note's loop: every epoch visits the beans in order, one update per bean."""
    beans = list(zip((float(x) for x in xs), (float(y) for y in ys), strict=True))
    for _ in range(epochs):
        for x, y in beans:
            sgd_step(p, x, y, alpha)
    return p
