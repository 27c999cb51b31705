"""The note's per-sample SGD step through `nn.MLP` against the same step hand-built from Values.

Hand-built: the note's three neurons written with `+`, `*` and `.sigmoid()` on seven
parameter Values, `e = (y - a1_2) ** 2`, `e.backward()`, θ -= α·dθ (bench_beans.py's step).
Through the library: `MLP(1, [2, 1])`, `losses.squared_error`, `optim.SGD`, one
`train.GraphStep.sample(x, y)` per bean, which is what `fit(..., compiled=False)` runs.
Both run alternately in this process; the ratio is the median of the per-pair ratios.
Target: ≤ 1.2x. The two end an epoch on the same parameters (printed).

    python benchmarks/bench_nn_step.py            # full size
    python benchmarks/bench_nn_step.py --tiny     # one quick pass, for the test suite
"""

from __future__ import annotations

import argparse

from _common import fmt_us, header, line, paired_seconds
from bench_beans import NAMES, get_beans3, ours_epoch, start_params

from micrograd_beans import Value
from micrograd_beans.losses import squared_error
from micrograd_beans.nn import MLP
from micrograd_beans.optim import SGD
from micrograd_beans.train import GraphStep

ALPHA = 0.03


def library_model() -> MLP:
    """The note's network with bench_beans' starting parameters."""
    model = MLP(1, [2, 1])
    model.load_state_dict(dict(zip(NAMES, start_params(), strict=True)))
    return model


def library_epoch(step: GraphStep, beans) -> None:
    sample = step.sample
    for x, y in beans:
        sample(x, y)


def run(epochs: int, repeats: int) -> dict[str, float]:
    beans = get_beans3(100)
    steps = epochs * len(beans)

    def hand_built():
        params = [Value(v) for v in start_params()]

        def go():
            for _ in range(epochs):
                ours_epoch(params, beans, ALPHA)

        return go

    def through_mlp():
        model = library_model()
        step = GraphStep(model, squared_error, SGD(model.parameters(), ALPHA))

        def go():
            for _ in range(epochs):
                library_epoch(step, beans)

        return go

    hand, mlp, ratio = paired_seconds(hand_built(), through_mlp(), repeats=repeats)
    line("hand-built Values (+, *, sigmoid) per step", fmt_us(hand / steps))
    line("nn.MLP + squared_error + SGD (GraphStep) per step", fmt_us(mlp / steps))

    params = [Value(v) for v in start_params()]
    ours_epoch(params, beans, ALPHA)
    model = library_model()
    library_epoch(GraphStep(model, squared_error, SGD(model.parameters(), ALPHA)), beans)
    gap = max(abs(a.data - b.data) for a, b in zip(params, model.parameters(), strict=True))
    line("max |MLP - hand-built| after one epoch", f"{gap:.1e}")
    line(
        "RATIO nn.MLP step / hand-built step",
        f"{ratio:.2f}x  (target <= 1.2; median of {repeats} paired runs)",
    )
    return {"hand": hand / steps, "mlp": mlp / steps, "ratio": ratio, "gap": gap}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="one quick pass (for tests)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of 100 beans per repeat")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    header("nn step: the note's step through nn.MLP vs hand-built Values")
    if args.tiny:
        return run(epochs=1, repeats=1)
    return run(epochs=args.epochs, repeats=args.repeats)


if __name__ == "__main__":
    main()
