"""Target 2: bytes per graph node, by tracemalloc, on the chain y = y * c + c.

Every step makes four nodes: two constants (the number c entering `*` and `+`) and two op
results. The count includes the constants and the starting leaf. Python's own memory for
the graph is all of it: node objects, operand tuples, floats and ints they hold.

    python benchmarks/bench_memory.py            # 100,000 steps (400,001 nodes)
    python benchmarks/bench_memory.py --tiny     # a short chain, for the test suite
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc

from _common import header, line, micrograd_value

from micrograd_beans import Value

C = 0.5


def chain(value_type, steps: int):
    y = value_type(1.0)
    for _ in range(steps):
        y = y * C + C
    return y


def bytes_per_node(value_type, steps: int) -> tuple[float, float]:
    """Bytes per node of the built graph, and after backward() (which adds gradients)."""
    nodes = 4 * steps + 1
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        y = chain(value_type, steps)
        built = tracemalloc.get_traced_memory()[0] - before
        try:
            y.backward()
            after_backward = (tracemalloc.get_traced_memory()[0] - before) / nodes
        except RecursionError:
            after_backward = float("nan")  # micrograd's recursive sort cannot walk the chain
        del y
    finally:
        tracemalloc.stop()
    gc.collect()
    return built / nodes, after_backward


def run(steps: int) -> dict[str, float]:
    line("chain steps", steps)
    line("chain nodes (constants counted)", 4 * steps + 1)
    ours, ours_after = bytes_per_node(Value, steps)
    line("ours bytes/node", f"{ours:.1f}  (target <= 150)")
    line("ours bytes/node after backward", f"{ours_after:.1f}")
    theirs, theirs_after = bytes_per_node(micrograd_value(), steps)
    line("micrograd bytes/node", f"{theirs:.1f}")
    if theirs_after == theirs_after:
        line("micrograd bytes/node after backward", f"{theirs_after:.1f}")
    else:
        line("micrograd bytes/node after backward", "RecursionError (recursive topological sort)")
    line("ratio ours / micrograd", f"{ours / theirs:.2f}  (target <= 0.25)")
    return {"ours": ours, "micrograd": theirs, "ours_after_backward": ours_after}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a short chain (for tests)")
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args(argv)
    header("memory: tracemalloc bytes per node, chain y = y * c + c")
    return run(100 if args.tiny else args.steps)


if __name__ == "__main__":
    main()
