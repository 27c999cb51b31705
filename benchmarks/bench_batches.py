"""Where fit's generated mini-batches switch from plain floats to numpy (`NUMPY_BATCH`).

python benchmarks/bench_batches.py          # the note's and the spiral lesson, 400 beans
python benchmarks/bench_batches.py --tiny   # a few beans, one repeat (for tests)

A compiled step (`codegen.CompiledStep`) runs an epoch in batches of k samples either in
the generated plain-float loop (each sample's lines, gradients summed) or in the generated
numpy loop (one array operation per node for the whole batch, one call per batch). Both are
timed here for one epoch, per batch size, in the same run (alternated pairs); the ratio
float / numpy above 1 means numpy is faster. `step.NUMPY_BATCH` should sit where the ratio
crosses 1 for both networks.
"""

from __future__ import annotations

import argparse
from unittest import mock

from _common import header, line, paired_seconds

from micrograd_beans.codegen import CompiledStep
from micrograd_beans.codegen import step as step_module
from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.losses import get_loss
from micrograd_beans.optim import SGD

SIZES = (8, 16, 32, 48, 64, 96, 128, 400)


def bench_lesson(name: str, beans: int, sizes: tuple[int, ...], repeats: int) -> dict[str, float]:
    lesson = get_lesson(name)
    xs, ys = lesson.make_data(0, counts=beans)
    pairs = list(zip(xs.tolist(), ys.tolist(), strict=True))[:beans]
    model = lesson.make_model(0)
    step = CompiledStep(model, get_loss(lesson.loss), SGD(model.parameters(), 1e-3))
    start = [p.data for p in model.parameters()]
    results = {}
    for size in sizes:

        def run(numpy_from: int, size: int = size) -> None:
            for p, v in zip(step.params, start, strict=True):  # every run from one start
                p.data = v
            with mock.patch.object(step_module, "NUMPY_BATCH", numpy_from):
                step.epoch(pairs, size)

        t_float, t_numpy, _ = paired_seconds(lambda: run(len(pairs) + 1), lambda: run(1), repeats)
        ratio = t_float / t_numpy
        line(f"{name} batch {size}: float / numpy", f"{ratio:.2f}  ({t_float * 1e3:.2f} ms float)")
        results[f"{name} {size}"] = ratio
    return results


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a few beans, one repeat")
    args = parser.parse_args(argv)
    beans, sizes, repeats = (16, (4, 16), 1) if args.tiny else (400, SIZES, 5)
    header("bench_batches: one epoch in batches, plain floats against numpy")
    line("NUMPY_BATCH (numpy from this many samples per update)", step_module.NUMPY_BATCH)
    line("beans per epoch", beans)
    results: dict[str, float] = {}
    for name in ("hidden-layer", "spiral"):
        results.update(bench_lesson(name, beans, sizes, repeats))
    return results


if __name__ == "__main__":
    main()
