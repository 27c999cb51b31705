"""Issue 14: one epoch of generated training code against a hand-written plain-float floor.

python benchmarks/bench_loops.py                   # both lessons, every loss x optimizer
python benchmarks/bench_loops.py --lesson spiral   # one lesson
python benchmarks/bench_loops.py --tiny            # a few beans, one repeat (for tests)

For the note's lesson (`hidden-layer`, the 1-2-1 sigmoid net) and the spiral lesson
(2-8-8-8-1, relu hidden, sigmoid out), per sample, each of {squared error, BCE} x
{SGD, momentum, Adam} is timed three ways in the same run:
- the generated code: the compiled step fit uses, built once outside the timed region; its
  epoch is one generated loop with the optimizer's state in locals. Timing
  `fit(compiled=True)` itself would count writing and compiling the code on every call,
  which fit does once per run, not once per epoch;
- the engine graph: `fit(..., compiled=False)` for one epoch (on fewer beans with --tiny,
  compared per bean);
- the floor, a plain-float loop written by hand: for the note every derivative written
  out as the note writes them (`note_floor`), for the spiral the loops over neurons and
  layers a learner writes for a deep net (`spiral_floor`: 177 parameters are not written
  out one by one). Both share one hand-written optimizer update (`make_update`).
Each floor must land on the generated code's parameters after one epoch (printed as
max |difference|). Target: every generated / floor ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence

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


def make_update(optimizer: str, n: int, lr: float) -> Callable[[list, Sequence], None]:
    """The optimizer's update of n parameters, by hand: `update(p, g)` moves p in place.

    Its running state (velocities; Adam's moments and step count) lives in the closure,
    as a learner would keep it in a few lists beside the training loop."""
    if optimizer == "sgd":

        def update(p, g):
            for k in range(n):
                p[k] -= lr * g[k]

        return update
    if optimizer == "momentum":
        vel = [0.0] * n  # v = g on the first step, as MU * 0 + g

        def update(p, g):
            for k in range(n):
                vel[k] = MU * vel[k] + g[k]
                p[k] -= lr * vel[k]

        return update
    m, v, t = [0.0] * n, [0.0] * n, [0]

    def update(p, g):
        t[0] += 1
        c1 = 1.0 - B1 ** t[0]
        c2 = math.sqrt(1.0 - B2 ** t[0])
        step_size = lr / c1
        for k in range(n):
            gk = g[k]
            m[k] = B1 * m[k] + (1.0 - B1) * gk
            v[k] = B2 * v[k] + (1.0 - B2) * gk * gk
            p[k] -= step_size * m[k] / (math.sqrt(v[k]) / c2 + EPS)

    return update


def note_floor(
    params: list[float], xs: list[float], ys: list[float], loss: str, optimizer: str, lr: float
) -> list[float]:
    """One per-sample epoch of the note's 1-2-1 sigmoid net, by hand, on plain floats: every
    derivative written out through the chain rule, as the note writes its SGD."""
    sigmoid = _sigmoid
    p = list(params)
    update = make_update(optimizer, len(p), lr)
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
        update(p, (delta1 * x, delta1, delta2 * x, delta2, delta * a1_1, delta * a2_1, delta))
    return p


def spiral_floor(
    params: list[float],
    xs: list[list[float]],
    ys: list[float],
    loss: str,
    optimizer: str,
    lr: float,
    sizes: Sequence[int] = (2, 8, 8, 8, 1),
) -> list[float]:
    """One per-sample epoch of the spiral lesson's net (relu hidden layers, sigmoid output),
    by hand, on plain floats: the loops over neurons a learner writes for a deep net.

    `params` is in the model's order: neuron by neuron, each neuron's weights then its bias.
    Forward keeps every layer's inputs and sums; backward walks the layers from the output,
    each neuron's delta giving its weights' gradients and its inputs' deltas.
    """
    sigmoid = _sigmoid
    p = list(params)
    update = make_update(optimizer, len(p), lr)
    bce = loss == "bce"
    layers, k = [], 0  # (first parameter index, nin, nout) of each layer
    for nin, nout in zip(sizes[:-1], sizes[1:], strict=True):
        layers.append((k, nin, nout))
        k += (nin + 1) * nout
    last = len(layers) - 1
    for x, y in zip(xs, ys, strict=True):
        inputs, sums, a = [], [], list(x)
        for li, (k0, nin, nout) in enumerate(layers):
            zs = []
            for j in range(nout):
                base = k0 + j * (nin + 1)
                z = p[base] * a[0]
                for i in range(1, nin):
                    z += p[base + i] * a[i]
                zs.append(z + p[base + nin])
            inputs.append(a)
            sums.append(zs)
            a = [sigmoid(zs[0])] if li == last else [z if z > 0.0 else 0.0 for z in zs]
        out = a[0]
        # dLoss/dz at the output: BCE from the logit is out - y
        deltas = [out - y if bce else -2.0 * (y - out) * out * (1.0 - out)]
        g = [0.0] * len(p)
        for li in range(last, -1, -1):
            k0, nin, nout = layers[li]
            a = inputs[li]
            back = [0.0] * nin
            for j in range(nout):
                d = deltas[j]
                base = k0 + j * (nin + 1)
                for i in range(nin):
                    g[base + i] = d * a[i]
                    back[i] += d * p[base + i]
                g[base + nin] = d
            if li:  # through the relu of the layer below: 1 where its sum was > 0
                deltas = [b if z > 0.0 else 0.0 for b, z in zip(back, sums[li - 1], strict=True)]
        update(p, g)
    return p


FLOORS = {"hidden-layer": note_floor, "spiral": spiral_floor}


def bench_case(
    lesson_name: str, loss: str, opt: str, beans: int, graph_beans: int, repeats: int
) -> dict[str, float]:
    """One (lesson, loss, optimizer): check the floor against generated code, then time the
    generated epoch against the floor and the graph path against the generated epoch."""
    lesson = get_lesson(lesson_name)
    _, xs_all, ys_all = lesson.setup(seed=0)
    xs = np.asarray(xs_all[:beans], dtype=float)
    ys = np.asarray(ys_all[:beans], dtype=float)
    xl, yl = xs.tolist(), ys.tolist()
    floor_fn = FLOORS[lesson_name]
    lr = DEFAULT_LR[opt]
    case = f"{lesson_name} {loss} {opt}"
    results: dict[str, float] = {}

    model = lesson.setup(seed=0)[0]
    start = [q.data for q in model.parameters()]
    fit(model, xs, ys, epochs=1, loss=loss, optimizer=opt, lr=lr, compiled=True, progress=False)
    generated = [q.data for q in model.parameters()]
    floor = floor_fn(start, xl, yl, loss, opt, lr)
    diff = max(abs(a - b) for a, b in zip(generated, floor, strict=True))
    line(f"{case} max |generated - floor| after one epoch", f"{diff:.3g}")
    results[f"{case} diff"] = diff

    # one model per path, built outside the timed region (its drift does not matter)
    gen_model, graph_model = lesson.setup(seed=0)[0], lesson.setup(seed=0)[0]
    step = compiled_step(
        gen_model, get_loss(loss), make_optimizer(gen_model, opt, lr), compiled=True
    )
    pairs = list(zip(xl, yl, strict=True))

    def run_generated():
        step.epoch(pairs, 1)

    def run_floor():
        floor_fn(start, xl, yl, loss, opt, lr)

    def run_graph():
        fit(
            graph_model,
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


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a few beans, one repeat")
    parser.add_argument(
        "--lesson", choices=sorted(FLOORS), action="append", help="only this lesson (repeatable)"
    )
    args = parser.parse_args(argv)
    beans, repeats = (8, 1) if args.tiny else (100, 7)
    # the graph path is 5-20x slower: --tiny runs it on fewer beans (compared per bean)
    graph_beans = {"hidden-layer": 4, "spiral": 2} if args.tiny else dict.fromkeys(FLOORS, beans)

    header("bench_loops: one epoch, generated code against a hand-written floor")
    line("beans per epoch", f"{beans} (graph path: {graph_beans}, scaled per bean)")
    line("repeats", f"{repeats} alternated pairs, median of pair ratios")
    results: dict[str, float] = {}
    for lesson_name in args.lesson or list(FLOORS):
        for loss in LOSSES:
            for opt in OPTIMIZERS:
                results.update(
                    bench_case(lesson_name, loss, opt, beans, graph_beans[lesson_name], repeats)
                )
    worst = max(v for k, v in results.items() if k.endswith("generated/floor"))
    line("RATIO worst generated / floor", f"{worst:.2f}x  (target <= 1.5)")
    results["worst generated/floor"] = worst
    return results


if __name__ == "__main__":
    main()
