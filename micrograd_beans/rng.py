"""Seeds: how every random choice of the scalar core turns a seed into draws.

An int seed gives Python's `random.Random(seed)`, None fresh entropy, and an existing
`random.Random` or numpy `Generator` is used as it is (so draws can go on across calls):
the core needs nothing but the standard library (it runs where numpy does not, e.g. in a
browser). Every draw is made from `random()`, a uniform float in
[0, 1), the one draw Python promises to repeat for a seed on every version and platform
(`random.uniform` and `shuffle` are not promised), so a seed gives the same numbers in
CPython and in Pyodide. A numpy Generator has the same `random()`, so both kinds of source go
through the same few lines below.

The course's datasets draw whole numpy arrays from a numpy Generator instead
(`course.datasets`): there the arrays are the point.
"""

from __future__ import annotations

import numbers
import random
import sys
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import numpy as np

#: An int seed, an existing random.Random or numpy Generator (used as is), or None for fresh
#: entropy.
Seed: TypeAlias = "int | random.Random | np.random.Generator | None"

#: Where the core draws from: Python's `random.Random`, or a numpy Generator given as a seed.
Source: TypeAlias = "random.Random | np.random.Generator"


def is_numpy_generator(seed: object) -> bool:
    """Whether `seed` is a numpy Generator, without importing numpy (if numpy was never
    imported, nothing can be one)."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(seed, numpy.random.Generator)


def check_seed(seed: object) -> None:
    """Raise the error a user should see for anything that is not a Seed."""
    if seed is None or isinstance(seed, random.Random) or is_numpy_generator(seed):
        return
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return
    raise TypeError(
        f"seed must be an int, a random.Random, a numpy Generator or None, got "
        f"{type(seed).__name__}: {seed!r:.40}"
    )


def make_random(seed: Seed) -> Source:
    """The source of draws for a seed: `random.Random(seed)` for an int (fresh entropy for
    None), or the random.Random or numpy Generator itself when one is given."""
    check_seed(seed)
    if seed is not None and not isinstance(seed, numbers.Integral):
        return seed  # a random.Random or numpy Generator, used as is
    return random.Random(None if seed is None else int(seed))


def uniform(source: Any, low: float, high: float) -> float:
    """A float drawn uniformly from [low, high): `low + (high - low) * U`, the formula of both
    `random.uniform` and numpy's `Generator.uniform`, from one `random()` draw."""
    return low + (high - low) * float(source.random())


def permutation(source: Any, n: int) -> list[int]:
    """A random order of range(n): Fisher-Yates, each swap picked by one `random()` draw."""
    order = list(range(n))
    draw = source.random
    for i in range(n - 1, 0, -1):
        j = int(draw() * (i + 1))  # 0 <= j <= i, as draw() < 1
        order[i], order[j] = order[j], order[i]
    return order
