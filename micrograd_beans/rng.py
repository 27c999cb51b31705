"""Seeds: how every random choice in the package turns a seed into a numpy Generator."""

from __future__ import annotations

import numbers

import numpy as np

# An int seed, an existing Generator (used as is), or None for fresh entropy.
Seed = int | np.random.Generator | None


def make_rng(seed: Seed) -> np.random.Generator:
    """A Generator from an int seed, an existing Generator (used as is), or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}: {seed!r:.40}"
    )
