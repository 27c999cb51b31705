"""The course's bean datasets: one generator per lesson (see the table in the project notes).

Each generator takes `counts` (how many beans) and `seed` (an int, a numpy `Generator`, or
None for fresh randomness) and returns numpy float arrays `(xs, ys)`: xs is 1-D of shape
(counts,) for beans with one size, or (counts, 2) for the two-input lessons; ys has shape
(counts,). The formulas are the course's, with `U` a draw from [0, 1); one-input beans come
sorted by size, as the course sorts them, so the note's in-order SGD visits them left to right.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from micrograd_beans.rng import Seed, check_seed, is_numpy_generator


def make_rng(seed: Seed) -> np.random.Generator:
    """A numpy Generator for whole arrays of draws: `default_rng(seed)` for an int seed or None
    (fresh entropy), an existing Generator used as is."""
    check_seed(seed)
    return seed if is_numpy_generator(seed) else np.random.default_rng(seed)


def _check_counts(counts: object, minimum: int = 1) -> int:
    if isinstance(counts, bool) or not isinstance(counts, numbers.Integral):
        raise TypeError(f"counts must be an integer, got {type(counts).__name__}: {counts!r:.40}")
    if counts < minimum:
        raise ValueError(f"counts must be at least {minimum}, got {counts}")
    return int(counts)


def line_beans(counts: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Lessons 1-3 (Rosenblatt, gradient descent): x = U sorted, y = 1.2 x + U/10."""
    n, rng = _check_counts(counts), make_rng(seed)
    xs = np.sort(rng.random(n))
    ys = 1.2 * xs + rng.random(n) / 10
    return xs, ys


def offset_line_beans(counts: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Lesson 4 (a line with a bias): x = U sorted, y = 0.7 x + 0.5 + (0.5 - U)/5."""
    n, rng = _check_counts(counts), make_rng(seed)
    xs = np.sort(rng.random(n))
    ys = 0.7 * xs + 0.5 + (0.5 - rng.random(n)) / 5
    return xs, ys


def threshold_beans(counts: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Lesson 5 (one sigmoid neuron): x = U sorted, toxic (1) when 0.7 x + 0.5 + noise > 0.8."""
    n, rng = _check_counts(counts), make_rng(seed)
    xs = np.sort(rng.random(n))
    yi = 0.7 * xs + 0.5 + (0.5 - rng.random(n)) / 50
    return xs, (yi > 0.8).astype(float)


def bump_beans(counts: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Lesson 6, the note's `get_beans3`: x = 2U sorted, toxic when 0.8 < yi < 1.4.

    yi = 0.7 x + (0.5 - U)/50 + 0.5, so beans of size about 0.43 to 1.29 are toxic: a bump
    that one sigmoid cannot draw and a hidden layer of two can.
    """
    n, rng = _check_counts(counts), make_rng(seed)
    xs = np.sort(rng.random(n) * 2)
    yi = 0.7 * xs + (0.5 - rng.random(n)) / 50 + 0.5
    return xs, ((yi > 0.8) & (yi < 1.4)).astype(float)


def get_beans3(counts: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """The note's name for `bump_beans` (same data for the same seed)."""
    return bump_beans(counts, seed)


def two_bump_beans(counts: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """The course's extra exercise: the bump data, toxic also when 1.6 < yi < 1.8 (x ≈ 1.6-1.9)."""
    n, rng = _check_counts(counts), make_rng(seed)
    xs = np.sort(rng.random(n) * 2)
    yi = 0.7 * xs + (0.5 - rng.random(n)) / 50 + 0.5
    toxic = ((yi > 0.8) & (yi < 1.4)) | ((yi > 1.6) & (yi < 1.8))
    return xs, toxic.astype(float)


def plane_beans(counts: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Lesson 7 (two inputs): X = 2U of shape (counts, 2), toxic when x1 - 0.5 x2 - 0.1 > 0."""
    n, rng = _check_counts(counts), make_rng(seed)
    xs = rng.random((n, 2)) * 2
    return xs, (xs[:, 0] - 0.5 * xs[:, 1] - 0.1 > 0).astype(float)


def disc_beans(counts: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Lessons 7-8 (exercise): X = 2U, toxic inside the disc (x1 - 1)² + (x2 - 0.3)² < 0.5."""
    n, rng = _check_counts(counts), make_rng(seed)
    xs = rng.random((n, 2)) * 2
    return xs, ((xs[:, 0] - 1) ** 2 + (xs[:, 1] - 0.3) ** 2 < 0.5).astype(float)


def spiral_beans(counts: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Lesson 9 (deep): two interleaved spirals, toxic (1) first, then not toxic (0).

    Per class N points (ceil(counts/2) toxic, the rest not), i = 0..N-1: r = 5 i/N,
    t = 3.5 π i/N + δ (δ = 0 toxic, π not), x = (r sin t + u1, r cos t + u2) with u1, u2
    drawn independently from U(-0.1, 0.1). Not sorted: train it with shuffling.
    """
    n, rng = _check_counts(counts, minimum=2), make_rng(seed)
    parts_x, parts_y = [], []
    for label, delta, size in ((1.0, 0.0, n - n // 2), (0.0, np.pi, n // 2)):
        i = np.arange(size)
        r = 5 * i / size
        t = 3.5 * np.pi * i / size + delta
        u = rng.uniform(-0.1, 0.1, (size, 2))
        parts_x.append(np.column_stack((r * np.sin(t) + u[:, 0], r * np.cos(t) + u[:, 1])))
        parts_y.append(np.full(size, label))
    return np.concatenate(parts_x), np.concatenate(parts_y)


#: Every generator under a short name (the names lessons and the CLI use).
DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "line": line_beans,
    "offset-line": offset_line_beans,
    "threshold": threshold_beans,
    "bump": bump_beans,
    "two-bump": two_bump_beans,
    "plane": plane_beans,
    "disc": disc_beans,
    "spiral": spiral_beans,
}


def get_dataset(name: str) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """The generator called `name` (one of DATASETS), or a ValueError listing the names."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}"
        ) from None
