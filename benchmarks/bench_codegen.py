"""Issue 8 targets: the note's training through generated code, against the note's own formulas.

1. Per-sample SGD, the note's full run (5000 epochs x 100 bump beans, alpha = 0.03, beans in
   order): the generated loop (`CompiledGraph.optimizer_loop("sgd")`) against the note's
   hand-derived gradients as a plain-Python loop with local variables (the fastest way to
   write the note's code; `by_hand.train`, the library's dict-based version, is shown too).
   Target: ratio <= 1.5, and final parameters equal to the dynamic engine's (<= 1e-9): the
   engine's own run through `fit` (about 10 s) is made once, untimed against the others.
2. Full-batch gradient descent on the same beans: one epoch of the generated numpy loop
   (`CompiledGraph.full_batch_loop(record_loss=False)`, doing the same work) against the
   note's formulas written in numpy (sigmoid as 1 / (1 + np.exp(-z)), sums with np.sum).
   Target: ratio <= 1.0. The loop that also sums the loss every epoch (what fit records) is
   shown beside it.

    python benchmarks/bench_codegen.py           # full size
    python benchmarks/bench_codegen.py --tiny    # one quick pass, for the test suite
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np
from _common import line, median_seconds, note_loop, paired_seconds

from micrograd_beans.codegen import CompiledStep
from micrograd_beans.course import by_hand
from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.losses import squared_error
from micrograd_beans.optim import SGD

ALPHA = 0.03


def note_numpy(
    params: list[float], x: np.ndarray, y: np.ndarray, alpha: float, epochs: int
) -> list[float]:
    """Full-batch descent on the mean squared error with the note's formulas in numpy."""
    w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2 = params
    n = len(x)
    for _ in range(epochs):
        a1_1 = 1.0 / (1.0 + np.exp(-(w11_1 * x + b1_1)))
        a2_1 = 1.0 / (1.0 + np.exp(-(w12_1 * x + b2_1)))
        a1_2 = 1.0 / (1.0 + np.exp(-(w11_2 * a1_1 + w21_2 * a2_1 + b1_2)))
        delta = -2.0 * (y - a1_2) * a1_2 * (1.0 - a1_2)
        delta1 = delta * w11_2 * a1_1 * (1.0 - a1_1)
        delta2 = delta * w21_2 * a2_1 * (1.0 - a2_1)
        w11_1 -= alpha * np.sum(delta1 * x) / n
        b1_1 -= alpha * np.sum(delta1) / n
        w12_1 -= alpha * np.sum(delta2 * x) / n
        b2_1 -= alpha * np.sum(delta2) / n
        w11_2 -= alpha * np.sum(delta * a1_1) / n
        w21_2 -= alpha * np.sum(delta * a2_1) / n
        b1_2 -= alpha * np.sum(delta) / n
    return [float(v) for v in (w11_1, b1_1, w12_1, b2_1, w11_2, w21_2, b1_2)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="one quick pass (for the tests)")
    args = parser.parse_args(argv)
    epochs, repeats, batch_epochs = (5, 1, 20) if args.tiny else (5000, 7, 2000)

    lesson = get_lesson("hidden-layer")
    model, xs, ys = lesson.setup(0)
    start = [p.data for p in model.parameters()]
    beans = list(zip(xs.tolist(), ys.tolist(), strict=True))
    compiled = CompiledStep(model, squared_error, SGD(model.parameters(), ALPHA)).compiled
    sgd_loop = compiled.optimizer_loop("sgd").function
    numpy_loop = compiled.full_batch_loop(record_loss=False).function  # the note's work
    numpy_loop_loss = compiled.full_batch_loop().function  # also sums the loss, as fit does

    def sgd(beans, params, alpha, epochs):  # no optimizer state, hyper (lr,), no fixed leaves
        return sgd_loop(beans, params, (), (alpha,), epochs, 1, ())

    def full(n, columns, params, alpha, epochs, scale):
        return numpy_loop(n, columns, params, (), (alpha,), epochs, scale, ())

    def full_loss(n, columns, params, alpha, epochs, scale):
        return numpy_loop_loss(n, columns, params, (), (alpha,), epochs, scale, ())

    line("benchmark", "issue 8: generated chain-rule code vs the note's hand-derived code")
    line(
        "python",
        f"{platform.python_implementation()} {sys.version.split()[0]}, numpy {np.__version__}",
    )
    line("run", f"the note's network, {len(beans)} bump beans, seed 0, alpha {ALPHA}")

    # 1. per-sample SGD, the note's full training
    t_hand, t_comp, r_sgd = paired_seconds(
        lambda: note_loop(start, beans, ALPHA, epochs),
        lambda: sgd(beans, start, ALPHA, epochs),
        repeats,
    )
    t_lib = median_seconds(
        lambda: by_hand.train(
            dict(zip(by_hand.PARAM_NAMES, start, strict=True)), xs, ys, ALPHA, max(1, epochs // 10)
        ),
        1,
    ) * (epochs / max(1, epochs // 10))
    final_comp = sgd(beans, start, ALPHA, epochs)[0]
    final_hand = note_loop(start, beans, ALPHA, epochs)
    line("per-sample epochs", f"{epochs} x {len(beans)} beans")
    line("note's loop, plain Python (locals)", f"{t_hand * 1e3:.1f} ms")
    line("by_hand.train (dicts, estimated from a tenth)", f"{t_lib * 1e3:.1f} ms")
    line("generated loop (compiled)", f"{t_comp * 1e3:.1f} ms")
    line("RATIO compiled / note's loop", f"{r_sgd:.2f}  (target <= 1.5; median of paired runs)")

    from micrograd_beans.train import fit

    timed = lesson.make_model(0)
    t0 = time.perf_counter()
    fit(timed, xs, ys, epochs=epochs, lr=ALPHA, progress=False, compiled=True)
    t_fit = time.perf_counter() - t0
    line(
        "fit(compiled=True), one run (history and accuracy included)",
        f"{t_fit * 1e3:.1f} ms  (ratio {t_fit / t_hand:.2f})",
    )

    dyn = lesson.make_model(0)
    t0 = time.perf_counter()
    fit(dyn, xs, ys, epochs=epochs, lr=ALPHA, progress=False, step=None)
    t_dyn = time.perf_counter() - t0
    final_dyn = [p.data for p in dyn.parameters()]
    diff_dyn = max(abs(a - b) for a, b in zip(final_comp, final_dyn, strict=True))
    diff_hand = max(abs(a - b) for a, b in zip(final_comp, final_hand, strict=True))
    line(
        "dynamic engine (fit, one run)",
        f"{t_dyn * 1e3:.1f} ms  ({t_dyn / t_comp:.0f}x the compiled)",
    )
    line("max |compiled - engine| final params", f"{diff_dyn:.3g}  (target <= 1e-9)")
    line("max |compiled - note's loop| final params", f"{diff_hand:.3g}")
    line(
        "final params",
        "  ".join(f"{n}={v:.6g}" for n, v in zip(by_hand.PARAM_NAMES, final_comp, strict=True)),
    )

    # 2. full-batch descent: one epoch of numpy code
    x, y = xs.astype(float), ys.astype(float)
    n = len(x)
    t_np, t_gen, r_full = paired_seconds(
        lambda: note_numpy(start, x, y, ALPHA, batch_epochs),
        lambda: full(n, [x, y], start, ALPHA, batch_epochs, 1.0 / n),
        repeats,
    )
    _, t_loss, r_loss = paired_seconds(
        lambda: note_numpy(start, x, y, ALPHA, batch_epochs),
        lambda: full_loss(n, [x, y], start, ALPHA, batch_epochs, 1.0 / n),
        repeats,
    )
    final_np = note_numpy(start, x, y, ALPHA, batch_epochs)
    final_gen = full(n, [x, y], start, ALPHA, batch_epochs, 1.0 / n)[0]
    line("full-batch epochs timed", f"{batch_epochs} (mean squared error, {n} beans)")
    line("note's formulas in numpy, per epoch", f"{t_np / batch_epochs * 1e6:.2f} us")
    line("generated numpy loop, per epoch", f"{t_gen / batch_epochs * 1e6:.2f} us")
    line("RATIO generated / note's numpy", f"{r_full:.2f}  (target <= 1.0; median of paired runs)")
    line(
        "generated numpy loop recording the loss (as fit), per epoch",
        f"{t_loss / batch_epochs * 1e6:.2f} us  (ratio {r_loss:.2f})",
    )
    line(
        "max |generated - note's numpy| final params",
        f"{max(abs(a - float(b)) for a, b in zip(final_np, final_gen, strict=True)):.3g}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
