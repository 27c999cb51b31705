"""argparse types shared by every command line of the package (the `micrograd-beans`
subcommands and the scripts in demos/), so a bad value is a usage error (exit 2) that
names the flag, checked before any work starts.

Each function here is an argparse `type=`: it gets the text the user typed and returns the
value, or raises `argparse.ArgumentTypeError` saying what was expected; argparse then adds
the flag's name and the usage. `UsageError` is for the few checks that need more than one
argument's text (a bean index against the lesson's data, a flag that needs another):
`cli.main` and `cli.demo.main` (the demos/ scripts) turn it into the same usage error.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


class UsageError(ValueError):
    """An argument combination or value the parser alone cannot check; exit 2 with the usage."""


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """A whole number in [minimum, maximum] (no maximum when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"expected a number <= {maximum}, got {value}")
        return value

    parse.__name__ = "whole number"  # what argparse says when no message is given
    return parse


#: A count that may be zero (epochs, seeds, indices).
count = whole_number(0)
#: A count of at least one (sizes, samples, redraw intervals).
positive_int = whole_number(1)


def _number(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rates, finite-difference steps)."""
    value = _number(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (tolerances)."""
    value = _number(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def sizes(text: str) -> list[int]:
    """ "8,8,8" (or one size per argument) -> [8, 8, 8]."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f"expected layer sizes like 2 or 8,8,8, got {text!r}")
    return [positive_int(part) for part in parts]


def output_path(suffixes: tuple[str, ...] | None = None) -> Callable[[str], str]:
    """A non-empty path, ending in one of `suffixes` (any suffix when None).

    Only the text is checked here; whether the folder is writable is checked by the
    command before its long work (`files.check_writable`), as a file error.
    """

    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError("expected a file name, got an empty path")
        if suffixes is not None and not text.lower().endswith(suffixes):
            raise argparse.ArgumentTypeError(
                f"cannot tell the file type of {text!r}: end it with {', '.join(suffixes)}"
            )
        return text

    parse.__name__ = "path"
    return parse


def input_path(text: str) -> str:
    """A non-empty path of a file to read."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name, got an empty path")
    return text
