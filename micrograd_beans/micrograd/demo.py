"""micrograd's demo (its `demo.ipynb`) as functions: the moons data and the training loop.

`make_moons` gives the numbers of scikit-learn's `make_moons(n_samples, noise=noise)` for
the same numpy random state, so the demo runs without scikit-learn: after
`np.random.seed(1337)` it returns the demo's exact data. `train` is the demo's loop (the
whole set as one batch, max-margin loss, L2 regularisation 1e-4, SGD with the learning rate
falling from 1.0 to 0.1), written against whichever `Value` and `MLP` it is given, so the same
code runs on micrograd and on this engine's micrograd face.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


def make_moons(
    n_samples: int = 100,
    noise: float | None = None,
    random_state: np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: points X of shape (n_samples, 2), labels y in {0, 1}.

    The outer moon (label 0) is the upper half of the unit circle, the inner one (label 1)
    the lower half shifted by (1, -0.5); the points are shuffled, then Gaussian noise of
    standard deviation `noise` is added. Draws from `random_state` (numpy's global
    `np.random` when None) in scikit-learn's order: a shuffle, then the noise.
    """
    if n_samples < 2:
        raise ValueError(f"make_moons needs n_samples >= 2, got {n_samples}")
    rs = np.random.mtrand._rand if random_state is None else random_state
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    t_outer = np.linspace(0, np.pi, n_outer)
    t_inner = np.linspace(0, np.pi, n_inner)
    xs = np.concatenate([np.cos(t_outer), 1 - np.cos(t_inner)])
    ys = np.concatenate([np.sin(t_outer), 1 - np.sin(t_inner) - 0.5])
    X = np.stack([xs, ys], axis=1)
    y = np.concatenate([np.zeros(n_outer, dtype=np.intp), np.ones(n_inner, dtype=np.intp)])
    order = np.arange(n_samples)
    rs.shuffle(order)
    X, y = X[order], y[order]
    if noise is not None:
        X += rs.normal(scale=noise, size=X.shape)
    return X, y


@dataclass
class Step:
    """One step of the demo: the loss before the update and the accuracy (0 to 1)."""

    loss: float
    accuracy: float


def demo_data(seed: int = 1337, n_samples: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The demo's data: numpy and Python's `random` seeded with `seed`, moons with noise 0.1,
    labels -1 or 1. Seeds Python's `random` too, as the demo does before making its MLP."""
    np.random.seed(seed)
    random.seed(seed)
    X, y = make_moons(n_samples=n_samples, noise=0.1)
    return X, y * 2 - 1


def loss(
    model: Callable, X: np.ndarray, y: np.ndarray, value: type, alpha: float = 1e-4
) -> tuple[object, float]:
    """The demo's loss on the whole set: mean max-margin loss + alpha * sum of squared
    parameters, as a Value of the given class; and the share of points classified right."""
    inputs = [list(map(value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (score.data > 0) for yi, score in zip(y, scores, strict=True)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy)


def train(
    model: Callable, X: np.ndarray, y: np.ndarray, value: type, steps: int = 100, start: int = 0
) -> list[Step]:
    """The demo's optimisation loop: SGD steps k = start, ..., start + steps - 1, each with
    the learning rate 1.0 - 0.9 k / 100 (start > 0 resumes a run step by step)."""
    history = []
    for k in range(start, start + steps):
        total_loss, acc = loss(model, X, y, value)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append(Step(float(total_loss.data), float(acc)))
    return history


def run(value: type, mlp: type, steps: int = 100, sizes: Sequence[int] = (16, 16, 1)) -> list[Step]:
    """The whole demo with the given `Value` and `MLP` classes: seed 1337, moons, MLP(2, sizes)."""
    X, y = demo_data()
    model = mlp(2, list(sizes))
    return train(model, X, y, value, steps)
