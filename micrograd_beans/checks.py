"""Checks that several layers share: of arguments, and of numpy, which the scalar core does
without (imports nothing of the package)."""

from __future__ import annotations

import numbers
from types import ModuleType


def check_int(value: object, name: str, minimum: int) -> int:
    """`value` as an int if it is a whole number (not a bool) of at least `minimum`; else a
    TypeError or ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}: {value!r:.40}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def import_numpy(feature: str) -> ModuleType:
    """numpy, for a `feature` that works on arrays; if it is missing, an ImportError that
    says which feature needs it and how to install it."""
    try:
        import numpy
    except ImportError:
        raise ImportError(f"{feature} needs numpy: pip install numpy") from None
    return numpy


def numpy_available() -> bool:
    """Whether numpy can be imported (for a choice between an array path and a plain one)."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True
