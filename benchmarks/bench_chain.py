"""Target 3: a 3,000,000-node chain builds and backprops at the default recursion limit,
and the time per node grows linearly with the graph: judged, as the project's owner ruled,
with the garbage collector on, as the time per node at 3*10^6 nodes against 10^6 (<= 1.15x).
CPython's full collections are amortised over a growing heap, and a 10^3-node graph meets
none, so the old 10^6 / 10^3 comparison measured the collector, not the engine; it is still
printed, for reference.

The chain is y = y * c + c: four nodes a step (two constants, two op results).

    python benchmarks/bench_chain.py            # 10^3 ... 3*10^6 nodes
    python benchmarks/bench_chain.py --tiny     # small sizes, for the test suite
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

from _common import fmt_us, header, line, micrograd_value

from micrograd_beans import Value

C = 0.5


def build_and_backprop(value_type, steps: int):
    y = value_type(1.0)
    for _ in range(steps):
        y = y * C + C
    y.backward()
    return y


def seconds_per_node(nodes: int, repeats: int, collector: bool = True) -> float:
    """Median build+backward seconds per node. Freeing each chain happens outside the timed
    region; small chains are timed in batches so the timer's resolution does not matter.
    `collector=False` times with the garbage collector off (the engine's own work only)."""
    steps = nodes // 4
    batch = max(1, 100_000 // nodes)
    totals = []
    for _ in range(repeats + 1):  # the first is a warm-up
        gc.collect()
        total = 0.0
        for _ in range(batch):
            if not collector:
                gc.disable()
            start = time.perf_counter()
            y = build_and_backprop(Value, steps)
            total += time.perf_counter() - start
            gc.enable()
            del y
        totals.append(total)
    gc.collect()
    return statistics.median(totals[1:]) / (batch * (4 * steps + 1))


def collector_share(nodes: int) -> tuple[list[int], float, float]:
    """One build+backward of the chain with the collector on, timing its passes through
    gc.callbacks: (passes per generation, seconds inside them, seconds in all)."""
    counts, spent, started = [0, 0, 0], [0.0], [0.0]

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            counts[info["generation"]] += 1
            spent[0] += time.perf_counter() - started[0]

    gc.collect()
    gc.callbacks.append(watch)
    try:
        start = time.perf_counter()
        y = build_and_backprop(Value, nodes // 4)
        total = time.perf_counter() - start
    finally:
        gc.callbacks.remove(watch)
    del y
    gc.collect()
    return counts, spent[0], total


def run(sizes: list[int], repeats: int) -> dict[int, float]:
    line("recursion limit", sys.getrecursionlimit())
    per_node = {}
    for nodes in sizes:
        reps = repeats if nodes < 1_000_000 else max(3, repeats // 2)
        per_node[nodes] = seconds_per_node(nodes, reps)
        line(f"ours build+backward per node at {nodes:,} nodes", fmt_us(per_node[nodes]))
    # The target: the two largest sizes, 3x apart, with the collector on.
    below, top = sorted(sizes)[-2:]
    line(
        f"ratio per node {top:,} / {below:,}",
        f"{per_node[top] / per_node[below]:.2f}  (target <= 1.15)",
    )
    small, large = per_node[min(sizes)], per_node[max(sizes)]
    line(
        f"ratio per node {max(sizes):,} / {min(sizes):,}",
        f"{large / small:.2f}  (retired target, the collector's share; for reference)",
    )

    # CPython's collector re-scans the whole live heap every time it grows by ~25%; the
    # same two sizes with it off show how much of the ratio is the engine's own work.
    off = {
        n: seconds_per_node(n, repeats if n < 1_000_000 else 3, collector=False)
        for n in (min(sizes), max(sizes))
    }
    for n, t in off.items():
        line(f"ours per node at {n:,} nodes, gc off", fmt_us(t))
    line(
        f"ratio per node {max(sizes):,} / {min(sizes):,}, gc off",
        f"{off[max(sizes)] / off[min(sizes)]:.2f}",
    )

    # Where the rest goes: one more build at each end, timing the collector's own passes.
    for n in (min(sizes), max(sizes)):
        counts, seconds, total = collector_share(n)
        line(
            f"collector at {n:,} nodes",
            f"{counts[2]} full + {counts[1]} middle + {counts[0]} young passes, "
            f"{fmt_us(seconds / n)} per node of {fmt_us(total / n)}",
        )

    MGValue = micrograd_value()
    for nodes in (1_000, 2_000):
        try:
            build_and_backprop(MGValue, nodes // 4)
            line(f"micrograd at {nodes:,} nodes", "ok")
        except RecursionError:
            line(f"micrograd at {nodes:,} nodes", "RecursionError (recursive topological sort)")
    return per_node


def main(argv: list[str] | None = None) -> dict[int, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="small sizes (for tests)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    header("chain: y = y * c + c, build + backward, time per node")
    if args.tiny:
        return run([1_000, 3_000], repeats=1)
    return run([1_000, 10_000, 100_000, 1_000_000, 3_000_000], repeats=args.repeats)


if __name__ == "__main__":
    main()
