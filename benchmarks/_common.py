"""Shared helpers for the benchmarks: timing medians, output lines, and micrograd's shims.

Every benchmark times its references in the same process, so the printed ratios compare
like with like even on a busy machine. Timings keep the garbage collector on (what users
get); `gc.collect()` runs between repeats, outside the timed region.
"""

from __future__ import annotations

import gc
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable

from micrograd_beans.course import by_hand


def median_seconds(run: Callable[[], object], repeats: int = 7, warmup: int = 1) -> float:
    """Median wall time of `run()` over `repeats` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        gc.collect()  # start each repeat from the same heap, outside the timed region
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    gc.collect()
    return statistics.median(times)


def paired_seconds(
    a: Callable[[], object], b: Callable[[], object], repeats: int
) -> tuple[float, float, float]:
    """Median times of `a` and `b`, run alternately (so a busy machine slows both alike), and
    the median of the per-pair ratios b / a."""
    a()
    b()
    ta, tb = [], []
    for _ in range(repeats):
        for run, times in ((a, ta), (b, tb)):
            gc.collect()
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    ratio = statistics.median(y / x for x, y in zip(ta, tb, strict=True))
    return statistics.median(ta), statistics.median(tb), ratio


def line(name: str, value: object) -> None:
    """Print one `name: value` result line."""
    print(f"{name}: {value}", flush=True)


def fmt_us(seconds: float) -> str:
    return f"{seconds * 1e6:.3f} us"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def header(title: str) -> None:
    line("benchmark", title)
    line("python", f"{platform.python_implementation()} {sys.version.split()[0]}")
    line("gc", "on during timing, collected between repeats")


def micrograd_value():
    """micrograd 0.1.0's Value, with an `exp` op added in micrograd's own closure style.

    micrograd has no exp or sigmoid; the sigmoid the beans need is built from its own ops
    by `micrograd_sigmoid` below. `micrograd_sigmoid_node` is the extra one-node shim.
    """
    try:
        from micrograd.engine import Value
    except ImportError:  # pragma: no cover - the `bench` extra is missing
        raise SystemExit(
            "micrograd 0.1.0 is the reference: install it with  pip install -e '.[bench]'"
        ) from None

    if not hasattr(Value, "exp"):

        def exp(self):
            out = Value(math.exp(self.data), (self,), "exp")

            def _backward():
                self.grad += out.data * out.grad

            out._backward = _backward
            return out

        def sigmoid(self):
            s = 1.0 / (1.0 + math.exp(-self.data))
            out = Value(s, (self,), "sigmoid")

            def _backward():
                self.grad += s * (1.0 - s) * out.grad

            out._backward = _backward
            return out

        Value.exp = exp
        Value.sigmoid_node = sigmoid
    return Value


def micrograd_sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z) from micrograd's own ops (plus the `exp` shim): the reference."""
    return 1 / (1 + (-z).exp())


def micrograd_sigmoid_node(z):
    """sigma(z) as one micrograd node (a closure like its other ops): the extra, kinder line."""
    return z.sigmoid_node()


def note_loop(
    params: list[float], beans: list[tuple[float, float]], alpha: float, epochs: int
) -> list[float]:
    """The note's per-sample loop, its seven hand-derived gradients, parameters as locals."""
    sigmoid = by_hand.sigmoid  # the note's sigmoid, safe for any z
    w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2 = params
    for _ in range(epochs):
        for x, y in beans:
            a1_1 = sigmoid(w11_1 * x + b1_1)
            a2_1 = sigmoid(w12_1 * x + b2_1)
            a1_2 = sigmoid(w11_2 * a1_1 + w21_2 * a2_1 + b1_2)
            delta = -2.0 * (y - a1_2) * a1_2 * (1.0 - a1_2)
            delta1 = delta * w11_2 * a1_1 * (1.0 - a1_1)
            delta2 = delta * w21_2 * a2_1 * (1.0 - a2_1)
            w11_1 -= alpha * delta1 * x
            b1_1 -= alpha * delta1
            w12_1 -= alpha * delta2 * x
            b2_1 -= alpha * delta2
            w11_2 -= alpha * delta * a1_1
            w21_2 -= alpha * delta * a2_1
            b1_2 -= alpha * delta
    return [w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2]
