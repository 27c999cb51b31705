"""Target 4: the note's per-sample SGD step on the 1-2-1 bean network, written with Values.

One step: forward through the three sigmoid neurons, e = (y - a1_2) ** 2, e.backward(), then
the update theta <- theta - alpha * de/dtheta. References, timed in the same run:
micrograd 0.1.0 with its sigmoid built from its own ops (1 / (1 + exp(-z)), `exp` added in
micrograd's closure style), micrograd with a one-node sigmoid shim (extra line), and the
note's hand-derived gradients in plain Python floats.

    python benchmarks/bench_beans.py            # full size
    python benchmarks/bench_beans.py --tiny     # one quick pass, for the test suite
"""

from __future__ import annotations

import argparse
import random

from _common import (
    fmt_us,
    header,
    line,
    median_seconds,
    micrograd_sigmoid,
    micrograd_sigmoid_node,
    micrograd_value,
    note_loop,
    paired_seconds,
)

from micrograd_beans import Value

ALPHA = 0.03
NAMES = ("w11_1", "b1_1", "w12_1", "b2_1", "w11_2", "w21_2", "b1_2")


def get_beans3(counts: int, seed: int = 0) -> list[tuple[float, float]]:
    """The note's bump beans: sizes in [0, 2), toxic in a middle band."""
    rng = random.Random(seed)
    xs = sorted(rng.random() * 2 for _ in range(counts))
    beans = []
    for x in xs:
        yi = 0.7 * x + (0.5 - rng.random()) / 50 + 0.5
        beans.append((x, 1.0 if 0.8 < yi < 1.4 else 0.0))
    return beans


def start_params(seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [rng.random() for _ in NAMES]


# --- ours: the note's step, written directly with Values ------------------------------------


def ours_epoch(params: list, beans, alpha: float = ALPHA) -> None:
    w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2 = params
    for x, y in beans:
        a1_1 = (w11_1 * x + b1_1).sigmoid()
        a2_1 = (w12_1 * x + b2_1).sigmoid()
        a1_2 = (w11_2 * a1_1 + w21_2 * a2_1 + b1_2).sigmoid()
        e = (y - a1_2) ** 2
        e.backward()
        for p in params:
            p.data -= alpha * p.grad
            p.grad = 0.0


def ours_own_ops_epoch(params: list, beans, alpha: float = ALPHA) -> None:
    """Ours with the sigmoid built from exp like micrograd's reference (an extra line)."""
    w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2 = params
    for x, y in beans:
        a1_1 = 1 / (1 + (-(w11_1 * x + b1_1)).exp())
        a2_1 = 1 / (1 + (-(w12_1 * x + b2_1)).exp())
        a1_2 = 1 / (1 + (-(w11_2 * a1_1 + w21_2 * a2_1 + b1_2)).exp())
        e = (y - a1_2) ** 2
        e.backward()
        for p in params:
            p.data -= alpha * p.grad
            p.grad = 0.0


# --- micrograd: the same step, the same code shape ------------------------------------------


def micrograd_epoch(params: list, beans, sigmoid, alpha: float = ALPHA) -> None:
    w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2 = params
    for x, y in beans:
        a1_1 = sigmoid(w11_1 * x + b1_1)
        a2_1 = sigmoid(w12_1 * x + b2_1)
        a1_2 = sigmoid(w11_2 * a1_1 + w21_2 * a2_1 + b1_2)
        e = (y - a1_2) ** 2
        e.backward()
        for p in params:
            p.data -= alpha * p.grad
            p.grad = 0


# --- the note's hand-derived loop in plain floats -------------------------------------------


def hand_epoch(params: list[float], beans, alpha: float = ALPHA) -> None:
    """One epoch of the note's hand-derived loop; updates `params` in place."""
    params[:] = note_loop(params, beans, alpha, 1)


def run(epochs: int, repeats: int) -> dict[str, float]:
    """Seconds per bean step for each implementation (medians), printed as they come.

    The target's two, ours and micrograd with the own-ops sigmoid, run alternately, so a
    busy machine slows both alike; the target ratio is the median of the per-pair ratios."""
    beans = get_beans3(100)
    steps = epochs * len(beans)
    MGValue = micrograd_value()

    def epochs_of(make_params, epoch, *args):
        params = make_params()

        def go():
            for _ in range(epochs):
                epoch(params, beans, *args)

        return go

    def timed(name, make_params, epoch, *args):
        per_step = median_seconds(epochs_of(make_params, epoch, *args), repeats=repeats) / steps
        line(f"{name} per step", fmt_us(per_step))
        return per_step

    ours, theirs, paired_ratio = paired_seconds(
        epochs_of(lambda: [Value(v) for v in start_params()], ours_epoch),
        epochs_of(lambda: [MGValue(v) for v in start_params()], micrograd_epoch, micrograd_sigmoid),
        repeats=repeats,
    )
    res = {"ours": ours / steps, "micrograd": theirs / steps}
    line("ours (sigmoid op) per step", fmt_us(res["ours"]))
    line("micrograd (sigmoid from its own ops) per step", fmt_us(res["micrograd"]))
    res["micrograd_node"] = timed(
        "micrograd (one-node sigmoid shim)",
        lambda: [MGValue(v) for v in start_params()],
        micrograd_epoch,
        micrograd_sigmoid_node,
    )
    res["ours_own_ops"] = timed(
        "ours (sigmoid from its own ops)",
        lambda: [Value(v) for v in start_params()],
        ours_own_ops_epoch,
    )
    res["hand"] = timed("hand-derived plain floats", start_params, hand_epoch)

    # Same start, same beans, same steps: ours and the hand-derived formulas must agree.
    ours_params = [Value(v) for v in start_params()]
    hand = start_params()
    ours_epoch(ours_params, beans)
    hand_epoch(hand, beans)
    gap = max(abs(a.data - b) for a, b in zip(ours_params, hand, strict=True))
    line("max |ours - hand| after one epoch", f"{gap:.1e}")

    res["ratio"] = paired_ratio
    line(
        "ratio micrograd (own-ops sigmoid) / ours",
        f"{paired_ratio:.1f}x  (target >= 8x; median of {repeats} paired runs)",
    )
    line("ratio micrograd (one-node sigmoid) / ours", f"{res['micrograd_node'] / res['ours']:.1f}x")
    line("ratio ours / hand-derived", f"{res['ours'] / res['hand']:.1f}x")
    return res


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="one quick pass (for tests)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of 100 beans per repeat")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    header("beans: the note's 1-2-1 per-sample SGD step")
    if args.tiny:
        return run(epochs=1, repeats=1)
    return run(epochs=args.epochs, repeats=args.repeats)


if __name__ == "__main__":
    main()
