"""Target 1: forward + backward of MLP(2, [16, 16, 1]) over 100 two-input samples.

The loss is the summed squared error over the samples, relu hidden layers and a linear
output, exactly micrograd's `MLP(2, [16, 16, 1])`. Both networks start from the same
weights. Ours is `micrograd_beans.nn.MLP`, whose neurons compute their weighted sum as one
fused `affine` node; micrograd builds it from 2n multiply/add nodes. micrograd 0.1.0 runs
in the same process.

    python benchmarks/bench_mlp.py            # full size
    python benchmarks/bench_mlp.py --tiny     # one quick pass, for the test suite
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time

from _common import fmt_ms, header, line, micrograd_value

from micrograd_beans import Value
from micrograd_beans.engine import graph_nodes
from micrograd_beans.nn import MLP

SIZES = (2, [16, 16, 1])


def make_data(n: int, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n)]
    ys = [1.0 if x0 * x0 + x1 * x1 < 0.5 else -1.0 for x0, x1 in xs]
    return xs, ys


def micrograd_model(seed: int = 0):
    micrograd_value()  # fails with a clear message if the `bench` extra is missing
    from micrograd.nn import MLP

    random.seed(seed)
    return MLP(*SIZES)


def ours_model(reference) -> MLP:
    """Our MLP computing micrograd's function (relu hidden, linear output), same weights."""
    model = MLP(*SIZES, activation="relu", output_activation="linear")
    for ours, theirs in zip(model.parameters(), reference.parameters(), strict=True):
        ours.data = float(theirs.data)
    return model


def loss_of(model, xs, ys):
    return sum((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True))


def time_forward_backward(model, xs, ys, repeats: int) -> tuple[float, float, int]:
    """Medians of forward and backward seconds; GC on while timing, collected in between."""
    loss = loss_of(model, xs, ys)  # warm-up
    loss.backward()
    nodes = len(graph_nodes(loss)) if isinstance(loss, Value) else _count_micrograd(loss)
    del loss
    fwd, bwd = [], []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        loss = loss_of(model, xs, ys)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
        del loss  # free the graph outside the timed region
    gc.collect()
    return statistics.median(fwd), statistics.median(bwd), nodes


def _count_micrograd(root) -> int:
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop()._prev:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen)


def run(samples: int, repeats: int) -> dict[str, float]:
    xs, ys = make_data(samples)
    reference = micrograd_model()
    ours = ours_model(reference)
    assert abs(loss_of(ours, xs, ys).data - loss_of(reference, xs, ys).data) < 1e-9

    res = {}
    for name, model in (("ours", ours), ("micrograd", reference)):
        fwd, bwd, nodes = time_forward_backward(model, xs, ys, repeats)
        line(f"{name} graph nodes", nodes)
        line(f"{name} forward", fmt_ms(fwd))
        line(f"{name} backward", fmt_ms(bwd))
        line(f"{name} forward+backward", fmt_ms(fwd + bwd))
        res[name] = fwd + bwd
        res[f"{name}_forward"], res[f"{name}_backward"] = fwd, bwd
    line(
        "ratio micrograd / ours, forward", f"{res['micrograd_forward'] / res['ours_forward']:.1f}x"
    )
    line(
        "ratio micrograd / ours, backward",
        f"{res['micrograd_backward'] / res['ours_backward']:.1f}x",
    )
    line(
        "ratio micrograd / ours, forward+backward",
        f"{res['micrograd'] / res['ours']:.1f}x  (target >= 12x)",
    )
    return res


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="one quick pass (for tests)")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    header("mlp: MLP(2, [16, 16, 1]), summed squared error over the samples")
    if args.tiny:
        return run(samples=3, repeats=1)
    return run(samples=args.samples, repeats=args.repeats)


if __name__ == "__main__":
    main()
