"""Issue 14: one epoch of generated training code against a hand-written plain-float floor.

python benchmarks/bench_loops.py           # the note's lesson, every loss x optimizer
python benchmarks/bench_loops.py --tiny    # a few beans, one repeat (for tests)

For the note's lesson (`hidden-layer`, the 1-2-1 sigmoid net, per-sample), each of
{squared error, BCE} x {SGD, momentum, Adam} is timed three ways in the same run: the
generated code (the compiled step fit uses, built once outside the timed region: its
epoch is one generated loop with the optimizer's state in locals), the engine graph
(`fit(..., compiled=False)`, on fewer beans, scaled per bean) and a plain-float loop written
by hand, the floor. Timing `fit(compiled=True)` itself would count writing and compiling
the code on every call, which `fit` does once per run, not once per epoch. The floor must
land on the generated code's parameters after one epoch (printed as max |difference|).
The spiral lesson is not covered yet.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from _common import header, line, paired_seconds

from micrograd_beans.codegen import compiled_step
from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.losses import get_loss
from micrograd_beans.train import DEFAULT_LR, fit, make_optimizer

LOSSES = ("squared_error", "bce")
OPTIMIZERS = ("sgd", "momentum", "adam")
MU = 0.9  # fit's "momentum"
B1, B2, EPS = 0.9, 0.999, 1e-8  # Adam's PyTorch defaults


def _sigmoid(z: float) -> float:
    # the two-branch sigmoid: exp never overflows
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def note_floor(
    params: list[float], xs: list[float], ys: list[float], loss: str, optimizer: str, lr: float
) -> list[float]:
    """One per-sample epoch of the 1-2-1 sigmoid net, by hand, on plain floats."""
    sigmoid = _sigmoid
    p = list(params)
    n = len(p)
    vel = [0.0] * n  # momentum buffers (v = g on the first step, as mu * 0 + g)
    m = [0.0] * n
    v = [0.0] * n
    t = 0
    bce = loss == "bce"
    for x, y in zip(xs, ys, strict=True):
        w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2 = p
        a1_1 = sigmoid(w11_1 * x + b1_1)
        a2_1 = sigmoid(w12_1 * x + b2_1)
        a = sigmoid(w11_2 * a1_1 + w21_2 * a2_1 + b1_2)
        # dLoss/dz at the output: BCE from the logit is a - y
        delta = a - y if bce else -2.0 * (y - a) * a * (1.0 - a)
        delta1 = delta * w11_2 * a1_1 * (1.0 - a1_1)
        delta2 = delta * w21_2 * a2_1 * (1.0 - a2_1)
        g = (delta1 * x, delta1, delta2 * x, delta2, delta * a1_1, delta * a2_1, delta)
        if optimizer == "sgd":
            for k in range(n):
                p[k] -= lr * g[k]
        elif optimizer == "momentum":
            for k in range(n):
                vel[k] = MU * vel[k] + g[k]
                p[k] -= lr * vel[k]
        else:
            t += 1
            c1 = 1.0 - B1**t
            c2 = math.sqrt(1.0 - B2**t)
            step_size = lr / c1
            for k in range(n):
                gk = g[k]
                m[k] = B1 * m[k] + (1.0 - B1) * gk
                v[k] = B2 * v[k] + (1.0 - B2) * gk * gk
                p[k] -= step_size * m[k] / (math.sqrt(v[k]) / c2 + EPS)
    return p


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a few beans, one repeat")
    args = parser.parse_args(argv)
    beans, graph_beans, repeats = (8, 4, 1) if args.tiny else (100, 20, 7)

    header("bench_loops: one epoch, generated code against a hand-written floor (hidden-layer)")
    lesson = get_lesson("hidden-layer")
    _, xs_all, ys_all = lesson.setup(seed=0)
    xs = np.asarray(xs_all[:beans], dtype=float)
    ys = np.asarray(ys_all[:beans], dtype=float)
    line("beans per epoch", f"{len(xs)} (graph path: {graph_beans}, scaled per bean)")
    line("repeats", f"{repeats} alternated pairs, median of pair ratios")
    xl, yl = [float(x) for x in xs], [float(y) for y in ys]
    results: dict[str, float] = {}
    for loss in LOSSES:
        for opt in OPTIMIZERS:
            lr = DEFAULT_LR[opt]
            case = f"hidden-layer {loss} {opt}"
            model = lesson.setup(seed=0)[0]
            start = [q.data for q in model.parameters()]
            fit(
                model,
                xs,
                ys,
                epochs=1,
                loss=loss,
                optimizer=opt,
                lr=lr,
                compiled=True,
                progress=False,
            )
            generated = [q.data for q in model.parameters()]
            floor = note_floor(start, xl, yl, loss, opt, lr)
            diff = max(abs(a - b) for a, b in zip(generated, floor, strict=True))
            line(f"{case} max |generated - floor| after one epoch", f"{diff:.3g}")
            results[f"{case} diff"] = diff

            # one model per path, built outside the timed region (its drift does not matter)
            gen_model, graph_model = lesson.setup(seed=0)[0], lesson.setup(seed=0)[0]

            step = compiled_step(
                gen_model, get_loss(loss), make_optimizer(gen_model, opt, lr), compiled=True
            )
            pairs = list(zip(xl, yl, strict=True))

            def run_generated(step=step, pairs=pairs):
                step.epoch(pairs, 1)

            def run_floor(start=start, loss=loss, opt=opt, lr=lr):
                note_floor(start, xl, yl, loss, opt, lr)

            def run_graph(model=graph_model, loss=loss, opt=opt, lr=lr):
                fit(
                    model,
                    xs[:graph_beans],
                    ys[:graph_beans],
                    epochs=1,
                    loss=loss,
                    optimizer=opt,
                    lr=lr,
                    compiled=False,
                    progress=False,
                )

            t_floor, t_gen, gen_over_floor = paired_seconds(run_floor, run_generated, repeats)
            t_gen2, t_graph, _ = paired_seconds(run_generated, run_graph, repeats)
            # the graph ran fewer beans: compare per bean
            graph_over_gen = (t_graph / graph_beans) / (t_gen2 / len(xs))
            line(f"{case} floor per bean", f"{t_floor / len(xs) * 1e6:.2f} us")
            line(f"{case} generated per bean", f"{t_gen / len(xs) * 1e6:.2f} us")
            line(f"{case} graph per bean", f"{t_graph / graph_beans * 1e6:.2f} us")
            line(f"{case} ratio generated / floor", f"{gen_over_floor:.2f} (target <= 1.5)")
            line(f"{case} ratio graph / generated", f"{graph_over_gen:.2f}")
            results[f"{case} generated/floor"] = gen_over_floor
            results[f"{case} graph/generated"] = graph_over_gen
    return results


if __name__ == "__main__":
    main()
