"""Checks of arguments that several layers share (imports nothing of the package)."""

from __future__ import annotations

import numbers


def check_int(value: object, name: str, minimum: int) -> int:
    """`value` as an int if it is a whole number (not a bool) of at least `minimum`; else a
    TypeError or ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}: {value!r:.40}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)
