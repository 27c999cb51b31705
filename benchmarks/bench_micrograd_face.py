"""micrograd's demo, the import swapped: `micrograd_beans.micrograd` against micrograd 0.1.0.

The demo of micrograd's `demo.ipynb`: 100 moons, `MLP(2, [16, 16, 1])`, max-margin loss + L2
(1e-4), SGD with the learning rate falling from 1.0, 100 steps. Both run the same code
(`micrograd_beans.micrograd.demo.train`) from the same data and weights, one step of each in
turn, and each step (forward, zero_grad, backward, update) is timed; the ratio is the median
of the per-step ratios. Both build micrograd's graph, node for node (~68,000 nodes a step).

The demo feeds numpy scalars from `make_moons` into `Value`: micrograd keeps them and does all
its arithmetic on numpy float64 scalars, which is much slower than on floats; the face turns
every number into a float. So the ratio is given twice: for the demo as written, and with the
inputs converted to Python floats first (`X.tolist()`), engine against engine.

    python benchmarks/bench_micrograd_face.py             # 10 paired steps of each kind
    python benchmarks/bench_micrograd_face.py --steps 100 # the whole demo
    python benchmarks/bench_micrograd_face.py --tiny      # one quick pass, for the test suite
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time

import numpy as np
from _common import fmt_ms, header, line, micrograd_value

from micrograd_beans.micrograd import MLP, Value
from micrograd_beans.micrograd.demo import demo_data, train


def paired_steps(X_face, X_theirs, y, steps: int, sizes: list[int]) -> dict[str, float]:
    """Train both from the same start, one step each in turn; the per-step times and ratio."""
    micrograd_value()  # a clear message if the `bench` extra is missing
    from micrograd.engine import Value as MicrogradValue
    from micrograd.nn import MLP as MicrogradMLP

    random.seed(1337)
    theirs = MicrogradMLP(2, sizes)
    random.seed(1337)
    ours = MLP(2, sizes)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    t_ours, t_theirs, losses = [], [], []
    for k in range(steps):
        step = []
        for model, X, value, times in (
            (ours, X_face, Value, t_ours),
            (theirs, X_theirs, MicrogradValue, t_theirs),
        ):
            gc.collect()
            start = time.perf_counter()
            (result,) = train(model, X, y, value, steps=1, start=k)
            times.append(time.perf_counter() - start)
            step.append(result.loss)
        losses.append(step)
    ratios = [b / a for a, b in zip(t_ours, t_theirs, strict=True)]
    worst = max(abs(a - b) / abs(b) for a, b in losses)
    return {
        "ours": statistics.median(t_ours),
        "micrograd": statistics.median(t_theirs),
        "ratio": statistics.median(ratios),
        "max_rel_loss_diff": worst,
        "same_first_loss": losses[0][0] == losses[0][1],
    }


def run(steps: int, n_samples: int, sizes: list[int]) -> dict[str, dict[str, float]]:
    X, y = demo_data(n_samples=n_samples)
    floats = np.array(X.tolist(), dtype=object)  # rows of Python floats
    results = {}
    for kind, theirs_X in (("as written (numpy scalars)", X), ("Python floats", floats)):
        res = paired_steps(X, theirs_X, y, steps, sizes)
        line(f"{kind}, ours per step", fmt_ms(res["ours"]))
        line(f"{kind}, micrograd per step", fmt_ms(res["micrograd"]))
        line(
            f"{kind}, ratio micrograd / ours",
            f"{res['ratio']:.1f}x (median of {steps} paired steps)",
        )
        line(f"{kind}, first loss bit-identical", res["same_first_loss"])
        line(f"{kind}, max relative loss difference", f"{res['max_rel_loss_diff']:.1e}")
        results[kind] = res
    return results


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="one quick pass (for tests)")
    parser.add_argument("--steps", type=int, default=10, help="paired steps (the demo: 100)")
    args = parser.parse_args(argv)
    header("micrograd face: micrograd's demo (moons, MLP(2, [16, 16, 1]), 100 samples)")
    if args.tiny:
        return run(steps=1, n_samples=8, sizes=[4, 1])
    return run(steps=args.steps, n_samples=100, sizes=[16, 16, 1])


if __name__ == "__main__":
    main()
